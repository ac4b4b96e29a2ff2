"""Email: queued on the session, sent only once the transaction commits."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("fieldvisit.mail")

_OUTBOX = "fieldvisit.outbox"


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    body: str


def link(endpoint: str, **values: object) -> str:
    """Return an absolute link to a page for an email, also outside a request (cron)."""
    adapter = current_app.url_map.bind("fieldvisit.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def queue(session: Session, to: list[str] | tuple[str, ...], subject: str, body: str) -> None:
    """Queue a message to go out when this session's transaction commits."""
    recipients = tuple(sorted({address for address in to if address}))
    if recipients:
        session.info.setdefault(_OUTBOX, []).append(Mail(recipients, subject, body))


def discard(session: Session) -> None:
    """Drop the messages queued so far (demo seeding backdates events nobody should hear of)."""
    session.info.pop(_OUTBOX, None)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    outbox = session.info.pop(_OUTBOX, [])
    for mail in outbox:
        send(mail)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop(_OUTBOX, None)


def send(mail: Mail) -> None:
    """Send one message through the configured backend."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = ", ".join(mail.to)
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    sent = current_app.extensions.setdefault("fieldvisit.sent_mail", [])
    if config["MAIL_BACKEND"] == "smtp":
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=30) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    elif config["MAIL_BACKEND"] == "memory":
        sent.append(mail)
    else:
        print(message.as_string(), flush=True)  # console backend: for the demo
    log.info("mail sent to=%d subject_len=%d", len(mail.to), len(mail.subject))
