"""The LA overview: involvements, referrals by school, deadlines passed, and two trends.

Cases not yet referred are the schools' to see: here they appear only as counts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.dates import UK_TIME, uk_date
from fieldvisit.core.db import UTCDateTime
from fieldvisit.core.references import case_reference
from fieldvisit.la.figures import Figures, build_figures, first_referred_since
from fieldvisit.la.queries import Laao, Ref, state_conditions
from fieldvisit.pupils.characteristics import ADDITIONAL_LANGUAGE, GYPSY_ROMA_TRAVELLER
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.models import Involvement
from fieldvisit.schools.models import LocalAuthority, School
from fieldvisit.schools.services import calendars_for_schools, waiting_period_ended_if_accepted_by

PRE_REFERRAL = (CaseState.FIRST_DAY, CaseState.NO_CONTACT, CaseState.LOCATING)
WEEKS = 52
DELAY_BUCKETS = ((0, 5), (6, 10), (11, 15), (16, 20), (21, 30), (31, None))
DELAY_LABELS = [
    f"More than {low - 1}" if high is None else f"Up to {high}" if low == 0 else f"{low} to {high}"
    for low, high in DELAY_BUCKETS
]
OVERDUE_SHOWN = 50
# What the LA triages on, for the children referred in the last year (their records now).
COHORT = (
    ("Education, health and care plan", Pupil.sen_provision == "E"),
    ("SEN support", Pupil.sen_provision == "K"),
    ("English as an additional language", Pupil.first_language.in_(ADDITIONAL_LANGUAGE)),
    ("Interpreter needed", Pupil.interpreter_needed.is_(True)),
    ("Gypsy, Roma or Traveller", Pupil.ethnicity.in_(GYPSY_ROMA_TRAVELLER)),
    ("Eligible for free school meals", Pupil.fsm_eligible.is_(True)),
    ("Service family", Pupil.service_child.is_(True)),
    (
        "None of these recorded",
        and_(
            Pupil.sen_provision.is_(None),
            Pupil.ethnicity.is_(None),
            Pupil.first_language.is_(None),
            Pupil.fsm_eligible.is_(None),
        ),
    ),
)


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
        return case_reference(self.case_id)


@dataclass
class Overview:
    schools: list[SchoolLine]
    overdue: list[OverdueInvolvement]
    overdue_total: int
    weekly_open: list[tuple[date, int]]
    delays: list[tuple[str, int]]
    median_delay: str | None
    cohort_total: int = 0
    cohort: list[tuple[str, int]] | None = None
    figures: Figures | None = None

    def total(self, field: str) -> int:
        return sum(getattr(line, field) for line in self.schools)


def year_start(today: date) -> datetime:
    """The start of the overview's year: 52 weeks before today."""
    return start_of(today - timedelta(weeks=WEEKS))


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), UK_TIME).astimezone(UTC)


def _of_schools(school_ids: list[int], schools: list[School]) -> ColumnElement[bool]:
    """Say, in SQL, that a case is at one of these schools; nothing to say when they are all
    the LA's schools (most share the LA's calendar), which spares a long IN list."""
    if len(school_ids) == len(schools):
        return true()
    return Case.school_id.in_(school_ids)


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
        usual = calendar.school_day_back(today, la.referral_school_day + 1)
        early = calendar.school_day_back(today, la.vulnerable_referral_school_day + 1)
        late = []
        if usual:
            late.append(Case.first_day_of_absence <= usual)
        if early:
            late.append(and_(Case.first_day_of_absence <= early, vulnerable))
        if late:
            clauses.append(and_(_of_schools(school_ids, schools), or_(*late)))
    return and_(Case.state.in_(PRE_REFERRAL), or_(*clauses)) if clauses else None


def build_overview(session: Session, *, today: date) -> Overview:
    """Gather every number the overview shows, in a handful of aggregate queries."""
    schools = list(session.scalars(select(School).order_by(School.name)))
    las = {la.id: la for la in session.scalars(select(LocalAuthority))}
    calendars = calendars_for_schools(session, schools)
    year_ago = year_start(today)
    lines: dict[int, dict[str, Any]] = {s.id: {"school_id": s.id, "name": s.name} for s in schools}

    conditions = state_conditions()
    counts = session.execute(
        select(
            Ref.school_id,
            *[func.sum(case((conditions[s], 1), else_=0)) for s in ("new", "returned", "open")],
        )
        .where(Ref.latest.is_(True))
        .group_by(Ref.school_id)
    ).all()
    for school_id, new, returned, open_ in counts:
        lines[school_id].update(new=new or 0, returned=returned or 0, open=open_ or 0)

    first_in_year = first_referred_since(year_ago)
    bucket = _bucket_of(func.coalesce(Ref.school_day, 0))
    delays: dict[int, int] = defaultdict(int)
    for school_id, i, n in session.execute(
        select(Ref.school_id, bucket, func.count())
        .where(first_in_year)
        .group_by(Ref.school_id, bucket)
    ):
        lines[school_id]["referred_last_year"] = lines[school_id].get("referred_last_year", 0) + n
        delays[i] += n

    late = past_deadline_condition(calendars, las, schools, today)
    if late is not None:
        for school_id, n in session.execute(
            select(Case.school_id, func.count()).where(late).group_by(Case.school_id)
        ):
            lines[school_id]["past_deadline"] = n

    waiting, overdue = _overdue(session, calendars, las, schools, today)
    total, *counts = session.execute(
        select(func.count(), *[func.sum(case((condition, 1), else_=0)) for _, condition in COHORT])
        .select_from(Ref)
        .join(Pupil, Pupil.id == Ref.pupil_id)
        .where(first_in_year)
    ).one()
    return Overview(
        figures=build_figures(session, today=today, since=year_ago),
        cohort_total=total or 0,
        cohort=[(label, n or 0) for (label, _), n in zip(COHORT, counts, strict=True)],
        schools=[SchoolLine(**line) for line in lines.values()],
        overdue=overdue,
        overdue_total=waiting,
        weekly_open=_weekly_open(session, today),
        delays=[(label, delays.get(i, 0)) for i, label in enumerate(DELAY_LABELS)],
        median_delay=_median_bucket(delays),
    )


