"""The dashboard of open cases: one query for the rows, school days counted in Python.

Open cases are few next to closed ones (a school has dozens, an LA thousands),
so the open list is read in one query, ranked by urgency in Python with one
calendar per school, and sliced into pages. Closed cases grow for ever: they
are paged in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import cases_for
from fieldvisit.cases.checklist import ONGOING, is_actionable, is_overdue, referral_day_for
from fieldvisit.cases.engine import Action, blockers
from fieldvisit.cases.guards import GuardContext, completed_home_visit_exists
from fieldvisit.cases.models import OPEN_STATES, Case, CaseState, ChecklistItem
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.services import matches_search
from fieldvisit.schools.models import School
from fieldvisit.schools.services import calendars_for_schools

PAGE_SIZE = 25
# After the referral the LA leads: the school's next step comes from the case's state.
STATE_STEPS = {
    CaseState.REFERRED: "The LA is deciding on the referral: tell the LAAO anything new.",
    CaseState.JOINT_ENQUIRIES: "Work with the LAAO on joint enquiries; tell them anything new.",
    CaseState.REMOVAL_AGREED: "The LA agreed removal from roll: record the removal.",
    CaseState.OFF_ROLL: "Off roll: tell the LAAO anything new about the child.",
}
SORTS = {"urgency": "Most urgent first", "name": "Pupil's surname", "first_day": "First day absent"}


@dataclass(frozen=True)
class Filters:
    states: tuple[CaseState, ...] = ()
    overdue_only: bool = False
    search: str = ""
    sort: str = "urgency"
    closed: bool = False
    page: int = 1


@dataclass(frozen=True)
class Row:
    case: Case
    forename: str
    surname: str
    upn: str
    school_day: int
    referral_day: int
    next_item: str | None
    # Only for an item the school should do now: an ongoing duty or a state's step has none.
    next_due_day: int | None
    next_due_on: date | None
    overdue: bool
    actionable: bool
    home_visit_completed: bool
    referral_available: bool

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"


@dataclass(frozen=True)
class Dashboard:
    rows: list[Row]
    total: int
    overdue: int
    referrals_available: int
    page: int
    pages: int


def _rows_query(user: User, filters: Filters) -> Select:
    """Select each visible case with its pupil, next checklist item and visit, in one query."""
    next_item_id = (
        select(ChecklistItem.id)
        .where(
            ChecklistItem.case_id == Case.id,
            ChecklistItem.done_at.is_(None),
            ChecklistItem.required,
        )
        .order_by(ChecklistItem.key.in_(ONGOING), ChecklistItem.due_day, ChecklistItem.position)
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    item = aliased(ChecklistItem)
    query = (
        cases_for(user)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .outerjoin(item, item.id == next_item_id)
        .add_columns(
            Pupil.forename,
            Pupil.surname,
            Pupil.upn,
            item.text,
            item.due_day,
            item.key,
            completed_home_visit_exists(Case.id).label("visit_done"),
        )
    )
    if filters.closed:
        query = query.where(Case.state == CaseState.CLOSED)
    else:
        states = [s for s in filters.states if s in OPEN_STATES] or list(OPEN_STATES)
        query = query.where(Case.state.in_(states))
    if filters.search.split():
        query = query.where(matches_search(filters.search))
    return query


def _calendars(session: Session, cases: list[Case]) -> dict[int, SchoolCalendar]:
    """Load each school once (with its LA) and build one calendar per school."""
    school_ids = {case.school_id for case in cases}
    schools = session.scalars(
        select(School).options(joinedload(School.local_authority)).where(School.id.in_(school_ids))
    ).all()  # with their LAs in the identity map: no query per case later
    return calendars_for_schools(session, list(schools))


def _row(session: Session, record: tuple, calendar: SchoolCalendar, today: date) -> Row:
    case, forename, surname, upn, item_text, due_day, item_key, visit_done = record
    school_day = calendar.school_day_number(case.first_day_of_absence, today)
    actionable = item_text is not None and is_actionable(case.state, item_key)
    if not actionable:
        item_text = STATE_STEPS.get(case.state, item_text)
        due_day = None
    due_on = None
    if due_day is not None:
        try:
            due_on = calendar.date_of_school_day(case.first_day_of_absence, due_day)
        except ValueError:
            due_on = None
    ctx = GuardContext(
        session,
        case,
        today,
        known_calendar=calendar,
        known_home_visit_completed=bool(visit_done),
    )
    return Row(
        case=case,
        forename=forename,
        surname=surname,
        upn=upn,
        school_day=school_day,
        referral_day=referral_day_for(case),
        next_item=item_text,
        next_due_day=due_day,
        next_due_on=due_on,
        overdue=is_overdue(case.state, item_key, due_day, school_day),
        actionable=actionable,
        home_visit_completed=bool(visit_done),
        referral_available=blockers(ctx, Action.SUBMIT_REFERRAL) == [],
    )


def _sort_key(sort: str):  # a key function
    if sort == "name":
        return lambda r: (r.surname.lower(), r.forename.lower(), r.case.id)
    if sort == "first_day":
        return lambda r: (r.case.first_day_of_absence, r.case.id)
    # Most urgent: overdue items first, then the school's own items by due date (vulnerable
    # children first), then cases the LA leads.
    return lambda r: (
        not r.overdue,
        not r.actionable,
        r.next_due_on or date.max,
        not r.case.vulnerable,
        r.case.first_day_of_absence,
        r.case.id,
    )


def dashboard(session: Session, user: User, filters: Filters, today: date) -> Dashboard:
    """Return one page of the user's cases with the counts the filters need."""
    query = _rows_query(user, filters)
    if filters.closed:
        return _closed_page(session, query, filters, today)
    records = session.execute(query).all()
    calendars = _calendars(session, [r[0] for r in records])
    rows = [_row(session, r, calendars[r[0].school_id], today) for r in records]
    overdue = sum(r.overdue for r in rows)
    available = sum(r.referral_available for r in rows)
    if filters.overdue_only:
        rows = [r for r in rows if r.overdue]
    rows.sort(key=_sort_key(filters.sort))
    pages = max((len(rows) + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(filters.page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return Dashboard(rows[start : start + PAGE_SIZE], len(rows), overdue, available, page, pages)


def _closed_page(session: Session, query: Select, filters: Filters, today: date) -> Dashboard:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(filters.page, 1), pages)
    order = {
        "name": (Pupil.surname, Pupil.forename, Case.id),
        "first_day": (Case.first_day_of_absence, Case.id),
    }.get(filters.sort, (Case.closed_at.desc(), Case.id.desc()))
    records = session.execute(
        query.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    calendars = _calendars(session, [r[0] for r in records])
    rows = [_row(session, r, calendars[r[0].school_id], today) for r in records]
    return Dashboard(rows, total, 0, 0, page, pages)
