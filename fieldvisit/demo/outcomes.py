"""Demo outcomes: closed cases carry the same records and forms a school would complete."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.engine import Action
from fieldvisit.cases.models import Case
from fieldvisit.outcomes import services
from fieldvisit.outcomes.models import AbroadEvidence, ConfirmedHow, NoticeForm


def close_with_outcome(
    session: Session, user: User, case: Case, action: Action, note: str, today: date
) -> None:
    """Close a demo case through the outcome services, forms filled in."""
    if action == Action.ATTENDING_OTHER_SCHOOL:
        services.record_destination(
            session,
            user,
            case,
            school_name="Demotown High School",
            school_urn="137999",
            local_authority="Demo County Council",
            effective_on=today,
            confirmed_how=ConfirmedHow.NEW_SCHOOL_PHONE,
            confirmed_by="Office manager, Demotown High School",
            note=note,
        )
    elif action == Action.ELECTIVE_HOME_EDUCATION:
        services.record_home_education(
            session,
            user,
            case,
            notice_received_on=today,
            notice_form=NoticeForm.LETTER,
            parent_name=case.pupil.contacts[0].full_name,
            note=note,
        )
    elif action == Action.RESIDING_IN_LA:
        services.record_residing_in_la(session, user, case, effective_on=today, note=note)
    elif action == Action.MOVED_ABROAD:
        services.record_moved_abroad(
            session,
            user,
            case,
            country="Poland",
            effective_on=today,
            evidence=AbroadEvidence.PARENT,
            confirmed_by="Mother, by email to the school office",
            note=note,
        )
    elif action == Action.MOVED_OTHER_LA:
        services.record_moved_other_area(
            session,
            user,
            case,
            area="926",
            effective_on=today,
            confirmed_by="Norfolk CME officer, by email to the school office",
            note=note,
        )
    elif action == Action.CHILD_FOUND:
        services.record_found(session, user, case, effective_on=today, note=note)
    else:
        services.record_returned(session, user, case, effective_on=today, note=note)
