"""Never silent: a rule whose newest result could not be used says so on its card.

Two cases, both `missing-data` findings of the rule itself (not of R05's "nothing on file"):
- the newest result for an analyte the rule reads was on file but unusable (a unit that cannot be
  converted, a result form that is not read, an unrecognised text or code): the card names the
  value as received, its date and why (fhir_mappings `Skipped` with analyte/date/value);
- the newest value is censored ("<2 10*3/uL") and does not settle the rule's threshold: `settles`.

READS is also the table of what each rule reads (README "What each safety rule reads", kept true by
tests/safety/test_unreadable.py).
"""

from __future__ import annotations

from datetime import date

from fhir_mappings.code_tables.essdai_codesystem import CODES
from fhir_mappings.facts import PatientFacts, Skipped
from safety.lookups import LABEL_OF, _sep, fmt, unit_display
from safety.model import Context, Indicator, Mark, Row, SafetyFinding, SafetyRule, Source, Status, fit_summary

# rule id -> analytes (fhir_mappings.code_tables.loinc ANALYTES) whose results it reads
READS: dict[str, tuple[str, ...]] = {
    "R02": ("lymphocytes",),
    "R03": ("neutrophils",),
    "R04": ("hemoglobin",),
    "R06": ("egfr", "creatinine"),
    "R08": ("alt", "ast"),
    "R11": ("igra",),
    "R12": ("hbsag", "anti-hbc"),
    "R13": ("hcv-ab",),
    "R16": ("hcg",),
}
# rule id -> clinician findings (project CodeSystem codes) it reads, in the clinician window
FINDINGS_READ: dict[str, tuple[str, ...]] = {
    "R07": ("child-pugh-class",),
}

_LABELS = {**LABEL_OF, "igra": "IGRA", "hbsag": "HBsAg", "anti-hbc": "anti-HBc", "hcv-ab": "HCV antibody",
           "hcg": "hCG", "child-pugh-class": "Child-Pugh class"}


def label(analyte: str) -> str:
    return _LABELS.get(analyte, analyte)


def newest_unreadable(facts: PatientFacts, analyte: str) -> Skipped | None:
    """The newest unusable result for the analyte inside its window, if no usable result is as new."""
    finding = analyte in CODES  # a clinician finding, not a lab analyte
    window = facts.windows.clinician if finding else facts.windows.for_analyte(analyte)
    found = [s for s in facts.skipped if s.analyte == analyte and s.when is not None
             and (facts.as_of - s.when).days <= window]
    if not found:
        return None
    newest = max(found, key=lambda s: s.when or date.min)
    usable = facts.latest_finding(analyte) if finding else (facts.series(analyte) or (None,))[0]
    if usable is not None and usable.date >= (newest.when or date.min):
        return None  # a readable result of the same day or newer decides
    return newest


def settles(row: Row, value: float, comparator: str | None) -> bool | None:
    """Does a (possibly censored) value settle the row? True crossed, False not crossed, None: the
    value stands for numbers on both sides of the limit. '<=500' against '< 500' is taken as
    crossed: a result reported at or below the threshold is not a count to start a JAK inhibitor on."""
    if row.limit is None:
        return False
    if comparator is None:
        return row.triggered_by(value)
    below = comparator in ("<", "<=")
    if row.op.startswith("<"):
        if below:
            return True if value <= row.limit else None
        return False if value >= row.limit else None
    if not below:
        return True if value >= row.limit else None
    return False if value <= row.limit else None


def _finding(rule: SafetyRule, ctx: Context, summary: str, message: str) -> SafetyFinding:
    return SafetyFinding(
        rule=rule.id, drug=ctx.drug, jurisdiction=ctx.jurisdiction, indicator=Indicator.WARNING,
        status=Status.MISSING_DATA, summary=summary, message=message, evidence=(),
        source=rule.source_for(ctx.drug, ctx.jurisdiction) if ctx.jurisdiction in rule.jurisdictions else
        Source(label=rule.title, section=""),
        mark=Mark.V, confirmed=True, order_reference=ctx.order.reference if ctx.order is not None else None,
    )


def unreadable_findings(rule: SafetyRule, ctx: Context) -> list[SafetyFinding]:
    out = []
    for analyte in (*READS.get(rule.id, ()), *FINDINGS_READ.get(rule.id, ())):
        skipped = newest_unreadable(ctx.facts, analyte)
        if skipped is None:
            continue
        name = label(analyte)
        value = skipped.value or "a result"
        out.append(_finding(
            rule, ctx, fit_summary(f"The newest {name} result ({value}) could not be used, so the {ctx.drug} "
                                   f"check '{rule.title}' was not made",
                                   f"The newest {name} result ({value}) could not be used, so a {ctx.drug} check was "
                                   "not made",
                                   f"The newest {name} result could not be used, so a {ctx.drug} check was not made",
                                   f"The newest {name} result could not be used, so a safety check was not made"),
            f"The newest {name} result ({value} on {skipped.when}, {skipped.reference}) could not be used: "
            f"{skipped.reason}. The check '{rule.title}' for {ctx.drug} was not made; repeat or correct "
            f"the result before relying on this check."))
    return out


def unsettled_finding(rule: SafetyRule, ctx: Context, row: Row, observed: str, value: float,
                      comparator: str, unit: str | None, analyte: str) -> SafetyFinding:
    """A censored value that does not settle the row's limit."""
    name = label(analyte)
    shown = f"{comparator}{fmt(value)}{_sep(unit)}{unit_display(unit)}"
    limit = f"{row.op} {fmt(row.limit or 0)}{_sep(row.unit)}{unit_display(row.unit)}"
    return _finding(
        rule, ctx, fit_summary(f"{name} {shown} cannot be compared with the {ctx.drug} threshold ({limit}), so it was "
                               "not checked", f"{name} {shown} cannot be compared with the {ctx.drug} threshold, so it "
                               "was not checked", f"The newest {name} result cannot be compared with a threshold, so "
                               "it was not checked"),
        f"{observed} is a censored value: it does not tell whether {name} is {limit} ({ctx.jurisdiction} label: "
        f"{row.says}). Repeat with a quantitative result.")
