"""Run Alembic from inside the app, wherever the package is installed."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from flask import Flask

from fieldvisit.core.paths import find_folder


def alembic_config(app: Flask) -> Config:
    config = Config()
    config.set_main_option("script_location", find_folder("migrations"))
    config.set_main_option("sqlalchemy.url", app.config["DATABASE_URL"].replace("%", "%%"))
    return config


def upgrade(app: Flask, revision: str = "head") -> None:
    command.upgrade(alembic_config(app), revision)


def downgrade(app: Flask, revision: str) -> None:
    command.downgrade(alembic_config(app), revision)


def revision(app: Flask, message: str) -> None:
    command.revision(alembic_config(app), message=message, autogenerate=True)


def check(app: Flask) -> None:
    """Raise if the models and the migrations disagree."""
    command.check(alembic_config(app))
