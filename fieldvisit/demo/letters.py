"""The demo's letters: to take on today's visits, one sent home, and a removal confirmed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.permissions import Role
from fieldvisit.letters.services import generate_letter
from fieldvisit.referrals.models import Involvement
from fieldvisit.visits.models import AssignmentStatus, VisitAssignment


def seed(session: Session) -> None:
    """Make letters for the demo cases, leaving others with a letter due for batch printing."""
    assigned = set(
        session.scalars(
            select(VisitAssignment.case_id).where(VisitAssignment.status == AssignmentStatus.OPEN)
        )
    )
    sent_home = False
    for case in session.scalars(select(Case).order_by(Case.id)):
        if case.id in assigned:
            generate_letter(session, _school_user(session, case), case, "missed_visit")
        elif case.state == CaseState.LOCATING and not sent_home:
            generate_letter(session, _school_user(session, case), case, "absence")
            sent_home = True
        elif case.state == CaseState.REMOVAL_AGREED:
            involvement = session.scalar(select(Involvement).where(Involvement.case_id == case.id))
            assert involvement is not None
            generate_letter(session, involvement.laao, case, "removal_confirmation")


def _school_user(session: Session, case: Case) -> User:
    user = session.scalar(
        select(User)
        .join(UserRole)
        .where(User.school_id == case.school_id, UserRole.role == Role.SCHOOL)
        .order_by(User.id)
    )
    assert user is not None
    return user
