"""The LAAO queue: every school's referrals, newest state first, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from fieldvisit.accounts.models import User
from fieldvisit.cases.access import visible_to
from fieldvisit.cases.models import Case
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus
from fieldvisit.schools.models import School
from fieldvisit.schools.services import calendars_for_schools

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

    @property
    def reference(self) -> str:
        return f"R{self.referral_id:06d}"

    @property
    def case_reference(self) -> str:
        return f"C{self.case_id:06d}"


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
    page: int = 1,
    today: date,
) -> CountedPage[QueueRow]:
    """Return one page of the queue with a count for every state (for the filter).

    The page's referrals are chosen from the referrals table alone (its indexes
    cover every filter); only those fifty are then joined to their cases, through
    the access rule like every case query.
    """
    conditions = state_conditions()
    scope = [Ref.latest.is_(True)]
    if school_id is not None:
        scope.append(Ref.school_id == school_id)
    state_of = case(*[(cond, name) for name, cond in conditions.items()], else_="other")
    counts = {name: 0 for name in QUEUE_STATES}
    counted = select(state_of, func.count()).where(*scope).group_by(state_of)
    counts.update({name: n for name, n in session.execute(counted) if name in counts})
    priority = case(*[(conditions[s], i) for i, s in enumerate(QUEUE_STATES)], else_=9)
    ids = list(
        session.scalars(
            select(Ref.id)
            .where(*scope, or_(*[conditions[s] for s in states]))
            .order_by(priority, safeguarding_first(), Ref.submitted_at, Ref.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    rows = session.execute(
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
        .order_by(priority, safeguarding_first(), Ref.submitted_at, Ref.id)
    ).all()
    schools = list(session.scalars(select(School).where(School.id.in_({r[4] for r in rows}))))
    calendars = calendars_for_schools(session, schools)
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
