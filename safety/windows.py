"""Recency windows ("lookback") of jak-safety-rules.md §7, as data.

Labels say "at baseline / periodically" and almost never give a number; every window below is a
proposal [P] for the CDS owner to ratify, unless its mark says otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from safety.model import Mark


@dataclass(frozen=True)
class Window:
    days: int
    mark: Mark
    why: str


CBC = Window(30, Mark.P, "§7: CBC with differential <=30 days before the order; older -> R05")
RENAL = Window(30, Mark.P, "§7: creatinine / eGFR <=30 days")
RENAL_TIGHT = Window(14, Mark.P, "§7: <=14 days if eGFR <60 or age >=75")
WEIGHT_FOR_CRCL = Window(90, Mark.P, "body weight for Cockcroft-Gault; §7 gives no number (local choice)")
LFT = Window(30, Mark.P, "§7: ALT / AST / bilirubin <=30 days")
LIPIDS_BASELINE = Window(365, Mark.P, "§7: baseline lipids within 12 months (advisable, not mandated)")
TB_NEGATIVE = Window(365, Mark.P, "§7: negative TB test <=12 months before the start; a positive never expires")
LTBI_TREATMENT_RECENT = Window(28, Mark.P, "§5 R11: LTBI treatment started within the last 4 weeks")
HBV_DNA = Window(90, Mark.P, "§7: HBV DNA baseline <=3 months before the start, then every 3 months [P/S]")
PREGNANCY_TEST = Window(7, Mark.P, "§7: hCG or documented status <=7 days before the start")
PREGNANCY_EVIDENCE = Window(90, Mark.P, "a positive hCG / 'pregnant' status counts this long (local choice)")
SMOKING_STATUS = Window(365, Mark.P, "§7: smoking status recorded <=12 months")
BMI_BP = Window(365, Mark.P, "§7: BMI / BP <=12 months")
RECENT_MI_STROKE = Window(90, Mark.P, "§7: 'recent' MI/stroke = <=3 months")
LIVE_VACCINE = Window(28, Mark.P, "§7: live vaccine lookback 4 weeks before the start")

# Monitoring on treatment (R27): first check, then every 3 months.
MONITORING_INTERVAL = Window(91, Mark.V, "tofacitinib: every 3 months [V]; B/U/F 'routine' -> same [P]")
