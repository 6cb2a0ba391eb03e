"""Property: any mix of findings, measurements and conditions scores without raising, and the ranges
stay consistent (lo <= hi <= domain max, CNS never 1, score <= max, decided outcomes agree)."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scoring_builders import condition, facts, finding, lab

import scoring
from fhir_mappings.code_tables.essdai_codesystem import CODES
from scoring.domains import DOMAIN_TABLE, validate_level

ANALYTES = ["temperature", "weight", "neutrophils", "lymphocytes", "platelets", "hemoglobin", "igg", "c3", "c4",
            "ch50", "cryoglobulins", "monoclonal-component", "ck", "proteinuria-24h", "upcr", "egfr", "dlco-pct",
            "fvc-pct", "nyha", "anti-ssa", "haematuria"]
CONCEPTS = ["sjogren", "lymphoma", "splenomegaly", "lymphadenopathy", "salivary-swelling", "salivary-stone",
            "arthritis", "osteoarthritis", "ild", "glomerulonephritis", "membranous-gn", "renal-tubular-acidosis",
            "myositis", "steroid-myopathy", "peripheral-neuropathy", "cidp", "cns-vasculitis", "aiha", "itp",
            "lymphopenia", "hypergammaglobulinaemia", "infection", "hiv", "hepatitis-c",
            # issue 12: causes and codes that open a domain
            "intercurrent-infection", "myositis-diagnosis", "cns-involvement", "vasculitis-unstated-site",
            "tubulo-interstitial-nephritis", "drug-induced-anaemia", "other-neuropathy"]
values = st.one_of(st.booleans(), st.integers(-2, 30), st.floats(-5, 300, allow_nan=False),
                   st.sampled_from(["none", "limited", "diffuse", "important", "pure-sensory-axonal", "seizures",
                                    "sensorimotor-axonal", "proliferative-gn", "junk"]))
findings = st.builds(lambda c, v, d: finding(c, v, days_ago=d), st.sampled_from(sorted(CODES)), values,
                     st.integers(0, 400))
measurements = st.builds(
    lambda a, v, comp, pos, lo, hi, interp, d: lab(a, v, comparator=comp, positive=pos, ref_low=lo, ref_high=hi,
                                                    interpretation=interp, days_ago=d),
    st.sampled_from(ANALYTES), st.one_of(st.none(), st.floats(0, 200_000, allow_nan=False)),
    st.sampled_from([None, "<", "<=", ">", ">="]), st.one_of(st.none(), st.booleans()),
    st.one_of(st.none(), st.floats(0.1, 100)), st.one_of(st.none(), st.floats(0.1, 500)),
    st.sampled_from([None, "H", "L", "N", "LL", "HH"]), st.integers(0, 400))
conditions = st.builds(condition, st.sampled_from(CONCEPTS), st.sampled_from(["active", "remission", "inactive"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(findings, measurements, conditions), max_size=25))
def test_anything_scores_consistently(things):
    a = scoring.assess(facts(*things))
    out = a.to_json()
    for d, r in a.domains.items():
        assert 0 <= r.lo <= r.hi <= DOMAIN_TABLE[d].max_level
        validate_level(d, r.lo)
        validate_level(d, r.hi)
    assert a.essdai.score <= a.essdai.max and a.clinessdai.score <= a.clinessdai.max
    assert set(a.deciding) <= set(a.undetermined)
    if a.essdai.score == a.essdai.max:
        assert a.essdai.category is not None and a.eligibility_met is not None
    assert not [w for w in a.warnings if "could not be evaluated" in w]
    assert out["essdai"]["score"] == sum(v["points"] for v in out["essdai"]["domains"].values())
