"""A real SMTP server on loopback for the email tests."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from flask import Flask, g
from flask.testing import FlaskClient

from tests.conftest import sign_in


class Inbox:
    """What the SMTP server received: each message parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201
        message = message_from_bytes(envelope.content, policy=default)
        self.received.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    @property
    def messages(self) -> list[Message]:
        return [message for _, message in self.received]

    def to(self, address: str) -> list[Message]:
        return [message for rcpt, message in self.received if address in rcpt]

    def clear(self) -> None:
        self.received.clear()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    """Send the app's mail over SMTP to a server on 127.0.0.1 for this test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    saved = {key: app.config[key] for key in ("MAIL_BACKEND", "SMTP_HOST", "SMTP_PORT")}
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    try:
        yield inbox
    finally:
        app.config.update(saved)
        controller.stop()


class _OwnUserClient(FlaskClient):
    """A test client that does not inherit the signed-in user from another client.

    The test's app context stays pushed, so requests share `g`, where Flask-Login
    caches the user: drop it before each request.
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


_addresses = itertools.count(1)


@pytest.fixture
def client_for(app: Flask, session):  # noqa: ANN001, ANN201
    """Return a signed-in client for a user: `school = client_for(world.school_user)`.

    Each client signs in from its own address, as different people would, so the
    sign-in throttle (per address) does not trip over a test's many sign-ins.
    """

    def make(user) -> FlaskClient:  # noqa: ANN001
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
