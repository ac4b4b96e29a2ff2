"""Home visits: assigning them to officers, and what an officer or a case page shows of them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from fieldvisit.accounts.models import User, UserRole
from fieldvisit.cases.access import cases_for
from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import Case
from fieldvisit.core import mail
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import NotFound, ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.letters.services import letters_for_visit
from fieldvisit.visits.models import AssignmentStatus, HomeVisit, VisitAssignment

VISIT_ASSIGNED = mail.EmailKind(
    "visit_assigned",
    "A home visit has been assigned to you",
    lambda officer, **_: [mail.Recipient("officer", officer.email)],
)
VISIT_CANCELLED = mail.EmailKind(
    "visit_cancelled",
    "A home visit assigned to you has been cancelled",
    lambda officer, **_: [mail.Recipient("officer", officer.email)],
)


def officers_for(session: Session, case: Case) -> list[User]:
    """Return the officers who may be sent to this case: the LA's and the school's own."""
    return list(
        session.scalars(
            select(User)
            .join(UserRole)
            .where(
                UserRole.role == Role.OFFICER,
                User.active,
                or_(User.school_id.is_(None), User.school_id == case.school_id),
            )
            .order_by(User.name)
        )
    )


def assign_visit(
    session: Session,
    user: User,
    case: Case,
    *,
    officer_id: int,
    due_on: date | None,
    instructions: str,
) -> VisitAssignment:
    """Ask an officer to visit the pupil's home; they are told by email."""
    officer = next((o for o in officers_for(session, case) if o.id == officer_id), None)
    if officer is None:
        raise ValidationFailed(
            "Select an officer who can visit for this school.",
            fields={"officer_id": ["Select an officer who can visit for this school."]},
        )
    apply(
        session,
        case,
        Action.ASSIGN_VISIT,
        user,
        summary=f"Home visit assigned to {officer.name}",
        note=instructions,
        details={"officer_id": officer.id, "due_on": due_on.isoformat() if due_on else None},
    )
    assignment = VisitAssignment(
        case_id=case.id,
        officer_id=officer.id,
        assigned_by_id=user.id,
        assigned_at=utcnow(),
        due_on=due_on,
        instructions=instructions,
    )
    session.add(assignment)
    session.flush()
    mail.send(session, VISIT_ASSIGNED, officer=officer, assigned_by=user, case=case)
    return assignment


def cancel_assignment(
    session: Session,
    user: User,
    case: Case,
    assignment_id: int,
    *,
    reason: str,
    reassign_to: int | None = None,
    expected_version: int | None = None,
) -> VisitAssignment | None:
    """Cancel an open visit assignment, or move it to another officer; return the new one.

    The officer's phone drops the visit at its next contact; a visit it recorded before now
    still arrives and is kept. Both officers are told by email, without the child's name.
    """
    assignment = session.get(VisitAssignment, assignment_id)
    if assignment is None or assignment.case_id != case.id:
        raise NotFound("That visit assignment is not on this case.")
    if assignment.status != AssignmentStatus.OPEN:
        raise ValidationFailed("That visit has already been made or cancelled.")
    if not reason.strip():
        message = "Say why the visit is cancelled or moved"
        raise ValidationFailed(message, fields={"reason": [message]})
    new_officer = None
    if reassign_to is not None:
        new_officer = next((o for o in officers_for(session, case) if o.id == reassign_to), None)
        if new_officer is None or new_officer.id == assignment.officer_id:
            message = "Select another officer who can visit for this school."
            raise ValidationFailed(message, fields={"reassign_to": [message]})
    old = assignment.officer
    moved = f", moved to {new_officer.name}" if new_officer else ""
    apply(
        session,
        case,
        Action.CANCEL_VISIT,
        user,
        summary=f"Home visit assigned to {old.name} cancelled{moved}",
        note=reason.strip(),
        details={"assignment_id": assignment.id, "officer_id": old.id},
        expected_version=expected_version,
    )
    assignment.status = AssignmentStatus.CANCELLED
    assignment.cancelled_at, assignment.cancelled_by_id = utcnow(), user.id
    mail.send(session, VISIT_CANCELLED, officer=old, cancelled_by=user, case=case)
    audit(session, user.id, "cancel", "visit_assignment", assignment.id)
    if new_officer is None:
        return None
    return assign_visit(
        session,
        user,
        case,
        officer_id=new_officer.id,
        due_on=assignment.due_on,
        instructions=assignment.instructions,
    )


def assigned_visits(session: Session, officer: User) -> list[dict[str, Any]]:
    """Return the officer's open visits with only what the visit needs."""
    assignments = session.scalars(
        select(VisitAssignment)
        .join(Case, Case.id == VisitAssignment.case_id)
        .where(
            VisitAssignment.officer_id == officer.id,
            VisitAssignment.status == AssignmentStatus.OPEN,
            Case.id.in_(cases_for(officer).with_only_columns(Case.id)),
        )
        .order_by(VisitAssignment.due_on.is_(None), VisitAssignment.due_on, VisitAssignment.id)
    ).all()
    cases = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_([a.case_id for a in assignments]))
            .options(joinedload(Case.pupil), joinedload(Case.school))
        ).unique()
    }
    visits = []
    for assignment in assignments:
        case = cases[assignment.case_id]
        pupil = case.pupil
        visits.append(
            {
                "assignment_id": assignment.id,
                "case_id": case.id,
                "case_reference": case.reference,
                "due_on": assignment.due_on,
                "instructions": assignment.instructions,
                "pupil_name": pupil.full_name,
                "address_lines": [line for line in pupil.address_lines if line.strip()],
                "postcode": pupil.postcode,
                "school_name": case.school.name,
                "school_phone": case.school.phone,
                "contacts": [
                    {
                        "name": c.full_name,
                        "relationship": c.relationship_to_pupil,
                        "phones": [n for n in c.phones if n.strip()],
                    }
                    for c in pupil.contacts
                ],
                "letters": letters_to_deliver(session, case),
            }
        )
    return visits


def letters_to_deliver(session: Session, case: Case) -> list[dict[str, Any]]:
    """Return the case's letters to the family an officer may leave, for the phone."""
    return [
        {key: letter[key] for key in ("reference", "title", "qr_token")}
        for letter in letters_for_visit(session, case)
    ]


def visits_of(session: Session, case: Case) -> list[HomeVisit]:
    """Return the case's visits, latest first, with their officers and enquiries."""
    return list(
        session.scalars(
            select(HomeVisit)
            .where(HomeVisit.case_id == case.id)
            .options(joinedload(HomeVisit.officer), selectinload(HomeVisit.neighbour_enquiries))
            .order_by(HomeVisit.arrived_at.desc())
        ).unique()
    )
