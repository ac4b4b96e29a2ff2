"""Which cases a user may see: the one place case queries are scoped."""

from __future__ import annotations

from sqlalchemy import Select, exists, false, or_, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case
from fieldvisit.core.errors import NotFound
from fieldvisit.core.permissions import Role
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import AssignmentStatus, VisitAssignment


def visible_to(user: User):  # noqa: ANN201 - a SQL expression
    """Return the condition a case must meet for this user to see it."""
    conditions = []
    roles = user.roles
    if Role.SCHOOL in roles and user.school_id is not None:
        conditions.append(Case.school_id == user.school_id)
    if Role.OFFICER in roles:
        conditions.append(
            exists().where(
                VisitAssignment.case_id == Case.id,
                VisitAssignment.officer_id == user.id,
                VisitAssignment.status != AssignmentStatus.CANCELLED,
            )
        )
        if user.school_id is not None:
            conditions.append(Case.school_id == user.school_id)
    if Role.LAAO in roles:
        conditions.append(exists().where(Referral.case_id == Case.id))
    return or_(*conditions) if conditions else false()


def cases_for(user: User) -> Select[tuple[Case]]:
    """Select the cases this user may see; every case list starts here."""
    return select(Case).where(visible_to(user))


def get_case(session: Session, user: User, case_id: int) -> Case:
    """Load one case the user may see, or raise NotFound (never say it exists)."""
    case = session.scalar(cases_for(user).where(Case.id == case_id))
    if case is None:
        raise NotFound("There is no case with that number that you can see.")
    return case
