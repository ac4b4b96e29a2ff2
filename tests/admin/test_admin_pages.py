"""Administrators manage users, schools, the calendar and read the audit log."""

from datetime import date

import pytest
from sqlalchemy import select

from fieldvisit.accounts.models import User
from fieldvisit.cases.services import school_day_today
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.permissions import Role
from fieldvisit.schools.models import Closure, School, Term
from tests.support.factories import make_case

ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users/new",
    "/admin/schools",
    "/admin/schools/new",
    "/admin/settings",
    "/admin/calendar",
    "/admin/audit",
    "/admin/emails",
]


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("who", ["school_user", "officer", "laao"])
def test_admin_pages_are_for_admins_only(world, signed_in, page, who):
    assert signed_in(getattr(world, who)).get(page).status_code == 403


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_every_admin_page_opens_for_an_admin(world, signed_in, page):
    assert signed_in(world.admin).get(page).status_code == 200


def test_an_admin_lands_on_the_admin_pages(client, world):
    from tests.conftest import sign_in

    assert sign_in(client, world.admin).headers["Location"] == "/admin/"


def test_add_a_user_with_roles_and_a_school(session, world, signed_in):
    client = signed_in(world.admin)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Office@New.test",
            "name": "New Office",
            "roles": ["school", "officer"],
            "school_id": str(world.school.id),
            "password": "a long enough password",
            "active": "yes",
        },
    )
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "office@new.test"))
    assert user.roles == {Role.SCHOOL, Role.OFFICER} and user.school_id == world.school.id


def test_a_bad_user_form_names_every_problem_and_keeps_the_input(world, signed_in):
    page = (
        signed_in(world.admin)
        .post(
            "/admin/users/new",
            data={
                "email": "not-an-email",
                "name": "Kept Name",
                "roles": ["school"],
                "password": "short",
            },
        )
        .get_data(as_text=True)
    )
    assert "Enter an email address like name@school.org.uk." in page
    assert "A school user needs a school." in page
    assert "at least 12 characters" in page
    assert 'value="Kept Name"' in page and 'value="not-an-email"' in page


def test_an_email_already_used_is_refused(world, signed_in):
    response = signed_in(world.admin).post(
        "/admin/users/new",
        data={
            "email": world.laao.email,
            "name": "Dup",
            "roles": ["laao"],
            "password": "a long enough password",
            "active": "yes",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_deactivating_a_user_signs_them_out(app, session, world, signed_in):
    from tests.conftest import sign_in

    laao_client = app.test_client()
    sign_in(laao_client, world.laao)
    response = signed_in(world.admin).post(
        f"/admin/users/{world.laao.id}",
        data={"email": world.laao.email, "name": "Laao", "roles": ["laao"], "active": "no"},
    )
    assert response.status_code == 302
    assert laao_client.get("/").status_code == 302


def test_an_admin_cannot_remove_their_own_admin_role(world, signed_in):
    response = signed_in(world.admin).post(
        f"/admin/users/{world.admin.id}",
        data={"email": world.admin.email, "name": "Admin", "roles": ["laao"], "active": "yes"},
    )
    assert response.status_code == 400


def test_unlock_a_locked_account(session, world, signed_in):
    world.laao.locked_until = world.laao.last_login_at = None
    from fieldvisit.core.dates import utcnow

    world.laao.locked_until = utcnow()
    session.commit()
    signed_in(world.admin).post(f"/admin/users/{world.laao.id}/unlock")
    session.refresh(world.laao)
    assert world.laao.locked_until is None


def test_add_a_school_and_refuse_a_duplicate_urn(session, world, signed_in):
    client = signed_in(world.admin)
    data = {"name": "Hill School", "urn": "123456", "estab": "3003", "dsl_email": "dsl@hill.test"}
    assert client.post("/admin/schools/new", data=data).status_code == 302
    school = session.scalar(select(School).where(School.urn == "123456"))
    assert school.dfe_number == "8733003"
    page = client.post("/admin/schools/new", data=data)
    assert page.status_code == 400 and "already has the URN 123456" in page.get_data(as_text=True)


def test_settings_are_validated(session, world, signed_in):
    client = signed_in(world.admin)
    page = client.post(
        "/admin/settings",
        data={
            "name": "Test County",
            "referral_school_day": "5",
            "vulnerable_referral_school_day": "7",
            "removal_after_days": "28",
        },
    )
    assert "cannot come after the usual referral day" in page.get_data(as_text=True)
    assert (
        client.post(
            "/admin/settings",
            data={
                "name": "Test County",
                "referral_school_day": "12",
                "vulnerable_referral_school_day": "6",
                "removal_after_days": "30",
                "cme_team_email": "team@la.test",
            },
        ).status_code
        == 302
    )
    session.refresh(world.la)
    assert (world.la.referral_school_day, world.la.removal_after_days) == (12, 30)


def test_an_inset_day_moves_the_school_day_count(session, world, signed_in):
    case = make_case(session, world, first_day=date(2026, 11, 3))
    session.commit()
    before = school_day_today(session, case, today=date(2026, 11, 20))
    response = signed_in(world.admin).post(
        "/admin/calendar/closures",
        data={"on-day": "10", "on-month": "11", "on-year": "2026", "reason": "INSET day"},
    )
    assert response.status_code == 302
    assert session.scalar(select(Closure).where(Closure.on == date(2026, 11, 10)))
    session.expire_all()
    assert school_day_today(session, case, today=date(2026, 11, 20)) == before - 1


def test_a_term_with_a_bad_or_overlapping_date_is_refused(session, world, signed_in):
    client = signed_in(world.admin)
    page = client.post(
        "/admin/calendar/terms",
        data={
            "name": "Odd",
            "starts_on-day": "31",
            "starts_on-month": "2",
            "starts_on-year": "2028",
            "ends_on-day": "1",
            "ends_on-month": "",
            "ends_on-year": "2028",
        },
    ).get_data(as_text=True)
    assert "Enter a real date." in page
    assert "must include a month" in page
    page = client.post(
        "/admin/calendar/terms",
        data={
            "name": "Clash",
            "starts_on-day": "1",
            "starts_on-month": "10",
            "starts_on-year": "2026",
            "ends_on-day": "5",
            "ends_on-month": "10",
            "ends_on-year": "2026",
        },
    ).get_data(as_text=True)
    assert "overlap Autumn 1 2026/27" in page
    assert (
        client.post(
            "/admin/calendar/terms",
            data={
                "name": "Autumn 1 2028/29",
                "starts_on-day": "1",
                "starts_on-month": "9",
                "starts_on-year": "2028",
                "ends_on-day": "20",
                "ends_on-month": "10",
                "ends_on-year": "2028",
            },
        ).status_code
        == 302
    )
    assert session.scalar(select(Term).where(Term.name == "Autumn 1 2028/29"))


def test_the_audit_log_lists_case_views_by_id(session, world, signed_in, app):
    case = make_case(session, world)
    session.commit()
    signed_in(world.school_user).get(f"/cases/{case.id}")
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_type == "case"))
    assert (event.user_id, event.object_id, event.action) == (world.school_user.id, case.id, "view")
    admin = app.test_client()
    from tests.conftest import sign_in

    sign_in(admin, world.admin)
    page = admin.get(f"/admin/audit?object_type=case&object_id={case.id}").get_data(as_text=True)
    assert world.school_user.email in page and case.pupil.surname not in page
