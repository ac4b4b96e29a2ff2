"""Who may see and do what on the LA side: every URL, for every role and the other school."""

from __future__ import annotations

import pytest

from fieldvisit.cases.models import Case
from fieldvisit.core.dates import today_in_uk
from fieldvisit.referrals import involvements
from tests.referrals.helpers import accepted_case, referred_case
from tests.support.factories import make_case


@pytest.fixture
def places(session, world):
    """An off-roll case and a referred one at the school, and an unreferred one."""
    off_roll, off_referral, _ = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, off_roll)
    involvements.record_removal(session, world.school_user, off_roll, off_roll_on=today_in_uk())
    referred, referral = referred_case(session, world, school_day=12)
    unreferred = make_case(session, world)
    session.commit()
    return {
        "off_roll": off_roll.id,
        "off_referral": off_referral.id,
        "referred": referred.id,
        "referral": referral.id,
        "unreferred": unreferred.id,
    }


ROLES = ("school", "other", "laao", "officer", "admin")

# Status codes for each URL, in the order of ROLES: 200 shown, 403 refused, 404 hidden.
GETS = [
    ("/cases/{referred}/referral", "200 404 403 404 404"),
    ("/referrals/{referral}/chronology.pdf", "200 404 200 404 404"),
    ("/cases/{off_roll}/involvement", "200 404 200 404 404"),
    ("/cases/{off_roll}/ctf", "200 404 403 404 404"),
    # The "Are you sure" page: off roll, nothing to agree, so the LAAO is sent back.
    ("/cases/{off_roll}/involvement/agree-removal", "403 404 302 404 404"),
    ("/cases/{unreferred}/involvement", "404 404 404 404 404"),
    ("/cases/{unreferred}", "200 404 404 404 404"),
    ("/la/referrals", "403 403 200 403 403"),
    ("/la/referrals/{referral}", "403 403 200 403 403"),
    ("/la/overview", "403 403 200 403 403"),
    ("/la/forms", "403 403 200 403 403"),
]

# Who may not post to each action (a dash: that role may, tested elsewhere).
POSTS = [
    ("/la/referrals/{referral}/accept", "403 403 - 403 403"),
    ("/la/referrals/{referral}/return", "403 403 - 403 403"),
    ("/cases/{referred}/referral", "- 404 403 404 404"),
    ("/cases/{off_roll}/involvement/enquiries", "- 404 - 404 404"),
    ("/cases/{off_roll}/involvement/agree-removal", "403 404 - 404 404"),
    ("/cases/{off_roll}/involvement/withdraw-removal", "403 404 - 404 404"),
    ("/cases/{off_roll}/involvement/reassign", "403 404 - 404 404"),
    ("/cases/{off_roll}/involvement/record-removal", "- 404 403 404 404"),
]


def _expected(codes: str) -> dict[str, int]:
    return {role: int(code) for role, code in zip(ROLES, codes.split(), strict=True) if code != "-"}


def _users(world):
    return {
        "school": world.school_user,
        "other": world.other_school_user,
        "laao": world.laao,
        "officer": world.officer,
        "admin": world.admin,
    }


def test_every_page_for_every_role(client_for, world, places):
    users = _users(world)
    for role, user in users.items():
        client = client_for(user)
        for pattern, codes in GETS:
            url = pattern.format(**places)
            assert client.get(url).status_code == _expected(codes)[role], (role, url)


def test_every_action_for_those_who_may_not(client_for, world, places):
    clients = {role: client_for(user) for role, user in _users(world).items()}
    form = {"reason": "x", "laao": world.laao.id, "where": "x", "enquiry_with": "police"}
    for pattern, codes in POSTS:
        url = pattern.format(**places)
        for role, status in _expected(codes).items():
            response = clients[role].post(url, data=form)
            assert response.status_code == status, (role, url)


def test_signed_out_visitors_are_sent_to_sign_in(client, places):
    for pattern, _ in GETS:
        response = client.get(pattern.format(**places))
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_queue_lists_only_referred_cases(client_for, session, world, places):
    page = client_for(world.laao).get("/la/referrals?state=").get_data(as_text=True)
    unreferred = session.get(Case, places["unreferred"])
    referred = session.get(Case, places["referred"])
    assert referred.pupil.full_name in page
    assert unreferred.pupil.full_name not in page
