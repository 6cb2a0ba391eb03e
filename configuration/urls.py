"""Every absolute URL the service is given, parsed once and strictly (`parse_url`).

Used for FHIR_ALLOWLIST and the other configured URLs, a hook call's `fhirServer`, the worksheet's
`iss`, Bundle `next` links and absolute references. `urllib.parse.urlsplit` accepts what a FHIR
server never needs and raises late (`.port` on `:99999` or `:20600x`, `[::1` as a host), and
requests/urllib3 then normalise `..` away or strip a tab/newline from the path, so a URL that looked
like `<base>/...` can reach another path of the same host with the bearer token. Refused here:

| what                                            | why                                                   |
|-------------------------------------------------|-------------------------------------------------------|
| scheme other than http/https                    | nothing else is a FHIR REST base                       |
| any byte outside printable ASCII (incl. space,  | WHATWG/urllib3 strip tab/newline: the path sent is not |
| tab, newline, DEL), a backslash, raw or `%xx`   | the one checked; `\\` is a `/` to browsers             |
| userinfo (`user:pass@`)                         | credentials in a URL; host confusion (`a@b`)           |
| port not 1..65535 digits                        | `urlsplit(...).port` raises ValueError (was a 500)     |
| host not a DNS name/IPv4, or a broken `[IPv6]`  | `urlsplit` raises ValueError (was a 500)               |
| a `.` or `..` segment, also `%2e`/`%2E%2e`      | the server resolves it: `<base>/../admin`              |
| an encoded `/` in a segment (`%2f`), `//`       | servers and proxies differ on them                     |
| a fragment                                      | never sent; a link with one is not a FHIR URL          |

Errors raise `UnusableUrl` (a ValueError) with a fixed message, never the URL (it may hold ids).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["UnusableUrl", "ParsedUrl", "parse_url", "is_under"]

MAX_URL_LEN = 4096
_PRINTABLE = re.compile(r"^[\x21-\x7e]*$")  # printable ASCII, no space
_HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # checked after percent-decoding (`%0a`, `%09`, `%00`)
_PORT = re.compile(r"^[0-9]{1,5}$")
_DEFAULT_PORT = {"http": 80, "https": 443}


class UnusableUrl(ValueError):
    pass


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str  # lower case
    host: str  # lower case; an IPv6 literal in its compressed form, without brackets
    port: int  # explicit or the scheme's default
    segments: tuple[str, ...]  # path segments as sent (still percent-encoded); no trailing empty one
    query: str

    @property
    def origin(self) -> tuple[str, str, int]:
        return self.scheme, self.host, self.port

    def under(self, base: ParsedUrl) -> bool:
        """Same origin, and the path is the base path or below it (segment-wise, so `/fhir2` is not under `/fhir`)."""
        return self.origin == base.origin and self.segments[:len(base.segments)] == base.segments


def _host(netloc_host: str) -> str:
    if netloc_host.startswith("["):
        if not netloc_host.endswith("]"):
            raise UnusableUrl("broken IPv6 literal")
        try:
            return str(ipaddress.IPv6Address(netloc_host[1:-1]))
        except ValueError:
            raise UnusableUrl("broken IPv6 literal") from None
    host = netloc_host.lower()
    if "[" in host or "]" in host or not _HOST_NAME.match(host):
        raise UnusableUrl("invalid host")
    return host


def _split_netloc(netloc: str) -> tuple[str, str | None]:
    """(host part, port text or None), without trusting urlsplit's lazy `.hostname`/`.port`."""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise UnusableUrl("broken IPv6 literal")
        host, rest = netloc[:end + 1], netloc[end + 1:]
        if rest and not rest.startswith(":"):
            raise UnusableUrl("broken IPv6 literal")
        return host, (rest[1:] if rest else None)
    host, sep, port = netloc.partition(":")
    return host, (port if sep else None)


def _segments(path: str) -> tuple[str, ...]:
    if path and not path.startswith("/"):
        raise UnusableUrl("invalid path")
    parts = path.split("/")[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]  # one trailing slash is the same base
    for seg in parts:
        decoded = unquote(seg)
        if seg == "" or decoded in (".", "..") or "/" in decoded or "\\" in decoded:
            raise UnusableUrl("path segment not allowed")
        if _CONTROL.search(decoded):
            raise UnusableUrl("encoded control character in the path")
    return tuple(parts)


def parse_url(url: object) -> ParsedUrl:
    """The strict parse of an absolute http(s) URL; `UnusableUrl` for anything in the table above."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LEN:
        raise UnusableUrl("not a URL")
    if not _PRINTABLE.match(url) or "\\" in url:
        raise UnusableUrl("control, space or non-ASCII character in the URL")
    if _CONTROL.search(unquote(url)):
        raise UnusableUrl("encoded control character in the URL")
    try:
        parts = urlsplit(url)
    except ValueError:
        raise UnusableUrl("not a URL") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORT:
        raise UnusableUrl("scheme must be http or https")
    if parts.fragment or url.endswith("#"):
        raise UnusableUrl("fragment not allowed")
    if "@" in parts.netloc:
        raise UnusableUrl("credentials not allowed in a URL")
    host_text, port_text = _split_netloc(parts.netloc)
    host = _host(host_text)
    if port_text is None or port_text == "":
        if port_text == "":
            raise UnusableUrl("invalid port")
        port = _DEFAULT_PORT[scheme]
    else:
        if not _PORT.match(port_text) or not 1 <= int(port_text) <= 65535:
            raise UnusableUrl("invalid port")
        port = int(port_text)
    return ParsedUrl(scheme, host, port, _segments(parts.path), parts.query)


def is_under(url: object, base: object) -> bool:
    """`url` parses and lies at or below `base` (which parses too); False otherwise, never an exception."""
    try:
        return parse_url(url).under(parse_url(base))
    except UnusableUrl:
        return False
