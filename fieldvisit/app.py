"""The application factory."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Any

from flask import Flask

from fieldvisit.config import load_settings

PACKAGE_DIR = Path(__file__).resolve().parent

# Every module that serves pages or an API has a blueprint named `bp`.
BLUEPRINTS = (
    "fieldvisit.core.health",
    "fieldvisit.accounts.views",
    "fieldvisit.accounts.account",
    "fieldvisit.cases.views",
    "fieldvisit.admin.views",
    "fieldvisit.pupils.views",
    "fieldvisit.outcomes.views",
    "fieldvisit.chronology.views",
    "fieldvisit.core.api",
    "fieldvisit.visits.views",
    "fieldvisit.visits.api",
    "fieldvisit.visits.shell",
    "fieldvisit.letters.views",
    "fieldvisit.referrals.views",
    "fieldvisit.la.views",
)


def _find(folder: str) -> str:
    """Find a folder shipped in the wheel (inside the package) or in a checkout."""
    for candidate in (PACKAGE_DIR / folder, PACKAGE_DIR.parent / folder):
        if candidate.is_dir():
            return str(candidate)
    raise RuntimeError(f"fieldvisit cannot find its {folder}/ folder")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; `config` overrides the FIELDVISIT_* environment."""
    settings = load_settings(config)
    app = Flask(
        "fieldvisit",
        template_folder=_find("templates"),
        static_folder=str(PACKAGE_DIR / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings["SESSION_COOKIE_SECURE"],
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("alembic.runtime.plugins", "alembic.autogenerate", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from fieldvisit.core import compress, static, web
    from fieldvisit.core.db import db

    db.init_app(app)
    compress.init_app(app)  # registered first, so it runs last, on the finished answer
    static.init_app(app)
    web.init_app(app)

    for module in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module).bp)
    return app
