"""The LA overview: involvements, referrals by school, deadlines passed, and two trends.

Cases not yet referred are the schools' to see: here they appear only as counts.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median

from sqlalchemy import ColumnElement, String, and_, case, cast, func, or_, select
from sqlalchemy.orm import Session

from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.dates import UK_TIME, uk_date
from fieldvisit.la.queries import Laao, Ref, state_conditions
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.models import LocalAuthority, School
from fieldvisit.schools.services import calendars_for_schools

PRE_REFERRAL = (CaseState.FIRST_DAY, CaseState.NO_CONTACT, CaseState.LOCATING)
WEEKS = 52
DELAY_BUCKETS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, None))


@dataclass(frozen=True)
class SchoolLine:
    school_id: int
    name: str
    new: int = 0
    returned: int = 0
    open: int = 0
    past_deadline: int = 0
    referred_last_year: int = 0


@dataclass(frozen=True)
class OverdueInvolvement:
    case_id: int
    school_name: str
    laao_name: str
    opened_at: datetime
    days_open: int

    @property
    def case_reference(self) -> str:
        return f"C{self.case_id:06d}"


@dataclass
class Overview:
    schools: list[SchoolLine]
    overdue: list[OverdueInvolvement]
    weekly_open: list[tuple[date, int]]
    delays: list[tuple[str, int]]
    median_delay: float | None

    def total(self, field: str) -> int:
        return sum(getattr(line, field) for line in self.schools)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), UK_TIME).astimezone(UTC)


def nth_school_day_back(calendar: SchoolCalendar, today: date, n: int) -> date | None:
    """Return the date of the n-th school day counting back from today (today counts)."""
    day, seen = today, 0
    for _ in range(400):
        if calendar.is_school_day(day):
            seen += 1
            if seen == n:
                return day
        day -= timedelta(days=1)
    return None


def past_deadline_condition(
    calendars: dict[int, SchoolCalendar],
    las: dict[int, LocalAuthority],
    schools: list[School],
    today: date,
) -> ColumnElement[bool] | None:
    """Say, in SQL, which unreferred cases are past their referral school day today.

    A case is past school day N when it started on or before the (N+1)-th school
    day back from today; schools sharing a calendar share the cut-off dates.
    """
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for school in schools:
        groups[(id(calendars[school.id]), school.local_authority_id)].append(school.id)
    vulnerable = or_(Case.social_care_involved, cast(Case.vulnerabilities, String) != "[]")
    clauses = []
    for (_, la_id), school_ids in groups.items():
        calendar, la = calendars[school_ids[0]], las[la_id]
        usual = nth_school_day_back(calendar, today, la.referral_school_day + 1)
        early = nth_school_day_back(calendar, today, la.vulnerable_referral_school_day + 1)
        late = []
        if usual:
            late.append(Case.first_day_of_absence <= usual)
        if early:
            late.append(and_(Case.first_day_of_absence <= early, vulnerable))
        if late:
            clauses.append(and_(Case.school_id.in_(school_ids), or_(*late)))
    return and_(Case.state.in_(PRE_REFERRAL), or_(*clauses)) if clauses else None


def build_overview(session: Session, *, today: date) -> Overview:
    """Gather every number the overview shows, in a handful of aggregate queries."""
    schools = list(session.scalars(select(School).order_by(School.name)))
    las = {la.id: la for la in session.scalars(select(LocalAuthority))}
    calendars = calendars_for_schools(session, schools)
    year_ago = _start_of(today - timedelta(weeks=WEEKS))
    lines = {s.id: {"school_id": s.id, "name": s.name} for s in schools}

    conditions = state_conditions()
    counts = session.execute(
        select(
            Case.school_id,
            *[func.sum(case((conditions[s], 1), else_=0)) for s in ("new", "returned", "open")],
        )
        .select_from(Ref)
        .join(Case, Case.id == Ref.case_id)
        .outerjoin(Involvement, Involvement.referral_id == Ref.id)
        .where(Ref.latest.is_(True))
        .group_by(Case.school_id)
    ).all()
    for school_id, new, returned, open_ in counts:
        lines[school_id].update(new=new or 0, returned=returned or 0, open=open_ or 0)

    first_referrals = (
        select(Referral.case_id, func.min(Referral.submitted_at).label("first_at"))
        .group_by(Referral.case_id)
        .subquery()
    )
    referred = session.execute(
        select(Case.school_id, Case.first_day_of_absence, first_referrals.c.first_at)
        .join(first_referrals, first_referrals.c.case_id == Case.id)
        .where(first_referrals.c.first_at >= year_ago)
    ).all()
    delays: list[int] = []
    per_school: dict[int, int] = defaultdict(int)
    for school_id, first_day, first_at in referred:
        per_school[school_id] += 1
        delays.append(calendars[school_id].school_day_number(first_day, uk_date(first_at)))
    for school_id, n in per_school.items():
        lines[school_id]["referred_last_year"] = n

    late = past_deadline_condition(calendars, las, schools, today)
    if late is not None:
        for school_id, n in session.execute(
            select(Case.school_id, func.count()).where(late).group_by(Case.school_id)
        ):
            lines[school_id]["past_deadline"] = n

    return Overview(
        schools=[SchoolLine(**line) for line in lines.values()],
        overdue=_overdue(session, las, today),
        weekly_open=_weekly_open(session, today, year_ago),
        delays=_buckets(delays),
        median_delay=median(delays) if delays else None,
    )


def _overdue(
    session: Session, las: dict[int, LocalAuthority], today: date
) -> list[OverdueInvolvement]:
    """Open involvements past their clock with no removal agreed: decisions waiting."""
    shortest = min((la.removal_after_days for la in las.values()), default=28)
    rows = session.execute(
        select(Involvement.case_id, School.name, Laao.name, Involvement.opened_at, School)
        .join(Case, Case.id == Involvement.case_id)
        .join(School, School.id == Case.school_id)
        .join(Laao, Laao.id == Involvement.laao_id)
        .where(
            Involvement.closed_at.is_(None),
            Involvement.removal_agreed_at.is_(None),
            Involvement.opened_at <= _start_of(today - timedelta(days=shortest - 1)),
        )
        .order_by(Involvement.opened_at)
    ).all()
    overdue = []
    for case_id, school_name, laao_name, opened_at, school in rows:
        days_open = (today - uk_date(opened_at)).days
        if days_open >= las[school.local_authority_id].removal_after_days:
            overdue.append(
                OverdueInvolvement(case_id, school_name, laao_name, opened_at, days_open)
            )
    return overdue


def _weekly_open(session: Session, today: date, year_ago: datetime) -> list[tuple[date, int]]:
    """Count the involvements open at the end of each of the last 52 weeks."""
    spans = session.execute(
        select(Involvement.opened_at, Involvement.closed_at).where(
            or_(Involvement.closed_at.is_(None), Involvement.closed_at >= year_ago)
        )
    ).all()
    opened = sorted(o for o, _ in spans)
    closed = sorted(c for _, c in spans if c is not None)
    weeks = []
    for back in range(WEEKS - 1, -1, -1):
        week_end = today - timedelta(weeks=back)
        moment = _start_of(week_end + timedelta(days=1))
        weeks.append((week_end, bisect_right(opened, moment) - bisect_right(closed, moment)))
    return weeks


def _buckets(delays: list[int]) -> list[tuple[str, int]]:
    result = []
    for low, high in DELAY_BUCKETS:
        if high is None:
            label = f"More than {low - 1}"
        else:
            label = f"Up to {high}" if low == 0 else f"{low} to {high}"
        result.append((label, sum(1 for d in delays if d >= low and (high is None or d <= high))))
    return result
