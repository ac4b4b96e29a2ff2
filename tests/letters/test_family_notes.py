"""Every letter home asks what ends a case, states the law, and says where to turn."""

from __future__ import annotations

import pytest

from fieldvisit.cases.engine import Action, apply
from fieldvisit.chronology.models import Method
from fieldvisit.core.storage import storage
from fieldvisit.letters import services
from fieldvisit.letters.kinds import KINDS, Audience
from fieldvisit.letters.wording import save_wording
from tests.letters.helpers import locating_case, pdf_pages, pdf_text

FAMILY = sorted(key for key, kind in KINDS.items() if kind.audience == Audience.FAMILY)
STANDING = (
    "If you have moved, tell us your new address and the name of Alex's new school.",
    "If you are educating Alex at home, tell us in writing",
    "(section 7 of the Education Act 1996)",
    "may consider action under section 444 of the Act",
    "Contact our designated safeguarding lead, Dee Lead, on",
    "If you would like this letter in another language, in large print or read to you",
)


def _letter_text(session, world, tmp_path, kind: str, **case_fields: object) -> str:
    case = locating_case(session, world)
    for name, value in case_fields.items():
        setattr(case.pupil.contacts[0], name, value)
    apply(session, case, Action.LOG_CONTACT, world.school_user, method=Method.PHONE, summary="Call")
    letter = services.generate_letter(session, world.school_user, case, kind)
    pdf = storage().get(letter.storage_key)
    assert pdf_pages(pdf, tmp_path) <= 2
    return " ".join(pdf_text(pdf, tmp_path).split())


@pytest.mark.parametrize("kind", FAMILY)
def test_every_letter_home_carries_the_standing_notes(session, world, tmp_path, kind):
    text = _letter_text(session, world, tmp_path, kind)
    for words in STANDING:
        assert words in text


def test_an_las_saved_wording_keeps_the_notes(session, world, tmp_path):
    save_wording(
        session,
        world.admin,
        world.la,
        KINDS["absence"],
        "{{ salutation }},\n\nPlease ring {{ school_name }}. {{ safeguarding_contact }}",
    )
    text = _letter_text(session, world, tmp_path, "absence")
    assert "Please ring" in text
    assert all(words in text for words in STANDING)


def test_the_salutation_uses_title_and_surname_when_recorded(session, world, tmp_path):
    assert "Dear Ms Parent," in _letter_text(session, world, tmp_path, "absence", title="Ms")
    assert "Dear parent or carer," in _letter_text(session, world, tmp_path, "absence", title="")


def test_the_removal_confirmation_reminds_the_school_whatever_the_wording(session, world, tmp_path):
    from tests.letters.helpers import removal_agreed_case

    save_wording(
        session,
        world.admin,
        world.la,
        KINDS["removal_confirmation"],
        "{{ salutation }},\n\n{{ school_name }} may remove {{ pupil_forename }} from roll.",
    )
    case = removal_agreed_case(session, world)
    letter = services.generate_letter(session, world.laao, case, "removal_confirmation")
    text = " ".join(pdf_text(storage().get(letter.storage_key), tmp_path).split())
    assert "make the pupil a leaver in your own school information system" in text
    assert f"send {world.la.name} the deletion return" in text
