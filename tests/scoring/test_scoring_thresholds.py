"""Every threshold edge on both sides (essdai-rules §1.11-1.13), table by table."""

import pytest

from scoring.tables import Mark, ThresholdTable
from scoring.thresholds import (CK_ULN_LEVEL, DLCO_PCT_LEVEL, EGFR_FAILURE, FVC_PCT_LEVEL, HEMOGLOBIN_LEVEL, IGG_FALL,
                                IGG_LEVEL, INGUINAL_NODE_SIZE_LEVEL, LYMPHOCYTE_LEVEL, MUSCLE_POWER_LEVEL,
                                NEUTROPHIL_LEVEL, NODE_SIZE_LEVEL, NYHA_LEVEL, PAROTID_SIZE_LEVEL, PLATELET_LEVEL,
                                PNS_MOTOR_POWER_LEVEL, PROTEINURIA_LEVEL, SYNOVITIS_COUNT_LEVEL, TEMPERATURE_LEVEL,
                                WEIGHT_LOSS_PCT_LEVEL)

EDGES = [
    # temperature: < 37.5 -> 0; 37.5 <= T <= 38.5 -> 1; > 38.5 -> 2
    (TEMPERATURE_LEVEL, 37.49, 0), (TEMPERATURE_LEVEL, 37.5, 1), (TEMPERATURE_LEVEL, 38.5, 1),
    (TEMPERATURE_LEVEL, 38.51, 2),
    # weight loss %: < 5 -> 0; 5-10 -> 1; > 10 -> 2
    (WEIGHT_LOSS_PCT_LEVEL, 4.99, 0), (WEIGHT_LOSS_PCT_LEVEL, 5.0, 1), (WEIGHT_LOSS_PCT_LEVEL, 10.0, 1),
    (WEIGHT_LOSS_PCT_LEVEL, 10.01, 2),
    # neutrophils /uL: exactly as printed
    (NEUTROPHIL_LEVEL, 1500, 0), (NEUTROPHIL_LEVEL, 1499.9, 1), (NEUTROPHIL_LEVEL, 1000.1, 1),
    (NEUTROPHIL_LEVEL, 1000, 2), (NEUTROPHIL_LEVEL, 500, 2), (NEUTROPHIL_LEVEL, 499.9, 3),
    # haemoglobin g/dL
    (HEMOGLOBIN_LEVEL, 12.0, 0), (HEMOGLOBIN_LEVEL, 11.99, 1), (HEMOGLOBIN_LEVEL, 10.01, 1),
    (HEMOGLOBIN_LEVEL, 10.0, 2), (HEMOGLOBIN_LEVEL, 8.0, 2), (HEMOGLOBIN_LEVEL, 7.99, 3),
    # platelets /uL
    (PLATELET_LEVEL, 150_000, 0), (PLATELET_LEVEL, 149_999, 1), (PLATELET_LEVEL, 100_001, 1),
    (PLATELET_LEVEL, 100_000, 2), (PLATELET_LEVEL, 50_000, 2), (PLATELET_LEVEL, 49_999, 3),
    # lymphocytes /uL: no High level
    (LYMPHOCYTE_LEVEL, 1000, 0), (LYMPHOCYTE_LEVEL, 999, 1), (LYMPHOCYTE_LEVEL, 501, 1),
    (LYMPHOCYTE_LEVEL, 500, 2), (LYMPHOCYTE_LEVEL, 0, 2),
    # IgG g/L: < 16 -> 0; 16-20 -> 1; > 20 -> 2
    (IGG_LEVEL, 15.99, 0), (IGG_LEVEL, 16.0, 1), (IGG_LEVEL, 20.0, 1), (IGG_LEVEL, 20.01, 2),
    (IGG_FALL, 5.0, 0), (IGG_FALL, 4.99, 2),
    # proteinuria g/d: < 0.5 -> 0; 0.5-1.0 -> 1; (1.0, 1.5] -> 2; > 1.5 -> 3
    (PROTEINURIA_LEVEL, 0.49, 0), (PROTEINURIA_LEVEL, 0.5, 1), (PROTEINURIA_LEVEL, 1.0, 1),
    (PROTEINURIA_LEVEL, 1.01, 2), (PROTEINURIA_LEVEL, 1.5, 2), (PROTEINURIA_LEVEL, 1.51, 3),
    # DLCO % predicted: >= 70 -> 0; 40-<70 -> 2; < 40 -> 3
    (DLCO_PCT_LEVEL, 70.0, 0), (DLCO_PCT_LEVEL, 69.9, 2), (DLCO_PCT_LEVEL, 40.0, 2), (DLCO_PCT_LEVEL, 39.9, 3),
    # FVC % predicted: >= 80 -> 0; 60-<80 -> 2; < 60 -> 3
    (FVC_PCT_LEVEL, 80.0, 0), (FVC_PCT_LEVEL, 79.9, 2), (FVC_PCT_LEVEL, 60.0, 2), (FVC_PCT_LEVEL, 59.9, 3),
    # CK x ULN: <= 1 -> 0; (1,2] -> 1; (2,4] -> 2; > 4 -> 3
    (CK_ULN_LEVEL, 1.0, 0), (CK_ULN_LEVEL, 1.01, 1), (CK_ULN_LEVEL, 2.0, 1), (CK_ULN_LEVEL, 2.01, 2),
    (CK_ULN_LEVEL, 4.0, 2), (CK_ULN_LEVEL, 4.01, 3),
    # clinician findings
    (NODE_SIZE_LEVEL, 0.9, 0), (NODE_SIZE_LEVEL, 1.0, 1), (NODE_SIZE_LEVEL, 1.9, 1), (NODE_SIZE_LEVEL, 2.0, 2),
    (INGUINAL_NODE_SIZE_LEVEL, 1.9, 0), (INGUINAL_NODE_SIZE_LEVEL, 2.0, 1), (INGUINAL_NODE_SIZE_LEVEL, 2.9, 1),
    (INGUINAL_NODE_SIZE_LEVEL, 3.0, 2),
    (PAROTID_SIZE_LEVEL, 0, 0), (PAROTID_SIZE_LEVEL, 0.5, 1), (PAROTID_SIZE_LEVEL, 3.0, 1), (PAROTID_SIZE_LEVEL, 3.1, 2),
    (SYNOVITIS_COUNT_LEVEL, 0, 0), (SYNOVITIS_COUNT_LEVEL, 1, 2), (SYNOVITIS_COUNT_LEVEL, 5, 2),
    (SYNOVITIS_COUNT_LEVEL, 6, 3),
    (MUSCLE_POWER_LEVEL, 5, 0), (MUSCLE_POWER_LEVEL, 4, 2), (MUSCLE_POWER_LEVEL, 3, 3),
    (NYHA_LEVEL, 1, 0), (NYHA_LEVEL, 2, 2), (NYHA_LEVEL, 3, 3), (NYHA_LEVEL, 4, 3),
    (PNS_MOTOR_POWER_LEVEL, 4, 2), (PNS_MOTOR_POWER_LEVEL, 3, 3),
    # renal failure = eGFR < 60
    (EGFR_FAILURE, 60.0, 0), (EGFR_FAILURE, 59.9, 1),
]


