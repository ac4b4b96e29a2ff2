"""The LA's list of the forms schools send when a pupil leaves the roll."""

from __future__ import annotations

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk
from fieldvisit.outcomes import services as outcomes
from fieldvisit.outcomes.models import ConfirmedHow, NoticeForm
from tests.support.factories import make_case


def _forms(session, world):
    moved = make_case(session, world)
    outcomes.record_destination(
        session,
        world.school_user,
        moved,
        school_name="Norwich High School",
        school_urn="121212",
        local_authority="Norfolk",
        effective_on=today_in_uk(),
        confirmed_how=ConfirmedHow.NEW_SCHOOL_PHONE,
        confirmed_by="Their admissions officer",
    )
    home = make_case(session, world, school=world.other_school)
    outcomes.record_home_education(
        session,
        world.other_school_user,
        home,
        notice_received_on=today_in_uk(),
        notice_form=NoticeForm.VERBAL,
        parent_name="Pat Parent",
    )
    session.commit()
    return moved, home


def test_the_la_reads_both_forms_with_regulation_13_details(client_for, session, world):
    moved, home = _forms(session, world)
    page = client_for(world.laao).get("/la/forms").get_data(as_text=True)
    assert "2 forms." in page
    assert f"{moved.pupil.full_name}: Deletion from Register - Destination Confirmed" in page
    assert "On roll at Norwich High School, URN 121212, Norfolk" in page
    assert "Phone call with the new school (Their admissions officer)" in page
    assert "Pat Parent (Mother)" in page and "07700 900001" in page  # lived with, with a phone
    assert moved.pupil.address_lines[0] in page
    assert "Registered at another school (destination confirmed)" in page  # the ground
    assert f"{home.pupil.full_name}: Elective home education deregistration referral" in page
    assert "by word of mouth, not yet in writing" in page
    assert "Not yet: waiting for the parent&#39;s written notice" in page
    audited = session.scalars(
        select(AuditEvent.object_type).where(AuditEvent.user_id == world.laao.id)
    ).all()
    assert audited.count("outcome_form") == 2


def test_forms_filter_by_kind_and_school(client_for, session, world):
    moved, home = _forms(session, world)
    laao = client_for(world.laao)
    page = laao.get("/la/forms?kind=home_education").get_data(as_text=True)
    assert home.pupil.full_name in page and moved.pupil.full_name not in page
    page = laao.get(f"/la/forms?school={world.school.id}").get_data(as_text=True)
    assert moved.pupil.full_name in page and home.pupil.full_name not in page


def test_only_the_la_reads_the_forms(client_for, session, world):
    _forms(session, world)
    for user in (world.school_user, world.officer, world.admin):
        assert client_for(user).get("/la/forms").status_code == 403
