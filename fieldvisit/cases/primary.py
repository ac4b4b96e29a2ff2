"""The one thing to do next on a case, chosen from its state, what is overdue and who asks.

The case page leads with it as its one primary button; everything else the user may do is
listed below it, secondary. Pure: it reads what the engine allows (`actions_for`) and the
checklist, so each state's choice is unit-tested without a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fieldvisit.cases.engine import Action, ActionStatus
from fieldvisit.cases.models import CaseState

S = CaseState
# In each state, the actions that move the case on, most important first. The first one the
# user may take now leads; a locked one never does.
LEADS: dict[CaseState, tuple[Action, ...]] = {
    # The same day: try every contact, then record that none answered (seed lines 9-17).
    S.FIRST_DAY: (Action.RECORD_NO_CONTACT, Action.LOG_CONTACT),
    S.NO_CONTACT: (Action.TRIAGE,),
    # Refer when it is due; until then the visit and the checklist (seed lines 42, 62, 83).
    S.LOCATING: (Action.SUBMIT_REFERRAL, Action.ASSIGN_VISIT, Action.LOG_CONTACT),
    S.REFERRED: (Action.ACCEPT_REFERRAL, Action.LOG_CONTACT),
    S.JOINT_ENQUIRIES: (Action.AGREE_REMOVAL, Action.LOG_ENQUIRY),
    S.REMOVAL_AGREED: (Action.RECORD_REMOVAL, Action.LOG_ENQUIRY),
    S.EHE_NOTICE_AWAITED: (Action.ELECTIVE_HOME_EDUCATION, Action.LOG_CONTACT),
    S.OFF_ROLL: (Action.LOG_ENQUIRY, Action.CHILD_FOUND),
    S.CLOSED: (),
}


@dataclass(frozen=True)
class Lead:
    """What the page leads with: an action, or an overdue checklist item to do."""

    label: str
    action: Action | None = None
    item: Any = None  # a ChecklistItem
    why: str = ""


def lead_for(
    state: CaseState,
    statuses: Sequence[ActionStatus],
    *,
    overdue_items: Sequence[Any] = (),
    visit_arranged: bool = False,
) -> Lead | None:
    """Choose the one thing to do next, or None when the user has nothing to move on.

    An overdue checklist item leads before routine work, but never before a referral that
    can be made now or an LA decision; a home visit is not arranged twice.
    """
    allowed = {s.action for s in statuses if s.allowed}
    for action in LEADS.get(state, ()):
        if action not in allowed:
            continue
        if action == Action.ASSIGN_VISIT and visit_arranged:
            continue
        if action in (Action.ASSIGN_VISIT, Action.LOG_CONTACT) and overdue_items:
            item = overdue_items[0]
            return Lead(item.text, item=item, why=f"Overdue: due by school day {item.due_day}.")
        return Lead(action.about.lead or action.label, action=action, why=action.about.why)
    return None
