"""Signed-in clients for the referral tests, one per user."""

from __future__ import annotations

import itertools

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from tests.conftest import sign_in


class _OwnUserClient(FlaskClient):
    """A test client that does not inherit the signed-in user from another client.

    The test's app context stays pushed, so requests share `g`, where Flask-Login
    caches the user: drop it before each request.
    """

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


_addresses = itertools.count(1)


@pytest.fixture
def client_for(app: Flask, session):
    """Return a signed-in client for a user: `school = client_for(world.school_user)`.

    Each client signs in from its own address, as different people would, so the
    sign-in throttle (per address) does not trip over a test's many sign-ins.
    """

    def make(user) -> FlaskClient:
        app.test_client_class = _OwnUserClient
        try:
            client = app.test_client()
        finally:
            app.test_client_class = None
        n = next(_addresses)
        client.environ_base["REMOTE_ADDR"] = f"10.6.{n // 250 % 250}.{n % 250 + 1}"
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return make
