"""Every action on a case, and everything said about each in one record (`ACTIONS`).

The engine (engine.py) says when an action may be taken and by whom; this file says what
it is called, the outcome it records, the page that carries it out, and how the case
page words it when it leads.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fieldvisit.cases.models import Outcome


class Action(enum.StrEnum):
    LOG_CONTACT = "log_contact"
    RECORD_NO_CONTACT = "record_no_contact"
    TRIAGE = "triage"
    TICK_CHECKLIST = "tick_checklist"
    UNTICK_CHECKLIST = "untick_checklist"
    CORRECT_ENTRY = "correct_entry"
    ASSIGN_VISIT = "assign_visit"
    CANCEL_VISIT = "cancel_visit"
    CHILD_RETURNED = "child_returned"
    ATTENDING_OTHER_SCHOOL = "attending_other_school"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    EHE_SPOKEN_NOTICE = "ehe_spoken_notice"
    RESIDING_IN_LA = "residing_in_la"
    SUBMIT_REFERRAL = "submit_referral"
    ACCEPT_REFERRAL = "accept_referral"
    RETURN_REFERRAL = "return_referral"
    LOG_ENQUIRY = "log_enquiry"
    REASSIGN_LAAO = "reassign_laao"
    AGREE_REMOVAL = "agree_removal"
    RECORD_REMOVAL = "record_removal"
    CHILD_FOUND = "child_found"
    MOVED_ABROAD = "moved_abroad"
    MOVED_OTHER_LA = "moved_other_la"
    RAISE_CONCERN = "raise_concern"
    INFORM_SOCIAL_WORKER = "inform_social_worker"
    REQUEST_POLICE_CHECK = "request_police_check"
    WITHDRAW_REMOVAL = "withdraw_removal"
    # Recorded from their own pages or the phone, without moving the case (engine.RECORDS).
    OPEN_CASE = "case_opened"
    MAKE_LETTER = "letter"
    STOP_LETTER_LINK = "letter_link_revoked"
    RECORD_VISIT = "home_visit"

    @property
    def about(self) -> About:
        return ACTIONS[self]

    @property
    def label(self) -> str:
        return ACTIONS[self].label


@dataclass(frozen=True)
class About:
    """One action as people meet it."""

    label: str
    # The outcome a closing action records on the case.
    outcome: Outcome | None = None
    # The endpoint whose page carries it out (with its arguments), or "#part" of the case page.
    page: str | None = None
    page_args: Mapping[str, Any] = field(default_factory=dict)
    # When the case page leads with it: what the button says, if not the label, and why.
    lead: str | None = None
    why: str = ""
    # What the chronology entry says happened, where that is not the label.
    done: str | None = None


def _outcome(label: str, outcome: Outcome, kind: str) -> About:
    return About(label, outcome=outcome, page="outcomes.record", page_args={"kind": kind})


_INVOLVEMENT = "referrals.involvement"
_DECISION = {"_anchor": "decision"}

ACTIONS: dict[Action, About] = {
    Action.LOG_CONTACT: About("Log a contact attempt", page="cases.log_contact"),
    Action.RECORD_NO_CONTACT: About(
        "Record that no contact was made",
        page="#no-contact",
        why="Once every number has been tried.",
    ),
    Action.TRIAGE: About(
        "Triage vulnerability",
        page="cases.triage",
        why="Decide how vulnerable the child is: it sets the deadlines.",
    ),
    Action.TICK_CHECKLIST: About("Tick a checklist item", page="#checklist"),
    Action.UNTICK_CHECKLIST: About("Untick a checklist item ticked by mistake", page="#checklist"),
    Action.CORRECT_ENTRY: About("Correct a chronology entry", page="#chronology"),
    Action.ASSIGN_VISIT: About(
        "Assign a home visit", page="visits.case_visits", lead="Arrange a home visit"
    ),
    Action.CANCEL_VISIT: About("Cancel or reassign a home visit", page="visits.case_visits"),
    Action.CHILD_RETURNED: _outcome("Child returned to school", Outcome.RETURNED, "returned"),
    Action.ATTENDING_OTHER_SCHOOL: _outcome(
        "Attending another school", Outcome.OTHER_SCHOOL, "other-school"
    ),
    Action.ELECTIVE_HOME_EDUCATION: About(
        "Elective home education",
        outcome=Outcome.ELECTIVE_HOME_EDUCATION,
        page="outcomes.record",
        page_args={"kind": "home-education"},
        lead="Record the written notice of home education",
    ),
    Action.EHE_SPOKEN_NOTICE: About("Home education said by word of mouth: written notice awaited"),
    Action.RESIDING_IN_LA: _outcome(
        "Still residing in the LA", Outcome.RESIDING_IN_LA, "residing-in-la"
    ),
    Action.SUBMIT_REFERRAL: About(
        "Submit the CME referral",
        page="referrals.referral",
        why="The referral can be made now.",
    ),
    Action.ACCEPT_REFERRAL: About(
        "Accept the referral",
        page="la.case_referral",
        page_args=_DECISION,
        why="Review the evidence and decide.",
    ),
    Action.RETURN_REFERRAL: About(
        "Return the referral to the school", page="la.case_referral", page_args=_DECISION
    ),
    Action.LOG_ENQUIRY: About(
        "Log an enquiry", page=_INVOLVEMENT, page_args={"_anchor": "enquiries"}
    ),
    Action.REASSIGN_LAAO: About(
        "Reassign to another LAAO", page=_INVOLVEMENT, page_args={"_anchor": "involvement"}
    ),
    Action.AGREE_REMOVAL: About(
        "Agree removal from roll",
        page=_INVOLVEMENT,
        page_args={"_anchor": "removal"},
        why="The grounds for removal from roll are met.",
    ),
    Action.RECORD_REMOVAL: About(
        "Record removal from roll",
        page=_INVOLVEMENT,
        page_args={"_anchor": "removal"},
        why="The LA has agreed the removal.",
    ),
    Action.CHILD_FOUND: _outcome("Child found", Outcome.FOUND, "found"),
    Action.MOVED_ABROAD: _outcome("Moved abroad", Outcome.MOVED_ABROAD, "moved-abroad"),
    Action.MOVED_OTHER_LA: _outcome(
        "Moved to another local authority", Outcome.MOVED_OTHER_LA, "moved-other-la"
    ),
    Action.RAISE_CONCERN: About("Raise a child protection concern", page="cases.concern"),
    Action.INFORM_SOCIAL_WORKER: About(
        "Record that the social worker was informed",
        page="cases.safeguarding_step",
        page_args={"step": "social-worker"},
        done="Social worker informed",
    ),
    Action.REQUEST_POLICE_CHECK: About(
        "Record a police safe-and-well check request",
        page="cases.safeguarding_step",
        page_args={"step": "police"},
        done="Police asked for a safe-and-well check",
    ),
    Action.WITHDRAW_REMOVAL: About("Withdraw the agreement to remove from roll"),
    Action.OPEN_CASE: About("Open a case"),
    Action.MAKE_LETTER: About("Make a letter"),
    Action.STOP_LETTER_LINK: About("Stop a letter's QR link"),
    Action.RECORD_VISIT: About("Record a home visit"),
}
