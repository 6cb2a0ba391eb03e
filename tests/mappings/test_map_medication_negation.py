"""Free text that names a drug the patient does not take, and statuses that are not current (issue 11).

"no prednisone", "not on methotrexate", "prednisone stopped", "allergic to probenecid", "avoid
ketoconazole" in a MedicationStatement/Request text must not be read as the drug taken (a false
co-medication finding); "Olumiant (baricitinib) 2 mg tablet" still is. Cue words: code_tables.medications
NEGATION_*. Statuses: fhir_mappings.facts CURRENT_STATUSES / TAKEN_STATUSES."""

from __future__ import annotations

from datetime import date

import pytest

from fhir_mappings import extract
from fhir_mappings.code_tables.medications import NameFound, named
from fhir_mappings.facts import Skipped
from fhir_mappings.medications import read_medication

from .builders import RXNORM, med_request, patient


def _statement(text: str, status: str = "active", sid: str = "s") -> dict:
    return {"resourceType": "MedicationStatement", "id": sid, "status": status,
            "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": text}}


@pytest.mark.parametrize(("text", "name", "cue"), [
    ("no prednisone", "prednisone", "no"),
    ("not on methotrexate", "methotrexate", "not"),
    ("Patient is no longer taking prednisolone", "prednisolone", "no"),
    ("prednisone stopped", "prednisone", "stopped"),
    ("Prednisone 5 mg was discontinued", "prednisone", "discontinued"),
    ("prednisone 2.5 mg tablet stopped", "prednisone", "stopped"),
    ("allergic to probenecid", "probenecid", "allergic"),
    ("Allergy: probenecid", "probenecid", "allergy"),
    ("avoid ketoconazole", "ketoconazole", "avoid"),
    ("Do not take with ketoconazole", "ketoconazole", "not"),
    ("don't take methotrexate", "methotrexate", "don't"),
    ("never on ciclosporin", "ciclosporin", "never"),
    ("tacrolimus not tolerated", "tacrolimus", "not tolerated"),
])
def test_a_drug_named_after_a_negation_is_not_read_as_taken(text, name, cue):
    assert read_medication(_statement(text)) == (
        [], [Skipped("MedicationStatement/s", f"{name!r} is negated in the text ({cue!r}): not read as taken")])


@pytest.mark.parametrize("text", [
    "Olumiant (baricitinib) 2 mg tablet",
    "prednisone 5 mg daily",
    "No change. Prednisone 5 mg",  # the cue is in another sentence
    "no changes to prednisone dose",  # "changes" is not a filler word: the cue does not reach the name
    "methotrexate 15 mg weekly, do not crush",  # a cue after the name that is not a stop word
    "prednisone taper on hold",  # on hold is current (PatientFacts.medications_of), not a negation
    "Do not stop prednisone abruptly",  # a double negative: the patient takes it (NEGATION_UNDONE_BY)
    "Never stop taking methotrexate without advice",
])
def test_a_plain_mention_is_still_read(text):
    facts, skipped = read_medication(_statement(text))
    assert ([(f.recognised_by, f.display) for f in facts], skipped) == ([("name", text)], [])


def test_named_reports_the_cue_of_each_drug_and_keeps_a_plain_mention_over_a_negated_one():
    assert named("not on methotrexate but on prednisone; no prednisone before 2020") == [
        NameFound("methotrexate", "methotrexate", "not"), NameFound("prednisone", "prednisone", None)]
    assert named("no methotrexate or prednisone") == [
        NameFound("methotrexate", "methotrexate", "no"), NameFound("prednisone", "prednisone", "no")]
    # "and" does not carry the cue: read as taken, the safer error (a card that shows the text)
    assert named("no methotrexate and prednisone") == [
        NameFound("methotrexate", "methotrexate", "no"), NameFound("prednisone", "prednisone", None)]


def test_a_jak_order_text_naming_a_drug_to_stop_reads_the_jak_inhibitor_only():
    facts, skipped = read_medication(_statement("Xeljanz 5 mg tablet; stop methotrexate", status="draft"))
    assert ([(f.ingredient, f.recognised_by) for f in facts], skipped) == ([("tofacitinib", "name")], [])


def test_a_code_is_never_negated_by_the_text():
    """Negation applies to name matching only: a coded drug is what the code says."""
    res = _statement("prednisone stopped")
    res["medicationCodeableConcept"]["coding"] = [{"system": RXNORM, "code": "6851"}]  # methotrexate (CPIC)
    facts, skipped = read_medication(res)
    assert ([(f.ingredient, f.recognised_by) for f in facts], skipped) == ([("methotrexate", "code")], [])


# --- statuses -----------------------------------------------------------------------------------------

PROBENECID = "8698"  # RxNorm IN (CPIC drug table)


@pytest.mark.parametrize(("rtype", "status", "current"), [
    ("MedicationStatement", "active", True),
    ("MedicationStatement", "intended", True),
    ("MedicationStatement", "on-hold", True),
    ("MedicationStatement", "not-taken", False),
    ("MedicationStatement", "stopped", False),
    ("MedicationStatement", "completed", False),
    ("MedicationStatement", "unknown", False),
    ("MedicationRequest", "active", True),
    ("MedicationRequest", "on-hold", True),
    ("MedicationRequest", "cancelled", False),
    ("MedicationRequest", "stopped", False),
    ("MedicationRequest", "completed", False),
    ("MedicationRequest", "draft", False),
])
def test_only_current_statuses_are_current_co_medications(rtype, status, current):
    res = med_request("m", code=PROBENECID, status=status)
    res["resourceType"] = rtype
    facts = extract([patient(), res], as_of=date(2026, 11, 20))
    assert [m.status for m in facts.medications] == [status]  # read, with its status
    assert [m.reference for m in facts.medications_of("oat3-inhibitor-strong")] == (
        [f"{rtype}/m"] if current else [])


@pytest.mark.parametrize("rtype", ["MedicationStatement", "MedicationRequest"])
def test_entered_in_error_is_not_read_at_all(rtype):
    res = med_request("m", code=PROBENECID, status="entered-in-error")
    res["resourceType"] = rtype
    facts = extract([patient(), res], as_of=date(2026, 11, 20))
    assert (facts.medications, facts.skipped) == ((), (Skipped(f"{rtype}/m", "status 'entered-in-error'"),))
