"""The daily reminder of notices to the LA past their due day, one email per school."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.cases.reminders import school_recipients
from fieldvisit.core import mail
from fieldvisit.core.db import own_session, writing
from fieldvisit.core.jobs import Job, Progress
from fieldvisit.core.mail import EmailKind
from fieldvisit.notices.services import due_for_school
from fieldvisit.schools.models import School

NOTICES_LATE = EmailKind(
    "notices_late",
    "{{ late|length }} notice{{ 's' if late|length != 1 }} to the LA late at {{ school.name }}",
    lambda session, school, **_: school_recipients(session, school),
)


def send_late_notices(session: Session, today: date) -> int:
    """Queue one reminder per school with notices past their due day; return how many."""
    queued = 0
    for school in session.scalars(select(School).order_by(School.id)):
        late = [d for d in due_for_school(session, school, today) if d.late(today)]
        if late:
            mail.send(session, NOTICES_LATE, school=school, late=late)
            queued += 1
    return queued


JOB = "daily_late_notices"


def run_daily(job: Job, progress: Progress) -> None:
    """The daily job: on weekdays, remind each school of the notices it owes late."""
    day = date.fromisoformat(job.params["day"])
    if day.weekday() >= 5:
        return
    with writing(), own_session() as session:
        send_late_notices(session, day)
        session.commit()
