"""The CME involvement: joint enquiries, the four-week clock, removal from roll, the find.

Each operation takes the acting user, flushes, never commits; state changes go
through the case engine.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from fieldvisit.accounts.models import User
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.guards import MINIMUM_ABSENCE_SCHOOL_DAYS, AbsenceCount, continuous_absence
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.dates import UK_TIME, format_date, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import CaseChanged, NotFound, ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.letters.models import Letter
from fieldvisit.letters.services import generate_letter, revoke_link
from fieldvisit.referrals import notify
from fieldvisit.referrals.content import REMOVAL_GROUND_SHORT
from fieldvisit.referrals.models import Involvement, flush_or_conflict, open_involvement
from fieldvisit.schools.authorities import area_name
from fieldvisit.schools.services import calendar_for, waiting_period, waiting_period_ends

REMOVAL_CONFIRMATION = "removal_confirmation"  # the letters domain's kind
__all__ = ["MINIMUM_ABSENCE_SCHOOL_DAYS"]  # regulation 9(1)(i), from the engine's table


class EnquiryWith(enum.StrEnum):
    OTHER_LA = "other_la"
    HEALTH = "health"
    POLICE = "police"
    HOUSING = "housing"
    ADMISSIONS = "admissions"
    SOCIAL_CARE = "social_care"
    SOCIAL_MEDIA = "social_media"
    LOST_PUPIL_DATABASE = "lost_pupil_database"
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
    EnquiryWith.LOST_PUPIL_DATABASE: "School to school lost pupil database",
    EnquiryWith.OTHER: "Someone else",
}


# The lost pupil database has its own form, with a found or not found answer.
ENQUIRIES_ASKED = [e for e in EnquiryWith if e != EnquiryWith.LOST_PUPIL_DATABASE]


def latest_involvement(session: Session, case: Case) -> Involvement | None:
    """Return the case's open involvement, or else its most recent closed one."""
    return open_involvement(session, case.id) or session.scalar(
        select(Involvement)
        .where(Involvement.case_id == case.id)
        .order_by(Involvement.opened_at.desc())
        .limit(1)
    )


def moment_on(day: date) -> datetime:
    """Return when something logged for a day happened: now if today, else midday that day."""
    if day == today_in_uk():
        return utcnow()
    return datetime.combine(day, time(12), UK_TIME).astimezone(UTC)


