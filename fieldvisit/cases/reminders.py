"""The daily digest of overdue checklist items, one email per school (run from cron)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.cases.checklist import REMINDED_STATES, is_overdue
from fieldvisit.cases.models import Case, ChecklistItem
from fieldvisit.core import mail
from fieldvisit.core.db import own_session, writing
from fieldvisit.core.jobs import Job, Progress
from fieldvisit.core.mail import EmailKind, Recipient
from fieldvisit.core.permissions import Role
from fieldvisit.schools.models import School
from fieldvisit.schools.services import calendars_for_schools


@dataclass(frozen=True)
class OverdueCase:
    case: Case
    school_day: int
    items: list[ChecklistItem]


def overdue_by_school(session: Session, today: date) -> dict[int, list[OverdueCase]]:
    """Return, per school, the open cases with checklist items past their due school day."""
    cases = session.scalars(
        select(Case)
        .options(selectinload(Case.checklist), joinedload(Case.school))
        .where(Case.state.in_(REMINDED_STATES))
        .order_by(Case.first_day_of_absence, Case.id)
    ).all()
    schools = {case.school_id: case.school for case in cases}
    calendars = calendars_for_schools(session, list(schools.values()))
    overdue: dict[int, list[OverdueCase]] = defaultdict(list)
    for case in cases:
        day = calendars[case.school_id].school_day_number(case.first_day_of_absence, today)
        items = [
            item
            for item in case.checklist
            if item.required
            and not item.done
            and is_overdue(case.state, item.key, item.due_day, day)
        ]
        if items:
            overdue[case.school_id].append(OverdueCase(case, day, items))
    return overdue


def school_recipients(session: Session, school: School) -> list[Recipient]:
    """Return the school's office mailbox and its active school users."""
    users = session.scalars(
        select(User.email)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.school_id == school.id, User.active.is_(True), UserRole.role == Role.SCHOOL)
    ).all()
    return [
        Recipient("school office", school.email),
        *(Recipient("school user", address) for address in users),
    ]


OVERDUE_REMINDERS = EmailKind(
    "overdue_reminders",
    "{{ count }} overdue checklist item{{ 's' if count != 1 }} on {{ cases|length }} "
    "case{{ 's' if cases|length != 1 }} at {{ school.name }}",
    lambda session, school, **_: school_recipients(session, school),
)


def send_reminders(session: Session, today: date) -> int:
    """Queue one digest per school with overdue items; return how many were queued."""
    queued = 0
    for cases in overdue_by_school(session, today).values():
        school = cases[0].case.school
        count = sum(len(c.items) for c in cases)
        mail.send(session, OVERDUE_REMINDERS, school=school, cases=cases, count=count)
        queued += 1
    return queued


JOB = "daily_reminders"


def run_daily(job: Job, progress: Progress) -> None:
    """The daily job: queue the day's digests on weekdays, in a transaction of its own."""
    day = date.fromisoformat(job.params["day"])
    if day.weekday() >= 5:
        return  # nobody is in the school office to act on them
    with writing(), own_session() as session:
        send_reminders(session, day)
        session.commit()
