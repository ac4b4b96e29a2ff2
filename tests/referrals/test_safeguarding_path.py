"""Seed line 27 and line 83: social care or CP involvement refers at once, the visit to follow."""

from __future__ import annotations

from datetime import timedelta

from fieldvisit.cases import services as cases
from fieldvisit.cases.checklist import INFORM_SOCIAL_WORKER, is_overdue
from fieldvisit.cases.models import CaseState
from fieldvisit.core.dates import UK_TIME, today_in_uk, utcnow
from fieldvisit.la.queries import queue_page
from fieldvisit.referrals import services as referrals
from fieldvisit.referrals.models import ReferralStatus
from fieldvisit.schools.services import calendar_for
from tests.referrals.helpers import locating_case, referred_case
from tests.support.casework import case_on_day, triaged
from tests.support.factories import make_visit


def _now_form(version: int) -> dict[str, object]:
    now = utcnow().astimezone(UK_TIME) - timedelta(minutes=1)
    return {
        "expected_version": version,
        "method": "phone",
        "who": "Sol Worker",
        "occurred_on-day": now.day,
        "occurred_on-month": now.month,
        "occurred_on-year": now.year,
        "occurred_time": now.strftime("%H:%M"),
    }


def test_a_cp_tick_means_social_care_involvement(client_for, session, world):
    case = case_on_day(session, world, 1)
    triaged(session, world, case)
    case.state = CaseState.NO_CONTACT
    session.commit()
    school = client_for(world.school_user)
    answer = {"social_care_involved": "no", "vulnerabilities": "looked_after"}
    refused = school.post(
        f"/cases/{case.id}/triage", data={"expected_version": case.version, **answer}
    )
    assert refused.status_code == 400
    assert "has social care involvement: select Yes" in refused.get_data(as_text=True)
    # A service caller that ticks CP/CIN gets the safeguarding path whatever it says.
    cases.triage(
        session, world.school_user, case, vulnerabilities=["cp_cin"], social_care_involved=False
    )
    assert case.social_care_involved


def test_the_social_worker_is_told_the_same_school_day(client_for, session, world):
    case = triaged(session, world, case_on_day(session, world, 3), social_care=True)
    [item] = [i for i in case.checklist if i.key == INFORM_SOCIAL_WORKER]
    assert (item.from_day, item.due_day) == (3, 3)
    assert not is_overdue(CaseState.REFERRED, item.key, item.due_day, 3)
    assert is_overdue(CaseState.REFERRED, item.key, item.due_day, 4)
    session.commit()
    school = client_for(world.school_user)
    page = school.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Inform the linked social worker now, and record who was told" in page
    # A bare tick is not enough: the item leads to the page that records who, how and when.
    tick = school.get(f"/cases/{case.id}/checklist/{item.id}")
    assert tick.location.endswith(f"/cases/{case.id}/safeguarding/social-worker")
    response = school.post(
        f"/cases/{case.id}/safeguarding/social-worker", data=_now_form(case.version)
    )
    assert response.status_code == 302
    session.refresh(item)
    assert item.done and "Sol Worker" in item.note


def test_on_the_cp_register_the_team_manager_may_be_told(session, world):
    case = locating_case(session, world, school_day=2, visit=False, vulnerabilities=["cp_cin"])
    [item] = [i for i in case.checklist if i.key == INFORM_SOCIAL_WORKER]
    assert "social worker or their team manager" in item.text


def test_a_safeguarding_referral_goes_at_once_and_is_accepted_after_the_visit(
    client_for, session, world
):
    case = triaged(session, world, case_on_day(session, world, 1), social_care=True)
    session.commit()
    school = client_for(world.school_user)
    steps = school.get(f"/cases/{case.id}/triage/next-steps").get_data(as_text=True)
    assert "The referral is open now." in steps
    assert "Home visit to follow" in steps
    _, ordinary = referred_case(session, world, school_day=12)  # submitted first
    referral = referrals.submit_referral(
        session, world.school_user, case, summary_of_enquiries="Calls; social worker told."
    )
    session.commit()
    laao = client_for(world.laao)
    queue = queue_page(session, world.laao, today=utcnow().date())
    assert [r.referral_id for r in queue.rows][:2] == [referral.id, ordinary.id]
    review = laao.get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    assert "Home visit to follow" in review
    assert "cannot be accepted now" in review
    data = {"laao": world.laao.id, "version": referral.version}
    refused = laao.post(f"/la/referrals/{referral.id}/accept", data=data)
    assert refused.status_code == 409
    session.refresh(referral)
    assert referral.status == ReferralStatus.SUBMITTED
    make_visit(session, case, world.officer)
    session.commit()
    review = laao.get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    assert "Home visit to follow" not in review
    assert laao.post(f"/la/referrals/{referral.id}/accept", data=data).status_code == 302
    session.refresh(case)
    assert case.state == CaseState.JOINT_ENQUIRIES


def test_without_involvement_the_page_gives_the_engines_reasons(client_for, session, world):
    case = triaged(session, world, case_on_day(session, world, 1), vulnerable=True)
    session.commit()
    steps = client_for(world.school_user).get(f"/cases/{case.id}/triage/next-steps")
    page = steps.get_data(as_text=True)
    assert "A CME referral needs a completed home visit" in page
    assert "The referral for a vulnerable child opens on school day 5" in page


def test_an_untold_social_worker_is_reminded_after_the_referral(session, world):
    from fieldvisit.cases.reminders import overdue_by_school

    case = triaged(session, world, case_on_day(session, world, 1), social_care=True)
    referrals.submit_referral(session, world.school_user, case, summary_of_enquiries="Calls.")
    for item in case.checklist:
        if item.key != INFORM_SOCIAL_WORKER:
            item.done_at, item.done_by_id = utcnow(), world.school_user.id
    tomorrow = calendar_for(session, world.school).next_school_day(today_in_uk())
    [overdue] = overdue_by_school(session, tomorrow)[world.school.id]
    assert overdue.case.state == CaseState.REFERRED
    assert [i.key for i in overdue.items] == [INFORM_SOCIAL_WORKER]
