"""Issue 12: what counts as Sjögren's activity — other causes, damage, attribution, lung involvement,
the classification entry criterion and the ESSPRI MCII. Exact (lo, hi) per domain."""

from dataclasses import replace

import pytest
from scoring_builders import condition, day, facts, finding, lab, rng

from fhir_mappings.code_tables import conditions as table
from fhir_mappings.code_tables.exclusions import CAUSES_OF, OTHER_CAUSES
from fhir_mappings.facts import ConditionFact
from scoring import assess
from scoring.classification import classification
from scoring.essdai import score_domain
from scoring.esspri import esspri_change
from scoring.items import pns

ICD = table.ICD10CM


def domain(d, *things):
    return rng(score_domain(facts(*things), d))


def concepts(code):
    return {c for row in table.match(ICD, code) for c in row.concepts}


# --- 1. other-cause exclusions as one table, by code ranges ----------------------------------------------
@pytest.mark.parametrize(
    ("code", "concept"),
    [("A09", "intercurrent-infection"), ("A15.0", "intercurrent-infection"), ("B99.9", "intercurrent-infection"), ("J06.9", "intercurrent-infection"),
     ("J10.1", "intercurrent-infection"), ("J18.9", "intercurrent-infection"), ("J22", "intercurrent-infection"), ("N39.0", "intercurrent-infection"),
     ("L03.115", "intercurrent-infection"), ("L04.0", "intercurrent-infection"), ("U07.1", "intercurrent-infection"), ("N30.00", "intercurrent-infection"),
     ("K11.5", "salivary-stone"), ("G72.0", "steroid-myopathy"), ("D70.2", "drug-induced-neutropenia"),
     ("D70.3", "infection-neutropenia"), ("D61.1", "drug-induced-aplasia"), ("D64.81", "drug-induced-anaemia"),
     ("G62.1", "other-neuropathy"), ("E11.42", "other-neuropathy"), ("D51.0", "b12-deficiency"),
     ("M17.11", "osteoarthritis")],
)
def test_exclusion_codes_map_to_their_cause(code, concept):
    assert concept in concepts(code)


@pytest.mark.parametrize("code", ["B18.2", "B20", "B94.8", "J30.1", "J84.10", "N39.3", "L10.0"])
def test_chronic_carriage_sequelae_and_non_infective_neighbours_are_not_infection(code):
    assert "intercurrent-infection" not in concepts(code)


def test_the_exclusions_table_is_cited_and_names_real_features():
    from scoring.items import ITEMS_BY_DOMAIN
    names = {f"{d}.{fn.__name__.replace('_', '-')}" for d, items in ITEMS_BY_DOMAIN.items() for fn in items}
    names |= {"glandular.swelling-condition", "lymphadenopathy.node-size", "lymphadenopathy.inguinal-node-size",
              "glandular.submandibular-lacrimal", "constitutional.fever"}
    for cause in OTHER_CAUSES:
        assert cause.source and cause.codes and all(c.source and c.mark for c in cause.codes), cause.concept
        assert set(cause.features) <= names, cause.concept
    assert {c.concept for c in CAUSES_OF["constitutional.fever"]} == {"intercurrent-infection"}


def infection(days_ago=10, status="active", abated_days_ago=None, ref="Condition/uti"):
    return ConditionFact("intercurrent-infection", f"{ICD}|N39.0", "Urinary tract infection", ref, status, onset=day(days_ago),
                         abated=day(abated_days_ago) if abated_days_ago is not None else None)


@pytest.mark.parametrize(
    ("cause", "expected"),
    [
        pytest.param(None, (2, 2), id="no-infection"),
        pytest.param(infection(), (0, 0), id="active-uti"),
        pytest.param(infection(40, "inactive", 20), (0, 0), id="ended-inside-30-day-window"),
        pytest.param(infection(100, "inactive", 60), (2, 2), id="ended-before-the-window"),
        pytest.param(infection(10, "remission"), (2, 2), id="remission-is-not-active"),
    ],
)
def test_infection_active_within_the_window_excludes_fever(cause, expected):
    things = [lab("temperature", 39.2, days_ago=2), finding("night-sweats", False)]
    weight = [lab("weight", 60.0, days_ago=2), lab("weight", 60.0, days_ago=200)]
    r = score_domain(facts(*things, *weight, *([cause] if cause else [])), "constitutional")
    assert rng(r) == expected
    if cause is not None and expected == (0, 0):
        assert any(e.reference == "Condition/uti" and e.note == "documented other cause: infection"
                   for e in r.evidence)


