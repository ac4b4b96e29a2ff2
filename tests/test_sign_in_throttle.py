"""Sign-in is throttled by account and by the real client's address together."""

import pytest
import requests
from sqlalchemy import select

from fieldvisit.accounts import throttle
from fieldvisit.accounts.services import LOCKED
from fieldvisit.core.audit import AuditEvent
from tests.conftest import sign_in
from tests.support.factories import PASSWORD
from tests.support.live_server import csrf_token


@pytest.fixture
def behind_one_proxy(app):
    app.config["PROXY_COUNT"] = 1
    yield
    app.config["PROXY_COUNT"] = 0


def _from(client, address, email, password="wrong password!"):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": address},
    )


@pytest.mark.parametrize("email", ["school@school.test", "nobody@school.test"])
def test_an_unknown_email_locks_just_as_a_real_account_does(client, world, email):
    answers = [sign_in(client, email, "wrong password!").get_data(as_text=True) for _ in range(6)]
    assert all("Enter a correct email address and password." in page for page in answers[:5])
    assert LOCKED in answers[5]


def test_failures_from_many_addresses_still_lock_the_account(
    client, session, world, behind_one_proxy
):
    for n in range(5):
        _from(client, f"198.51.100.{n}", world.school_user.email)
    page = _from(client, "198.51.100.99", world.school_user.email, PASSWORD)
    assert LOCKED in page.get_data(as_text=True)


def test_the_real_client_address_is_throttled_behind_a_proxy(app, session, world, behind_one_proxy):
    attacker = app.test_client()
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        _from(attacker, "203.0.113.1", f"guess{n}@school.test")
    assert _from(attacker, "203.0.113.1", world.school_user.email, PASSWORD).status_code == 429
    colleague = app.test_client()
    assert _from(colleague, "203.0.113.2", world.school_user.email, PASSWORD).status_code == 302
    addresses = set(session.scalars(select(AuditEvent.ip)))
    assert addresses == {"203.0.113.1", "203.0.113.2"}


def test_a_forwarded_address_is_ignored_without_a_configured_proxy(app, session, world):
    for n in range(throttle.MAX_FAILURES_PER_ADDRESS):
        _from(app.test_client(), f"203.0.113.{n}", f"guess{n}@school.test")
    assert (
        _from(app.test_client(), "192.0.2.50", world.school_user.email, PASSWORD).status_code == 429
    )
    assert set(session.scalars(select(AuditEvent.ip))) == {"127.0.0.1"}


def _change(client, current):
    return client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": "a brand new password",
            "confirm_password": "a brand new password",
        },
    )


def test_wrong_current_passwords_on_the_password_page_are_counted(session, world, signed_in):
    client = signed_in(world.school_user)
    for _ in range(4):
        assert _change(client, "not my password!").status_code == 400
    session.refresh(world.school_user)
    assert world.school_user.failed_logins == 4
    locked = _change(client, "not my password!")
    assert locked.headers["Location"] == "/login"
    assert client.get("/").status_code == 302  # signed out, everywhere
    session.refresh(world.school_user)
    assert world.school_user.locked_until is not None
    actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("change_password_failed") == 5 and "lock_out" in actions
    assert LOCKED in sign_in(client, world.school_user).get_data(as_text=True)


def test_an_unknown_email_stays_locked_when_the_server_restarts(tmp_path):
    """Every web process (and a restarted one) gives the same answer: the count is in the
    database, as a real account's is."""
    from tests.support.live_server import live_server

    def attempt(server):
        http = requests.Session()
        page = http.get(f"{server.url}/login", timeout=30)
        form = {"email": "nobody@demo.test", "password": "wrong password!"}
        form["csrf_token"] = csrf_token(page.text)
        return http.post(f"{server.url}/login", data=form, timeout=30).text

    with live_server(tmp_path) as server:
        answers = [attempt(server) for _ in range(5)]
    assert all("Enter a correct email address and password." in page for page in answers)
    with live_server(tmp_path) as restarted:
        assert LOCKED in attempt(restarted)
