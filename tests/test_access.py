"""Every case query is scoped to what the user may see."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from fieldvisit.cases.access import cases_for, get_case
from fieldvisit.core.errors import NotFound
from fieldvisit.core.permissions import Role
from fieldvisit.referrals.models import Referral
from fieldvisit.visits.models import AssignmentStatus, VisitAssignment
from tests.support.factories import make_case, make_user


@pytest.fixture
def cases(session, world):
    ours = make_case(session, world, first_day=date(2026, 11, 3))
    assigned = make_case(session, world, first_day=date(2026, 11, 3))
    referred = make_case(session, world, first_day=date(2026, 11, 3))
    theirs = make_case(session, world, first_day=date(2026, 11, 3), school=world.other_school)
    session.add(
        VisitAssignment(
            case_id=assigned.id,
            officer_id=world.officer.id,
            assigned_by_id=world.school_user.id,
            assigned_at=datetime.now(UTC),
        )
    )
    session.add(
        Referral(
            case_id=referred.id,
            submitted_by_id=world.school_user.id,
            submitted_at=datetime.now(UTC),
        )
    )
    session.flush()
    return {"ours": ours, "assigned": assigned, "referred": referred, "theirs": theirs}


def visible(session, user, cases):
    ids = {case.id for case in session.scalars(cases_for(user))}
    return {name for name, case in cases.items() if case.id in ids}


def test_school_users_see_their_own_school_only(session, world, cases):
    assert visible(session, world.school_user, cases) == {"ours", "assigned", "referred"}
    assert visible(session, world.other_school_user, cases) == {"theirs"}


def test_officers_see_the_cases_assigned_to_them(session, world, cases):
    assert visible(session, world.officer, cases) == {"assigned"}


def test_a_cancelled_assignment_takes_the_case_away(session, world, cases):
    assignment = session.scalar(select(VisitAssignment))
    assignment.status = AssignmentStatus.CANCELLED
    session.flush()
    assert visible(session, world.officer, cases) == set()


def test_a_school_employed_officer_also_sees_their_school(session, world, cases):
    officer = make_user(session, "welfare@school.test", {Role.OFFICER}, world.other_school)
    assert visible(session, officer, cases) == {"theirs"}


def test_laaos_see_referred_cases_only(session, world, cases):
    assert visible(session, world.laao, cases) == {"referred"}


def test_admins_see_no_case_content(session, world, cases):
    assert visible(session, world.admin, cases) == set()


def test_a_user_with_two_roles_sees_both_scopes(session, world, cases):
    both = make_user(session, "both@la.test", {Role.LAAO, Role.OFFICER})
    session.add(
        VisitAssignment(
            case_id=cases["ours"].id,
            officer_id=both.id,
            assigned_by_id=world.school_user.id,
            assigned_at=datetime.now(UTC),
        )
    )
    session.flush()
    assert visible(session, both, cases) == {"ours", "referred"}


def test_a_case_you_may_not_see_is_not_found_and_not_confirmed(session, world, cases):
    with pytest.raises(NotFound) as missing:
        get_case(session, world.other_school_user, cases["ours"].id)
    with pytest.raises(NotFound) as absent:
        get_case(session, world.other_school_user, 999_999)
    assert missing.value.message == absent.value.message


@pytest.mark.parametrize("who", ["other_school_user", "officer", "laao", "admin"])
def test_the_case_page_is_404_for_users_who_may_not_see_it(session, world, cases, signed_in, who):
    client = signed_in(getattr(world, who))
    assert client.get(f"/cases/{cases['ours'].id}").status_code == 404


def test_the_case_page_shows_for_the_school(session, world, cases, signed_in):
    client = signed_in(world.school_user)
    page = client.get(f"/cases/{cases['ours'].id}")
    assert page.status_code == 200
    assert cases["ours"].pupil.surname in page.get_data(as_text=True)
