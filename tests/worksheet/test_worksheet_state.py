"""The facts a page carries (JSON codec) and sealing: round trip, tampering, expiry, the shared key."""

from __future__ import annotations

from datetime import date

import pytest
from worksheet_helpers import case_bundle
from sqlalchemy import create_engine

import fhir_mappings
import scoring
from worksheet.facts_codec import CodecError, decode_facts, encode_facts
from worksheet.sealing import Sealer, Unsealed, stored_secret
from fhir_mappings.facts import Finding, MedicationFact, PatientFacts, Skipped, Windows

TODAY = date(2026, 5, 4)


def _facts(case: str) -> PatientFacts:
    bundle = case_bundle(case, "p1", TODAY)
    return fhir_mappings.extract([e["resource"] for e in bundle["entry"]], as_of=TODAY, patient_id="p1")


@pytest.mark.parametrize("case", ["sjd-range-3-9", "sjd-lab-units", "sjd-weight-loss", "sjd-pulmonary-ild",
                                  "jak-probenecid", "on-baricitinib"])
def test_cohort_facts_survive_the_round_trip_and_score_the_same(case: str) -> None:
    facts = _facts(case)
    again = decode_facts(encode_facts(facts))
    assert again == facts
    assert again.series("lymphocytes") == facts.series("lymphocytes")  # the analyte index is rebuilt
    assert scoring.assess(again).to_json() == scoring.assess(facts).to_json()


def test_every_field_kind_round_trips() -> None:
    facts = PatientFacts(
        "p2", TODAY, birth_date=date(1970, 1, 2), gender="female",
        medications=(MedicationFact("baricitinib", frozenset({"jak-inhibitor", "x"}), "s|1", "bari",
                                    "MedicationRequest/m", "MedicationRequest", "active", start=TODAY, dose_mg=2.0,
                                    doses_per_day=1.0),),
        findings=(Finding("splenomegaly", True, TODAY, "Observation/a"),
                  Finding("synovitis-count", 3, TODAY, "Observation/b"),
                  Finding("parotid-size-cm", 2.5, TODAY, "Observation/c", "cm"),
                  Finding("cns-feature", "seizures", TODAY, "Observation/d")),
        skipped=(Skipped("Observation/z", "status 'preliminary'"),),
        windows=Windows(labs=60, clinician=30),
    )
    again = decode_facts(encode_facts(facts))
    assert again == facts
    assert [type(f.value) for f in again.findings] == [bool, int, float, str]


def test_not_facts_is_a_codec_error() -> None:
    with pytest.raises(CodecError):
        decode_facts(["not", "an", "object"])
    with pytest.raises(CodecError):
        decode_facts({"as_of": "2026-05-04"})  # patient_id missing


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_sealed_values_open_only_with_the_same_key_and_within_the_ttl() -> None:
    clock = Clock(1_800_000_000)
    sealer = Sealer("k1", clock)
    token = sealer.seal({"a": [1, 2]}, compress=True)
    assert sealer.unseal(token, ttl=60) == {"a": [1, 2]}
    clock.now += 61
    with pytest.raises(Unsealed) as expired:
        sealer.unseal(token, ttl=60)
    assert expired.value.reason == "expired"
    with pytest.raises(Unsealed) as other_key:
        Sealer("k2", clock).unseal(token, ttl=600)
    assert other_key.value.reason == "invalid"
    tampered = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    for bad in (tampered, "", None, "not a token", "é"):
        with pytest.raises(Unsealed) as err:
            sealer.unseal(bad, ttl=600)
        assert err.value.reason == "invalid"


def test_generated_secret_is_kept_in_the_database_and_shared(tmp_path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    first = stored_secret(engine)
    assert len(first) >= 48
    other_worker = create_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert stored_secret(other_worker) == first
