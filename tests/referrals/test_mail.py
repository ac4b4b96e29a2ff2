"""Emails through the outbox and a real SMTP server on loopback: who gets what, and only what
was committed."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from fieldvisit.cases import services as cases
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.db import db
from fieldvisit.core.outbox import deliver_due
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals
from tests.referrals.helpers import accepted_case, locating_case, school_user
from tests.test_cli import run


def _no_child_details(inbox, case: Case) -> None:
    pupil = case.pupil
    private = [pupil.forename, pupil.surname, pupil.upn, *pupil.address_lines, pupil.postcode]
    private += [c.full_name for c in pupil.contacts] + [p for c in pupil.contacts for p in c.phones]
    for message in inbox.messages:
        text = message["Subject"] + message.get_content()
        leaked = [value for value in private if value and value in text]
        assert not leaked, (message["Subject"], leaked)


def test_referral_mail_goes_only_if_the_referral_is_saved(session, world, smtp):
    case = locating_case(session, world, school_day=12)
    session.commit()
    referrals.submit_referral(session, world.school_user, case, summary_of_enquiries="Calls.")
    session.flush()
    assert smtp.messages == []  # queued, not sent
    session.rollback()
    session.commit()
    deliver_due()
    assert smtp.messages == []  # a rollback takes the email back with the referral

    referral = referrals.submit_referral(
        session, world.school_user, case, summary_of_enquiries="Calls."
    )
    session.commit()
    assert smtp.messages == []  # the worker sends it
    deliver_due()
    [(recipients, message)] = smtp.received
    assert sorted(recipients) == ["cme@la.test", "laao@la.test"]
    assert message["Subject"] == f"New CME referral {referral.reference} (case {case.reference})"
    assert f"http://fieldvisit.test/la/referrals/{referral.id}" in message.get_content()
    _no_child_details(smtp, case)


def test_returned_accepted_and_removal_agreed(session, world, smtp):
    case = locating_case(session, world, school_day=30)
    user = school_user(world, case)
    referral = referrals.submit_referral(session, user, case, summary_of_enquiries="Calls.")
    session.commit()
    deliver_due()
    smtp.clear()

    referrals.return_referral(session, world.laao, referral, reason="Try the aunt.")
    session.commit()
    deliver_due()
    [(recipients, message)] = smtp.received
    assert sorted(recipients) == ["office110001@school.test", "school@school.test"]
    assert (
        message["Subject"] == f"CME referral {referral.reference} returned (case {case.reference})"
    )
    assert "Try the aunt." not in message.get_content()  # the reason is read on the case

    second = referrals.submit_referral(session, user, case, summary_of_enquiries="Aunt tried.")
    session.commit()
    deliver_due()
    smtp.clear()
    involvement = referrals.accept_referral(session, world.laao, second, laao=world.laao)
    session.commit()
    deliver_due()
    [(recipients, message)] = smtp.received
    assert "laao@la.test" in recipients and "school@school.test" in recipients
    assert "accepted" in message["Subject"]

    smtp.clear()
    involvement.opened_at -= timedelta(days=28)
    involvements.log_enquiry(
        session,
        world.laao,
        case,
        enquiry_with=involvements.EnquiryWith.HEALTH,
        contacted="GP surgery",
        result="No new address.",
    )
    involvements.agree_removal(session, world.laao, case)
    session.commit()
    deliver_due()
    [(recipients, message)] = smtp.received
    assert "dsl110001@school.test" in recipients
    assert message["Subject"] == f"Removal from roll agreed (case {case.reference})"
    assert "XXXXXXX" in message.get_content()
    assert "written confirmation, letter FV-" in message.get_content()
    _no_child_details(smtp, case)


def test_news_after_removal_reaches_the_laao(session, world, smtp):
    case, _, involvement = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    session.commit()
    deliver_due()
    smtp.clear()
    cases.tick_checklist_item(
        session, world.school_user, case, case.checklist[0].id, note="Aunt says Leeds."
    )
    session.commit()
    deliver_due()
    [(recipients, message)] = smtp.received
    assert recipients == ["laao@la.test"]
    assert "Aunt says Leeds." not in message.get_content()
    _no_child_details(smtp, case)


def test_child_protection_concern_mail(app: Flask, session, world, smtp):
    case, _, _ = accepted_case(session, world)
    session.commit()
    deliver_due()
    smtp.clear()
    with app.test_request_context():
        request_case = db.session.get(Case, case.id)
        cases.raise_concern(
            db.session, world.school_user, request_case, concern="Neighbour heard shouting."
        )
        db.session.commit()
    deliver_due()
    [(recipients, message)] = smtp.received
    assert sorted(recipients) == ["dsl110001@school.test", "laao@la.test"]
    assert message["Subject"] == f"Child protection concern raised on case {case.reference}"
    _no_child_details(smtp, case)


def test_daily_digest_of_overdue_items(app: Flask, session, world, smtp):
    early = locating_case(session, world, school_day=12)
    locating_case(session, world, school_day=12, school=world.other_school)
    session.commit()
    result = run(app, "send-reminders")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Queued 2 reminder emails."
    assert smtp.messages == []  # in the outbox, for the worker
    deliver_due()
    [message] = smtp.to("school@school.test")
    assert "office110001@school.test" in message["To"]
    assert message["Subject"].endswith("on 1 case at Riverside Primary School")
    body = message.get_content()
    assert f"Case {early.reference}, school day" in body
    assert "Check with siblings in other schools." in body
    assert f"http://fieldvisit.test/cases/{early.id}" in body
    _no_child_details(smtp, early)
    [other] = smtp.to("school2@other.test")
    assert early.reference not in other.get_content()


def test_digest_skips_what_is_not_yet_due(app: Flask, session, world, smtp):
    case = locating_case(session, world, school_day=12)
    session.commit()
    first = case.first_day_of_absence.isoformat()
    result = run(app, "send-reminders", "--date", first)
    assert result.output.strip() == "Queued 0 reminder emails."
    deliver_due()
    assert smtp.messages == []
    result = run(app, "send-reminders", "--date", "2026-13-01")
    assert result.exit_code != 0 and "not a real date" in result.output


def test_a_spoken_home_education_notice_is_reminded_until_written(app: Flask, session, world, smtp):
    """The case waits open for the written notice, and the school is reminded when it is late."""
    from fieldvisit.cases.models import CaseState
    from fieldvisit.outcomes import services as outcomes
    from fieldvisit.outcomes.models import NoticeForm

    case = locating_case(session, world, school_day=3)
    for item in case.checklist:  # the first-day steps are done: only the notice is awaited
        item.done_at, item.done_by_id = utcnow(), world.school_user.id
    outcomes.record_home_education(
        session,
        world.school_user,
        case,
        notice_received_on=today_in_uk(),
        notice_form=NoticeForm.VERBAL,
        parent_name="Pat Parent",
    )
    assert case.state == CaseState.EHE_NOTICE_AWAITED
    notice = next(i for i in case.checklist if i.key == "ehe_written_notice")
    session.commit()
    assert run(app, "send-reminders").output.strip() == "Queued 0 reminder emails."
    notice.from_day, notice.due_day = 1, 1  # past its day
    session.commit()
    assert run(app, "send-reminders").output.strip() == "Queued 1 reminder email."
    deliver_due()
    [message] = smtp.to("school@school.test")
    assert "Ask the parent for written notice" in message.get_content()
