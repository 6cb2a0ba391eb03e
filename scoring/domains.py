"""The 12 ESSDAI domains as data: weights, ClinESSDAI weights and the levels each domain allows."""

from __future__ import annotations

from dataclasses import dataclass

from fhir_mappings.code_tables.essdai_codesystem import DOMAINS
from scoring.tables import Mark

ESSDAI_WEIGHTS_SOURCE = "ESSDAI weights, Seror 2010 Table 2 [S1]"
ESSDAI_WEIGHTS_MARK = Mark.V
# A secondary source (a HEOR README citing Seror 2016, sum 47); S3's weight table itself was not seen.
CLINESSDAI_WEIGHTS_SOURCE = ("ClinESSDAI weights, Seror 2016 [S3] via a secondary README "
                             "(medium confidence, not verified against S3)")
CLINESSDAI_WEIGHTS_MARK = Mark.S


@dataclass(frozen=True)
class Domain:
    name: str  # CodeSystem spelling
    essdai_weight: int
    clinessdai_weight: int | None  # None: not part of ClinESSDAI (biological)
    levels: tuple[int, ...]  # allowed activity levels

    @property
    def max_level(self) -> int:
        return max(self.levels)


# Levels: constitutional, glandular, biological have no High (max 2); CNS has no Low (S1 Table 3, C1, S8).
DOMAIN_TABLE: dict[str, Domain] = {
    d.name: d
    for d in (
        Domain("constitutional", 3, 4, (0, 1, 2)),
        Domain("lymphadenopathy", 4, 4, (0, 1, 2, 3)),
        Domain("glandular", 2, 2, (0, 1, 2)),
        Domain("articular", 2, 3, (0, 1, 2, 3)),
        Domain("cutaneous", 3, 3, (0, 1, 2, 3)),
        Domain("pulmonary", 5, 6, (0, 1, 2, 3)),
        Domain("renal", 5, 6, (0, 1, 2, 3)),
        Domain("muscular", 6, 7, (0, 1, 2, 3)),
        Domain("pns", 5, 5, (0, 1, 2, 3)),
        Domain("cns", 5, 5, (0, 2, 3)),
        Domain("hematological", 2, 2, (0, 1, 2, 3)),
        Domain("biological", 1, None, (0, 1, 2)),
    )
}
assert tuple(DOMAIN_TABLE) == DOMAINS, "domain table must follow the CodeSystem order and spelling"

ESSDAI_WEIGHTS: dict[str, int] = {d.name: d.essdai_weight for d in DOMAIN_TABLE.values()}
CLINESSDAI_WEIGHTS: dict[str, int] = {
    d.name: d.clinessdai_weight for d in DOMAIN_TABLE.values() if d.clinessdai_weight is not None
}


class InvalidLevel(ValueError):
    """A level the domain does not allow (e.g. CNS 1, glandular 3), or an unknown domain."""

    def __init__(self, domain: str, level: object, message: str) -> None:
        super().__init__(message)
        self.domain = domain
        self.level = level


def validate_level(domain: str, level: object) -> int:
    """Return `level` if `domain` allows it, else raise InvalidLevel (bools and non-integers are rejected)."""
    spec = DOMAIN_TABLE.get(domain)
    if spec is None:
        raise InvalidLevel(domain, level, f"unknown ESSDAI domain {domain!r}")
    if isinstance(level, bool) or not isinstance(level, int):
        raise InvalidLevel(domain, level, f"{domain} level must be an integer, got {level!r}")
    if level not in spec.levels:
        allowed = ", ".join(map(str, spec.levels))
        raise InvalidLevel(domain, level, f"{domain} has no level {level} (allowed: {allowed})")
    return level


def max_score(weights: dict[str, int]) -> int:
    return sum(w * DOMAIN_TABLE[d].max_level for d, w in weights.items())


assert max_score(ESSDAI_WEIGHTS) == 123 and max_score(CLINESSDAI_WEIGHTS) == 135
