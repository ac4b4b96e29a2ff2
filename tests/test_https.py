"""HTTPS: HSTS only over TLS (or a trusted proxy's word), and a sign-in over plain http to
a non-local address, where the browser drops the Secure cookie, says it needs https."""

from __future__ import annotations

import pytest

from fieldvisit.core.web import HSTS
from tests.support.factories import PASSWORD

LAN = "http://192.168.1.20:5000"


@pytest.fixture
def secure_cookies_and_csrf(app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_hsts_only_on_requests_that_came_over_tls(client):
    assert (
        client.get("/login", base_url="https://fieldvisit.test").headers[
            "Strict-Transport-Security"
        ]
        == HSTS
    )
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_behind_a_trusted_proxy_its_scheme_and_address_count(app, client, monkeypatch):
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    # no proxy configured: the forwarded headers are ignored
    assert "Strict-Transport-Security" not in client.get("/login", headers=headers).headers
    monkeypatch.setitem(app.config, "PROXY_COUNT", 1)
    response = client.get("/login", headers=headers)
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_sign_in_over_plain_http_to_a_lan_address_says_it_needs_https(
    client, world, secure_cookies_and_csrf
):
    page = client.get("/login", base_url=LAN).get_data(as_text=True)
    assert "needs https" in page and "FIELDVISIT_SESSION_COOKIE_SECURE" in page
    # the browser did not keep the Secure session cookie, so the form comes back tokenless
    client.delete_cookie("session")
    response = client.post(
        "/login",
        base_url=LAN,
        data={"email": world.school_user.email, "password": PASSWORD, "csrf_token": "x"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Signing in at this address needs https" in page
    assert "FIELDVISIT_SESSION_COOKIE_SECURE" in page
    assert "Sign in to fieldvisit" in page  # the sign-in page, not a bare error


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:5000", "http://localhost:5000"])
def test_no_https_notice_on_this_machine_or_over_tls(client, secure_cookies_and_csrf, base_url):
    assert "needs https" not in client.get("/login", base_url=base_url).get_data(as_text=True)
    over_tls = client.get("/login", base_url="https://192.168.1.20:5000")
    assert "needs https" not in over_tls.get_data(as_text=True)


def test_no_https_notice_when_cookies_are_not_secure(client):
    assert "needs https" not in client.get("/login", base_url=LAN).get_data(as_text=True)
