"""What operations see: a request id on every answer and log line, JSON logs, and
Prometheus metrics at GET /metrics for a scraper holding the metrics token.

Logs and metrics carry endpoints, ids and counts, never a child's name, a UPN, a note or an
address's query string (searches are posted, core/listing.py). With several gunicorn workers
the metrics are summed across them when PROMETHEUS_MULTIPROC_DIR names a shared folder (the
deploy/ units set it); otherwise each process counts its own.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, abort, current_app, g, has_request_context, request
from flask_login import current_user
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import func, select

from fieldvisit.core.db import db
from fieldvisit.core.jobs import Job, JobStatus
from fieldvisit.core.outbox import EmailStatus, OutboxEmail

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = logging.getLogger("fieldvisit.request")

REQUESTS = Counter(
    "fieldvisit_requests",
    "Answers given, by endpoint, method and status",
    ["endpoint", "method", "status"],
)
LATENCY = Histogram(
    "fieldvisit_request_seconds",
    "Time to answer, by endpoint",
    ["endpoint"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SYNC_ITEMS = Counter("fieldvisit_sync_items", "Visits received from phones, by result", ["result"])
EMAILS = Gauge(
    "fieldvisit_outbox_emails",
    "Emails in the outbox by state (read from the database at each scrape)",
    ["state"],
    multiprocess_mode="liveall",
)
JOBS = Gauge(
    "fieldvisit_jobs",
    "Background jobs by state (read from the database at each scrape)",
    ["state"],
    multiprocess_mode="liveall",
)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and extras."""

    EXTRAS = ("endpoint", "method", "status", "ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", "-")
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if request_id == "-" else request_id,
        }
        entry.update({k: getattr(record, k) for k in self.EXTRAS if hasattr(record, k)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestIdFilter(logging.Filter):
    """Stamp each log record with the id of the request being answered, if any."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = (g.get("request_id") if has_request_context() else None) or "-"
        return True


def configure_logging(log_format: str) -> None:
    """Log to stderr in the chosen format, unless something (a test runner) already logs."""
    root = logging.getLogger()
    if root.handlers:
        for handler in root.handlers:
            if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
                handler.addFilter(RequestIdFilter())
        return
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-Id", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.endpoint in (None, "static", "observe_metrics"):
            return response
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        endpoint = request.endpoint or "none"
        REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
        LATENCY.labels(endpoint).observe(seconds)
        user_id = current_user.id if current_user and current_user.is_authenticated else None
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            endpoint,
            response.status_code,
            seconds * 1000,
            extra={
                "endpoint": endpoint,
                "method": request.method,
                "status": response.status_code,
                "ms": round(seconds * 1000, 1),
                "user_id": user_id,
            },
        )
        return response

    app.add_url_rule("/metrics", "observe_metrics", metrics)


def metrics() -> Any:
    """Prometheus text format, for a scraper that sends the metrics token."""
    token = current_app.config.get("METRICS_TOKEN")
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token or not hmac.compare_digest(given.encode(), str(token).encode()):
        abort(404)
    _count_outbox()
    _count_jobs()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(
        body, mimetype=CONTENT_TYPE_LATEST.split(";")[0], headers={"Cache-Control": "no-store"}
    )


def _count_jobs() -> None:
    counts = dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
    for state in JobStatus:
        JOBS.labels(state.value).set(counts.get(state, 0))


def _count_outbox() -> None:
    counts = dict(
        db.session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all()
    )
    for state in EmailStatus:
        EMAILS.labels(state.value).set(counts.get(state, 0))
