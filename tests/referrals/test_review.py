"""The LAAO's evidence review: what it shows, the gaps it finds, and the decision."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from fieldvisit.cases import services as cases
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import CaseChanged
from fieldvisit.core.permissions import Role
from fieldvisit.letters.services import generate_letter
from fieldvisit.pupils.models import Sibling
from fieldvisit.referrals import services as referrals
from fieldvisit.referrals.evidence import gather, normalise
from fieldvisit.referrals.models import Referral, ReferralStatus
from fieldvisit.referrals.services import AlreadyDecided
from fieldvisit.visits.models import HomeVisit, NeighbourEnquiry, VisitOutcome
from fieldvisit.visits.photos import receive_photo
from tests.referrals.helpers import locating_case, referred_case
from tests.support.factories import make_user
from tests.support.visits import jpeg_bytes, sha256


def _keys(session, case):
    return {gap.key for gap in gather(session, case).gaps}


def _attempt(session, world, case, target, method=Method.PHONE):
    cases.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=method,
        target=target,
        contact_name="",
        occurred_at=utcnow(),
        contact_made=False,
    )


def test_gaps_name_what_the_record_does_not_show(session, world):
    case = locating_case(session, world, school_day=12, visit=False)
    case.pupil.siblings.append(Sibling(forename="Sam", school_name="Demotown High School"))
    session.flush()
    gaps = {gap.key: gap.text for gap in gather(session, case).gaps}
    assert gaps["no_visit"] == "No home visit recorded."
    assert "Em Contact, aunt (07700 900002)" in gaps["emergency_contacts_not_tried"]
    assert "parents_not_tried" not in gaps  # the helper phoned the parent
    assert gaps["siblings_not_checked"].endswith("Demotown High School")


def test_a_visit_nobody_answered_without_a_letter_is_a_gap(session, world):
    case = locating_case(session, world, school_day=12, visit=False)
    session.add(
        HomeVisit(
            case_id=case.id,
            officer_id=world.officer.id,
            arrived_at=utcnow(),
            outcome=VisitOutcome.NO_ANSWER,
            letter_left=False,
            received_at=utcnow(),
        )
    )
    session.flush()
    keys = _keys(session, case)
    assert "no_letter_left" in keys and "no_visit" not in keys


@pytest.mark.parametrize(
    "outcome", [VisitOutcome.PROPERTY_EMPTY, VisitOutcome.REFUSED, VisitOutcome.NEW_OCCUPANTS]
)
def test_a_visit_nobody_of_the_family_answered_is_not_completed_on_any_page(
    client_for, session, world, outcome
):
    """One rule: the engine, the dashboard, the review and the referral content agree."""
    case = locating_case(session, world, school_day=12, visit=False)
    session.add(
        HomeVisit(
            case_id=case.id,
            officer_id=world.officer.id,
            arrived_at=utcnow(),
            outcome=outcome,
            letter_left=True,
            letter_reference="FV-2026-000123",  # names no letter of this case
            received_at=utcnow(),
        )
    )
    session.commit()
    assert {"no_letter_left"} <= {k for k in _keys(session, case)}
    gap = next(g for g in gather(session, case).gaps if g.key.startswith("letter_not_of_case"))
    assert "FV-2026-000123" in gap.text and "no letter of this case" in gap.text
    school = client_for(world.school_user)
    dashboard = school.get("/").get_data(as_text=True)
    assert "Not yet" in dashboard and ">Completed<" not in dashboard
    refer = school.get(f"/cases/{case.id}/referral").get_data(as_text=True)
    assert "A CME referral needs a completed home visit" in refer
    # The school cannot submit, whatever it posts.
    response = school.post(
        f"/cases/{case.id}/referral", data={"summary_of_enquiries": "Calls and a visit."}
    )
    assert response.status_code in (200, 400, 409, 422)
    session.expire_all()
    assert case.state == CaseState.LOCATING


def test_numbers_tried_in_another_format_still_count(session, world):
    case = locating_case(session, world, school_day=12)
    _attempt(session, world, case, "+44 7700 900002")
    assert "emergency_contacts_not_tried" not in _keys(session, case)
    assert normalise("+44 (0)7700-900 002") != normalise("07700 900002")  # (0) is not ours to fix
    assert normalise("0044 7700 900002") == normalise("07700900002")


def test_a_call_to_the_siblings_school_checks_it(session, world):
    case = locating_case(session, world, school_day=12)
    case.pupil.siblings.append(
        Sibling(forename="Sam", school_name="Demotown High School", school_phone="01223 555000")
    )
    session.flush()
    assert "siblings_not_checked" in _keys(session, case)
    _attempt(session, world, case, "01223 555 000", method=Method.SIBLING_SCHOOL)
    assert "siblings_not_checked" not in _keys(session, case)


def test_review_page_shows_contacts_visits_and_neighbours(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.add(
        HomeVisit(
            case_id=case.id,
            officer_id=world.officer.id,
            arrived_at=utcnow(),
            outcome=VisitOutcome.PROPERTY_EMPTY,
            latitude=52.20531,
            longitude=0.12182,
            accuracy_m=12.4,
            letter_left=True,
            letter_reference="FV-2026-000123",
            received_at=utcnow(),
            neighbour_enquiries=[
                NeighbourEnquiry(position=1, neighbour="Number 14", said="Moved out at half term.")
            ],
        )
    )
    session.commit()
    page = client_for(world.laao).get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    assert case.pupil.full_name in page
    assert "07700 900001" in page  # the number tried
    assert "Property appears empty" in page
    assert "52.20531, 0.12182 (within 12 m)" in page
    assert "FV-2026-000123 (not a letter of this case)" in page
    assert "letter reference FV-2026-000123 is not one of this case&#39;s letters" in page
    assert "Number 14" in page and "Moved out at half term." in page
    assert "Emergency contacts not tried" in page
    assert "Accept the referral" in page and "Return the referral" in page


def test_accepting_a_referral_another_laao_handled_says_so(client_for, session, world):
    other = make_user(session, "laao2@la.test", {Role.LAAO})
    case, referral = referred_case(session, world, school_day=12)
    version = referral.version
    session.commit()
    first, second = client_for(world.laao), client_for(other)
    page = second.get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    assert f'name="version" value="{version}"' in page
    data = {"laao": other.id, "version": version}
    assert first.post(f"/la/referrals/{referral.id}/accept", data=data).status_code == 302
    response = second.post(f"/la/referrals/{referral.id}/accept", data=data)
    assert response.status_code == 409
    assert "already accepted by Laao" in response.get_data(as_text=True)
    response = second.post(
        f"/la/referrals/{referral.id}/return", data={"reason": "x", "version": version}
    )
    assert response.status_code == 409
    session.refresh(referral)
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.decided_by_id == world.laao.id


def test_a_stale_version_is_refused_even_before_anyone_decided(session, world):
    case, referral = referred_case(session, world, school_day=12)
    with pytest.raises(CaseChanged):
        referrals.accept_referral(
            session, world.laao, referral, laao=world.laao, expected_version=referral.version + 1
        )
    referrals.return_referral(session, world.laao, referral, reason="Not enough enquiries.")
    with pytest.raises(AlreadyDecided, match="already returned to the school by Laao"):
        referrals.accept_referral(session, world.laao, referral, laao=world.laao)


def test_return_needs_a_reason_and_keeps_the_case(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.commit()
    response = client_for(world.laao).post(
        f"/la/referrals/{referral.id}/return", data={"reason": "  ", "version": referral.version}
    )
    assert response.status_code == 400
    assert "Enter the reason the referral is returned" in response.get_data(as_text=True)
    session.refresh(case)
    assert case.state == CaseState.REFERRED


def test_accept_only_to_an_laao(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    session.commit()
    response = client_for(world.laao).post(
        f"/la/referrals/{referral.id}/accept",
        data={"laao": world.school_user.id, "version": referral.version},
    )
    assert response.status_code == 422
    assert "Choose an LA attendance officer" in response.get_data(as_text=True)


def test_review_shows_the_visit_photos_the_laao_may_open(client_for, session, world):
    case, referral = referred_case(session, world, school_day=12)
    data = jpeg_bytes(64, 48)
    sha = sha256(data)
    visit = HomeVisit(
        case_id=case.id,
        officer_id=world.officer.id,
        arrived_at=utcnow(),
        outcome=VisitOutcome.NO_ANSWER,
        letter_left=True,
        photos=[sha, "f" * 64],  # the second has not arrived from the phone yet
        received_at=utcnow(),
    )
    session.add(visit)
    session.flush()
    receive_photo(session, world.officer, visit.client_uuid, sha, data)
    session.commit()
    laao = client_for(world.laao)
    page = laao.get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    thumbnail = f"/visits/{visit.client_uuid}/photos/{sha}/thumbnail.jpg"
    assert f'src="{thumbnail}"' in page
    assert "1 photo not yet received from the officer's phone." in page
    response = laao.get(thumbnail)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert client_for(world.other_school_user).get(thumbnail).status_code == 404


def test_a_decision_racing_another_laao_is_refused_and_says_whose_won(session, world):
    other = make_user(session, "laao2@la.test", {Role.LAAO})
    case, referral = referred_case(session, world, school_day=12)
    version = referral.version
    session.commit()
    # Another LAAO's request accepted it meanwhile: this session still holds the old row.
    table = Referral.__table__
    session.execute(
        update(table)
        .where(table.c.id == referral.id)
        .values(status="accepted", decided_by_id=other.id, decided_at=utcnow(), version=version + 1)
    )
    session.commit()
    assert referral.status == ReferralStatus.SUBMITTED  # stale, as in a request started earlier
    with pytest.raises(CaseChanged):
        referrals.accept_referral(
            session, world.laao, referral, laao=world.laao, expected_version=version
        )
    session.rollback()
    assert referrals.already_decided_message(referral).startswith(
        "This referral was already accepted by Laao2"
    )


def test_review_lists_the_letters_sent_with_their_kept_copies(client_for, session, world):
    case = locating_case(session, world, school_day=12)
    letter = generate_letter(session, world.school_user, case, "final")
    referral = referrals.submit_referral(
        session, world.school_user, case, summary_of_enquiries="Calls, visit, final letter."
    )
    session.commit()
    laao = client_for(world.laao)
    page = laao.get(f"/la/referrals/{referral.id}").get_data(as_text=True)
    assert "Letters sent (2)" in page  # the one left at the home visit, and the final letter
    assert "Final letter before referral to the local authority" in page
    copy = f"/cases/{case.id}/letters/{letter.id}.pdf"
    assert f'href="{copy}"' in page
    assert laao.get(copy).data.startswith(b"%PDF")
