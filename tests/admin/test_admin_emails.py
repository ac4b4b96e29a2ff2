"""Admins see the emails waiting or given up on: ids, roles, attempts, errors, never the body."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from fieldvisit.core import mail
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import utcnow
from fieldvisit.core.outbox import EmailStatus, OutboxEmail, deliver_due


def queue(session, subject: str, body: str = "The body stays private.") -> OutboxEmail:
    mail.queue(
        session,
        "concern_raised",
        [mail.Recipient("DSL", "dsl@school.test"), mail.Recipient("LAAO", "laao@la.test")],
        subject,
        body,
    )
    session.flush()
    return session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()


def test_admins_see_waiting_and_failed_emails_without_their_body(session, world, signed_in, smtp):
    smtp.stop()
    waiting = queue(session, "Concern on case C000001")
    failed = queue(session, "Concern on case C000002")
    sent = queue(session, "Concern on case C000003")
    deliver_due()
    failed.status, failed.attempts = EmailStatus.FAILED, 24
    sent.status, sent.sent_at = EmailStatus.SENT, utcnow()
    session.commit()

    page = signed_in(world.admin).get("/admin/emails").get_data(as_text=True)
    assert f'<td class="govuk-table__cell" data-label="Id">{waiting.id}</td>' in page
    assert f'Send again<span class="govuk-visually-hidden"> email {failed.id}<' in page
    assert f"email {waiting.id}<" not in page  # a waiting email is on its way already
    assert f'<td class="govuk-table__cell" data-label="Id">{sent.id}</td>' not in page
    assert "DSL, LAAO" in page and "concern_raised" in page
    assert "ConnectionRefusedError" in page
    assert "1 waiting" in page and "1 failed" in page
    for private in ("The body stays private.", "dsl@school.test", "laao@la.test", "C000001"):
        assert private not in page


def test_an_admin_sends_a_failed_email_again(session, world, signed_in, smtp):
    email = queue(session, "Concern on case C000001")
    email.status, email.attempts = EmailStatus.FAILED, 24
    email.next_attempt_at = utcnow() + timedelta(days=1)
    session.commit()
    response = signed_in(world.admin).post(f"/admin/emails/{email.id}/retry")
    assert response.status_code == 302
    session.refresh(email)
    assert email.status == EmailStatus.PENDING and email.next_attempt_at <= utcnow()
    assert deliver_due() == 1 and smtp.subjects() == ["Concern on case C000001"]
    audit = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "email")).one()
    assert (audit.user_id, audit.action, audit.object_id) == (world.admin.id, "retry", email.id)


def test_only_admins_send_emails_again_and_only_failed_ones(session, world, signed_in):
    email = queue(session, "Concern on case C000001")
    session.commit()
    assert signed_in(world.laao).post(f"/admin/emails/{email.id}/retry").status_code == 403
    signed_in(world.admin).post(f"/admin/emails/{email.id}/retry")
    session.refresh(email)
    retries = select(AuditEvent).where(AuditEvent.object_type == "email")
    assert email.next_attempt_at <= utcnow() and session.scalars(retries).all() == []
