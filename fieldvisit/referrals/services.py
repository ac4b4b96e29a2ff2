"""The CME referral and the LA's involvement: each operation takes the acting user, flushes,
never commits. State changes go through the case engine."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.chronology.pdf import chronology_pdf
from fieldvisit.core.dates import format_date, format_datetime, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import CaseChanged, DomainError, NotFound, ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.referrals import notify
from fieldvisit.referrals.content import REMOVAL_GROUND_SHORT, build_content
from fieldvisit.referrals.evidence import gather
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from fieldvisit.referrals.reactions import open_involvement
from fieldvisit.schools.services import calendar_for

MINIMUM_ABSENCE_SCHOOL_DAYS = 20  # regulation 9: continuous absence of at least 20 school days


class AlreadyDecided(DomainError):
    """Another LAAO (or this one, in another tab) already accepted or returned the referral."""

    code = "already_decided"
    status = 409


class EnquiryWith(enum.StrEnum):
    OTHER_LA = "other_la"
    HEALTH = "health"
    POLICE = "police"
    HOUSING = "housing"
    ADMISSIONS = "admissions"
    SOCIAL_CARE = "social_care"
    SOCIAL_MEDIA = "social_media"
    OTHER = "other"

    @property
    def label(self) -> str:
        return ENQUIRY_LABELS[self]


ENQUIRY_LABELS = {
    EnquiryWith.OTHER_LA: "Another local authority",
    EnquiryWith.HEALTH: "Health (GP, school nurse, health visitor)",
    EnquiryWith.POLICE: "Police",
    EnquiryWith.HOUSING: "Housing",
    EnquiryWith.ADMISSIONS: "School admissions",
    EnquiryWith.SOCIAL_CARE: "Children's social care",
    EnquiryWith.SOCIAL_MEDIA: "Social media",
    EnquiryWith.OTHER: "Someone else",
}


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
        case.first_day_of_absence, today
    )
    session.execute(
        update(Referral).where(Referral.case_id == case.id).values(latest=False),
        execution_options={"synchronize_session": "fetch"},
    )
    evidence = gather(session, case)
    referral = Referral(
        case=case,
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
    session.flush()
    for item in case.checklist:
        if item.key == "referral" and not item.done:
            item.done_at, item.done_by_id = referral.submitted_at, user.id
            item.note = f"Referral {referral.reference} submitted."
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
            "Choose an LA attendance officer.", fields={"laao": ["Choose an LA attendance officer."]}
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
    session.flush()
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


def require_involvement(session: Session, case: Case) -> Involvement:
    involvement = open_involvement(session, case)
    if involvement is None:
        raise NotFound("There is no open CME involvement on this case.")
    return involvement


def log_enquiry(
    session: Session,
    user: User,
    case: Case,
    *,
    enquiry_with: EnquiryWith,
    contacted: str,
    result: str,
    occurred_at: datetime | None = None,
) -> ChronologyEntry:
    """Log one joint enquiry (another LA, health, police, housing...) by the school or the LA."""
    require_involvement(session, case)
    return apply(
        session,
        case,
        Action.LOG_ENQUIRY,
        user,
        summary=f"Enquiry: {enquiry_with.label}, {contacted.strip()}",
        note=result.strip(),
        method=Method.AGENCY,
        target=contacted.strip(),
        occurred_at=occurred_at,
        details={"enquiry_with": enquiry_with.value},
    )


def reassign_laao(
    session: Session,
    user: User,
    case: Case,
    *,
    laao: User,
    note: str = "",
    expected_version: int | None = None,
) -> Involvement:
    """Hand the involvement to another LAAO."""
    involvement = require_involvement(session, case)
    if expected_version is not None and expected_version != involvement.version:
        raise CaseChanged()
    if not laao.active or not laao.has_role(Role.LAAO):
        raise ValidationFailed(
            "Choose an LA attendance officer.", fields={"laao": ["Choose an LA attendance officer."]}
        )
    if laao.id == involvement.laao_id:
        raise ValidationFailed(
            f"The involvement is already assigned to {laao.name}.",
            fields={"laao": [f"The involvement is already assigned to {laao.name}."]},
        )
    previous = involvement.laao
    apply(
        session,
        case,
        Action.REASSIGN_LAAO,
        user,
        summary=f"CME involvement reassigned from {previous.name} to {laao.name}",
        note=note.strip(),
        details={"from_laao_id": previous.id, "to_laao_id": laao.id},
    )
    involvement.laao = laao
    session.flush()
    notify.laao_reassigned(session, involvement)
    return involvement


def removal_possible_from(case: Case, involvement: Involvement) -> date:
    """Return the first day the LAAO may agree removal (four weeks after acceptance by default)."""
    days = case.school.local_authority.removal_after_days
    return uk_date(involvement.opened_at) + timedelta(days=days)


def agree_removal(
    session: Session,
    user: User,
    case: Case,
    *,
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Involvement:
    """Agree removal from roll once the joint enquiries have run their time without a find."""
    involvement = require_involvement(session, case)
    now = at or utcnow()
    apply(
        session,
        case,
        Action.AGREE_REMOVAL,
        user,
        summary="Removal from roll agreed by the LA attendance officer",
        occurred_at=now,
        details={"involvement_id": involvement.id},
        expected_version=expected_version,
        today=today,
    )
    involvement.removal_agreed_at = now
    involvement.removal_agreed_by_id = user.id
    session.flush()
    notify.removal_agreed(session, involvement)
    return involvement


def record_removal(
    session: Session,
    user: User,
    case: Case,
    *,
    off_roll_on: date,
    expected_version: int | None = None,
    today: date | None = None,
) -> Involvement:
    """Record the removal from roll the LAAO agreed; the involvement stays open."""
    involvement = require_involvement(session, case)
    today = today or today_in_uk()
    agreed_on = uk_date(involvement.removal_agreed_at) if involvement.removal_agreed_at else today
    problem = None
    if off_roll_on > today:
        problem = "The date the pupil came off roll cannot be in the future."
    elif off_roll_on < agreed_on:
        problem = (
            f"The LAAO agreed removal on {format_date(agreed_on)}: the pupil can come off roll "
            "from that date, not before."
        )
    else:
        calendar = calendar_for(session, case.school)
        absent = calendar.school_day_number(
            case.first_day_of_absence, off_roll_on - timedelta(days=1)
        )
        if absent < MINIMUM_ABSENCE_SCHOOL_DAYS:
            problem = (
                f"By {format_date(off_roll_on)} the pupil has been absent for {absent} school "
                f"days; removal on this ground needs at least {MINIMUM_ABSENCE_SCHOOL_DAYS}. "
                "Choose a later date."
            )
    if problem:
        raise ValidationFailed(problem, fields={"off_roll_on": [problem]})
    apply(
        session,
        case,
        Action.RECORD_REMOVAL,
        user,
        summary=f"Removed from roll from {format_date(off_roll_on)}: {REMOVAL_GROUND_SHORT}",
        details={"off_roll_on": off_roll_on.isoformat(), "involvement_id": involvement.id},
        expected_version=expected_version,
        today=today,
    )
    involvement.removed_from_roll_on = off_roll_on
    involvement.removal_recorded_by_id = user.id
    pupil = case.pupil
    pupil.on_roll, pupil.left_on, pupil.leaving_reason = False, off_roll_on, REMOVAL_GROUND_SHORT
    session.flush()
    return involvement


def child_found(
    session: Session,
    user: User,
    case: Case,
    *,
    where: str,
    expected_version: int | None = None,
    today: date | None = None,
) -> ChronologyEntry:
    """Record that the child has been found; the case closes and so does the involvement."""
    if not where.strip():
        raise ValidationFailed(
            "Say where the child was found and how it was confirmed.",
            fields={"where": ["Say where the child was found and how it was confirmed."]},
        )
    return apply(
        session,
        case,
        Action.CHILD_FOUND,
        user,
        summary="Child found: CME involvement closed",
        note=where.strip(),
        expected_version=expected_version,
        today=today,
    )
