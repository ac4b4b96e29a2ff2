"""A visit assignment is cancelled or moved: the officer's phone drops it at its next contact,
and a visit recorded at the door before then still arrives and is kept."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fieldvisit.core.dates import utcnow
from fieldvisit.core.permissions import Role
from fieldvisit.visits.models import AssignmentStatus, HomeVisit, VisitAssignment
from tests.conftest import sign_in
from tests.support.factories import make_user
from tests.support.visits import locating_case, send, visit_item


def _open(session, case):
    return session.scalars(
        select(VisitAssignment).where(
            VisitAssignment.case_id == case.id, VisitAssignment.status == AssignmentStatus.OPEN
        )
    ).all()


def test_cancelling_asks_why_and_the_phone_drops_the_visit(
    app, session, world, signed_in, queued_mail
):
    case = locating_case(session, world, 3)
    (assignment,) = _open(session, case)
    session.commit()
    officer = app.test_client()
    officer.environ_base["REMOTE_ADDR"] = "10.88.0.1"
    sign_in(officer, world.officer)
    assert [v["case_id"] for v in officer.get("/api/v1/visits/assigned").get_json()["visits"]] == [
        case.id
    ]
    school = signed_in(world.school_user)
    case_page = school.get(f"/cases/{case.id}").get_data(as_text=True)
    url = f"/cases/{case.id}/visits/{assignment.id}/cancel"
    assert f'href="{url}"' in case_page
    assert "removes the visit the next time" in school.get(url).get_data(as_text=True)
    refused = school.post(url, data={"reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.get_data(as_text=True)
    answer = school.post(url, data={"reason": "The family were seen at the school gate."})
    assert answer.status_code == 302
    session.expire_all()
    assert session.get(VisitAssignment, assignment.id).status == AssignmentStatus.CANCELLED
    assert officer.get("/api/v1/visits/assigned").get_json()["visits"] == []
    email = queued_mail.emails()[-1]
    assert email.to == (world.officer.email,) and "cancelled" in email.subject
    assert case.pupil.surname not in email.body
    again = school.post(url, data={"reason": "Twice"})
    assert again.status_code == 400 and "already been made or cancelled" in again.get_data(
        as_text=True
    )


def test_a_visit_made_before_the_cancellation_still_arrives(app, session, world, signed_in):
    case = locating_case(session, world, 3)
    (assignment,) = _open(session, case)
    made = visit_item(case, arrived_at=(utcnow() - timedelta(minutes=30)).isoformat())
    assignment.status = AssignmentStatus.CANCELLED
    assignment.cancelled_at = utcnow() - timedelta(minutes=5)
    session.commit()
    late = visit_item(case, arrived_at=(utcnow() - timedelta(minutes=1)).isoformat())
    results = send(signed_in(world.officer), made, late).get_json()
    statuses = [r["status"] for r in results["results"]]
    assert statuses == ["created", "rejected"]
    visits = session.scalars(select(HomeVisit).where(HomeVisit.case_id == case.id)).all()
    assert [str(v.client_uuid) for v in visits] == [made["client_uuid"]]


def test_a_visit_is_moved_to_another_officer(session, world, signed_in, queued_mail):
    other = make_user(session, "second.officer@la.test", {Role.OFFICER})
    case = locating_case(session, world, 3)
    (assignment,) = _open(session, case)
    session.commit()
    school = signed_in(world.school_user)
    url = f"/cases/{case.id}/visits/{assignment.id}/cancel"
    page = school.get(url).get_data(as_text=True)
    assert (
        f'<option value="{other.id}"' in page and f'<option value="{world.officer.id}"' not in page
    )
    answer = school.post(url, data={"reason": "Away this week.", "reassign_to": str(other.id)})
    assert answer.status_code == 302
    session.expire_all()
    (moved,) = _open(session, case)
    assert moved.officer_id == other.id and moved.due_on == assignment.due_on
    recipients = [e.to for e in queued_mail.emails()]
    assert (world.officer.email,) in recipients and (other.email,) in recipients
