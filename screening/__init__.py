"""Population screening, the third edge beside the CDS Hooks service and the worksheet: Bulk Data (or a
folder of NDJSON) -> group by patient -> the shared per-patient pipeline -> ranked candidate list, report.

    grouping    patient_of(resource): the Patient a resource belongs to
    rows        screen_row(...): one JSON row per patient; ROW_FIELDS, row_json (canonical serialisation)
"""
