"""Test set-up: one app per run on SQLite or PostgreSQL, one rolled-back transaction per test."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit import create_app
from fieldvisit.accounts import mfa
from fieldvisit.accounts.models import User
from fieldvisit.core.db import db
from fieldvisit.core.outbox import OutboxEmail
from fieldvisit.models import metadata
from tests.support import factories
from tests.support.smtp import SmtpServer


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Give the run's database: SQLite by default, PostgreSQL with FIELDVISIT_TEST_DB."""
    if os.environ.get("FIELDVISIT_TEST_DB", "sqlite") == "postgresql":
        from tests.support.pg import throwaway_postgres

        with throwaway_postgres() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _settings(url: str, instance: Path) -> dict:
    return {
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(instance),
        "STORAGE": str(instance / "storage"),
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": "http://fieldvisit.test",
        "SESSION_COOKIE_SECURE": False,
        "MAIL_BACKEND": "memory",
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": None,
        # Sign-in stays real, with argon2 parameters cheap enough for hundreds of users.
        "DAILY_JOBS_AT": "",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST_KIB": 1024,
        "ARGON2_PARALLELISM": 1,
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app, with the schema built from the models (tests/test_migrations.py checks the
    migrations build the same schema)."""
    app = create_app(_settings(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        metadata.drop_all(db.engine)
        metadata.create_all(db.engine)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """Join each test to an outer transaction that is rolled back at the end."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    outer = connection.begin()
    db.bind = connection
    try:
        yield db.session
    finally:
        db.session.close()
        db.bind = db.engine
        outer.rollback()
        connection.close()
        ctx.pop()
        app.extensions.get("fieldvisit.sent_mail", []).clear()


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    return app.test_client()


@dataclass(frozen=True)
class QueuedEmail:
    to: tuple[str, ...]
    subject: str
    body: str


class Outbox:
    """The emails written to the outbox during a test, oldest first (a worker sends them)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.after = 0

    def emails(self) -> list[QueuedEmail]:
        rows = self.session.scalars(
            select(OutboxEmail).where(OutboxEmail.id > self.after).order_by(OutboxEmail.id)
        )
        return [QueuedEmail(tuple(row.recipients), row.subject, row.body) for row in rows]

    def clear(self) -> None:
        """Forget the emails queued so far."""
        self.after = self.session.scalar(select(func.max(OutboxEmail.id))) or 0

    def __iter__(self) -> Iterator[QueuedEmail]:
        return iter(self.emails())

    def __len__(self) -> int:
        return len(self.emails())

    def __getitem__(self, index: int) -> QueuedEmail:
        return self.emails()[index]

    def __eq__(self, other: object) -> bool:
        return self.emails() == other


@pytest.fixture
def queued_mail(session: Session) -> Outbox:
    """The emails written to the outbox during the test."""
    return Outbox(session)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 that the app sends to; a test may stop and start it."""
    server = SmtpServer()
    server.start()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", server.port)
    yield server
    server.stop()


@pytest.fixture
def world(session: Session) -> factories.World:
    """An LA with two schools and a user of every role."""
    return factories.make_world(session)


def sign_in(client: FlaskClient, user_or_email, password: str = factories.PASSWORD):
    """Post the sign-in form, and the authenticator code when the user has one."""
    email = getattr(user_or_email, "email", user_or_email)
    response = client.post("/login", data={"email": email, "password": password})
    if response.headers.get("Location") == "/login/code" and hasattr(user_or_email, "id"):
        response = client.post("/login/code", data={"code": next_code(user_or_email)})
    return response


def next_code(user) -> str:
    """Return an authenticator code for a time step the user has not used yet."""
    secret = db.session.scalar(select(User.totp_secret).where(User.id == user.id))
    last = db.session.scalar(select(User.totp_last_step).where(User.id == user.id))
    # A code for the step before now is refused once a step boundary passes: close to one,
    # wait for it to pass, so the code is still good when the server checks it.
    if time.time() % mfa.STEP_SECONDS > mfa.STEP_SECONDS - 2:
        time.sleep(mfa.STEP_SECONDS - time.time() % mfa.STEP_SECONDS + 0.1)
    step = max(int(time.time() // mfa.STEP_SECONDS) - 1, last + 1)
    # The server takes a step at most one ahead of now: a user signed in many times within
    # a minute waits, as a person would, for that step to come within reach.
    wait = (step - 1) * mfa.STEP_SECONDS - time.time()
    if wait > 0:
        time.sleep(wait + 0.1)
    return pyotp.TOTP(secret).at(step * mfa.STEP_SECONDS)


@pytest.fixture
def signed_in(client: FlaskClient):
    """Sign the test client in as a user: `signed_in(world.school_user)`."""

    def _sign_in(user) -> FlaskClient:
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _sign_in
