"""The case page leads with one thing to do, chosen per state (cases/primary.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from fieldvisit.cases import services
from fieldvisit.cases.engine import TRANSITIONS, Action, ActionStatus
from fieldvisit.cases.models import CaseState
from fieldvisit.cases.primary import lead_for
from fieldvisit.cases.views.case_page import RECENT_ENTRIES
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import Blocked
from tests.support.casework import case_on_day, triaged

S = CaseState


def statuses(state: CaseState, *, locked: tuple[Action, ...] = ()) -> list[ActionStatus]:
    """Every action of the state, as a user allowed all of them would see it."""
    return [
        ActionStatus(action, rule, [Blocked("x", "locked")] if action in locked else [])
        for (s, action), rule in TRANSITIONS.items()
        if s == state
    ]


@dataclass
class Item:
    text: str = "Check with siblings in other schools."
    due_day: int = 1


@pytest.mark.parametrize(
    "state, locked, expected",
    [
        (S.FIRST_DAY, (Action.RECORD_NO_CONTACT,), Action.LOG_CONTACT),  # nobody tried yet
        (S.FIRST_DAY, (), Action.RECORD_NO_CONTACT),
        (S.NO_CONTACT, (), Action.TRIAGE),
        (S.LOCATING, (), Action.SUBMIT_REFERRAL),
        (S.LOCATING, (Action.SUBMIT_REFERRAL,), Action.ASSIGN_VISIT),
        (S.REFERRED, (), Action.ACCEPT_REFERRAL),
        (S.JOINT_ENQUIRIES, (), Action.AGREE_REMOVAL),
        (S.JOINT_ENQUIRIES, (Action.AGREE_REMOVAL,), Action.LOG_ENQUIRY),
        (S.REMOVAL_AGREED, (), Action.RECORD_REMOVAL),
        (S.EHE_NOTICE_AWAITED, (), Action.ELECTIVE_HOME_EDUCATION),
        (S.OFF_ROLL, (), Action.LOG_ENQUIRY),
    ],
)
def test_each_state_leads_with_what_moves_it_on(state, locked, expected):
    lead = lead_for(state, statuses(state, locked=locked))
    assert lead is not None and lead.action == expected


def test_a_closed_case_leads_with_nothing():
    assert lead_for(S.CLOSED, statuses(S.CLOSED)) is None


def test_an_overdue_item_leads_before_routine_work_but_not_before_the_referral():
    item = Item()
    waiting = statuses(S.LOCATING, locked=(Action.SUBMIT_REFERRAL,))
    lead = lead_for(S.LOCATING, waiting, overdue_items=[item], visit_arranged=True)
    assert lead is not None and lead.item is item and "Overdue" in lead.why
    due = lead_for(S.LOCATING, statuses(S.LOCATING), overdue_items=[item])
    assert due is not None and due.action == Action.SUBMIT_REFERRAL


def test_a_visit_already_arranged_is_not_arranged_again():
    waiting = statuses(S.LOCATING, locked=(Action.SUBMIT_REFERRAL,))
    lead = lead_for(S.LOCATING, waiting, visit_arranged=True)
    assert lead is not None and lead.action == Action.LOG_CONTACT


def test_the_case_page_shows_one_primary_button_and_the_rest_below(session, world, signed_in):
    case = triaged(session, world, case_on_day(session, world, 2))
    session.commit()
    page = signed_in(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    next_part = page.split('id="next"')[1].split("</div>\n\n")[0]
    assert next_part.count('class="govuk-button"') == 1
    assert "You can also" in next_part
    # Day 2 with the first day's steps undone: the first of them leads.
    assert "Overdue</strong> Contact all emergency contact numbers" in next_part
    # Actions offered where their object is are not listed again.
    assert "Untick a checklist item" not in next_part and "Correct a chronology" not in next_part
    assert page.count("Raise a child protection concern") == 1  # the red button only


def test_the_timeline_shows_the_recent_entries_and_the_rest_on_request(session, world, signed_in):
    case = triaged(session, world, case_on_day(session, world, 2))
    for n in range(10):
        services.log_contact_attempt(
            session,
            world.school_user,
            case,
            method=Method.PHONE,
            target=f"07700 90000{n}",
            contact_name="Pat Parent",
            occurred_at=utcnow(),
            contact_made=False,
        )
    session.commit()
    page = signed_in(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    recent, older = page.split('id="older-entries"')
    assert recent.count('class="moj-timeline__item"') == RECENT_ENTRIES
    assert "Show all" in older and older.count('class="moj-timeline__item"') >= 5
