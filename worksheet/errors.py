"""Why the worksheet cannot open or save, in words a clinician can act on. Every worksheet failure ends
on one of these pages (HTML, fixed text, never a stack trace or echoed input)."""

from __future__ import annotations

from dataclasses import dataclass

RELAUNCH = "Close this window and open the worksheet again from the ESSDAI card in the patient's chart."


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    explanation: str
    action: str = RELAUNCH


PROBLEMS: dict[str, Problem] = {
    "no-session": Problem(401, "No worksheet is open",
                          "This browser has no open ESSDAI worksheet, or it has expired."),
    "session-expired": Problem(401, "Your worksheet session has expired",
                               "The authorisation to read and write this patient's chart has expired."),
    "denied": Problem(403, "Access was not granted",
                      "The authorisation server reports that access was not granted (consent was declined or "
                      "the request was refused). Nothing was read from or written to the chart."),
    "launch-expired": Problem(400, "The launch has expired",
                              "Signing in took too long, or this page was reloaded after the sign-in finished. "
                              "For your safety the launch can only be used once, within a few minutes."),
    "launch-mismatch": Problem(400, "The sign-in does not match this launch",
                               "The answer from the authorisation server does not belong to the launch started "
                               "in this browser (state mismatch). Nothing was read or written."),
    "not-configured": Problem(503, "The worksheet is not set up for SMART launch",
                              "This service has no OAuth client id for the worksheet (WORKSHEET_CLIENT_ID).",
                              "Ask your administrator to register the worksheet with the EHR."),
    "open-disabled": Problem(403, "Opening without sign-in is disabled",
                             "The worksheet opens only through a SMART launch from the EHR.", RELAUNCH),
    "bad-launch": Problem(400, "The launch request is incomplete",
                          "The worksheet was opened without a FHIR server (iss) or with an invalid patient id."),
    "iss-not-allowed": Problem(403, "This FHIR server is not allowed",
                               "The worksheet only connects to the FHIR servers it is configured for "
                               "(FHIR_ALLOWLIST).", "Ask your administrator to allow this EHR's FHIR server."),
    "discovery-failed": Problem(502, "The EHR's sign-in settings could not be read",
                                "The FHIR server's .well-known/smart-configuration is missing, unreachable or "
                                "incomplete.", "Try again in a moment; if it persists, contact your administrator."),
    "no-pkce": Problem(502, "The EHR's authorisation server does not support PKCE (S256)",
                       "The worksheet requires the S256 code challenge of SMART App Launch.",
                       "Contact your administrator."),
    "token-failed": Problem(502, "The sign-in could not be completed",
                            "The authorisation server did not issue an access token for this launch."),
    "no-patient": Problem(400, "No patient was selected",
                          "The authorisation server issued a token without a patient context, so the worksheet "
                          "does not know whose chart to open."),
    "wrong-patient": Problem(409, "This worksheet belongs to another patient",
                             "The page was opened for a different patient than the one this browser's worksheet "
                             "session is for (for example after a launch for another patient in another tab). "
                             "Nothing was saved."),
    "storage-unavailable": Problem(503, "The service's database is not available",
                                   "The worksheet cannot open or save while the service's own database is "
                                   "unreachable. Nothing was saved.",
                                   "Try again in a minute; if it persists, contact your administrator."),
    "bad-request": Problem(400, "The request could not be accepted",
                           "The form is incomplete or was not sent by this worksheet (security check failed). "
                           "Nothing was saved."),
    "fhir-unavailable": Problem(502, "The chart could not be read",
                                "The FHIR server did not answer, or refused the request.",
                                "Try again in a moment. If the authorisation has expired, relaunch from the chart."),
    "internal": Problem(500, "Something went wrong",
                        "The worksheet hit an internal error. Nothing was saved.",
                        "Try again; if it persists, contact your administrator."),
}


class WorksheetProblem(Exception):
    """Raised anywhere in the worksheet; the blueprint turns it into its page."""

    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(kind)
        self.kind = kind if kind in PROBLEMS else "internal"
        self.detail = detail  # fixed text chosen by the code, shown under the explanation

    @property
    def problem(self) -> Problem:
        return PROBLEMS[self.kind]
