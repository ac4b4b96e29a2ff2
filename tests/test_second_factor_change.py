"""Changing the authenticator needs the password and a current code; its secret stays on the
server."""

import base64
import json
import zlib

import pyotp
from sqlalchemy import select

from fieldvisit.accounts.services import LOCKED
from fieldvisit.core.audit import AuditEvent
from tests.conftest import next_code, sign_in
from tests.support.factories import PASSWORD


def cookie_contents(client) -> str:
    """Decode the signed session cookie as anyone holding it could (it is signed, not secret)."""
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    payload = cookie.value.split(".")[0 if not cookie.value.startswith(".") else 1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.value.startswith("."):
        raw = zlib.decompress(raw)
    return json.dumps(json.loads(raw))


def test_replacing_the_authenticator_needs_the_password_and_a_current_code(
    session, world, signed_in
):
    client = signed_in(world.laao)
    old_secret = world.laao.totp_secret
    page = client.get("/account/authenticator").get_data(as_text=True)
    assert 'name="password"' in page and 'name="current_code"' in page
    assert "<svg" not in page  # no new key before the user has proved who they are
    no_code = client.post("/account/authenticator", data={"password": PASSWORD})
    assert no_code.status_code == 400
    wrong_password = client.post(
        "/account/authenticator",
        data={"password": "not my password!", "current_code": next_code(world.laao)},
    )
    assert wrong_password.status_code == 400
    assert client.get("/account/authenticator/new").status_code == 302
    session.refresh(world.laao)
    assert world.laao.pending_totp_secret is None and world.laao.totp_secret == old_secret

    confirmed = client.post(
        "/account/authenticator",
        data={"password": PASSWORD, "current_code": next_code(world.laao)},
    )
    assert confirmed.headers["Location"] == "/account/authenticator/new"
    session.refresh(world.laao)
    new_secret = world.laao.pending_totp_secret
    assert new_secret and new_secret != old_secret
    assert new_secret in client.get("/account/authenticator/new").get_data(as_text=True)
    assert new_secret not in cookie_contents(client)
    done = client.post("/account/authenticator/new", data={"code": pyotp.TOTP(new_secret).now()})
    assert done.status_code == 302
    session.refresh(world.laao)
    assert world.laao.totp_secret == new_secret
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"confirm_identity_failed", "replace_second_factor"} <= actions


def test_a_first_sign_in_keeps_the_new_secret_out_of_the_cookie(client, session, world):
    world.laao.totp_secret = None
    session.commit()
    client.post("/login", data={"email": world.laao.email, "password": PASSWORD})
    client.get("/login/code")
    session.refresh(world.laao)
    assert world.laao.pending_totp_secret
    assert world.laao.pending_totp_secret not in cookie_contents(client)


def test_removing_the_authenticator_needs_the_password_and_a_current_code(
    session, world, signed_in
):
    world.school_user.totp_secret = pyotp.random_base32()
    session.commit()
    client = signed_in(world.school_user)
    assert client.post("/account/authenticator/remove").status_code == 400
    session.refresh(world.school_user)
    assert world.school_user.totp_secret is not None
    removed = client.post(
        "/account/authenticator/remove",
        data={"password": PASSWORD, "current_code": next_code(world.school_user)},
    )
    assert removed.status_code == 302
    session.refresh(world.school_user)
    assert world.school_user.totp_secret is None


def test_guessing_the_password_to_change_the_authenticator_locks_the_account(
    session, world, signed_in
):
    client = signed_in(world.school_user)
    for _ in range(5):
        response = client.post("/account/authenticator", data={"password": "guess guess!"})
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert LOCKED in sign_in(client, world.school_user).get_data(as_text=True)
