"""Sign-in: argon2 passwords, lock-out, throttling, CSRF, sessions that end."""

import re

import pytest

from fieldvisit.accounts import throttle
from tests.conftest import sign_in
from tests.support.factories import PASSWORD


def test_passwords_are_stored_as_argon2_hashes(world):
    assert world.school_user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in world.school_user.password_hash


def test_signing_in_leads_to_the_cases(client, world):
    response = sign_in(client, world.school_user)
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("email", ["school@school.test", "nobody@school.test"])
def test_a_wrong_password_or_unknown_email_gets_the_same_answer(client, world, email):
    response = sign_in(client, email, "wrong password!")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a correct email address and password." in page
    assert "govuk-error-summary" in page
    assert f'value="{email}"' in page  # what was typed is kept, except the password


def test_an_empty_form_names_each_field(client, world):
    page = client.post("/login", data={}).get_data(as_text=True)
    assert 'href="#email"' in page and "Enter your email address." in page
    assert 'href="#password"' in page and "Enter your password." in page


def test_the_account_locks_after_repeated_failures(client, session, world):
    for _ in range(5):
        sign_in(client, world.school_user, "wrong password!")
    page = sign_in(client, world.school_user).get_data(as_text=True)
    assert "locked" in page
    session.refresh(world.school_user)
    assert world.school_user.locked_until is not None


def test_sign_in_is_throttled_per_address(client, world):
    for _ in range(throttle.MAX_FAILURES_PER_ADDRESS):
        sign_in(client, "nobody@school.test", "wrong password!")
    assert sign_in(client, world.school_user).status_code == 429


def test_next_only_follows_paths_on_this_site(client, world):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": world.school_user.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=/cases/1", data={"email": world.school_user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/cases/1"


def test_signing_out_ends_the_session_everywhere(app, world):
    first, second = app.test_client(), app.test_client()
    sign_in(first, world.school_user)
    sign_in(second, world.school_user)
    assert second.get("/").status_code == 200
    first.post("/logout")
    assert second.get("/").status_code == 302  # the other device is signed out too


def test_pages_need_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_state_changing_requests_need_a_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post(
            "/login", data={"email": world.school_user.email, "password": PASSWORD}
        )
        assert refused.status_code == 400
        token = re.search(
            r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)
        ).group(1)
        accepted = client.post(
            "/login",
            data={"email": world.school_user.email, "password": PASSWORD, "csrf_token": token},
        )
        assert accepted.status_code == 302
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_responses_carry_a_strict_content_security_policy(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookies_are_http_only_and_same_site(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_successful_sign_ins_from_one_address_are_not_throttled(app, world):
    for _ in range(throttle.MAX_FAILURES_PER_ADDRESS + 5):
        client = app.test_client()
        assert sign_in(client, world.school_user).status_code == 302


@pytest.mark.parametrize(
    "who, home, heading",
    [
        ("school_user", "/", "Open cases"),
        ("laao", "/la/referrals", "Referrals"),
        ("officer", "/visits/", "Your home visits"),
        ("admin", "/admin/", None),
    ],
)
def test_each_role_lands_on_its_own_home(app, world, who, home, heading):
    """The school office on its cases, the LAAO on the queue, the officer on their visits."""
    client = app.test_client()
    user = getattr(world, who)
    answer = sign_in(client, user)
    assert answer.status_code == 302 and answer.location == home
    # "/" and the service name in the header lead to the same home.
    root = client.get("/")
    if home == "/":
        assert root.status_code == 200
    else:
        assert root.status_code == 302 and root.location == home
    page = client.get(home).get_data(as_text=True)
    assert f'href="{home}" class="govuk-header__link govuk-header__link--homepage"' in page
    if heading:
        assert f">{heading}" in page
