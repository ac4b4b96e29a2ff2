"""Every kind of letter renders to a PDF whose QR code leads to its own case."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.storage import storage
from fieldvisit.letters import services
from fieldvisit.letters.kinds import KINDS
from fieldvisit.letters.models import Delivery
from tests.letters.helpers import (
    locating_case,
    pdf_pages,
    pdf_text,
    qr_codes,
    removal_agreed_case,
)


def _case_and_user(session, world, kind):
    if kind == "removal_confirmation":
        return removal_agreed_case(session, world), world.laao
    return locating_case(session, world), world.school_user


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_with_a_qr_code_that_leads_to_its_case(session, world, kind, tmp_path):
    case, user = _case_and_user(session, world, kind)

    letter = services.generate_letter(session, user, case, kind)

    pdf = storage().get(letter.storage_key)
    assert pdf.startswith(b"%PDF-")
    assert pdf_pages(pdf, tmp_path) == 1
    (code,) = qr_codes(pdf, tmp_path)
    assert code.startswith("http://fieldvisit.test/l/")
    token = code.rsplit("/", 1)[1]
    assert len(token) >= 22  # at least 128 bits, URL-safe base64
    assert services.follow_link(session, user, token).case_id == case.id
    text = pdf_text(pdf, tmp_path)
    assert letter.reference in text
    assert case.pupil.full_name in text
    assert case.school.name in text


def test_the_kept_copy_is_hashed_and_the_letter_is_in_the_chronology(session, world):
    case = locating_case(session, world)

    letter = services.generate_letter(session, world.school_user, case, "absence")

    stored = storage().get(letter.storage_key)
    assert hashlib.sha256(stored).hexdigest() == letter.sha256
    assert letter.size == len(stored)
    assert letter.created_by_id == world.school_user.id
    entry = session.scalar(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
    )
    assert entry.kind == "letter"
    assert entry.details["reference"] == letter.reference
    assert entry.details["sha256"] == letter.sha256
    assert letter.reference in entry.summary


def test_references_are_unique_and_count_up(session, world):
    case = locating_case(session, world)
    first = services.generate_letter(session, world.school_user, case, "absence")
    second = services.generate_letter(session, world.school_user, case, "missed_visit")

    year, number = first.reference.split("-")[1:]
    assert first.reference == f"FV-{year}-{number}" and len(number) == 6
    assert second.reference == f"FV-{year}-{int(number) + 1:06d}"


def test_a_pupil_without_an_address_gets_a_letter_for_hand_delivery(session, world, tmp_path):
    from tests.support.factories import make_pupil

    pupil = make_pupil(session, world.school, address_lines=[], postcode="")
    case = locating_case(session, world, pupil=pupil)

    letter = services.generate_letter(
        session, world.school_user, case, "absence", delivery=Delivery.POST
    )

    assert letter.delivery == Delivery.HAND
    assert not letter.address_known
    text = pdf_text(storage().get(letter.storage_key), tmp_path)
    assert "Address unknown: for hand delivery" in text
    assert "BY HAND" in text


def test_a_closed_case_cannot_have_a_letter_home(session, world):
    from fieldvisit.cases.engine import Action, apply
    from fieldvisit.core.errors import ValidationFailed

    case = locating_case(session, world)
    apply(session, case, Action.CHILD_RETURNED, world.school_user)

    with pytest.raises(ValidationFailed, match="cannot be made while the case is 'Closed'"):
        services.generate_letter(session, world.school_user, case, "absence")


def test_only_an_laao_may_confirm_removal_from_roll(session, world):
    from fieldvisit.core.errors import NotAllowed

    case = removal_agreed_case(session, world)

    with pytest.raises(NotAllowed):
        services.generate_letter(session, world.school_user, case, "removal_confirmation")


def test_letters_for_visit_lists_the_letters_home(session, world):
    case = removal_agreed_case(session, world)
    home = services.generate_letter(session, world.school_user, case, "absence")
    services.generate_letter(session, world.laao, case, "removal_confirmation")

    listed = services.letters_for_visit(session, case)

    # Newest first: the absence letter, then the one left at the home visit.
    assert [item["reference"] for item in listed][0] == home.reference
    assert {item["kind"] for item in listed} == {"absence", "missed_visit"}
    assert listed[0]["title"] == KINDS["absence"].label
    assert listed[0]["qr_token"] == home.link.token
    assert listed[0]["created_on"] == home.created_at.date().isoformat()


def test_a_stopped_link_is_not_offered_to_the_phone_for_scanning(session, world):
    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "missed_visit")
    services.revoke_link(session, world.school_user, case, letter)

    (listed,) = services.letters_for_visit(session, case)

    assert listed["reference"] == letter.reference
    assert listed["qr_token"] is None


def test_the_phone_apps_visit_data_carries_the_letters_to_deliver(session, world):
    from fieldvisit.visits.services import letters_to_deliver

    case = locating_case(session, world)
    letter = services.generate_letter(session, world.school_user, case, "missed_visit")

    assert letters_to_deliver(session, case) == [
        {
            "reference": letter.reference,
            "title": KINDS["missed_visit"].label,
            "qr_token": letter.link.token,
        }
    ]
