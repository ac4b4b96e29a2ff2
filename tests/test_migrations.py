"""The migrations build exactly the schema the models describe, on this run's database."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldvisit import create_app
from fieldvisit.core import migrate
from fieldvisit.core.db import db


@pytest.fixture
def empty_database_url(database_url: str, tmp_path) -> str:
    if os.environ.get("FIELDVISIT_TEST_DB", "sqlite") != "postgresql":
        return f"sqlite:///{tmp_path / 'migrations.db'}"
    url = make_url(database_url)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS fieldvisit_migrations"))
        connection.execute(text("CREATE DATABASE fieldvisit_migrations"))
    admin.dispose()
    return url.set(database="fieldvisit_migrations").render_as_string(hide_password=False)


def test_migrations_match_the_models_and_downgrade_cleanly(empty_database_url, tmp_path):
    app = create_app(
        {"DATABASE_URL": empty_database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"}
    )
    with app.app_context():
        migrate.upgrade(app)
        migrate.check(app)  # raises if autogenerate would find a difference
        migrate.downgrade(app, "base")
        migrate.upgrade(app)
        db.engine.dispose()
