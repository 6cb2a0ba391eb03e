"""Reading a patient's data from a FHIR server, for every edge that needs it (non-clinical):

    client           allowlisted, time-boxed, size-capped FHIR client (FhirClient, Deadline, errors)
    registry         service declarations: prefetch templates and CDS Hooks 2.0 tokens
    patient_queries  what one patient's assessment reads (the patient-view prefetch)
    gather           prefetch + FHIR fallback: the resources of one patient, with what could not be read
"""
