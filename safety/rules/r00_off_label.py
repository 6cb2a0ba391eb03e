"""R00 - Off-label notice (jak-safety-rules.md §1.1, §5.1 R00).

What it does: on every draft JAK-inhibitor order for a patient with active Sjögren's, says that no
JAK inhibitor is licensed for Sjögren's and that the RA label rows are applied. It also carries the
notices that stop the other rules from running: filgotinib under FDA (not FDA-approved), a JAK
inhibitor with no label rows in this rule set, and an unknown jurisdiction.

Why: every order is off-label; clinicians must know which label rows the checks used.

Known problems: without an active Sjögren's Condition the RA rows are still applied, silently
(the service is built for pSS patients; a missing problem-list entry is common).
"""

from __future__ import annotations

from safety.labels import APPROVED, DRUGS, EMA, FDA, FILGOTINIB, JURISDICTIONS
from safety.model import Context, Indicator, Mark, Phase, Row, SafetyFinding, SafetyRule, Source, Text
from safety.rules._common import conditions_text, evidence_of, table

# FDA 2021 class labelling [S]: the RA indication of tofacitinib, baricitinib and upadacitinib is limited to
# adults with an inadequate response or intolerance to one or more TNF blockers (drugs.com tofacitinib:
# "when 1 or more medicines called TNF blockers have been used and did not work well or cannot be tolerated").
FDA_RA_INDICATION = (" FDA: the RA indication is limited to an inadequate response or intolerance to one or more "
                     "TNF blockers.")
OFF_LABEL = Row(Mark.V, Indicator.INFO, "no JAK inhibitor is licensed for Sjögren's; RA rows applied", case="off-label")

TEXTS = {
    "off-label": Text(
        "No JAK inhibitor is licensed for Sjögren's, so the {jurisdiction} RA label rows for {drug} are applied",
        "No JAK inhibitor is licensed for Sjögren's by FDA or EMA, so this {drug} order is off-label. The "
        "safety checks apply the {jurisdiction} label rows for rheumatoid arthritis. Evidence in primary "
        "Sjögren's: a pilot of baricitinib 2 mg/day (n=11, 24 weeks) and an ongoing open-label RCT of "
        "4 mg/day.{fda_indication} Sjögren's on file: {observed}.",
    ),
    "not-approved": Text(
        "{drug} is not FDA-approved, so there are no US label rows to check; set the jurisdiction to "
        "EMA for the EU rows",
        "{drug} has no US label (not FDA-approved), so none of the label-based safety checks could run "
        "under jurisdiction FDA. Switch the jurisdiction to EMA to apply the EU SmPC rows.",
    ),
    "no-label": Text(
        "{drug} has no label rows in this rule set, so the JAK-inhibitor safety checks were not run",
        "The rule set covers baricitinib, tofacitinib, upadacitinib and filgotinib only. No safety check "
        "was run for {drug}; check its own label.",
    ),
    "jurisdiction": Text(
        "The jurisdiction {jurisdiction} is not known, so the JAK-inhibitor safety checks were not run",
        "The jurisdiction must be FDA or EMA; {jurisdiction} is not known, so no label rows were applied "
        "and no safety check was run for {drug}.",
    ),
}

THRESHOLDS = table({pair: OFF_LABEL for pair in APPROVED})


def check(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    if ctx.jurisdiction not in JURISDICTIONS:
        return [rule.finding(ctx, "jurisdiction", indicator=Indicator.WARNING, mark=Mark.V)]
    if ctx.drug == FILGOTINIB and ctx.jurisdiction == FDA:
        return [rule.finding(ctx, "not-approved", indicator=Indicator.WARNING, mark=Mark.V)]
    if ctx.drug not in DRUGS:
        return [rule.finding(ctx, "no-label", indicator=Indicator.WARNING, mark=Mark.V)]
    sjogren = ctx.facts.conditions_of("sjogren")
    if not sjogren:
        return []
    row = rule.rows(ctx)[0]
    return [
        rule.finding(
            ctx, row.case, indicator=row.indicator, mark=row.mark, evidence=evidence_of(sjogren),
            observed=conditions_text(sjogren),
            fda_indication=FDA_RA_INDICATION if ctx.jurisdiction == FDA else "",
        )
    ]


RULE = SafetyRule(
    id="R00",
    title="Off-label notice",
    applies_to=DRUGS,
    jurisdictions=(FDA, EMA),
    thresholds=THRESHOLDS,
    indicator=Indicator.INFO,
    texts=TEXTS,
    sections={FDA: "Indications and Usage", EMA: "4.1 Therapeutic indications"},
    check=check,
    phases=frozenset({Phase.ORDER}),
    source=Source(
        label="Labels' indications (no Sjögren's indication); Bai 2022 ARD pilot; Bai 2023 Trials RCT protocol",
        section="Indications and Usage / 4.1 Therapeutic indications; ARD 2022;81(7):1050; Trials 2023 protocol",
        url="https://doi.org/10.1186/s13063-023-07087-5",
    ),
    known_problems="RA rows are applied silently when no active Sjögren's Condition is on file.",
)
