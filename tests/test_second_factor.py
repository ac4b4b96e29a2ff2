"""LAAOs and admins sign in with an authenticator code as well as their password."""

import time

import pyotp
import pytest

from fieldvisit.accounts import mfa
from tests.support.factories import PASSWORD


def password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": PASSWORD})


def test_school_users_need_no_second_factor(client, world):
    assert password_step(client, world.school_user).headers["Location"] == "/"


@pytest.mark.parametrize("who", ["laao", "admin"])
def test_laaos_and_admins_must_enter_a_code(client, world, who):
    user = getattr(world, who)
    assert password_step(client, user).headers["Location"] == "/login/code"
    assert client.get("/").status_code == 302  # not signed in yet
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(user.totp_secret).now()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert client.get("/login/code").status_code == 302  # nothing pending any more


def test_a_code_cannot_be_used_twice(app, world):
    code = pyotp.TOTP(world.laao.totp_secret).now()
    first, second = app.test_client(), app.test_client()
    password_step(first, world.laao)
    assert first.post("/login/code", data={"code": code}).status_code == 302
    password_step(second, world.laao)
    assert second.post("/login/code", data={"code": code}).status_code == 400


def test_a_first_sign_in_sets_up_the_authenticator(client, session, world):
    world.laao.totp_secret = None
    session.commit()
    password_step(client, world.laao)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Set up your authenticator app" in page and "<svg" in page
    session.refresh(world.laao)
    secret = world.laao.pending_totp_secret
    assert secret in page
    assert client.post("/login/code", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    session.refresh(world.laao)
    assert world.laao.totp_secret == secret and world.laao.pending_totp_secret is None


def test_the_code_step_expires(client, world, monkeypatch):
    password_step(client, world.laao)
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/login/code").headers["Location"] == "/login"


def test_the_code_page_needs_the_password_first(client):
    assert client.get("/login/code").headers["Location"] == "/login"


def test_codes_from_the_neighbouring_time_steps_are_accepted_once():
    secret = pyotp.random_base32()
    now = 1_800_000_000.0
    step = int(now // mfa.STEP_SECONDS)
    totp = pyotp.TOTP(secret)
    assert mfa.check_code(secret, totp.at(now - 30), last_step=0, now=now) == step - 1
    assert mfa.check_code(secret, totp.at(now), last_step=step, now=now) is None
    assert mfa.check_code(secret, totp.at(now - 90), last_step=0, now=now) is None
    assert mfa.check_code(secret, "12ab56", last_step=0, now=now) is None
