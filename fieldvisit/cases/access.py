"""Which cases a user may see: the one place case queries are scoped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session, object_session

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.cases.models import Case
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import NotFound
from fieldvisit.core.permissions import Role
from fieldvisit.schools.models import OFFICER_ACCESS_DAYS, LocalAuthority


def visible_to(user: User):  # a SQL expression
    """Return the condition a case must meet for this user to see it."""
    conditions = []
    roles = user.roles
    if Role.SCHOOL in roles and user.school_id is not None:
        conditions.append(Case.school_id == user.school_id)
    if Role.OFFICER in roles:
        # While the visit is open, and for the LA's few days after it is made.
        cutoff = utcnow() - timedelta(days=_officer_access_days(user))
        conditions.append(facts.officer_has_visit.ask(Case.id, user.id, cutoff))
        if user.school_id is not None:
            conditions.append(Case.school_id == user.school_id)
    if Role.LAAO in roles:
        conditions.append(facts.referred.ask(Case.id))
    return or_(*conditions) if conditions else false()


def _officer_access_days(user: User) -> int:
    """Return the LA's setting: how many days an officer sees a case after their visit."""
    session = object_session(user)
    days = (
        session.scalar(
            select(LocalAuthority.officer_access_days).order_by(LocalAuthority.id).limit(1)
        )
        if session is not None
        else None
    )
    return OFFICER_ACCESS_DAYS if days is None else days


def cases_for(user: User) -> Select[Case]:
    """Select the cases this user may see; every case list starts here."""
    return select(Case).where(visible_to(user))


def get_case(session: Session, user: User, case_id: int) -> Case:
    """Load one case the user may see, or raise NotFound (never say it exists)."""
    case = session.scalar(cases_for(user).where(Case.id == case_id))
    if case is None:
        raise NotFound("There is no case with that number that you can see.")
    return case
