"""Benchmark: offline scoring (read + extract + assess + evidence validation) against plain json.loads of the same bytes.

Prints, per Bundle size: scoring CPU time, json.loads CPU time, their ratio, and peak memory of scoring.
Goal (issue #2): ratio <= 2x at 10,000 Observations and above. Not a test: figures are printed.

    python benchmarks/bench_scoring.py [--sizes 100,1000,10000,50000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import random
import statistics
import time
import tracemalloc
from datetime import date, timedelta

import fhir_mappings
import pipeline
from fhir_mappings.code_tables.essdai_codesystem import DEFAULT_SYSTEM
from fhir_mappings.facts import Windows

AS_OF = date(2026, 11, 25)
LOINC = "http://loinc.org"
# relevant codes with plausible values and units (about 20 % of all Observations)
RELEVANT = [
    ("731-0", "Lymphocytes", 1.1, "10*3/uL"),
    ("751-8", "Neutrophils", 3.2, "10*3/uL"),
    ("777-3", "Platelets", 210, "10*3/uL"),
    ("718-7", "Hemoglobin", 12.8, "g/dL"),
    ("2465-3", "IgG", 14.0, "g/L"),
    ("8310-5", "Body temperature", 36.8, "Cel"),
    ("29463-7", "Body weight", 64.0, "kg"),
    ("2157-6", "CK", 120, "U/L"),
    ("98979-8", "eGFR", 85, "mL/min/{1.73_m2}"),
]
# irrelevant codes: the bulk of a real record (chemistry, vitals, ...)
NOISE = ["2345-7", "2951-2", "2823-3", "2075-0", "1742-6", "8867-4", "9279-1", "8480-6", "4548-4", "2093-3"]


def make_bundle(n_obs: int, seed: int = 7) -> bytes:
    rnd = random.Random(seed)
    entries = [{"resource": {"resourceType": "Patient", "id": "bench", "birthDate": "1970-01-01", "gender": "female"}},
               {"resource": {"resourceType": "Condition", "id": "sjs", "subject": {"reference": "Patient/bench"},
                             "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                             "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
                             "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M35.00"}]}}}]
    for i in range(n_obs):
        when = AS_OF - timedelta(days=rnd.randint(0, 5 * 365))
        if rnd.random() < 0.2:
            code, display, base, unit = rnd.choice(RELEVANT)
            value = round(base * rnd.uniform(0.8, 1.2), 2)
        else:
            code, display, base, unit = rnd.choice(NOISE), "Other", 100.0, "mg/dL"
            value = round(base * rnd.uniform(0.5, 1.5), 1)
        entries.append({"resource": {
            "resourceType": "Observation", "id": f"o{i}", "status": "final",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}],
            "code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": "Patient/bench"},
            "effectiveDateTime": when.isoformat() + "T08:00:00Z",
            "valueQuantity": {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit},
        }})
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def score_bytes(raw: bytes) -> dict:
    """What `essdai-cds score` does: read, extract, assess, validate the evidence with fhir.resources."""
    resources = fhir_mappings.read_input(io.BytesIO(raw))
    _facts, result = pipeline.assess(resources, as_of=AS_OF, patient_id="bench", windows=Windows(),
                                     codesystem=DEFAULT_SYSTEM)
    return result


def best_of(fn, repeat: int) -> float:
    """Best CPU time of `repeat` runs (process_time: on a shared, loaded machine wall time mostly measures
    the other processes)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100,1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{'Observations':>12} | {'MB':>6} | {'json.loads ms':>13} | {'scoring ms':>10} | {'ratio':>5} | {'peak MiB':>8}")
    print(f"{'-'*12}-|-{'-'*6}-|-{'-'*13}-|-{'-'*10}-|-{'-'*5}-|-{'-'*8}")
    for n in (int(s) for s in args.sizes.split(",")):
        raw = make_bundle(n)
        t_json = best_of(lambda: json.loads(raw), args.repeat)
        t_score = best_of(lambda: score_bytes(raw), args.repeat)
        tracemalloc.start()
        score_bytes(raw)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{n:>12,} | {len(raw)/1e6:>6.1f} | {t_json*1000:>13.1f} | {t_score*1000:>10.1f} | {t_score/t_json:>5.2f} | {peak/2**20:>8.1f}")


if __name__ == "__main__":
    main()
