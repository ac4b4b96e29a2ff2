"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from fieldvisit.config import load_settings
from fieldvisit.core import observe
from fieldvisit.core.paths import PACKAGE_DIR, find_folder


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure the app; `config` overrides the FIELDVISIT_* environment."""
    settings = load_settings(config)
    app = Flask(
        "fieldvisit",
        template_folder=find_folder("templates"),
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
    observe.configure_logging(settings["LOG_FORMAT"])
    for noisy in ("alembic.runtime.plugins", "alembic.autogenerate", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from fieldvisit import effects, jobs
    from fieldvisit.core import compress, static, web
    from fieldvisit.core.db import db

    effects.install()
    jobs.install()
    db.init_app(app)
    compress.init_app(app)  # registered first, so it runs last, on the finished answer
    static.init_app(app)
    web.init_app(app)
    observe.init_app(app)
    _register_blueprints(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Import each module that serves pages or an API and register its blueprint `bp`."""
    from fieldvisit.accounts import account
    from fieldvisit.accounts import views as accounts
    from fieldvisit.admin import views as admin
    from fieldvisit.areas import views as areas
    from fieldvisit.cases import views as cases
    from fieldvisit.core import api, health
    from fieldvisit.la import views as la
    from fieldvisit.letters import views as letters
    from fieldvisit.notices import views as notices
    from fieldvisit.outcomes import views as outcomes
    from fieldvisit.pupils import views as pupils
    from fieldvisit.referrals import ctf_views
    from fieldvisit.referrals import views as referrals
    from fieldvisit.visits import api as visits_api
    from fieldvisit.visits import shell
    from fieldvisit.visits import views as visits

    for module in (
        health,
        accounts,
        account,
        cases,
        admin,
        pupils,
        outcomes,
        api,
        visits,
        visits_api,
        shell,
        letters,
        referrals,
        ctf_views,
        la,
        notices,
        areas,
    ):
        app.register_blueprint(module.bp)
