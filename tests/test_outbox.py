"""Emails go through an outbox: written with the change they report, sent by a worker with
retries and back-off; SMTP down means delayed, never lost, never a 500, never sent twice."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fieldvisit.core import mail
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from fieldvisit.core.outbox import EmailStatus, OutboxEmail, deliver_due
from tests.support.factories import make_case
from tests.support.smtp import SmtpServer


def later(hours: float = 1) -> object:
    return utcnow() + timedelta(hours=hours)


def test_an_email_is_written_with_the_change_and_goes_if_it_is_undone(session, world):
    mail.queue(session, "test", [mail.Recipient("LAAO", world.laao.email)], "Subject", "Body text")
    session.flush()
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 1
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def test_smtp_down_the_request_answers_and_the_email_goes_once_smtp_is_back(
    app, client, session, world, signed_in, smtp
):
    smtp.stop()
    case = make_case(session, world)
    session.commit()
    signed_in(world.school_user)
    response = client.post(
        f"/cases/{case.id}/visits/assign",
        data={"officer_id": str(world.officer.id), "instructions": "Ring twice."},
    )
    assert response.status_code == 302
    email = session.scalars(select(OutboxEmail)).one()
    assert (email.status, email.attempts, email.recipient_roles) == (
        EmailStatus.PENDING,
        0,
        ["officer"],
    )

    assert deliver_due() == 0  # SMTP is down: the email waits
    session.refresh(email)
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert email.last_error and email.next_attempt_at > utcnow()
    assert deliver_due() == 0  # not due again yet: back-off
    assert email.attempts == 1

    smtp.start()
    assert deliver_due(now=later()) == 1
    assert deliver_due(now=later(2)) == 0
    session.refresh(email)
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, None)
    assert smtp.subjects() == [email.subject]
    assert smtp.messages[0]["To"] == world.officer.email


def test_back_off_doubles_up_to_a_limit_then_the_email_is_marked_failed(app, session, smtp):
    smtp.stop()
    app.config["MAIL_MAX_ATTEMPTS"], before = 4, app.config["MAIL_MAX_ATTEMPTS"]
    try:
        mail.queue(session, "test", [mail.Recipient("LAAO", "laao@la.test")], "S", "B")
        session.flush()
        email = session.scalars(select(OutboxEmail)).one()
        waits = []
        now = utcnow()
        for _ in range(4):
            deliver_due(now=now)
            session.refresh(email)
            waits.append(round((email.next_attempt_at - now).total_seconds()))
            now = email.next_attempt_at
        first = app.config["MAIL_RETRY_SECONDS"]
        assert waits[:3] == [first, 2 * first, 4 * first]
        assert (email.status, email.attempts) == (EmailStatus.FAILED, 4)
        smtp.start()
        assert deliver_due(now=later(100)) == 0  # failed emails wait for an admin
    finally:
        app.config["MAIL_MAX_ATTEMPTS"] = before


@pytest.fixture
def committed(app: Flask) -> Iterator[None]:
    """Workers use their own connections, so these rows are committed, then removed."""
    with app.app_context():
        yield
        with db.engine.begin() as connection:
            connection.execute(delete(OutboxEmail))


def run_workers(app: Flask, count: int, **kwargs: object) -> list[int]:
    """Run `count` workers at once until nothing is due; return how many each sent."""
    sent = [0] * count

    def work(n: int) -> None:
        with app.app_context():
            sent[n] = deliver_due(**kwargs)  # each claims due emails until none is left

    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sent


def test_four_workers_at_once_send_each_email_exactly_once(app, committed, monkeypatch):
    smtp = SmtpServer(delay=0.02)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", smtp.port)
    with Session(db.engine) as writer:
        for n in range(20):
            mail.queue(writer, "test", [mail.Recipient("LAAO", f"laao{n}@la.test")], f"#{n}", "B")
        writer.commit()

    run_workers(app, 4)  # SMTP down: each email tried once, by one worker
    with Session(db.engine) as reader:
        attempts = reader.scalars(select(OutboxEmail.attempts)).all()
    assert attempts == [1] * 20

    smtp.start()
    try:
        sent = run_workers(app, 4, now=later())
        assert sum(sent) == 20 and len([n for n in sent if n]) >= 2  # workers shared the work
        assert sorted(Counter(smtp.subjects()).items()) == sorted((f"#{n}", 1) for n in range(20))
    finally:
        smtp.stop()
    with Session(db.engine) as reader:
        rows = reader.execute(select(OutboxEmail.status, OutboxEmail.attempts)).all()
    assert set(rows) == {(EmailStatus.SENT, 2)}
