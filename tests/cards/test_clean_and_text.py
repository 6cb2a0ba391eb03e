"""clean() and the text helpers: empty-member removal, markdown escaping, the summary limit."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cards import clean
from cards.text import SUMMARY_FALLBACK, SUMMARY_MAX_CHARS, escape_markdown, fit_summary, format_value


def test_clean_drops_every_kind_of_empty_at_every_depth_and_keeps_false_and_zero():
    raw = {"a": None, "b": "", "c": [], "d": {}, "e": 0, "f": False, "g": {"h": None, "i": [None, "", {}]},
           "j": [1, None, {"k": ""}, {"l": 2}], "m": ("x", "")}
    assert clean(raw) == {"e": 0, "f": False, "j": [1, {"l": 2}], "m": ["x"]}


def test_clean_of_only_empty_members_is_empty():
    assert clean({"a": {"b": {"c": None}}}) == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Observation/abc_1", r"Observation/abc\_1", id="underscore"),
        pytest.param("IgG *high*", r"IgG \*high\*", id="emphasis"),
        pytest.param("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>", id="raw-html"),
        pytest.param("[click](http://evil)", r"\[click\](http://evil)", id="link"),
        pytest.param("a | b", r"a \| b", id="table-pipe"),
        pytest.param("line one\nline two", "line one line two", id="newline-collapsed"),
        pytest.param("- item", r"\- item", id="leading-list-marker"),
        pytest.param("1. item", r"1\. item", id="leading-ordered-marker"),
        pytest.param("1.5", "1.5", id="decimal-untouched"),
        pytest.param("-5", "-5", id="negative-untouched"),
        pytest.param("# title", r"\# title", id="heading"),
        pytest.param("`code`", r"\`code\`", id="code"),
        pytest.param("&amp;", r"\&amp;", id="entity"),
        pytest.param(None, "", id="none"),
        pytest.param(350.0, "350", id="whole-float"),
        pytest.param(True, "yes", id="bool"),
    ],
)
def test_escape_markdown(raw, expected):
    assert escape_markdown(raw) == expected


def _escape_markdown_reference(text: str) -> str:
    """escape_markdown as first written (no fast path for inert text): the fast path must agree with it."""
    text = " ".join(text.split())
    text = re.sub(r"([\\`*_\[\]<>|~#&!])", r"\\\1", text)
    return re.sub(r"^(\d{1,9})([.)])(?=\s|$)|^([-+])(?=\s|$)",
                  lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1.)-+ _*|<#&!\\\n\t\x1c\x85\u00a0\u2003")) | st.characters(),
               max_size=12))
@example("-")
@example("12)")
@example("1.")
@example(" a")
@example("a  b")
@example("a\x1fb")
def test_escape_markdown_fast_path_agrees_with_the_full_escaping(text):
    assert escape_markdown(text) == _escape_markdown_reference(text)


@pytest.mark.parametrize(("raw", "expected"), [(0.45, "0.45"), (17.5, "17.5"), (2.0, "2"), (1 / 3, "0.3333"),
                                                (5, "5"), (False, "no"), ("text", "text")])
def test_format_value(raw, expected):
    assert format_value(raw) == expected


@pytest.mark.parametrize(
    ("length", "accepted"),
    [pytest.param(SUMMARY_MAX_CHARS, True, id="139-accepted"), pytest.param(SUMMARY_MAX_CHARS + 1, False, id="140-rejected")],
)
def test_fit_summary_limit_edge(length, accepted):
    candidate = "x" * length
    assert (fit_summary([candidate, "fallback"]) == candidate) is accepted


def test_fit_summary_takes_the_first_candidate_that_fits():
    assert fit_summary(["y" * 200, "short one", "shorter"]) == "short one"


def test_fit_summary_never_cuts_a_sentence(caplog):
    """Nothing fits (a caller without its short fixed last sentence): a whole fallback sentence, logged."""
    long = "ALC " + " ".join(["123456"] * 30) + "."
    with caplog.at_level("ERROR", logger="essdai_cds.cards"):
        assert fit_summary([long, long]) == SUMMARY_FALLBACK
    assert "none of 2 card summary candidates fits 139 characters" in caplog.text
    assert len(SUMMARY_FALLBACK) < 140 and SUMMARY_FALLBACK.endswith(".") and "…" not in SUMMARY_FALLBACK


def test_narrow_table_has_at_most_four_columns_and_one_line_cells() -> None:
    import pytest

    from cards.table import narrow_table

    assert narrow_table(["A", "B"], [["x\ny", "a|b"]]) == "| A | B |\n|---|---|\n| x y | a\\|b |"
    with pytest.raises(ValueError, match="1 to 4 columns, not 5"):
        narrow_table(["a", "b", "c", "d", "e"], [])
    with pytest.raises(ValueError, match="row of 1 cells"):
        narrow_table(["a", "b"], [["x"]])


def test_dates_in_words_and_references_taken_out_of_finding_text() -> None:
    from cards.text import date_words, without_references

    assert date_words("2026-11-03") == "3 Nov 2026"
    assert date_words("2026-11-12T08:30:00Z") == "12 Nov 2026"
    assert date_words("sometime") == "sometime"
    assert without_references("ALC 400/mm³ on 2026-11-13 (Observation/32ac-f2) is low") == "ALC 400/mm³ on 2026-11-13 is low"
    assert without_references("Sjögren's (active, 2022-10-12, Condition/39a1).") == "Sjögren's (active, 2022-10-12)."
    assert without_references("eGFR 45 mL/min/1.73 m²") == "eGFR 45 mL/min/1.73 m²"


# --- lab evidence shows the cut-off that decided it (issue 14 point 3) -------------------------------
def test_evidence_words_show_the_deciding_cut_off_before_the_note():
    from cards.evidence import evidence_view, evidence_words
    igg = {"reference": "Observation/igg", "display": "IgG [Mass/volume] in Serum", "value": 17.2, "unit": "g/L",
           "date": "2026-11-03", "code": "http://loinc.org|2465-3", "threshold": ">= 16",
           "note": "attribution to Sjögren's presumed"}
    assert evidence_words(evidence_view(igg)) == "IgG 17.2 g/L, 3 Nov 2026 (≥ 16; attribution to Sjögren's presumed)"
    assert evidence_words(evidence_view(igg | {"threshold": "> 20", "note": None})) == "IgG 17.2 g/L, 3 Nov 2026 (\\> 20)"  # markdown-escaped, renders "> 20"
    assert evidence_words(evidence_view({k: v for k, v in igg.items() if k not in ("threshold", "note")})) \
        == "IgG 17.2 g/L, 3 Nov 2026"


def test_a_derived_cut_off_follows_the_value_it_applies_to():
    """CK is graded as a multiple of ULN, weight loss in %: their cut-off names its unit and follows the note
    that gives the derived value, not the U/L or kg of the result."""
    from cards.evidence import evidence_view, evidence_words
    ck = {"reference": "Observation/ck", "display": "CK", "value": 300, "unit": "U/L", "date": "2026-11-03",
          "threshold": "> 2 x ULN", "note": "2.50 x ULN; attribution to Sjögren's presumed"}
    assert evidence_words(evidence_view(ck)) == \
        "CK 300 U/L, 3 Nov 2026 (2.50 x ULN, \\> 2 x ULN; attribution to Sjögren's presumed)"
    weight = {"reference": "Observation/w", "display": "Body weight", "value": 60, "unit": "kg", "date": "2026-11-03",
              "threshold": "> 10 %", "note": "14.3 % below the highest earlier weight"}
    assert evidence_words(evidence_view(weight)) == \
        "Body weight 60 kg, 3 Nov 2026 (14.3 % below the highest earlier weight, \\> 10 %)"
