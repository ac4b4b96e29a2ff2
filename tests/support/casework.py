"""Helpers for tests of the school's case pages: cases on a given school day, triage, queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from fieldvisit.cases import services
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from tests.support.factories import World, first_day_for, make_case, make_pupil


def case_on_day(session: Session, world: World, school_day: int, **pupil_fields: object) -> Case:
    """Open a case at the world's school that is on school day N today."""
    pupil = make_pupil(session, world.school, **pupil_fields)
    first = first_day_for(session, world.school, school_day)
    return make_case(session, world, pupil=pupil, first_day=first)


def triaged(
    session: Session,
    world: World,
    case: Case,
    *,
    vulnerable: bool = False,
    social_care: bool = False,
) -> Case:
    """Log a failed call, record no contact and triage the case."""
    services.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=Method.PHONE,
        target="07700 900001",
        contact_name="Pat Parent",
        occurred_at=utcnow(),
        contact_made=False,
    )
    services.record_no_contact(session, world.school_user, case)
    services.triage(
        session,
        world.school_user,
        case,
        vulnerabilities=["bullying"] if vulnerable else [],
        social_care_involved=social_care,
        social_worker=services.SocialWorker("Sol Worker", email="sol@council.test")
        if social_care
        else None,
    )
    return case


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """Collect the SQL statements run on the test's connection."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.bind, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.bind, "before_cursor_execute", count)
