"""Domain table: weights, ClinESSDAI weights, allowed levels and level validation."""

import pytest

from fhir_mappings.code_tables.essdai_codesystem import DOMAINS
from scoring.domains import (CLINESSDAI_WEIGHTS, CLINESSDAI_WEIGHTS_SOURCE, DOMAIN_TABLE, ESSDAI_WEIGHTS, InvalidLevel,
                             max_score, validate_level)


def test_domains_follow_the_codesystem():
    assert tuple(DOMAIN_TABLE) == DOMAINS


def test_weights_and_maxima():
    assert ESSDAI_WEIGHTS == {"constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
                              "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
                              "hematological": 2, "biological": 1}
    assert CLINESSDAI_WEIGHTS == {"constitutional": 4, "lymphadenopathy": 4, "glandular": 2, "articular": 3,
                                  "cutaneous": 3, "pulmonary": 6, "renal": 6, "muscular": 7, "pns": 5, "cns": 5,
                                  "hematological": 2}
    assert (sum(ESSDAI_WEIGHTS.values()), max_score(ESSDAI_WEIGHTS)) == (43, 123)
    assert (sum(CLINESSDAI_WEIGHTS.values()), max_score(CLINESSDAI_WEIGHTS)) == (47, 135)
    assert "medium confidence, not verified against S3" in CLINESSDAI_WEIGHTS_SOURCE


@pytest.mark.parametrize(
    ("domain", "level"),
    [("cns", 0), ("cns", 2), ("cns", 3), ("glandular", 2), ("constitutional", 1), ("biological", 2),
     ("muscular", 3), ("hematological", 0)],
)
def test_allowed_levels_pass(domain, level):
    assert validate_level(domain, level) == level


@pytest.mark.parametrize(
    ("domain", "level", "message"),
    [
        pytest.param("cns", 1, "cns has no level 1 (allowed: 0, 2, 3)", id="cns-1"),
        pytest.param("glandular", 3, "glandular has no level 3 (allowed: 0, 1, 2)", id="glandular-3"),
        pytest.param("constitutional", 3, "constitutional has no level 3 (allowed: 0, 1, 2)", id="constitutional-3"),
        pytest.param("biological", 3, "biological has no level 3 (allowed: 0, 1, 2)", id="biological-3"),
        pytest.param("renal", 4, "renal has no level 4 (allowed: 0, 1, 2, 3)", id="renal-4"),
        pytest.param("renal", -1, "renal has no level -1 (allowed: 0, 1, 2, 3)", id="negative"),
        pytest.param("renal", True, "renal level must be an integer, got True", id="bool"),
        pytest.param("renal", 2.0, "renal level must be an integer, got 2.0", id="float"),
        pytest.param("renal", "2", "renal level must be an integer, got '2'", id="string"),
        pytest.param("haematological", 1, "unknown ESSDAI domain 'haematological'", id="unknown-domain"),
    ],
)
def test_invalid_levels_are_rejected_clearly(domain, level, message):
    with pytest.raises(InvalidLevel) as err:
        validate_level(domain, level)
    assert str(err.value) == message
    assert isinstance(err.value, ValueError)
    assert (err.value.domain, err.value.level) == (domain, level)