def require_involvement(session: Session, case: Case) -> Involvement:
    involvement = open_involvement(session, case.id)
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
    area: str = "",
    details: dict[str, Any] | None = None,
) -> ChronologyEntry:
    """Log one joint enquiry (another LA, health, police, housing...) by the school or the LA.

    An enquiry with another local authority names it (`area`, from schools/authorities.py).
    """
    require_involvement(session, case)
    if occurred_at is not None and occurred_at > utcnow():
        message = "The date of the enquiry cannot be in the future."
        raise ValidationFailed(message, fields={"occurred_on": [message]})
    asked = enquiry_with.label + (f" ({area_name(area)})" if area else "")
    return apply(
        session,
        case,
        Action.LOG_ENQUIRY,
        user,
        summary=f"Enquiry: {asked}, {contacted.strip()}",
        note=result.strip(),
        method=Method.AGENCY,
        target=contacted.strip(),
        occurred_at=occurred_at,
        details={
            "enquiry_with": enquiry_with.value,
            **({"area": area} if area else {}),
            **(details or {}),
        },
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
            "Choose an LA attendance officer.",
            fields={"laao": ["Choose an LA attendance officer."]},
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
    flush_or_conflict(session)
    notify.laao_reassigned(session, involvement)
    return involvement


@dataclass(frozen=True)
class Clock:
    """Where the joint enquiries stand on the LA's waiting period (the engine's guard's rule).

    `removal_from` is None when the period is counted in school days and the calendar
    has no term dates that far ahead; `missing_terms` then says what to add.
    """

    opened_on: date
    removal_from: date | None
    today: date
    period: str  # "4 weeks", "20 school days"
    # The waiting period in the school's calendar: how many school days of enquiries it holds
    # (four weeks over Christmas hold far fewer than four in term), and how many have passed.
    school_days_held: int
    school_days_so_far: int
    missing_terms: str | None = None

    @property
    def days_open(self) -> int:
        return (self.today - self.opened_on).days

    @property
    def elapsed(self) -> bool:
        return self.removal_from is not None and self.today >= self.removal_from

    @property
    def days_left(self) -> int | None:
        if self.removal_from is None:
            return None
        return max((self.removal_from - self.today).days, 0)


def involvement_clock(case: Case, involvement: Involvement, today: date | None = None) -> Clock:
    """Return where the involvement stands on its clock (the engine's guard uses the same rule)."""
    la = case.school.local_authority
    opened_on = uk_date(involvement.opened_at)
    today = today or today_in_uk()
    session = object_session(case)
    assert session is not None
    calendar = calendar_for(session, case.school)
    try:
        removal_from: date | None = waiting_period_ends(calendar, la, opened_on)
        missing_terms = None
    except ValueError as missing:
        removal_from, missing_terms = None, str(missing)
    last_day = (removal_from or today + timedelta(days=1)) - timedelta(days=1)
    return Clock(
        opened_on=opened_on,
        removal_from=removal_from,
        today=today,
        period=waiting_period(la),
        school_days_held=calendar.school_day_number(opened_on, last_day),
        school_days_so_far=calendar.school_day_number(opened_on, min(today, last_day)),
        missing_terms=missing_terms,
    )


def absent_school_days(session: Session, case: Case, today: date | None = None) -> AbsenceCount:
    """Count the continuous absence completed before today: the register, else the calendar."""
    calendar = calendar_for(session, case.school)
    return continuous_absence(session, calendar, case, today or today_in_uk())


def agree_removal(
    session: Session,
    user: User,
    case: Case,
    *,
    expected_version: int | None = None,
    today: date | None = None,
    at: datetime | None = None,
) -> Involvement:
    """Agree removal from roll on the regulation 9(1)(i) ground, checked by the engine's guards.

    The waiting period has run, at least one joint enquiry is logged, and the pupil has been
    absent 20 school days by the school's calendar. The LAAO's written confirmation to the
    school is made and kept as a letter copy.
    """
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
    flush_or_conflict(session)
    letter = generate_letter(session, user, case, REMOVAL_CONFIRMATION)
    involvement.confirmation_letter_id = letter.id
    flush_or_conflict(session)
    notify.removal_agreed(session, involvement, letter.reference)
    return involvement


def withdraw_removal(
    session: Session,
    user: User,
    case: Case,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> Involvement:
    """Take back an agreement to remove from roll: only who agreed, before the school records it.

    The written confirmation stays kept as made, its QR link stopped, and the school is told.
    """
    involvement = require_involvement(session, case)
    letter = (
        session.get(Letter, involvement.confirmation_letter_id)
        if involvement.confirmation_letter_id
        else None
    )
    withdrawn = f"; written confirmation {letter.reference} withdrawn" if letter else ""
    apply(
        session,
        case,
        Action.WITHDRAW_REMOVAL,
        user,
        summary=f"Agreement to remove from roll withdrawn by the LA attendance officer{withdrawn}",
        note=note.strip(),
        details={
            "involvement_id": involvement.id,
            "confirmation_letter_id": letter.id if letter else None,
        },
        expected_version=expected_version,
    )
    involvement.removal_agreed_at = None
    involvement.removal_agreed_by_id = None
    involvement.confirmation_letter_id = None
    flush_or_conflict(session)
    if letter is not None:
        revoke_link(session, user, case, letter)
    notify.removal_withdrawn(session, involvement, letter.reference if letter else None)
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
    flush_or_conflict(session)
    return involvement
