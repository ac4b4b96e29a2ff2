"""The LAAO queue: every school's referrals, newest state first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import visible_to
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import uk_date
from fieldvisit.core.references import (
    REFERRAL,
    case_reference,
    parse_reference,
    referral_reference,
)
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from fieldvisit.schools.models import School
from fieldvisit.schools.services import calendars_for_schools, waiting_period_ends

PAGE_SIZE = 50
QUEUE_STATES = {"new": "New", "returned": "Returned", "open": "Open", "closed": "Closed"}
ACTIVE_STATES = ("new", "returned", "open")
Row = TypeVar("Row")

# The queue's own alias: the access rule's EXISTS on `referrals` must not correlate to it.
Ref = aliased(Referral, name="queued")
Laao = aliased(User, name="laao")


def state_conditions() -> dict[str, ColumnElement[bool]]:
    """Say, in SQL on the referral alone, what puts a referral in each of the queue's states.

    A submitted referral leaves "new" only by a decision or by the case closing, and an
    involvement closes exactly when its case does, so status and `case_closed` suffice.
    """
    status, closed = Ref.status, Ref.case_closed
    return {
        "new": and_(status == ReferralStatus.SUBMITTED, closed.is_(False)),
        "returned": and_(status == ReferralStatus.RETURNED, closed.is_(False)),
        "open": and_(status == ReferralStatus.ACCEPTED, closed.is_(False)),
        "closed": and_(status == ReferralStatus.ACCEPTED, closed.is_(True)),
    }


@dataclass(frozen=True)
class QueueRow:
    referral_id: int
    case_id: int
    state: str
    submitted_at: datetime
    pupil_name: str
    age: int
    school_name: str
    school_day: int
    vulnerability: str
    laao_name: str | None
    opened_at: datetime | None
    # An open involvement's end of the waiting period: removal can be agreed from this day.
    removal_from: date | None = None

    @property
    def reference(self) -> str:
        return referral_reference(self.referral_id)

    @property
    def case_reference(self) -> str:
        return case_reference(self.case_id)


@dataclass(frozen=True)
class CountedPage(Generic[Row]):
    """One page of an LA list, with how many there are of each kind (for its filter)."""

    rows: list[Row]
    total: int
    counts: dict[str, int]
    page: int

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def vulnerability_label(vulnerabilities: list[str] | None, social_care: bool) -> str:
    if social_care:
        return "Social care or CP"
    return "Vulnerable" if vulnerabilities else "Not vulnerable"


# How the queue can be ordered: the LAAO's working order first.
SORTS = {
    "priority": "New and returned first, safeguarding on top",
    "school_day": "Longest absent first",
    "received": "Most recently referred first",
    "school": "School",
    "name": "Pupil's surname",
}


def search_condition(q: str) -> ColumnElement[bool]:
    """Say, in SQL, which referrals a search matches: the pupil's name or UPN, the referral's
    or the case's reference (R000012, C000034), or the school's name."""
    text = q.strip()
    like = f"%{text.lower()}%"
    own_pupil = aliased(Pupil)
    own_case = aliased(Case)
    own_school = aliased(School)
    name = func.lower(own_pupil.forename + " " + own_pupil.surname)
    pupil = (
        select(own_case.id)
        .join(own_pupil, own_pupil.id == own_case.pupil_id)
        .where(
            own_case.id == Ref.case_id,
            or_(
                name.like(like),
                func.lower(own_pupil.surname).like(like),
                own_pupil.upn == text.upper(),
            ),
        )
        .exists()
    )
    school = (
        select(own_school.id)
        .where(own_school.id == Ref.school_id, func.lower(own_school.name).like(like))
        .exists()
    )
    matches: list[ColumnElement[bool]] = [pupil, school]
    if reference := parse_reference(text):
        letter, number = reference
        matches.append(Ref.id == number if letter == REFERRAL else Ref.case_id == number)
    return or_(*matches)


def _order(sort: str, priority: ColumnElement[int]) -> list[Any]:
    """Return the ORDER BY of a sort, always ending in the referral id so pages are stable."""
    if sort == "school_day":
        first_day = select(Case.first_day_of_absence).where(Case.id == Ref.case_id)
        return [first_day.scalar_subquery(), Ref.id]
    if sort == "received":
        return [Ref.submitted_at.desc(), Ref.id.desc()]
    if sort == "school":
        school = select(School.name).where(School.id == Ref.school_id).scalar_subquery()
        return [school, priority, Ref.submitted_at, Ref.id]
    if sort == "name":
        surname = (
            select(Pupil.surname + " " + Pupil.forename)
            .join(Case, Case.pupil_id == Pupil.id)
            .where(Case.id == Ref.case_id)
            .scalar_subquery()
        )
        return [surname, Ref.id]
    return [priority, safeguarding_first(), Ref.submitted_at, Ref.id]


def safeguarding_first() -> ColumnElement[int]:
    """Order key: 0 for a referral made at once for social care or CP involvement, else 1."""
    own = aliased(Case)
    involved = select(own.social_care_involved).where(own.id == Ref.case_id).scalar_subquery()
    return case((involved.is_(True), 0), else_=1)


def queue_page(
    session: Session,
    user: User,
    *,
    states: tuple[str, ...] = ACTIVE_STATES,
    school_id: int | None = None,
    search: str = "",
    sort: str = "priority",
    page: int = 1,
    today: date,
) -> CountedPage[QueueRow]:
    """Return one page of the queue with a count for every state (for the filter).

    The page's referrals are chosen from the referrals table alone (its indexes
    cover every filter); only those fifty are then joined to their cases, through
    the access rule like every case query.
    """
    conditions = state_conditions()
    scope: list[ColumnElement[bool]] = [Ref.latest.is_(True)]
    if school_id is not None:
        scope.append(Ref.school_id == school_id)
    if search:
        scope.append(search_condition(search))
    state_of = case(*[(cond, name) for name, cond in conditions.items()], else_="other")
    counts = {name: 0 for name in QUEUE_STATES}
    counted = select(state_of, func.count()).where(*scope).group_by(state_of)
    counts.update({name: n for name, n in session.execute(counted) if name in counts})
    priority = case(*[(conditions[s], i) for i, s in enumerate(QUEUE_STATES)], else_=9)
    ids = list(
        session.scalars(
            select(Ref.id)
            .where(*scope, or_(*[conditions[s] for s in states]))
            .order_by(*_order(sort, priority))
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    found = session.execute(
        select(
            Ref.id,
            state_of,
            Ref.submitted_at,
            Case.id,
            Case.school_id,
            Case.first_day_of_absence,
            Case.vulnerabilities,
            Case.social_care_involved,
            Pupil.forename,
            Pupil.surname,
            Pupil.date_of_birth,
            School.name,
            Laao.name,
            Involvement.opened_at,
        )
        .join(Case, Case.id == Ref.case_id)
        .join(Pupil, Pupil.id == Case.pupil_id)
        .join(School, School.id == Case.school_id)
        .outerjoin(Involvement, Involvement.referral_id == Ref.id)
        .outerjoin(Laao, Laao.id == Involvement.laao_id)
        .where(Ref.id.in_(ids), visible_to(user))
    ).all()
    rows = sorted(found, key=lambda r: ids.index(r[0]))  # the page's order, chosen above
    schools = {
        school.id: school
        for school in session.scalars(select(School).where(School.id.in_({r[4] for r in rows})))
    }
    calendars = calendars_for_schools(session, list(schools.values()))

    def removal_from(school_id: int, opened_at: datetime | None) -> date | None:
        if opened_at is None:
            return None
        try:
            la = schools[school_id].local_authority
            return waiting_period_ends(calendars[school_id], la, uk_date(opened_at))
        except ValueError:
            return None  # term dates missing: the involvement's page says which

    return CountedPage(
        rows=[
            QueueRow(
                referral_id=r[0],
                state=r[1],
                submitted_at=r[2],
                case_id=r[3],
                school_day=calendars[r[4]].school_day_number(r[5], today),
                vulnerability=vulnerability_label(r[6], r[7]),
                pupil_name=f"{r[8]} {r[9]}",
                age=age_on(r[10], today),
                school_name=r[11],
                laao_name=r[12],
                opened_at=r[13],
                removal_from=removal_from(r[4], r[13]) if r[1] == "open" else None,
            )
            for r in rows
        ],
        total=sum(counts[s] for s in states),
        counts=counts,
        page=page,
    )


def school_choices(session: Session) -> list[tuple[int, str]]:
    """Return every school by name, for the school filters."""
    return [
        (sid, name)
        for sid, name in session.execute(select(School.id, School.name).order_by(School.name))
    ]
