"""Cases at each point of the LA side, made through the real services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from fieldvisit.cases import services as cases
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import utcnow
from fieldvisit.referrals import involvements
from fieldvisit.referrals import services as referrals
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.schools.models import School
from tests.support.factories import World, first_day_for, make_case, make_visit


def school_user(world: World, case: Case):
    return world.school_user if case.school_id == world.school.id else world.other_school_user


def locating_case(
    session: Session,
    world: World,
    *,
    school_day: int = 30,
    school: School | None = None,
    visit: bool = True,
    vulnerabilities: list[str] | None = None,
) -> Case:
    """A case past the first day: a failed call, no contact, triaged, and a visit if asked."""
    school = school or world.school
    case = make_case(
        session, world, first_day=first_day_for(session, school, school_day), school=school
    )
    user = school_user(world, case)
    parent = case.pupil.contacts[0]
    cases.log_contact_attempt(
        session,
        user,
        case,
        method=Method.PHONE,
        target=parent.phones[0],
        contact_name=parent.full_name,
        occurred_at=utcnow(),
        contact_made=False,
    )
    cases.record_no_contact(session, user, case)
    cases.triage(
        session, user, case, vulnerabilities=vulnerabilities or [], social_care_involved=False
    )
    if visit:
        make_visit(session, case, world.officer)
    return case


def referred_case(session: Session, world: World, **kwargs: object) -> tuple[Case, Referral]:
    case = locating_case(session, world, **kwargs)  # type: ignore[arg-type]
    referral = referrals.submit_referral(
        session, school_user(world, case), case, summary_of_enquiries="Calls, visit, neighbours."
    )
    return case, referral


def accepted_case(
    session: Session, world: World, *, days_ago: int = 0, enquiry: bool = True, **kwargs: object
) -> tuple[Case, Referral, Involvement]:
    """A case with an open involvement, accepted `days_ago` days ago, with one joint enquiry."""
    case, referral = referred_case(session, world, **kwargs)
    involvement = referrals.accept_referral(
        session, world.laao, referral, laao=world.laao, at=utcnow() - timedelta(days=days_ago)
    )
    if enquiry:
        involvements.log_enquiry(
            session,
            world.laao,
            case,
            enquiry_with=involvements.EnquiryWith.HEALTH,
            contacted="GP surgery",
            result="Registered; no new address.",
        )
    return case, referral, involvement
