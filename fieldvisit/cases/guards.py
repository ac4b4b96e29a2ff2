"""The guards of the case's table: what must be true before an action, each said in words
with the date it unlocks where that is known (engine.py names which action needs which)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.cases.actions import Action
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.dates import format_date, uk_date
from fieldvisit.core.errors import Blocked
from fieldvisit.pupils import attendance
from fieldvisit.schools.services import calendar_for, waiting_period, waiting_period_ends

# Regulation 9(1)(i) of the School Attendance (Pupil Registration) (England) Regulations 2024
# (SI 2024/208): continuous absence of at least 20 school days, counted with the school's
# calendar, and joint reasonable enquiries by the school and the LA that failed to find the child.
MINIMUM_ABSENCE_SCHOOL_DAYS = 20


@dataclass
class GuardContext:
    """What guards may look at: the case, today, and lazily its calendar and LA.

    A list page that already knows the calendar or the visits passes them in,
    so checking many cases costs no query per case.
    """

    session: Session
    case: Case
    today: date
    known_calendar: SchoolCalendar | None = None
    known_home_visit_completed: bool | None = None
    # Who asks, for the few guards that depend on the person (an undo by who agreed).
    actor: User | None = None

    @cached_property
    def calendar(self) -> SchoolCalendar:
        return self.known_calendar or calendar_for(self.session, self.case.school)

    @cached_property
    def has_completed_home_visit(self) -> bool:
        if self.known_home_visit_completed is not None:
            return self.known_home_visit_completed
        return bool(self.session.scalar(select(completed_home_visit_exists(self.case.id))))

    @property
    def school_day(self) -> int:
        return self.calendar.school_day_number(self.case.first_day_of_absence, self.today)

    @property
    def referral_day(self) -> int:
        return referral_day_for(self.case)


Guard = Callable[[GuardContext], Blocked | None]


def contact_attempted(ctx: GuardContext) -> Blocked | None:
    attempted = ctx.session.scalar(
        select(
            exists().where(
                ChronologyEntry.case_id == ctx.case.id,
                ChronologyEntry.kind == Action.LOG_CONTACT.value,
            )
        )
    )
    if attempted:
        return None
    return Blocked(
        "contact_attempted",
        "Log at least one contact attempt before recording that no contact was made.",
    )


def completed_home_visit_exists(case_id: Any) -> Any:
    """SQL: the case has a completed visit (see HomeVisit.completed); case_id may be a column."""
    return facts.completed_home_visit.ask(case_id)


def home_visit_completed(ctx: GuardContext) -> Blocked | None:
    if ctx.has_completed_home_visit:
        return None
    return Blocked(
        "home_visit_completed",
        "A CME referral needs a completed home visit: the family seen or spoken to at the "
        "door or, if not, one of this case's letters left there (its reference recorded).",
    )


def home_visit_or_safeguarding(ctx: GuardContext) -> Blocked | None:
    """Seed line 27: with social care or CP involvement refer at once, the home visit to follow."""
    if ctx.case.social_care_involved:
        return None
    return home_visit_completed(ctx)


def referral_due(ctx: GuardContext) -> Blocked | None:
    if ctx.case.social_care_involved:
        return None
    due_day = ctx.referral_day
    day = ctx.school_day
    if day >= due_day:
        return None
    try:
        unlocks_on: date | None = ctx.calendar.date_of_school_day(
            ctx.case.first_day_of_absence, due_day
        )
    except ValueError:
        unlocks_on = None
    when = f" ({format_date(unlocks_on)})" if unlocks_on else ""
    kind = "a vulnerable child" if ctx.case.vulnerable else "this child"
    return Blocked(
        "referral_due",
        f"The referral for {kind} opens on school day {due_day}{when}; "
        f"today is school day {day}. With social care or child protection involvement "
        "it opens at once.",
        unlocks_on,
    )


def removal_period_elapsed(ctx: GuardContext) -> Blocked | None:
    involvement = facts.open_involvement.ask(ctx.session, ctx.case.id)
    if involvement is None:
        return Blocked("removal_period_elapsed", "There is no open CME involvement on this case.")
    la = ctx.case.school.local_authority
    try:
        unlocks_on = waiting_period_ends(ctx.calendar, la, uk_date(involvement.opened_at))
    except ValueError as missing_terms:
        return Blocked("removal_period_elapsed", str(missing_terms))
    if ctx.today >= unlocks_on:
        return None
    return Blocked(
        "removal_period_elapsed",
        f"Removal from roll can be agreed {waiting_period(la)} after the LA accepted the "
        f"referral, from {format_date(unlocks_on)}.",
        unlocks_on,
    )


def joint_enquiry_logged(ctx: GuardContext) -> Blocked | None:
    logged = ctx.session.scalar(
        select(
            exists().where(
                ChronologyEntry.case_id == ctx.case.id,
                ChronologyEntry.kind == Action.LOG_ENQUIRY.value,
            )
        )
    )
    if logged:
        return None
    return Blocked(
        "joint_enquiry_logged",
        "Removal from roll needs joint enquiries by the school and the LA: log at least one "
        "enquiry (another LA, health, police, housing...) on the case first.",
    )


def absent_school_days_before(calendar: SchoolCalendar, case: Case, day: date) -> int:
    """Count the school days of continuous absence completed before a date."""
    return calendar.school_day_number(case.first_day_of_absence, day - timedelta(days=1))


@dataclass(frozen=True)
class AbsenceCount:
    """School days of continuous absence before a day, and what they were counted from."""

    school_days: int
    from_register: bool

    @property
    def source(self) -> str:
        if self.from_register:
            return "the register's marks"
        return "the school's calendar (no register marks imported)"

    @property
    def source_in_a_letter(self) -> str:
        return "the school's attendance register" if self.from_register else "the school's calendar"


def continuous_absence(
    session: Session, calendar: SchoolCalendar, case: Case, day: date
) -> AbsenceCount:
    """Count the continuous absence before a day from the register's marks where the school
    has imported them (every mark of the day without permission), else from its calendar."""
    first = case.first_day_of_absence
    marked = attendance.continuous_absence(session, case.pupil_id, first, day)
    if marked is None:
        return AbsenceCount(absent_school_days_before(calendar, case, day), from_register=False)
    counted = marked.school_days
    if marked.unbroken and marked.earliest > first:
        # The marks kept start after the absence did: the days before them from the calendar.
        counted += calendar.school_day_number(first, marked.earliest - timedelta(days=1))
    return AbsenceCount(counted, from_register=True)


def absence_ground_met(ctx: GuardContext) -> Blocked | None:
    count = continuous_absence(ctx.session, ctx.calendar, ctx.case, ctx.today)
    absent = count.school_days
    if absent >= MINIMUM_ABSENCE_SCHOOL_DAYS:
        return None
    try:
        unlocks_on: date | None = ctx.calendar.date_of_school_day(
            ctx.case.first_day_of_absence, MINIMUM_ABSENCE_SCHOOL_DAYS
        ) + timedelta(days=1)
    except ValueError:
        unlocks_on = None
    when = f" It can be agreed from {format_date(unlocks_on)}." if unlocks_on else ""
    return Blocked(
        "absence_ground_met",
        f"The pupil has been absent for {absent} school days by {count.source}; "
        f"regulation 9(1)(i) needs continuous absence of at least {MINIMUM_ABSENCE_SCHOOL_DAYS} "
        f"school days.{when}",
        unlocks_on,
    )


def agreed_by_actor(ctx: GuardContext) -> Blocked | None:
    involvement = facts.open_involvement.ask(ctx.session, ctx.case.id)
    if (
        involvement is not None
        and ctx.actor is not None
        and involvement.removal_agreed_by_id == ctx.actor.id
    ):
        return None
    return Blocked(
        "agreed_by_actor",
        "Only the LA attendance officer who agreed the removal can withdraw it.",
    )
