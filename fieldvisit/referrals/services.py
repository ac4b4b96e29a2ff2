"""The CME referral: submitted by the school, accepted or returned by an LAAO.

Each operation takes the acting user, flushes, never commits; state changes go
through the case engine.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.checklist import mark_done, referral_day_for
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import Case
from fieldvisit.cases.pdf import chronology_pdf
from fieldvisit.core.dates import format_datetime, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import CaseChanged, DomainError, ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.referrals import notify
from fieldvisit.referrals.content import build_content
from fieldvisit.referrals.evidence import gather
from fieldvisit.referrals.models import (
    Involvement,
    Referral,
    ReferralStatus,
    flush_or_conflict,
)
from fieldvisit.schools.services import calendar_for


class AlreadyDecided(DomainError):
    """Another LAAO (or this one, in another tab) already accepted or returned the referral."""

    code = "already_decided"
    status = 409


def latest_referral(session: Session, case: Case) -> Referral | None:
    return session.scalar(
        select(Referral).where(Referral.case_id == case.id, Referral.latest.is_(True)).limit(1)
    )


def referral_history(session: Session, case: Case) -> list[Referral]:
    return list(
        session.scalars(
            select(Referral).where(Referral.case_id == case.id).order_by(Referral.submitted_at)
        )
    )


def submit_referral(
    session: Session,
    user: User,
    case: Case,
    *,
    summary_of_enquiries: str,
    possible_whereabouts: str = "",
    additional_information: str = "",
    today: date | None = None,
    at: datetime | None = None,
) -> Referral:
    """Submit the Request for CME Investigation; the engine's guards decide whether it may go."""
    if not summary_of_enquiries.strip():
        raise ValidationFailed(
            "Summarise the enquiries the school has made.",
            fields={"summary_of_enquiries": ["Summarise the enquiries the school has made."]},
        )
    today = today or today_in_uk()
    apply(
        session,
        case,
        Action.SUBMIT_REFERRAL,
        user,
        summary="CME referral submitted to the local authority, with the chronology",
        occurred_at=at,
        today=today,
    )
    school_day = calendar_for(session, case.school).school_day_number(
        case.first_day_of_absence, uk_date(at) if at else today
    )
    earlier = cast(
        CursorResult[Any],
        session.execute(
            update(Referral).where(Referral.case_id == case.id).values(latest=False),
            execution_options={"synchronize_session": "fetch"},
        ),
    ).rowcount
    evidence = gather(session, case)
    referral = Referral(
        case=case,
        school_id=case.school_id,
        school_day=school_day,
        first_submission=not earlier,
        submitted_by=user,
        submitted_at=at or utcnow(),
        content=build_content(
            evidence,
            submitted_by=user,
            school_day=school_day,
            referral_day=referral_day_for(case),
            summary_of_enquiries=summary_of_enquiries.strip(),
            possible_whereabouts=possible_whereabouts.strip(),
            additional_information=additional_information.strip(),
        ),
    )
    session.add(referral)
    flush_or_conflict(session)
    mark_done(
        case,
        ("referral",),
        at=referral.submitted_at,
        by_id=user.id,
        note=f"Referral {referral.reference} submitted.",
    )
    key = f"referrals/{case.id}/{referral.id}-{secrets.token_hex(8)}-chronology.pdf"
    referral.chronology_pdf_sha256 = storage().put(key, chronology_pdf(session, case))
    referral.chronology_pdf_key = key
    notify.referral_submitted(session, referral)
    return referral


def _check_undecided(referral: Referral, expected_version: int | None) -> None:
    if referral.status != ReferralStatus.SUBMITTED or not referral.latest:
        raise AlreadyDecided(already_decided_message(referral))
    if expected_version is not None and expected_version != referral.version:
        raise CaseChanged(
            "This referral changed while you were reading it. Reload it to see what changed."
        )


def already_decided_message(referral: Referral) -> str:
    """Say who decided the referral and when, for a second LAAO arriving late."""
    if referral.status == ReferralStatus.SUBMITTED and not referral.latest:
        return "The school has submitted a newer referral for this case: review that one."
    who = referral.decided_by.name if referral.decided_by else "another LAAO"
    when = f" on {format_datetime(referral.decided_at)}" if referral.decided_at else ""
    verb = "accepted" if referral.status == ReferralStatus.ACCEPTED else "returned to the school"
    return f"This referral was already {verb} by {who}{when}. Nothing has been changed."


def accept_referral(
    session: Session,
    user: User,
    referral: Referral,
    *,
    laao: User,
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Involvement:
    """Accept the referral: a CME involvement opens, assigned to an LAAO."""
    _check_undecided(referral, expected_version)
    if not laao.active or not laao.has_role(Role.LAAO):
        raise ValidationFailed(
            "Choose an LA attendance officer.",
            fields={"laao": ["Choose an LA attendance officer."]},
        )
    now = at or utcnow()
    apply(
        session,
        referral.case,
        Action.ACCEPT_REFERRAL,
        user,
        summary=f"CME referral accepted: CME involvement opened, assigned to {laao.name}",
        occurred_at=now,
        details={"referral_id": referral.id, "laao_id": laao.id},
        today=today,
    )
    referral.status = ReferralStatus.ACCEPTED
    referral.decided_by, referral.decided_at = user, now
    involvement = Involvement(
        case=referral.case,
        referral=referral,
        laao=laao,
        opened_by_id=user.id,
        opened_at=now,
    )
    session.add(involvement)
    flush_or_conflict(session)
    notify.referral_accepted(session, referral, involvement)
    return involvement


def return_referral(
    session: Session,
    user: User,
    referral: Referral,
    *,
    reason: str,
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Referral:
    """Return the referral to the school with the reason; the case goes back to locating."""
    _check_undecided(referral, expected_version)
    if not reason.strip():
        raise ValidationFailed(
            "Give the reason the referral is returned.",
            fields={"reason": ["Say what the school needs to do before referring again."]},
        )
    now = at or utcnow()
    apply(
        session,
        referral.case,
        Action.RETURN_REFERRAL,
        user,
        summary="CME referral returned to the school",
        note=reason.strip(),
        occurred_at=now,
        details={"referral_id": referral.id},
        today=today,
    )
    referral.status = ReferralStatus.RETURNED
    referral.return_reason = reason.strip()
    referral.decided_by, referral.decided_at = user, now
    notify.referral_returned(session, referral)
    return referral
