"""The CME involvement: its clock, enquiries, reassignment, removal and what follows it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldvisit.cases import services as cases
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import format_date, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import TransitionRefused, ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.referrals import involvements
from fieldvisit.referrals.involvements import EnquiryWith
from fieldvisit.schools.services import calendar_for
from tests.referrals.helpers import accepted_case
from tests.support.factories import make_user


def test_removal_before_four_weeks_is_refused_with_the_date(session, world):
    case, _, involvement = accepted_case(session, world)
    opened_on = uk_date(involvement.opened_at)
    with pytest.raises(TransitionRefused) as refused:
        involvements.agree_removal(session, world.laao, case, today=opened_on + timedelta(days=27))
    assert refused.value.blocked[0].unlocks_on == opened_on + timedelta(days=28)
    assert f"from {format_date(opened_on + timedelta(days=28))}" in refused.value.message
    involvements.agree_removal(session, world.laao, case, today=opened_on + timedelta(days=28))
    assert case.state == CaseState.REMOVAL_AGREED
    assert involvement.removal_agreed_by_id == world.laao.id


def test_the_clock_counts_calendar_days_from_acceptance(session, world):
    case, _, involvement = accepted_case(session, world, days_ago=10)
    clock = involvements.involvement_clock(case, involvement)
    assert (clock.days_open, clock.days_left, clock.elapsed) == (10, 18, False)
    assert clock.removal_from == uk_date(involvement.opened_at) + timedelta(days=28)


def test_school_and_la_both_log_enquiries(session, world):
    case, _, _ = accepted_case(session, world)
    for user, who in ((world.school_user, EnquiryWith.HOUSING), (world.laao, EnquiryWith.HEALTH)):
        entry = involvements.log_enquiry(
            session, user, case, enquiry_with=who, contacted="Duty team", result="Not known."
        )
        assert entry.kind == "log_enquiry" and entry.method == Method.AGENCY
        assert entry.details["enquiry_with"] == who.value
    with pytest.raises(ValidationFailed, match="cannot be in the future"):
        involvements.log_enquiry(
            session,
            world.laao,
            case,
            enquiry_with=EnquiryWith.POLICE,
            contacted="101",
            result="x",
            occurred_at=utcnow() + timedelta(days=1),
        )


def test_reassigning_tells_the_new_laao(session, world, queued_mail):
    other = make_user(session, "laao2@la.test", {Role.LAAO})
    case, _, involvement = accepted_case(session, world)
    with pytest.raises(ValidationFailed, match="already assigned"):
        involvements.reassign_laao(session, world.laao, case, laao=world.laao)
    involvements.reassign_laao(session, world.laao, case, laao=other, note="Leave cover.")
    session.commit()
    assert involvement.laao_id == other.id
    assert [m.to for m in queued_mail if "assigned to you" in m.subject] == [("laao2@la.test",)]


def _removed(session, world, **kwargs):
    case, referral, involvement = accepted_case(session, world, days_ago=28, **kwargs)
    involvements.agree_removal(session, world.laao, case)
    return case, involvement


def test_record_removal_checks_the_date(session, world):
    case, involvement = _removed(session, world, school_day=30)
    today = today_in_uk()
    for off_roll_on, message in (
        (today + timedelta(days=1), "cannot be in the future"),
        (today - timedelta(days=1), "not before"),
    ):
        with pytest.raises(ValidationFailed, match=message):
            involvements.record_removal(session, world.school_user, case, off_roll_on=off_roll_on)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today)
    assert case.state == CaseState.OFF_ROLL
    assert (case.pupil.on_roll, case.pupil.left_on) == (False, today)


def test_removal_needs_twenty_school_days_of_absence(session, world):
    """Regulation 9(1)(i): no agreement, and no written confirmation, before 20 school days."""
    case, _, involvement = accepted_case(session, world, days_ago=28, school_day=12)
    calendar = calendar_for(session, case.school)
    absent = calendar.school_day_number(case.first_day_of_absence, today_in_uk() - timedelta(1))
    assert absent < 20
    with pytest.raises(TransitionRefused, match=f"absent for {absent} school days"):
        involvements.agree_removal(session, world.laao, case)
    assert case.state == CaseState.JOINT_ENQUIRIES
    assert involvement.confirmation_letter_id is None


def test_removal_needs_a_joint_enquiry_logged(session, world):
    case, _, involvement = accepted_case(session, world, days_ago=28, enquiry=False)
    with pytest.raises(TransitionRefused, match="log at least one enquiry"):
        involvements.agree_removal(session, world.laao, case)
    involvements.log_enquiry(
        session,
        world.school_user,
        case,
        enquiry_with=EnquiryWith.HOUSING,
        contacted="Housing",
        result="No new tenancy.",
    )
    involvements.agree_removal(session, world.laao, case)
    assert case.state == CaseState.REMOVAL_AGREED


def test_the_page_shows_the_school_days_the_waiting_period_holds(client_for, session, world):
    case, _, involvement = accepted_case(session, world, days_ago=10)
    clock = involvements.involvement_clock(case, involvement)
    calendar = calendar_for(session, case.school)
    opened_on = uk_date(involvement.opened_at)
    held = calendar.school_day_number(opened_on, opened_on + timedelta(days=27))
    assert clock.school_days_held == held
    session.commit()
    page = client_for(world.laao).get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert f"The waiting period holds {held} school days of enquiries" in page


def test_only_the_laao_who_agreed_may_withdraw_until_the_school_records_it(
    session, world, queued_mail
):
    other = make_user(session, "laao2@la.test", {Role.LAAO})
    case, involvement = _removed(session, world, school_day=30)
    letter_id = involvement.confirmation_letter_id
    with pytest.raises(TransitionRefused, match="Only the LA attendance officer who agreed"):
        involvements.withdraw_removal(session, other, case)
    involvements.withdraw_removal(session, world.laao, case, note="Housing has a new address.")
    session.commit()
    assert case.state == CaseState.JOINT_ENQUIRIES
    assert involvement.removal_agreed_at is None and involvement.confirmation_letter_id is None
    from fieldvisit.letters.models import Letter

    assert session.get(Letter, letter_id).link.revoked  # kept as made, its link stopped
    assert any("no longer agreed" in m.subject for m in queued_mail)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    with pytest.raises(TransitionRefused):
        involvements.withdraw_removal(session, world.laao, case)


def test_after_removal_the_school_keeps_the_laao_informed(session, world, queued_mail):
    case, involvement = _removed(session, world, school_day=30)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    session.commit()
    queued_mail.clear()
    involvements.log_enquiry(
        session, world.laao, case, enquiry_with=EnquiryWith.POLICE, contacted="101", result="x"
    )
    session.commit()
    assert queued_mail == []  # the LAAO's own enquiry
    cases.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=Method.PHONE,
        target="07700 900001",
        contact_name="Pat Parent",
        occurred_at=utcnow(),
        contact_made=False,
    )
    session.commit()
    assert len(queued_mail) == 1
    assert queued_mail[0].to == ("laao@la.test",)
    assert case.reference in queued_mail[0].subject
    assert case.pupil.surname not in queued_mail[0].body
    assert "Pat Parent" not in queued_mail[0].body


def test_a_find_by_any_route_closes_the_involvement(session, world):
    case, _, involvement = accepted_case(session, world)
    apply(session, case, Action.CHILD_FOUND, world.school_user, note="Back in the area.")
    assert case.state == CaseState.CLOSED
    assert involvement.closed_at is not None
    assert involvement.outcome == "Child found: Back in the area."


def test_the_forms_re_display_with_their_errors(client_for, session, world):
    case, _, _ = accepted_case(session, world)
    session.commit()
    school = client_for(world.school_user)
    response = school.post(
        f"/cases/{case.id}/involvement/enquiries",
        data={"enquiry_with": "housing", "contacted": "Council housing", "occurred_on-day": "31",
              "occurred_on-month": "2", "occurred_on-year": "2026"},
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#result"' in page and "Enter what they said." in page
    assert "Enter the date of the enquiry as a real date" in page
    assert 'value="Council housing"' in page
    assert 'value="housing" checked' in page


def test_dates_start_as_today(client_for, session, world):
    case, _, _ = accepted_case(session, world)
    session.commit()
    page = client_for(world.laao).get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    today = today_in_uk()
    assert f'name="occurred_on-year" type="text" inputmode="numeric" value="{today.year}"' in page
