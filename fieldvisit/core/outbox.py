"""The email outbox: emails are rows written with the change they report; a worker sends them.

A worker claims one due email in a short transaction (on PostgreSQL with
`SELECT ... FOR UPDATE SKIP LOCKED`, so workers never wait for or take each other's rows; on
SQLite under BEGIN IMMEDIATE, one writer at a time) and leases it: its next attempt moves
`LEASE` ahead. It sends with no transaction open, then records the outcome in a second short
transaction: sent, or the error and the next attempt, `MAIL_RETRY_SECONDS` doubling up to
`MAIL_RETRY_MAX_SECONDS`. After `MAIL_MAX_ATTEMPTS` the email is failed and waits for an admin.
A worker that dies between the SMTP server's answer and the second transaction sends that email
again once the lease is over: at least once, and exactly once unless a worker dies mid-send.
"""

from __future__ import annotations

import enum
import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Index, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from fieldvisit.core import jobs
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import Base, own_session, str_enum, writing

log = logging.getLogger("fieldvisit.outbox")

# Longer than any SMTP exchange can last (30 s socket timeout per step), so a lease ends only
# when its worker has died.
LEASE = timedelta(minutes=10)
_wake = threading.Event()


class EmailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxEmail(Base):
    """One email to send; admins see its kind, roles and attempts, never its body."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    recipients: Mapped[list[str]]
    recipient_roles: Mapped[list[str]]
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[EmailStatus] = str_enum(EmailStatus, default=EmailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(500))


def wake() -> None:
    """Tell this process's worker thread that an email was queued."""
    _wake.set()


@dataclass(frozen=True)
class _Claimed:
    id: int
    to: tuple[str, ...]
    subject: str
    body: str
    attempts: int


def deliver_due(now: datetime | None = None, limit: int = 50) -> int:
    """Send up to `limit` due emails, one claim at a time; return how many were sent."""
    sent = 0
    for _ in range(limit):
        claimed = _claim(now or utcnow())
        if claimed is None:
            break
        error = _send(claimed)
        _settle(claimed, error, now or utcnow())
        sent += error is None
    return sent


def _claim(now: datetime) -> _Claimed | None:
    with writing(), own_session() as session:
        email = session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= now)
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if email is None:
            return None
        email.attempts += 1
        email.next_attempt_at = now + LEASE
        session.commit()
        return _Claimed(
            email.id, tuple(email.recipients), email.subject, email.body, email.attempts
        )


def _settle(claimed: _Claimed, error: str | None, now: datetime) -> None:
    config = current_app.config
    with writing(), own_session() as session:
        email = session.get(OutboxEmail, claimed.id)
        if email is None:
            return
        if error is None:
            email.status, email.sent_at, email.last_error = EmailStatus.SENT, now, None
            log.info("outbox email=%d sent attempt=%d", email.id, email.attempts)
        elif email.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            email.status, email.last_error = EmailStatus.FAILED, error[:500]
            log.error("outbox email=%d failed for good after %d attempts", email.id, email.attempts)
        else:
            email.last_error = error[:500]
            email.next_attempt_at = now + retry_delay(email.attempts)
        session.commit()


def retry_delay(attempts: int) -> timedelta:
    """Return how long to wait after this many failed attempts: doubling, up to a limit."""
    config = current_app.config
    first, most = config["MAIL_RETRY_SECONDS"], config["MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(first * 2 ** (attempts - 1), most))


def _send(claimed: _Claimed) -> str | None:
    """Send one email; return None, or what went wrong (the email is then tried again)."""
    try:
        send_message(claimed.to, claimed.subject, claimed.body)
    except (smtplib.SMTPException, OSError) as error:
        log.warning(
            "outbox email=%d attempt=%d not sent: %s",
            claimed.id,
            claimed.attempts,
            type(error).__name__,
        )
        return f"{type(error).__name__}: {error}"
    except Exception as error:  # a bug must not stop the other emails
        log.exception("outbox email=%d attempt=%d not sent", claimed.id, claimed.attempts)
        return f"{type(error).__name__}: {error}"
    return None


def send_message(to: tuple[str, ...], subject: str, body: str) -> None:
    """Send one message through the configured backend; raise if it is not accepted."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message.set_content(body)
    if config["MAIL_BACKEND"] == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    elif config["MAIL_BACKEND"] == "memory":
        current_app.extensions.setdefault("fieldvisit.sent_mail", []).append(message)
    else:
        print(message.as_string(), flush=True)  # console backend: for the demo


class Worker:
    """Send due emails and run due jobs (core/jobs.py) until stopped: a thread of
    `fieldvisit serve`, or `fieldvisit worker`."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.poll = float(app.config["MAIL_POLL_SECONDS"])
        self._stop = threading.Event()

    def run(self) -> None:
        log.info("outbox worker started")
        while not self._stop.is_set():
            _wake.clear()
            try:
                with self.app.app_context():
                    busy = deliver_due() + jobs.run_due() > 0
            except Exception:  # the database may be away for a moment: try again later
                log.exception("outbox worker round failed")
                busy = False
            if not busy:
                _wake.wait(self.poll)
        log.info("outbox worker stopped")

    def start_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="fieldvisit-outbox", daemon=True)
        thread.start()
        return thread

    def stop(self, *_: Any) -> None:
        self._stop.set()
        _wake.set()
