"""What admins cannot do to accounts: grant themselves a case role, or leave a password they set."""

import pytest
from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.permissions import Role
from tests.conftest import sign_in
from tests.support.factories import PASSWORD, make_user

NEW_PASSWORD = "a password the admin chose"


def _form(user, roles, **extra):
    return {
        "email": user.email,
        "name": user.name,
        "roles": roles,
        "school_id": str(user.school_id or ""),
        "active": "yes",
        **extra,
    }


@pytest.mark.parametrize("role", ["school", "officer", "laao"])
def test_an_admin_cannot_give_themselves_a_case_role(session, world, signed_in, role):
    extra = {"school_id": str(world.school.id)} if role == "school" else {}
    response = signed_in(world.admin).post(
        f"/admin/users/{world.admin.id}", data=_form(world.admin, ["admin", role], **extra)
    )
    assert response.status_code == 400
    assert "another administrator must" in response.get_data(as_text=True)
    session.refresh(world.admin)
    assert world.admin.roles == {Role.ADMIN}


def test_another_admin_can_grant_it_and_the_audit_records_the_roles(session, world, signed_in):
    second = make_user(session, "admin2@la.test", {Role.ADMIN})
    session.commit()
    response = signed_in(second).post(
        f"/admin/users/{world.admin.id}", data=_form(world.admin, ["admin", "laao"])
    )
    assert response.status_code == 302
    session.refresh(world.admin)
    assert world.admin.roles == {Role.ADMIN, Role.LAAO}
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.object_type == "user")
    )
    assert (event.user_id, event.object_id) == (second.id, world.admin.id)
    assert event.detail["roles_before"] == ["admin"]
    assert event.detail["roles_after"] == ["admin", "laao"]
    page = signed_in(second).get("/admin/audit?object_type=user").get_data(as_text=True)
    assert "roles before: admin" in page and "roles after: admin, laao" in page


def test_an_admin_sets_their_own_password_only_on_their_account_page(world, signed_in):
    response = signed_in(world.admin).post(
        f"/admin/users/{world.admin.id}", data=_form(world.admin, ["admin"], password=NEW_PASSWORD)
    )
    assert response.status_code == 400


def test_a_password_set_by_an_admin_is_told_by_email_and_changed_at_next_sign_in(
    app, session, world, signed_in, queued_mail
):
    response = signed_in(world.admin).post(
        f"/admin/users/{world.school_user.id}",
        data=_form(world.school_user, ["school"], password=NEW_PASSWORD),
    )
    assert response.status_code == 302
    [message] = [m for m in queued_mail if world.school_user.email in m.to]
    assert "set by an administrator" in message.subject
    assert NEW_PASSWORD not in message.body
    event = session.scalar(select(AuditEvent).where(AuditEvent.object_id == world.school_user.id))
    assert event.detail == {"password_set": True}

    user_client = app.test_client()
    assert sign_in(user_client, world.school_user.email, NEW_PASSWORD).status_code == 302
    for page in ("/", "/pupils/", "/account/"):
        assert user_client.get(page).headers["Location"] == "/account/password"
    api = user_client.get("/api/v1/visits/assigned")
    assert api.status_code == 401 and api.json["error"]["code"] == "password_change_required"
    assert user_client.get("/account/password").status_code == 200
    changed = user_client.post(
        "/account/password",
        data={
            "current_password": NEW_PASSWORD,
            "new_password": PASSWORD,
            "confirm_password": PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert user_client.get("/").status_code == 200


def test_a_new_user_chooses_their_own_password_at_first_sign_in(
    app, session, world, signed_in, queued_mail
):
    signed_in(world.admin).post(
        "/admin/users/new",
        data={
            "email": "new@la.test",
            "name": "New Officer",
            "roles": ["officer"],
            "password": NEW_PASSWORD,
            "active": "yes",
        },
    )
    assert any("new@la.test" in m.to for m in queued_mail)
    user_client = app.test_client()
    sign_in(user_client, "new@la.test", NEW_PASSWORD)
    assert user_client.get("/").headers["Location"] == "/account/password"
