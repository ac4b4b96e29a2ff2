"""The school's notice of 10 school days absent without permission, from the register to the
LA's inbox, acknowledged there; nobody else reads it."""

from __future__ import annotations

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk
from fieldvisit.notices.models import Notice
from tests.pupils.test_attendance import HEADER, marks, school_days_before, upload
from tests.support.factories import make_pupil


def _absent_ten_days(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    today = today_in_uk()
    client = signed_in(world.school_user)
    upload(client, HEADER + marks(pupil.upn, [*school_days_before(today, 9), today], "O"))
    return pupil, client


def test_the_school_sends_it_and_the_la_acknowledges_it(session, world, signed_in):
    pupil, school = _absent_ten_days(session, world, signed_in)
    path = f"/pupils/{pupil.id}/notices/continuous-absence"

    dashboard = school.get("/").get_data(as_text=True)
    refused = school.post(path, data={})
    sent = school.post(path, data={"what_school_did": "Calls on three days; a letter; a visit."})

    assert f'href="{path}"' in dashboard
    assert refused.status_code == 400 and "Say what the school has done" in refused.get_data(
        as_text=True
    )
    assert sent.status_code == 302
    again = school.post(path, data={"what_school_did": "Calls."})
    assert "already been told of this absence" in again.get_data(as_text=True)
    notice = session.scalars(select(Notice)).one()
    assert notice.details["school_days"] == 10 and notice.acknowledged_at is None

    laao = signed_in(world.laao)
    inbox = laao.get("/la/notices").get_data(as_text=True)
    page = laao.get(f"/la/notices/{notice.id}").get_data(as_text=True)
    laao.post(f"/la/notices/{notice.id}/acknowledge")
    after = laao.get("/la/notices").get_data(as_text=True)
    acknowledged = laao.get("/la/notices?state=acknowledged").get_data(as_text=True)

    assert pupil.full_name in inbox and "10 school days in a row" in page
    assert "Calls on three days" in page
    session.refresh(notice)
    assert notice.acknowledged_by_id == world.laao.id
    assert pupil.full_name not in after and pupil.full_name in acknowledged
    actions = set(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type.like("school_notice%"))
        )
    )
    assert {"create", "view", "acknowledge"} <= actions


def test_a_pupil_not_absent_ten_days_cannot_be_reported(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    response = signed_in(world.school_user).post(
        f"/pupils/{pupil.id}/notices/continuous-absence", data={"what_school_did": "Nothing."}
    )
    assert response.status_code == 400
    assert "does not show 10 school days" in response.get_data(as_text=True)
    assert session.scalar(select(Notice)) is None


def test_only_the_la_reads_notices(session, world, signed_in):
    pupil, school = _absent_ten_days(session, world, signed_in)
    school.post(
        f"/pupils/{pupil.id}/notices/continuous-absence", data={"what_school_did": "Calls."}
    )
    notice = session.scalars(select(Notice)).one()
    for user in (world.school_user, world.other_school_user, world.officer, world.admin):
        assert signed_in(user).get(f"/la/notices/{notice.id}").status_code in (403, 404)
    other = signed_in(world.other_school_user)
    assert other.get(f"/pupils/{pupil.id}/notices/continuous-absence").status_code == 404
