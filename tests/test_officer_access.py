"""Officers see a case while they have an open visit on it, and for a few days after."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fieldvisit.cases.access import cases_for
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import utcnow
from fieldvisit.visits.models import AssignmentStatus, VisitAssignment
from tests.support.visits import assigned_case, case_letter, send, visit_item


def sees(session, officer, case) -> bool:
    return session.scalar(cases_for(officer).where(Case.id == case.id)) is not None


def test_an_officer_sees_the_case_while_the_visit_is_open_and_two_weeks_after(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    reference = case_letter(session, world, case)  # a completed visit: one of its letters left
    signed_in(world.officer)
    assert client.get(f"/cases/{case.id}").status_code == 200
    item = visit_item(case, letter_reference=reference)
    assert send(client, item).get_json()["results"][0]["status"] == "created"
    assignment = session.scalars(select(VisitAssignment)).one()
    session.refresh(assignment)
    assert assignment.status == AssignmentStatus.DONE and assignment.done_at is not None
    assert client.get(f"/cases/{case.id}").status_code == 200  # just done: still seen
    assignment.done_at = utcnow() - timedelta(days=13)
    session.commit()
    assert sees(session, world.officer, case)
    assignment.done_at = utcnow() - timedelta(days=15)
    session.commit()
    assert not sees(session, world.officer, case)
    assert client.get(f"/cases/{case.id}").status_code == 404
    late = send(client, visit_item(case)).get_json()["results"][0]
    assert late["status"] == "rejected"


def test_the_period_after_a_visit_is_an_la_setting(session, world, signed_in):
    case = assigned_case(session, world)
    assignment = session.scalars(select(VisitAssignment)).one()
    assignment.status, assignment.done_at = AssignmentStatus.DONE, utcnow() - timedelta(days=3)
    session.commit()
    assert sees(session, world.officer, case)
    response = signed_in(world.admin).post(
        "/admin/settings",
        data={
            "name": world.la.name,
            "referral_school_day": "10",
            "vulnerable_referral_school_day": "5",
            "removal_after_days": "28",
            "officer_access_days": "2",
        },
    )
    assert response.status_code == 302
    session.refresh(world.la)
    assert world.la.officer_access_days == 2
    assert not sees(session, world.officer, case)


def test_a_cancelled_visit_gives_no_access(session, world):
    case = assigned_case(session, world)
    session.scalars(select(VisitAssignment)).one().status = AssignmentStatus.CANCELLED
    session.commit()
    assert not sees(session, world.officer, case)
