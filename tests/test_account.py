"""Users change their own password and set up an authenticator app."""

import pyotp

from tests.conftest import next_code, sign_in
from tests.support.factories import PASSWORD


def test_the_account_page_shows_the_user(world, signed_in):
    page = signed_in(world.school_user).get("/account/").get_data(as_text=True)
    assert world.school_user.email in page and "Not set up" in page


def test_change_password_signs_other_devices_out(app, world, signed_in):
    other = app.test_client()
    sign_in(other, world.school_user)
    client = signed_in(world.school_user)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this device stays signed in
    assert other.get("/").status_code == 302
    client.post("/logout")
    assert sign_in(client, world.school_user, "a brand new passphrase").status_code == 302


def test_change_password_errors(world, signed_in):
    client = signed_in(world.school_user)
    page = client.post(
        "/account/password",
        data={"current_password": "wrong", "new_password": "short", "confirm_password": "other"},
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "at least 12 characters" in text
    page = client.post(
        "/account/password",
        data={
            "current_password": "wrong",
            "new_password": "long enough passphrase",
            "confirm_password": "long enough passphrase",
        },
    )
    assert "Your current password is not right." in page.get_data(as_text=True)


def test_any_user_can_choose_an_authenticator(session, world, signed_in):
    client = signed_in(world.school_user)
    assert client.get("/account/authenticator").status_code == 200
    assert client.get("/account/authenticator/new").headers["Location"] == "/account/authenticator"
    confirm = client.post("/account/authenticator", data={"password": PASSWORD})
    assert confirm.headers["Location"] == "/account/authenticator/new"
    session.refresh(world.school_user)
    secret = world.school_user.pending_totp_secret
    assert secret in client.get("/account/authenticator/new").get_data(as_text=True)
    assert client.post("/account/authenticator/new", data={"code": "123"}).status_code == 400
    code = pyotp.TOTP(secret).now()
    assert client.post("/account/authenticator/new", data={"code": code}).status_code == 302
    session.refresh(world.school_user)
    assert world.school_user.totp_secret == secret
    assert world.school_user.pending_totp_secret is None
    client.post("/logout")
    response = client.post("/login", data={"email": world.school_user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/code"
    client.post("/account/authenticator/remove", data={"password": PASSWORD})  # not signed in
    session.refresh(world.school_user)
    assert world.school_user.totp_secret == secret


def test_an_laao_cannot_remove_the_authenticator(session, world, signed_in):
    client = signed_in(world.laao)
    secret = world.laao.totp_secret
    client.post(
        "/account/authenticator/remove",
        data={"password": PASSWORD, "current_code": next_code(world.laao)},
    )
    session.refresh(world.laao)
    assert world.laao.totp_secret == secret
