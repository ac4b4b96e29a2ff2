"""Test set-up: one app per run on SQLite or PostgreSQL, one rolled-back transaction per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from fieldvisit import create_app
from fieldvisit.core.db import db
from fieldvisit.models import metadata
from tests import factories

pytest_plugins: list[str] = []


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Give the run's database: SQLite by default, PostgreSQL with FIELDVISIT_TEST_DB."""
    if os.environ.get("FIELDVISIT_TEST_DB", "sqlite") == "postgresql":
        from tests.pg import throwaway_postgres

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
    }


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app, with the schema built from the models (tests/test_migrations.py checks the
    migrations build the same schema)."""
    app = create_app(_settings(database_url, tmp_path_factory.mktemp("instance")))
    assert db.engine is not None
    metadata.drop_all(db.engine)
    metadata.create_all(db.engine)
    yield app
    assert db.engine is not None
    db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """Join each test to an outer transaction that is rolled back at the end."""
    assert db.engine is not None
    connection = db.engine.connect()
    outer = connection.begin()
    db.bind = connection
    ctx = app.app_context()
    ctx.push()
    try:
        yield db.session
    finally:
        ctx.pop()
        db.bind = db.engine
        outer.rollback()
        connection.close()
        app.extensions.get("fieldvisit.sent_mail", []).clear()


@pytest.fixture
def client(app: Flask, session: Session) -> FlaskClient:
    from fieldvisit.accounts.views import _attempts

    _attempts.clear()  # the sign-in throttle counts per address, and every test is 127.0.0.1
    return app.test_client()


@pytest.fixture
def sent_mail(app: Flask, session: Session) -> list:
    """Messages sent through the memory backend during the test."""
    return app.extensions.setdefault("fieldvisit.sent_mail", [])


@pytest.fixture
def world(session: Session) -> factories.World:
    """An LA with two schools and a user of every role."""
    return factories.make_world(session)


def sign_in(client: FlaskClient, user_or_email, password: str = factories.PASSWORD):  # noqa: ANN001, ANN201
    email = getattr(user_or_email, "email", user_or_email)
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def signed_in(client: FlaskClient):  # noqa: ANN201
    """Sign the test client in as a user: `signed_in(world.school_user)`."""

    def _sign_in(user) -> FlaskClient:  # noqa: ANN001
        response = sign_in(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return _sign_in
