"""Settings, read from FIELDVISIT_* environment variables."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PREFIX = "FIELDVISIT_"


def _instance_path() -> Path:
    return Path(os.environ.get(PREFIX + "INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def default_settings() -> dict[str, Any]:
    """Return the defaults: a SQLite file and a storage folder under instance/."""
    instance = _instance_path()
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": f"sqlite:///{instance / 'fieldvisit.db'}",
        "STORAGE": str(instance / "storage"),
        # For STORAGE=s3://bucket/prefix on a store other than AWS (MinIO, Ceph): its address.
        "S3_ENDPOINT_URL": None,
        "SECRET_KEY": None,
        "BASE_URL": "http://127.0.0.1:5000",
        "SESSION_COOKIE_SECURE": True,
        "MAIL_BACKEND": "console",
        "MAIL_FROM": "fieldvisit <no-reply@fieldvisit.invalid>",
        "SMTP_HOST": "localhost",
        "SMTP_PORT": 25,
        "SMTP_USERNAME": None,
        "SMTP_PASSWORD": None,
        "SMTP_STARTTLS": False,
        # The outbox worker: first retry after 30 s, doubling up to an hour, about 17 hours of
        # trying in all before an email is marked failed for an admin to see.
        "MAIL_RETRY_SECONDS": 30.0,
        "MAIL_RETRY_MAX_SECONDS": 3600.0,
        "MAIL_MAX_ATTEMPTS": 24,
        "MAIL_POLL_SECONDS": 5.0,
        # The worker queues the daily jobs (reminders, retention) at its first round after
        # this time each day, in England; empty turns them off (cron runs the commands).
        "DAILY_JOBS_AT": "06:00",
        # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
        "PROXY_COUNT": 0,
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCKOUT_MINUTES": 15,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes).
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST_KIB": 64 * 1024,
        "ARGON2_PARALLELISM": 4,
        # The CTF version written in files fieldvisit makes: DfE publishes one a year, valid from
        # September. Set it to the version the schools' systems import.
        "CTF_VERSION": "26.0",
        # Logs: one JSON object a line with the request id ("json"), or plain lines ("text").
        "LOG_FORMAT": "json",
        # GET /metrics (Prometheus) answers only with "Authorization: Bearer <this>"; unset: 404.
        "METRICS_TOKEN": None,
    }


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, FIELDVISIT_* variables and explicit overrides, in that order."""
    settings = default_settings()
    for key, default in list(settings.items()):
        raw = os.environ.get(PREFIX + key)
        if raw is not None:
            settings[key] = _coerce(raw, default)
    settings.update(overrides or {})
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = _persistent_secret(Path(settings["INSTANCE_PATH"]))
    return settings


def _persistent_secret(instance: Path) -> str:
    """Keep a generated secret key under instance/ so sessions survive restarts."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
