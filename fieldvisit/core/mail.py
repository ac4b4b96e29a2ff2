"""Email: written to the outbox in the transaction of the change it reports; a worker sends it
(fieldvisit/core/outbox.py), so an SMTP server that is down delays an email, never loses it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from jinja2 import Environment, StrictUndefined
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from fieldvisit.core import outbox
from fieldvisit.core.dates import utcnow
from fieldvisit.core.outbox import EmailStatus, OutboxEmail

# The last lines of every email about a case (the emails never carry a child's details).
SIGN_OFF = (
    "\n\nThis email is from fieldvisit. It carries no personal details: sign in to read them."
)

_QUEUED = "fieldvisit.outbox_queued"


@dataclass(frozen=True)
class Recipient:
    """Someone an email goes to: admins see the role, only SMTP sees the address."""

    role: str
    address: str


def link(endpoint: str, **values: object) -> str:
    """Return an absolute link to a page for an email, also outside a request (cron)."""
    adapter = current_app.url_map.bind("fieldvisit.invalid")
    return current_app.config["BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


@dataclass(frozen=True)
class EmailKind:
    """One kind of email, in one record: its subject, its template, who it goes to.

    The body is `templates/emails/<key>.txt`, plain text; the subject is a one-line template.
    Both read only the context the sender passes (references, school names, dates, links):
    an email never carries a child's details, and tests/test_emails.py renders every kind
    (listed in fieldvisit/emails.py) to check it. `to` takes the same context (and the
    session) and returns the recipients.
    """

    key: str
    subject: str
    to: Callable[..., Iterable[Recipient]]
    sign_off: str = SIGN_OFF

    @property
    def template(self) -> str:
        return f"emails/{self.key}.txt"


def render(kind: EmailKind, **context: Any) -> tuple[str, str]:
    """Return the email's subject and body (its sign-off included)."""
    env = _plain_text()
    subject = env.from_string(kind.subject).render(**context)
    body = env.get_template(kind.template).render(**context).strip()
    return " ".join(subject.split()), body + kind.sign_off


def send(session: Session, kind: EmailKind, **context: Any) -> None:
    """Render an email of this kind and queue it to its recipients."""
    subject, body = render(kind, **context)
    queue(session, kind.key, kind.to(session=session, **context), subject, body)


def _plain_text() -> Environment:
    """The app's templates, filters and globals, without HTML escaping: emails are text."""
    env = current_app.extensions.get("fieldvisit.email_env")
    if env is None:
        env = current_app.jinja_env.overlay(autoescape=False, undefined=StrictUndefined)
        env.globals["link"] = link
        current_app.extensions["fieldvisit.email_env"] = env
    return env


def queue(session: Session, kind: str, to: Iterable[Recipient], subject: str, body: str) -> None:
    """Write an email to the outbox in this session's transaction: it goes if that commits."""
    recipients = [r for r in to if r.address]
    if not recipients:
        return
    now = utcnow()
    email = OutboxEmail(
        kind=kind,
        recipients=sorted({r.address for r in recipients}),
        recipient_roles=sorted({r.role for r in recipients}),
        subject=subject,
        body=body,
        status=EmailStatus.PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    session.add(email)
    session.info.setdefault(_QUEUED, []).append(email)


def discard(session: Session) -> None:
    """Take back the emails queued so far (demo seeding backdates events nobody should hear of)."""
    for email in session.info.pop(_QUEUED, []):
        if email in session.new:
            session.expunge(email)
        else:
            session.delete(email)


@event.listens_for(Session, "after_transaction_end")
def _wake_worker(session: Session, transaction: SessionTransaction) -> None:
    # Only the session's own transaction: a savepoint ending leaves the emails queued.
    if transaction.parent is None and session.info.pop(_QUEUED, None):
        outbox.wake()  # harmless after a rollback: the worker finds nothing new