def _bucket_of(days: ColumnElement[int]) -> ColumnElement[int]:
    """Number the delay bucket a count of school days falls in, in SQL."""
    return case(
        *[(days <= high, i) for i, (_, high) in enumerate(DELAY_BUCKETS) if high is not None],
        else_=len(DELAY_BUCKETS) - 1,
    )


def _median_bucket(delays: dict[int, int]) -> str | None:
    """Return the bucket holding the median referral."""
    total = sum(delays.values())
    seen = 0
    for i, label in enumerate(DELAY_LABELS):
        seen += delays.get(i, 0)
        if total and seen * 2 >= total:
            return label
    return None


def _overdue(
    session: Session,
    calendars: dict[int, SchoolCalendar],
    las: dict[int, LocalAuthority],
    schools: list[School],
    today: date,
) -> tuple[int, list[OverdueInvolvement]]:
    """Count the open involvements past their waiting period with no removal agreed.

    Each school's period is counted on its own calendar (the LA's setting may be in
    school days); schools sharing a calendar share the cut-off date.
    """
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for school in schools:
        groups[(id(calendars[school.id]), school.local_authority_id)].append(school.id)
    clauses = []
    for (_, la_id), school_ids in groups.items():
        cutoff = waiting_period_ended_if_accepted_by(calendars[school_ids[0]], las[la_id], today)
        if cutoff is not None:
            clauses.append(
                and_(
                    _of_schools(school_ids, schools),
                    Involvement.opened_at < start_of(cutoff + timedelta(days=1)),
                )
            )
    if not clauses:
        return 0, []
    waiting = and_(
        Involvement.closed_at.is_(None),
        Involvement.removal_agreed_at.is_(None),
        or_(*clauses),
    )
    total = (
        session.scalar(
            select(func.count())
            .select_from(Involvement)
            .join(Case, Case.id == Involvement.case_id)
            .where(waiting)
        )
        or 0
    )
    rows = session.execute(
        select(Involvement.case_id, School.name, Laao.name, Involvement.opened_at)
        .join(Case, Case.id == Involvement.case_id)
        .join(School, School.id == Case.school_id)
        .join(Laao, Laao.id == Involvement.laao_id)
        .where(waiting)
        .order_by(Involvement.opened_at)
        .limit(OVERDUE_SHOWN)
    ).all()
    return total, [
        OverdueInvolvement(case_id, school, laao, opened_at, (today - uk_date(opened_at)).days)
        for case_id, school, laao, opened_at in rows
    ]


def week_of(column: Any, moments: list[Any], first: int = 0) -> ColumnElement[int]:
    """Number the first of `moments` a datetime falls before, as a balanced tree of CASEs.

    A tree asks six questions a row where a chain of 52 WHENs asks 26 on average.
    """
    if not moments:
        return literal(first)
    middle = len(moments) // 2
    return case(
        (column < moments[middle], week_of(column, moments[:middle], first)),
        else_=week_of(column, moments[middle + 1 :], first + middle + 1),
    )


def _per_week(column: Any) -> Select[int, int]:
    week = week_of(column, [bindparam(f"m{i}", type_=UTCDateTime()) for i in range(WEEKS)])
    return select(week, func.count()).where(column.is_not(None)).group_by(week)


# Built once: only the week ends change between requests.
OPENED_PER_WEEK = _per_week(Involvement.opened_at)
CLOSED_PER_WEEK = _per_week(Involvement.closed_at)


def _weekly_open(session: Session, today: date) -> list[tuple[date, int]]:
    """Count the involvements open at the end of each of the last 52 weeks.

    The database puts each opening and closing in its week; open at a week's end
    is then opened so far less closed so far.
    """
    week_ends = [today - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]
    params = {f"m{i}": start_of(day + timedelta(days=1)) for i, day in enumerate(week_ends)}

    def so_far(statement: Select[int, int]) -> list[int]:
        found = dict(session.execute(statement, params).all())
        return list(accumulate(found.get(i, 0) for i in range(WEEKS)))

    opened, closed = so_far(OPENED_PER_WEEK), so_far(CLOSED_PER_WEEK)
    return [(day, o - c) for day, o, c in zip(week_ends, opened, closed, strict=True)]
