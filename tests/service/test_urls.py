"""configuration.urls: the one strict parse of every URL the service is given (exact outcomes)."""

from __future__ import annotations

import pytest

from configuration.urls import ParsedUrl, UnusableUrl, is_under, parse_url

BASE = "https://fhir.example.org/r4"


@pytest.mark.parametrize(("url", "parsed"), [
    ("https://fhir.example.org/r4", ParsedUrl("https", "fhir.example.org", 443, ("r4",), "")),
    ("HTTPS://FHIR.Example.org:443/r4/", ParsedUrl("https", "fhir.example.org", 443, ("r4",), "")),
    ("http://127.0.0.1:8090/fhir/Observation?patient=p1&code=http://loinc.org%7C1-8",
     ParsedUrl("http", "127.0.0.1", 8090, ("fhir", "Observation"), "patient=p1&code=http://loinc.org%7C1-8")),
    ("http://[::1]:8080/fhir", ParsedUrl("http", "::1", 8080, ("fhir",), "")),
    ("http://[0:0:0:0:0:0:0:1]/fhir", ParsedUrl("http", "::1", 80, ("fhir",), "")),
    ("https://h.example/fhir/Patient?name=a%20b", ParsedUrl("https", "h.example", 443, ("fhir", "Patient"), "name=a%20b")),
])
def test_accepted(url, parsed):
    assert parse_url(url) == parsed


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1:99999/fhir", "invalid port"),
    ("http://127.0.0.1:20600x/fhir", "invalid port"),
    ("http://127.0.0.1:0/fhir", "invalid port"),
    ("http://127.0.0.1:/fhir", "invalid port"),
    ("http://127.0.0.1:+80/fhir", "invalid port"),
    ("http://[::1/fhir", "not a URL"),
    ("http://[::1]x/fhir", "broken IPv6 literal"),
    ("http://[::g]/fhir", "not a URL"),
    ("http://::1/fhir", "invalid host"),
    ("http://h_x.example/fhir", "invalid host"),
    ("http:///fhir", "invalid host"),
    ("http://h/fh\nir", "control, space or non-ASCII character in the URL"),
    ("http://h/fhir\t", "control, space or non-ASCII character in the URL"),
    ("http://h/fh ir", "control, space or non-ASCII character in the URL"),
    ("http://h/fhir/é", "control, space or non-ASCII character in the URL"),
    ("http://h/fhir\\..\\admin", "control, space or non-ASCII character in the URL"),
    ("http://h/fhir/%0a", "encoded control character in the URL"),
    ("http://h/fhir?x=%00", "encoded control character in the URL"),
    ("http://h/fhir/../admin", "path segment not allowed"),
    ("http://h/fhir/./x", "path segment not allowed"),
    ("http://h/fhir/%2e%2E/admin", "path segment not allowed"),
    ("http://h/fhir/.%2e/admin", "path segment not allowed"),
    ("http://h/fhir/a%2fb", "path segment not allowed"),
    ("http://h/fhir//x", "path segment not allowed"),
    ("http://user:pw@h/fhir", "credentials not allowed in a URL"),
    ("http://h@evil.example/fhir", "credentials not allowed in a URL"),
    ("http://h/fhir#frag", "fragment not allowed"),
    ("ftp://h/fhir", "scheme must be http or https"),
    ("Patient/1", "scheme must be http or https"),
    ("", "not a URL"),
    (None, "not a URL"),
    (42, "not a URL"),
])
def test_refused(url, why):
    with pytest.raises(UnusableUrl) as exc:
        parse_url(url)
    assert str(exc.value) == why


@pytest.mark.parametrize(("url", "under"), [
    (BASE, True),
    (BASE + "/", True),
    (BASE + "/Observation?page=2", True),
    ("https://fhir.example.org:443/r4/Patient/1", True),
    ("https://FHIR.example.org/r4/Patient/1", True),
    (BASE + "/../admin/Patient", False),
    (BASE + "/%2e%2e/admin", False),
    (BASE + "2/Patient", False),
    ("https://fhir.example.org/admin", False),
    ("http://fhir.example.org/r4/Patient", False),
    ("https://fhir.example.org:8443/r4/Patient", False),
    ("https://fhir.example.org.evil/r4/Patient", False),
    ("https://fhir.example.org:99999/r4/Patient", False),
])
def test_is_under(url, under):
    assert is_under(url, BASE) is under
