"""The cases behind each number of the overview's year: every figure is drillable.

A figure is named by a key (`located`, `out-of-area`, `repeat`, `outcome-found`,
`month-2026-03`, `cohort-2`) and answered by the same queries the figures count with, so a
list always holds the number it came from. Only referred cases are ever listed: the LA's to
see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.cases.models import Case, Outcome
from fieldvisit.core.dates import uk_date
from fieldvisit.la import figures
from fieldvisit.la.overview import COHORT, year_start
from fieldvisit.la.queries import PAGE_SIZE, Ref
from fieldvisit.pupils.models import Pupil
from fieldvisit.schools.models import School


@dataclass(frozen=True)
class FigureCase:
    case: Case
    pupil_name: str
    school_name: str
    referred_on: date


@dataclass(frozen=True)
class Drilled:
    title: str
    total: int
    rows: list[FigureCase]
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def case_ids_behind(session: Session, key: str, *, today: date) -> tuple[str, list[int]] | None:
    """Name the figure and return the ids of the cases behind it; None for an unknown key."""
    since = year_start(today)
    if key in ("located", "out-of-area") or key.startswith("outcome-"):
        closed = figures.closed_referred(session, since)
        if key == "located":
            return "Referred cases closed in the last year", figures.located(closed)
        if key == "out-of-area":
            return "Children found out of the area", figures.out_of_area(session, since, closed)
        outcome = next((o for o in Outcome if f"outcome-{o.value}" == key), None)
        if outcome is None:
            return None
        return f"Referred cases closed in the last year: {outcome.label.lower()}", [
            row.id for row in closed if row.outcome == outcome
        ]
    first = figures.first_referred_since(since)
    if key == "repeat":
        repeats = figures.repeat_pupils(session, since)
        return "Children referred again within 12 months", list(repeats.values())
    if key.startswith("month-"):
        try:
            month = date.fromisoformat(key.removeprefix("month-") + "-01")
        except ValueError:
            return None
        # Counted by the day as stored (UTC), as the figure is.
        day = func.date(Ref.submitted_at)
        in_month = [
            case_id
            for case_id, on in session.execute(select(Ref.case_id, day).where(first))
            if figures.as_date(on).replace(day=1) == month
        ]
        return f"First referrals in {month:%B %Y}", in_month
    if key.startswith("cohort-") and key.removeprefix("cohort-").isdigit():
        index = int(key.removeprefix("cohort-"))
        if index >= len(COHORT):
            return None
        label, condition = COHORT[index]
        query = select(Ref.case_id).join(Pupil, Pupil.id == Ref.pupil_id).where(first, condition)
        return f"Children referred in the last year: {label.lower()}", list(session.scalars(query))
    return None


def drill(session: Session, key: str, *, today: date, page: int) -> Drilled | None:
    """One page of the cases behind a figure, the newest case first."""
    found = case_ids_behind(session, key, today=today)
    if found is None:
        return None
    title, ids = found
    every = sorted(set(ids), reverse=True)
    shown = every[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = session.execute(
        select(Case, Pupil.forename, Pupil.surname, School.name, Ref.submitted_at)
        .join(Ref, Ref.case_id == Case.id)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .join(School, School.id == Case.school_id)
        .where(Case.id.in_(shown), Ref.first_submission.is_(True))
        .order_by(Case.id.desc())
    ).all()
    return Drilled(
        title=title,
        total=len(every),
        rows=[
            FigureCase(case, f"{forename} {surname}", school, uk_date(at))
            for case, forename, surname, school, at in rows
        ],
        page=page,
    )
