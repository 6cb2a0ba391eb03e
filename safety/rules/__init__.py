"""Every JAK-inhibitor safety rule of jak-safety-rules.md §5, one module each, in id order.

Ids are stable and never reused; a retired rule keeps its module (and says so in its docstring).
"""

from __future__ import annotations

from safety.model import SafetyRule
from safety.rules import (
    r00_off_label,
    r01_hypersensitivity,
    r02_alc,
    r03_anc,
    r04_hemoglobin,
    r05_baseline_cbc,
    r06_renal,
    r07_hepatic,
    r08_transaminases,
    r09_active_infection,
    r10_chronic_infection,
    r11_tuberculosis,
    r12_hepatitis_b,
    r13_hepatitis_c,
    r14_herpes_zoster,
    r15_live_vaccines,
    r16_pregnancy,
    r17_breastfeeding,
    r18_vte,
    r19_mace,
    r20_malignancy,
    r21_age,
    r22_oat3_probenecid,
    r23_tofacitinib_cyp,
    r24_upadacitinib_cyp3a4,
    r25_combination,
    r26_lipids,
    r27_periodic_cbc_lft,
    r28_gi_perforation,
    r29_diabetes,
    r30_ild,
    r31_dose_check,
)

RULES: tuple[SafetyRule, ...] = (
    r00_off_label.RULE,
    r01_hypersensitivity.RULE,
    r02_alc.RULE,
    r03_anc.RULE,
    r04_hemoglobin.RULE,
    r05_baseline_cbc.RULE,
    r06_renal.RULE,
    r07_hepatic.RULE,
    r08_transaminases.RULE,
    r09_active_infection.RULE,
    r10_chronic_infection.RULE,
    r11_tuberculosis.RULE,
    r12_hepatitis_b.RULE,
    r13_hepatitis_c.RULE,
    r14_herpes_zoster.RULE,
    r15_live_vaccines.RULE,
    r16_pregnancy.RULE,
    r17_breastfeeding.RULE,
    r18_vte.RULE,
    r19_mace.RULE,
    r20_malignancy.RULE,
    r21_age.RULE,
    r22_oat3_probenecid.RULE,
    r23_tofacitinib_cyp.RULE,
    r24_upadacitinib_cyp3a4.RULE,
    r25_combination.RULE,
    r26_lipids.RULE,
    r27_periodic_cbc_lft.RULE,
    r28_gi_perforation.RULE,
    r29_diabetes.RULE,
    r30_ild.RULE,
    r31_dose_check.RULE,
)

BY_ID: dict[str, SafetyRule] = {r.id: r for r in RULES}
