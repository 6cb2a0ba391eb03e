"""R16 - Pregnancy (jak-safety-rules.md §5.6 R16, §7).

What it does:
- pregnant (active pregnancy Condition, a "pregnant" pregnancy-status or a positive hCG within 90
  days [P], newest result wins) -> EMA: critical "contraindicated" (cancel-order); FDA: warning
  (embryo-fetal toxicity in animals; pregnancy registry);
- a patient of child-bearing potential (female, age < 50 [P], or age unknown) with no hCG or
  pregnancy status within 7 days [P] -> warning "missing-data", order hCG (LOINC 2106-3 [R]).

Why: all four EU SmPCs contraindicate pregnancy; the Rinvoq US label says verify pregnancy status
before starting.

Known problems: gender is administrative; child-bearing potential is approximated by female sex and
age [P] (no sex-at-birth or pregnancy-potential data), so the card is a prompt. The "pregnant"
SNOMED code 77386006 is [R]. Contraception windows (B/F >= 1 week, T/U >= 4 weeks, EMA) appear in
the message, not as checks.
"""

from __future__ import annotations

from fhir_mappings.facts import Measurement
from safety import windows
from safety.labels import BARICITINIB, DRUGS, EMA, FDA, FILGOTINIB, TOFACITINIB, UPADACITINIB
from safety.lookups import describe
from safety.model import OVERRIDE_BENEFIT, OVERRIDE_OUTSIDE_RESULT, Context, Indicator, Mark, Row, SafetyFinding, \
    SafetyRule, Status, Text, weakest
from safety.orderables import HCG
from safety.rules._common import SMPC_43, SMPC_46, USPI_PREGNANCY, cancel_order, conditions_text, each, \
    join, row_of, sections, table

PREGNANT_CODING = "http://snomed.info/sct|77386006"  # "Pregnant" [R] (§3.2)
CONTRACEPTION = {BARICITINIB: "1 week", FILGOTINIB: "1 week", TOFACITINIB: "4 weeks", UPADACITINIB: "4 weeks"}  # EMA [V]

THRESHOLDS = table(
    {
        **each(Row(Mark.V, Indicator.CRITICAL, "pregnancy: contraindicated", case="pregnant"), jurisdictions=(EMA,)),
        (TOFACITINIB, FDA): Row(Mark.V, Indicator.WARNING, "not contraindicated; embryo-fetal toxicity in animals",
                                case="pregnant"),
        (BARICITINIB, FDA): Row(Mark.R, Indicator.WARNING, "not listed as a contraindication; embryo-fetal "
                                                           "toxicity in animals", case="pregnant"),
        (UPADACITINIB, FDA): Row(Mark.R, Indicator.WARNING, "embryo-fetal toxicity; verify pregnancy status",
                                 case="pregnant"),
    },
    {
        **each(Row(Mark.P, Indicator.WARNING, "pregnancy test before starting (local policy)",
                   limit=windows.PREGNANCY_TEST.days, op=">", unit="days", case="no-test")),
        (UPADACITINIB, FDA): Row(Mark.V, Indicator.WARNING, "verify pregnancy status before starting",
                                 limit=windows.PREGNANCY_TEST.days, op=">", unit="days", case="no-test"),
    },
    each(Row(Mark.P, Indicator.WARNING, "child-bearing potential: female, age < 50 (local policy)", limit=50, op="<",
             unit="years", case="childbearing-age")),
)

TEXTS = {
    "pregnant": Text(
        "Pregnancy is on file, and {drug} {verdict} ({jurisdiction} label)",
        "Pregnant: {observed}. {jurisdiction} label: {says}. {advice}",
    ),
    "no-test": Text(
        "Verify pregnancy status before starting {drug}; there is no pregnancy test within {days} days",
        "Patient may be of child-bearing potential ({who}); no hCG or pregnancy status within the last "
        "{days} days (window [P]). {jurisdiction} label: {says}.",
    ),
}


def _pregnancy_evidence(ctx: Context) -> tuple[list[str], list]:
    facts = ctx.facts
    found: list = []
    parts: list[str] = []
    cond = facts.conditions_of("pregnancy")
    if cond:
        parts.append(conditions_text(cond))
        found.extend(c.evidence() for c in cond)
    status = next(iter(facts.within("pregnancy-status", windows.PREGNANCY_EVIDENCE.days)), None)
    hcg = next((m for m in facts.within("hcg", windows.PREGNANCY_EVIDENCE.days) if m.positive is not None), None)
    for m, pregnant in ((status, status is not None and status.coding == PREGNANT_CODING),
                        (hcg, hcg is not None and bool(hcg.positive))):
        if pregnant and isinstance(m, Measurement):
            parts.append(describe(m, "pregnancy status" if m.analyte == "pregnancy-status" else "hCG"))
            found.append(m.evidence())
    return parts, found


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    facts = ctx.facts
    parts, evidence = _pregnancy_evidence(ctx)
    if parts:
        row = row_of(rule, ctx, "pregnant")
        assert row is not None
        critical = row.indicator == Indicator.CRITICAL
        advice = (f"Contraception during treatment and for at least {CONTRACEPTION[ctx.drug]} after the last dose."
                  if ctx.jurisdiction == EMA else "Enrol in the pregnancy registry if treatment goes ahead.")
        return [rule.finding(ctx, "pregnant", indicator=row.indicator, mark=row.mark, evidence=evidence,
                             suggestion=cancel_order(ctx, "pregnancy") if critical else None,
                             override_reasons=(OVERRIDE_BENEFIT,),
                             observed="; ".join(parts), says=row.says, advice=advice,
                             verdict="is contraindicated" if critical else "carries an embryo-fetal risk to weigh")]
    age_row = row_of(rule, ctx, "childbearing-age")
    age = facts.age_years()
    if facts.gender != "female" or age_row is None or (age is not None and not age_row.triggered_by(age)):
        return []
    recent = facts.within("pregnancy-status", windows.PREGNANCY_TEST.days) + facts.within(
        "hcg", windows.PREGNANCY_TEST.days)
    if recent:
        return []
    row = row_of(rule, ctx, "no-test")
    assert row is not None
    return [rule.finding(
        ctx, "no-test", indicator=row.indicator, mark=weakest(row.mark, windows.PREGNANCY_TEST.mark, age_row.mark),
        status=Status.MISSING_DATA, suggestion=HCG.suggestion("pregnancy status before starting"),
        override_reasons=(OVERRIDE_OUTSIDE_RESULT, ("not-of-childbearing-potential", "Not of child-bearing potential")),
        days=str(windows.PREGNANCY_TEST.days), says=row.says,
        who=f"female, age {age}" if age is not None else "female, age unknown",
    )]


RULE = SafetyRule(
    id="R16",
    title="Pregnancy",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.CRITICAL,
    texts=TEXTS,
    sections=sections(USPI_PREGNANCY, join(SMPC_43, SMPC_46)),
    check=check,
    known_problems="Child-bearing potential approximated by sex and age < 50 [P]; 77386006 is [R].",
    override_reasons=(OVERRIDE_BENEFIT,),
)