def test_the_clinicians_no_other_cause_outweighs_a_coded_cause():
    fever = (lab("temperature", 39.2, days_ago=2), finding("night-sweats", False), lab("weight", 60.0, days_ago=2),
             lab("weight", 60.0, days_ago=200))
    assert domain("constitutional", *fever, infection()) == (0, 0)
    assert domain("constitutional", *fever, infection(), finding("fever-infectious", False)) == (2, 2)
    counts = (lab("neutrophils", 800), lab("hemoglobin", 13.0), lab("platelets", 250_000), lab("lymphocytes", 1500))
    assert domain("hematological", *counts, condition("drug-induced-neutropenia")) == (0, 0)
    assert domain("hematological", *counts, condition("drug-induced-neutropenia"),
                  finding("cytopenia-other-cause", False)) == (2, 2)
    glands = (finding("parotid-size-cm", 4.0), finding("submandibular-lacrimal-swelling", "none"))
    assert domain("glandular", *glands, condition("salivary-stone"), finding("glandular-swelling-other-cause", False)) \
        == (2, 2)


def test_infection_excludes_infective_lymphadenopathy_and_glandular_swelling():
    nodes = (finding("lymph-node-size-cm", 2.5), finding("inguinal-node-size-cm", 1.0), finding("splenomegaly", False),
             finding("b-cell-lymphoma-active", False))
    assert domain("lymphadenopathy", *nodes) == (2, 2)
    assert domain("lymphadenopathy", *nodes, infection()) == (0, 0)
    glands = (finding("parotid-size-cm", 4.0), finding("submandibular-lacrimal-swelling", "none"))
    assert domain("glandular", *glands) == (2, 2)
    assert domain("glandular", *glands, infection()) == (0, 0)
    assert domain("glandular", *glands, condition("salivary-stone")) == (0, 0)


@pytest.mark.parametrize(
    ("cause", "line", "value"),
    [("drug-induced-neutropenia", "neutrophils", 800), ("infection-neutropenia", "neutrophils", 800),
     ("drug-induced-aplasia", "platelets", 80_000), ("drug-induced-aplasia", "lymphocytes", 400),
     ("iron-deficiency-anaemia", "hemoglobin", 9.0), ("drug-induced-anaemia", "hemoglobin", 9.0)],
)
def test_drug_induced_and_nutritional_cytopenias_are_excluded(cause, line, value):
    normal = {"neutrophils": 3000, "hemoglobin": 13.0, "platelets": 250_000, "lymphocytes": 1500}
    counts = [lab(a, value if a == line else v) for a, v in normal.items()]
    assert domain("hematological", *counts, condition("aiha")) != (0, 0) or line != "hemoglobin"
    assert domain("hematological", *counts, condition(cause)) == (0, 0)


def test_steroid_myopathy_and_other_neuropathy_causes():
    proven = (finding("myositis-proven", True), lab("ck", 600, ref_high=120.0), finding("muscle-power-min", 5))
    assert domain("muscular", *proven) == (3, 3)
    assert domain("muscular", *proven, condition("steroid-myopathy")) == (0, 0)
    neuropathy = condition("peripheral-neuropathy", days_ago=30)
    assert domain("pns", neuropathy) == (1, 3)
    for cause in ("other-neuropathy", "b12-deficiency"):
        got = pns.conditions(facts(neuropathy, condition(cause, days_ago=900)))
        assert (rng(got), got.note) == ((0, 0), "excluded: neuropathy of another cause")
        # the feature item stays open without a clinician pns-feature finding
        assert domain("pns", neuropathy, condition(cause, days_ago=900)) == (0, 3)


