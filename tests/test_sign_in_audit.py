"""Failed sign-ins, failed codes and lock-outs are audited, by ids and address only."""

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from tests.conftest import sign_in
from tests.support.factories import PASSWORD

TYPED = "Someone.Unknown@nowhere.test"


def _events(session, action):
    return session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_a_wrong_password_writes_an_audit_row_naming_the_account_by_id(client, session, world):
    sign_in(client, world.school_user, "wrong password!")
    [event] = _events(session, "sign_in_failed")
    assert (event.user_id, event.object_type, event.object_id) == (
        None,
        "user",
        world.school_user.id,
    )
    assert event.ip == "127.0.0.1"


def test_an_unknown_email_is_audited_without_what_was_typed(client, session, world):
    sign_in(client, TYPED, "wrong password!")
    [event] = _events(session, "sign_in_failed")
    assert (event.user_id, event.object_type, event.object_id) == (None, "user", None)
    every_row = [
        (e.action, e.object_type, e.object_id, e.ip, e.detail)
        for e in session.scalars(select(AuditEvent))
    ]
    assert "nowhere" not in repr(every_row).lower()


def test_a_lock_out_is_audited_once(client, session, world):
    for _ in range(5):
        sign_in(client, world.school_user, "wrong password!")
    [locked] = _events(session, "lock_out")
    assert (locked.object_type, locked.object_id) == ("user", world.school_user.id)
    assert len(_events(session, "sign_in_failed")) == 5
    sign_in(client, world.school_user)  # the right password, while locked
    refused = _events(session, "sign_in_failed")[-1]
    assert refused.detail == {"reason": "locked"}


def test_a_wrong_authenticator_code_is_audited(client, session, world):
    client.post("/login", data={"email": world.laao.email, "password": PASSWORD})
    client.post("/login/code", data={"code": "000000"})
    [event] = _events(session, "second_factor_failed")
    assert (event.object_type, event.object_id) == ("user", world.laao.id)
