"""How long a sign-in lasts: a working day on an officer's phone, short in the office, and
ended by signing out, a password change or a disabled account."""

from __future__ import annotations

import time

import pytest

from fieldvisit.accounts import sessions
from tests.conftest import sign_in


def age(client, *, idle: int = 0, since_sign_in: int = 0) -> None:
    """Make the client's session look `idle` seconds idle, signed in `since_sign_in` ago."""
    now = int(time.time())
    with client.session_transaction() as stored:
        stored[sessions.SEEN_AT] = now - idle
        stored[sessions.SIGNED_IN_AT] = now - max(idle, since_sign_in)


def test_the_session_cookie_outlives_a_browser_restart(client, world):
    response = sign_in(client, world.officer)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "Expires=" in cookie


def test_a_change_of_network_keeps_the_officer_signed_in(client, world, signed_in):
    signed_in(world.officer)
    moved = client.get("/api/v1/session", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert moved.status_code == 200
    again = client.get(
        "/api/v1/session",
        environ_base={"REMOTE_ADDR": "172.16.0.9"},
        headers={"User-Agent": "Mozilla/5.0 (Android 15; Mobile) after an update"},
    )
    assert again.status_code == 200


@pytest.mark.parametrize(
    ("who", "idle", "signed_in_still"),
    [
        ("officer", 7 * 3600 + 3540, True),
        ("officer", 8 * 3600 + 60, False),
        ("school_user", 29 * 60, True),
        ("school_user", 31 * 60, False),
    ],
)
def test_the_idle_limit_depends_on_the_job(client, world, signed_in, who, idle, signed_in_still):
    signed_in(getattr(world, who))
    age(client, idle=idle)
    assert (client.get("/api/v1/session").status_code == 200) is signed_in_still


def test_the_absolute_limit_ends_a_busy_day(client, world, signed_in):
    signed_in(world.officer)
    age(client, idle=60, since_sign_in=12 * 3600 + 60)
    assert client.get("/api/v1/session").status_code == 401


def test_an_idle_page_says_why_it_signed_out(client, world, signed_in):
    signed_in(world.school_user)
    age(client, idle=31 * 60)
    page = client.get("/", follow_redirects=True)
    assert "signed out after 30 minutes without activity" in page.get_data(as_text=True)
    assert client.get("/api/v1/session").status_code == 401


def test_the_la_sets_the_limits(client, session, world, signed_in):
    world.la.office_idle_minutes = 5
    session.commit()
    signed_in(world.school_user)
    age(client, idle=6 * 60)
    assert client.get("/api/v1/session").status_code == 401


def test_activity_keeps_the_session_going(client, world, signed_in):
    signed_in(world.school_user)
    age(client, idle=20 * 60, since_sign_in=3600)
    assert client.get("/api/v1/session").status_code == 200
    with client.session_transaction() as stored:
        assert int(time.time()) - stored[sessions.SEEN_AT] < 5


def test_a_disabled_officer_is_told_so_and_the_phone_can_forget(client, session, world, signed_in):
    signed_in(world.officer)
    world.officer.active = False
    session.commit()
    answer = client.get("/api/v1/session")
    assert answer.status_code == 401
    assert answer.get_json()["error"]["code"] == "account_disabled"