# --- 2. damage is not activity -----------------------------------------------------------------------------
def test_an_old_diagnosis_without_recent_evidence_is_only_possible():
    old = condition("splenomegaly", days_ago=800, ref="Condition/spleen")
    r = score_domain(facts(old, finding("lymph-node-size-cm", 0), finding("inguinal-node-size-cm", 0),
                           finding("b-cell-lymphoma-active", False)), "lymphadenopathy")
    assert rng(r) == (0, 2)
    spleen = next(e for e in r.evidence if e.reference == "Condition/spleen")
    assert "may be damage; level 2 possible, not certain" in (spleen.note or "")
    # a recent diagnosis decides; so does a recent finding or a clinician rating
    assert domain("lymphadenopathy", condition("splenomegaly", days_ago=100), finding("lymph-node-size-cm", 0),
                  finding("inguinal-node-size-cm", 0), finding("b-cell-lymphoma-active", False)) == (2, 2)
    assert domain("lymphadenopathy", old, finding("splenomegaly", True), finding("lymph-node-size-cm", 0),
                  finding("inguinal-node-size-cm", 0), finding("b-cell-lymphoma-active", False)) == (2, 2)
    assert domain("lymphadenopathy", old, finding("lymphadenopathy", 0)) == (0, 0)


def test_old_ild_diagnosis_alone_opens_pulmonary_and_recent_hrct_decides():
    old_ild = condition("ild", days_ago=900)
    assert rng(score_domain(facts(old_ild, finding("cough-bronchial-involvement", False), lab("dlco-pct", 85.0),
                                  lab("fvc-pct", 90.0), lab("nyha", 1)), "pulmonary")) == (0, 1)
    assert domain("pulmonary", old_ild, finding("ild-hrct", True), finding("cough-bronchial-involvement", False),
                  lab("dlco-pct", 85.0), lab("fvc-pct", 90.0), lab("nyha", 1)) == (1, 1)
    # old ILD still documents lung involvement for DLCO (a recent result decides the level)
    assert domain("pulmonary", old_ild, lab("dlco-pct", 35.0)) == (3, 3)


def test_undated_diagnosis_is_only_possible():
    undated = replace(condition("membranous-gn"), onset=None)
    assert rng(score_domain(facts(undated, lab("proteinuria-24h", 0.1), lab("egfr", 90.0),
                                  lab("haematuria", positive=False), finding("renal-tubular-acidosis", False)),
                            "renal")) == (0, 2)


# --- 3. attribution --------------------------------------------------------------------------------------------
def test_anaemia_counts_only_when_autoimmune():
    counts = (lab("neutrophils", 3000), lab("platelets", 250_000), lab("lymphocytes", 1500))
    r = score_domain(facts(*counts, lab("hemoglobin", 7.5)), "hematological")
    assert rng(r) == (0, 3)
    hb = next(e for e in r.evidence if e.reference.startswith("Observation/hemoglobin"))
    assert "anaemia counts only when autoimmune" in (hb.note or "")
    assert domain("hematological", *counts, lab("hemoglobin", 7.5), condition("aiha", days_ago=30)) == (3, 3)
    # neutropenia and thrombocytopenia are presumed autoimmune without another cause
    assert domain("hematological", lab("neutrophils", 800), lab("platelets", 250_000), lab("lymphocytes", 1500),
                  lab("hemoglobin", 13.0)) == (2, 2)


def test_myositis_codes_open_the_muscular_domain_not_a_level():
    m3503 = ConditionFact("myositis-diagnosis", f"{ICD}|M35.03", "Sjogren with myopathy", "Condition/m", "active",
                          onset=day(30))
    r = score_domain(facts(m3503), "muscular")
    assert rng(r) == (0, 3) and r.source == "derived"
    assert "not EMG/biopsy proof" in r.evidence[0].note
    assert domain("muscular", m3503, lab("ck", 600, ref_high=120.0), finding("muscle-power-min", 4)) == (0, 3)
    assert domain("muscular", m3503, finding("myositis-proven", True), lab("ck", 600, ref_high=120.0),
                  finding("muscle-power-min", 4)) == (3, 3)


