"""The QR link: staff allowed on the case land on it; everyone else learns only the school."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import utcnow
from fieldvisit.core.permissions import Role
from fieldvisit.core.storage import storage
from fieldvisit.letters import services
from fieldvisit.letters.views import link_limiter
from fieldvisit.visits.models import VisitAssignment
from tests.letters.helpers import locating_case, qr_codes
from tests.support.factories import make_user


@pytest.fixture
def letter_link(session, world, tmp_path):
    """A letter home on a case, and the path its printed QR code holds (read from the PDF)."""
    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "absence")
    session.commit()
    (url,) = qr_codes(storage().get(letter.storage_key), tmp_path)
    return case, letter, url.removeprefix("http://fieldvisit.test")


def _audits(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_school_lands_on_the_case(session, world, signed_in, letter_link):
    case, letter, path = letter_link
    client = signed_in(world.school_user)

    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.id}"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    (event,) = _audits(session, "follow_link")
    assert (event.user_id, event.object_type, event.object_id) == (
        world.school_user.id,
        "letter",
        letter.id,
    )
    session.refresh(letter.link)
    assert letter.link.uses == 1


def test_an_assigned_officer_lands_on_recording_the_delivery_in_the_phone_app(
    session, world, signed_in, letter_link
):
    case, letter, path = letter_link
    session.add(
        VisitAssignment(
            case_id=case.id,
            officer_id=world.officer.id,
            assigned_by_id=world.school_user.id,
            assigned_at=utcnow(),
        )
    )
    session.commit()
    client = signed_in(world.officer)

    response = client.get(path)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/app/#letter/{letter.reference}"


def _neutral(response, case):
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This letter is from Riverside Primary School" in page
    assert "01223 000000" in page
    assert case.pupil.surname not in page
    assert case.pupil.address_lines[0] not in page
    assert case.reference not in page
    return page


def test_a_signed_out_visitor_sees_only_how_to_contact_the_school(session, client, letter_link):
    case, letter, path = letter_link

    response = client.get(path)

    _neutral(response, case)
    (event,) = _audits(session, "follow_link_refused")
    assert (event.user_id, event.object_id) == (None, letter.id)


def test_another_schools_user_sees_the_same_neutral_page(
    session, client, world, signed_in, letter_link
):
    case, _letter, path = letter_link
    stranger_page = _neutral(client.get(path), case)
    signed_in(world.other_school_user)

    page = _neutral(client.get(path), case)

    main = page[page.index('id="main-content"') :]
    assert main == stranger_page[stranger_page.index('id="main-content"') :]


def test_an_officer_not_assigned_to_the_case_sees_the_neutral_page(
    session, client, world, signed_in, letter_link
):
    case, _letter, path = letter_link
    signed_in(world.officer)

    _neutral(client.get(path), case)


def test_a_revoked_link_shows_even_the_school_the_neutral_page(
    session, world, signed_in, letter_link
):
    case, letter, path = letter_link
    client = signed_in(world.school_user)
    response = client.post(f"/cases/{case.id}/letters/{letter.id}/revoke")
    assert response.status_code == 302

    _neutral(client.get(path), case)
    assert len(_audits(session, "follow_link_revoked")) == 1


def test_an_unknown_token_shows_a_page_with_no_school(session, client, world, letter_link):
    case, _letter, path = letter_link
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")

    for attempt in (forged, "/l/short", "/l/" + "x" * 200):
        response = client.get(attempt)
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "This link is not recognised" in page
        assert "Riverside" not in page
        assert case.pupil.surname not in page
    assert len(_audits(session, "follow_link_unknown")) == 3


def test_links_are_rate_limited_per_address(session, client, letter_link, monkeypatch):
    _case, _letter, path = letter_link
    monkeypatch.setattr(link_limiter, "limit", 3)

    statuses = [client.get(path).status_code for _ in range(4)]
    other_address = client.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code

    assert statuses == [200, 200, 200, 429]
    assert other_address == 200


def test_signed_in_follows_are_not_counted_against_the_address(
    session, world, signed_in, letter_link, monkeypatch
):
    case, _letter, path = letter_link
    monkeypatch.setattr(link_limiter, "limit", 3)
    staff = signed_in(world.school_user)

    landings = [staff.get(path).headers.get("Location") for _ in range(5)]
    staff.post("/logout")
    anonymous = [staff.get(path).status_code for _ in range(4)]

    assert landings == [f"/cases/{case.id}"] * 5
    assert anonymous == [200, 200, 200, 429]


def test_a_user_with_school_and_officer_roles_lands_on_the_case_page(
    session, world, signed_in, letter_link
):
    case, _letter, path = letter_link
    both = make_user(session, "both@school.test", {Role.SCHOOL, Role.OFFICER}, world.school)
    session.commit()

    response = signed_in(both).get(path)

    assert response.headers["Location"] == f"/cases/{case.id}"


def test_the_qr_code_carries_no_personal_data(session, world, letter_link):
    case, letter, path = letter_link
    token = path.removeprefix("/l/")

    assert len(token) == 32  # 24 random bytes: 192 bits
    for personal in (case.pupil.forename, case.pupil.surname, case.pupil.upn, case.reference):
        assert personal not in path
    assert letter.reference not in path
    assert letter.link.token == token
