"""One whole patient, built from the fact dataclasses, against an exact expected JSON (checked in).

ESSDAI 9-24 (CNS not documented): glandular 1 (2), articular 2 (4), haematological 1 (2),
biological 1 (1); eligibility met on the lower end alone; category open (moderate..high); CNS is the
one deciding domain; change not computed because the ESSDAI is undetermined.
"""

import json
from pathlib import Path

from scoring_builders import condition, facts, finding, lab

import scoring
from fhir_mappings.facts import Skipped

EXPECTED = Path(__file__).parent / "whole_patient_expected.json"


def whole_patient():
    return facts(
        condition("sjogren", ref="Condition/sjs"),
        # haematological: neutrophils 1200 (1), lymphocytes 800 (1)
        lab("neutrophils", 1200, ref="Observation/neut", days_ago=10),
        lab("hemoglobin", 13.1, ref="Observation/hb", days_ago=10),
        lab("platelets", 210_000, ref="Observation/plt", days_ago=10),
        lab("lymphocytes", 800, ref="Observation/lymph", days_ago=10),
        # biological: IgG 18 (1), low C3 (1)
        lab("igg", 18.0, ref="Observation/igg", days_ago=10),
        lab("c3", 70, ref_low=90, ref="Observation/c3", days_ago=10),
        lab("c4", 20, ref_low=10, ref="Observation/c4", days_ago=10),
        lab("cryoglobulins", positive=False, ref="Observation/cryo", days_ago=40),
        lab("monoclonal-component", 0.0, ref="Observation/mc", days_ago=40),
        # constitutional 0
        lab("temperature", 36.9, ref="Observation/temp", days_ago=3),
        lab("weight", 61.0, ref="Observation/wt", days_ago=3),
        lab("weight", 62.0, ref="Observation/wt-old", days_ago=180),
        finding("night-sweats", False, ref="Observation/ns"),
        # lymphadenopathy 0
        finding("lymph-node-size-cm", 0, ref="Observation/node"),
        finding("inguinal-node-size-cm", 0, ref="Observation/ing"),
        finding("splenomegaly", False, ref="Observation/spleen"),
        finding("b-cell-lymphoma-active", False, ref="Observation/lymphoma"),
        # glandular 1, articular 2
        finding("parotid-size-cm", 2.0, ref="Observation/parotid"),
        finding("submandibular-lacrimal-swelling", "none", ref="Observation/smg"),
        finding("arthralgia-morning-stiffness", True, ref="Observation/arth"),
        finding("synovitis-count", 3, ref="Observation/syn"),
        # cutaneous: clinician rating 0
        finding("cutaneous", 0, ref="Observation/cut"),
        # pulmonary 0
        lab("dlco-pct", 85.0, ref="Observation/dlco", days_ago=60),
        lab("fvc-pct", 92.0, ref="Observation/fvc", days_ago=60),
        finding("cough-bronchial-involvement", False, ref="Observation/cough"),
        finding("ild-hrct", False, ref="Observation/hrct"),
        # renal 0
        lab("proteinuria-24h", 0.1, ref="Observation/prot", days_ago=20),
        lab("egfr", 92.0, ref="Observation/egfr", days_ago=20),
        lab("haematuria", positive=False, ref="Observation/ua", days_ago=20),
        finding("renal-tubular-acidosis", False, ref="Observation/rta"),
        # muscular 0 (gate false), pns none; cns not documented
        finding("myositis-proven", False, ref="Observation/emg"),
        finding("pns-feature", "none", ref="Observation/pns"),
        # ESSPRI 5.0, previous ESSDAI 9, classification 6
        finding("esspri-dryness", 5, ref="Observation/e1"),
        finding("esspri-fatigue", 6, ref="Observation/e2"),
        finding("esspri-pain", 4, ref="Observation/e3"),
        finding("essdai-total", 9, days_ago=200, ref="Observation/prev"),
        finding("labial-focus-score", 1.2, days_ago=800, ref="Observation/biopsy"),
        lab("anti-ssa", positive=True, days_ago=800, ref="Observation/ssa"),
        skipped=(Skipped("Observation/odd", "unknown unit 'mg/furlong' for igg"),),
    )


def test_whole_patient_exact_json():
    patient = whole_patient()
    assert scoring.applies(patient) is True
    assert scoring.assess(patient).to_json() == json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_whole_patient_json_is_serialisable_and_stable():
    first = json.dumps(scoring.assess(whole_patient()).to_json(), sort_keys=True)
    assert first == json.dumps(scoring.assess(whole_patient()).to_json(), sort_keys=True)