def test_m35_codes_that_are_not_proof():
    assert concepts("M35.04") == {"sjogren", "tubulo-interstitial-nephritis"}  # not renal tubular acidosis
    assert concepts("M35.07") == {"sjogren", "cns-involvement"}
    assert concepts("M35.0B") == {"sjogren", "vasculitis-unstated-site"}
    cns = ConditionFact("cns-involvement", f"{ICD}|M35.07", "Sjogren with CNS", "Condition/c", "active", onset=day(30))
    assert domain("cns", cns) == (2, 3)
    assert domain("cns", replace(cns, onset=day(900))) == (0, 3)
    vasc = ConditionFact("vasculitis-unstated-site", f"{ICD}|M35.0B", "Sjogren vasculitis", "Condition/v", "active",
                         onset=day(30))
    closed_skin = (finding("erythema-multiforme", False), finding("subacute-cutaneous-lupus", False),
                   finding("vasculitic-ulcers", False))
    assert domain("cutaneous", *closed_skin, vasc) == (0, 3)
    tin = ConditionFact("tubulo-interstitial-nephritis", f"{ICD}|M35.04", "TIN", "Condition/t", "active",
                        onset=day(30))
    renal_closed = (lab("proteinuria-24h", 0.1), lab("egfr", 90.0), lab("haematuria", positive=False))
    assert domain("renal", *renal_closed, tin) == (0, 2)


def test_unstated_glomerulonephritis_with_low_proteinuria_and_no_haematuria_is_not_activity():
    gn = condition("glomerulonephritis", days_ago=30)
    closed = (lab("egfr", 90.0), finding("renal-tubular-acidosis", False))
    assert domain("renal", gn, lab("proteinuria-24h", 0.3), lab("haematuria", positive=False), *closed) == (0, 0)
    assert domain("renal", gn, lab("proteinuria-24h", 0.3), finding("haematuria", False), *closed) == (0, 0)
    assert domain("renal", gn, lab("proteinuria-24h", 0.8), lab("haematuria", positive=False), *closed) == (1, 1)
    assert domain("renal", gn, lab("proteinuria-24h", 0.3), *closed) == (0, 3)  # haematuria unknown


# --- 6. classification entry criterion, ESSPRI MCII -------------------------------------------------------------
@pytest.mark.parametrize(
    ("things", "levels", "entry", "met"),
    [
        pytest.param([finding("sicca-symptoms", True, days_ago=400)], {"articular": (0, 0)}, "met", None,
                     id="dryness-symptom"),
        pytest.param([finding("sicca-symptoms", False)], {"articular": (2, 2), "renal": (0, 0)}, "met", None,
                     id="essdai-activity"),
        pytest.param([finding("sicca-symptoms", False)], {"articular": (0, 0), "renal": (0, 0)}, "not met", False,
                     id="neither"),
        pytest.param([finding("sicca-symptoms", False)], {"articular": (0, 3)}, "unknown", None, id="essdai-open"),
        pytest.param([], {"articular": (0, 0)}, "unknown", None, id="dryness-not-asked"),
    ],
)
def test_entry_criterion(things, levels, entry, met):
    result, warnings = classification(facts(*things, lab("anti-ssa", positive=True)), levels)
    assert (result.entry, result.met, result.to_json()["entry_criterion"]) == (entry, met, entry)
    assert any("entry criterion not met" in w for w in warnings) == (entry == "not met")


def test_entry_criterion_in_the_assessment_json():
    got = assess(facts(finding("sicca-symptoms", True), lab("anti-ssa", positive=True),
                       finding("labial-focus-score", 1.5))).to_json()["classification"]
    assert got == {"score": 6, "max": 9, "met": True, "entry_criterion": "met"}


@pytest.mark.parametrize(
    ("baseline", "current", "delta", "percent", "mcii"),
    [(6.0, 5.0, -1.0, -16.7, True), (8.0, 7.1, -0.9, -11.2, False), (5.0, 4.25, -0.75, -15.0, True),
     (3.0, 2.6, -0.4, -13.3, False), (4.0, 5.0, 1.0, 25.0, False), (0.0, 0.0, 0.0, None, False),
     (9.0, 8.0, -1.0, -11.1, True)],
)
def test_esspri_change_mcii(baseline, current, delta, percent, mcii):
    got = esspri_change(baseline, current)
    assert (got.delta, got.percent, got.mcii) == (delta, percent, mcii)


def test_esspri_change_rejects_out_of_range():
    with pytest.raises(ValueError, match="0-10"):
        esspri_change(11.0, 5.0)