@pytest.mark.parametrize(("table", "value", "expected"), EDGES,
                         ids=[f"{t.unit}-{v}->{e}-{i}" for i, (t, v, e) in enumerate(EDGES)])
def test_threshold_edges(table, value, expected):
    assert table.level(value) == expected


def test_every_table_carries_a_source_and_a_mark():
    from scoring import thresholds

    tables = [v for v in vars(thresholds).values() if isinstance(v, ThresholdTable)]
    assert len(tables) == 20
    assert all(t.source and isinstance(t.mark, Mark) for t in tables)


@pytest.mark.parametrize(
    ("table", "value", "comparator", "expected"),
    [
        pytest.param(NEUTROPHIL_LEVEL, 500, "<", (3, 3), id="<500-all-high"),
        pytest.param(NEUTROPHIL_LEVEL, 500, "<=", (2, 3), id="<=500-moderate-or-high"),
        pytest.param(NEUTROPHIL_LEVEL, 1200, "<", (1, 3), id="<1200-open"),
        pytest.param(NEUTROPHIL_LEVEL, 1500, ">=", (0, 0), id=">=1500-normal"),
        pytest.param(NEUTROPHIL_LEVEL, 1499, ">", (0, 1), id=">1499-open"),
        pytest.param(LYMPHOCYTE_LEVEL, 0.5, "<", (2, 2), id="<0.5-lymphocytes"),
        pytest.param(TEMPERATURE_LEVEL, 38.5, ">", (2, 2), id=">38.5"),
        pytest.param(TEMPERATURE_LEVEL, 37.0, "<", (0, 0), id="<37"),
        pytest.param(PROTEINURIA_LEVEL, 0.1, "<", (0, 0), id="<0.1-g/d"),
        pytest.param(PROTEINURIA_LEVEL, 1.0, ">", (2, 3), id=">1.0-g/d"),
        pytest.param(IGG_LEVEL, 20, ">", (2, 2), id=">20-g/L"),
        pytest.param(IGG_LEVEL, 12, "~", (0, 2), id="unknown-comparator-open"),
        pytest.param(HEMOGLOBIN_LEVEL, 11.0, None, (1, 1), id="no-comparator"),
    ],
)
def test_comparator_is_used_only_when_every_possible_value_agrees(table, value, comparator, expected):
    assert table.levels_for(value, comparator) == expected
