"""FHIR R4 JSON -> clinical facts (fhir_mappings.facts). Code tables, unit conversion, status and
recency filters live here; no scoring does."""
