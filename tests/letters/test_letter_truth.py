"""Letters state only what the record holds: the attempts made, the grounds for removal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldvisit.cases import services as cases
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import format_date, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.letters import services
from fieldvisit.letters.models import Letter
from fieldvisit.referrals.models import Involvement, Referral
from tests.letters.helpers import locating_case, pdf_text, removal_agreed_case
from tests.support.factories import first_day_for, make_case
from tests.support.visits import assign, case_letter, send, visit_item


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _make(client, case, kind):
    return client.post(
        f"/cases/{case.id}/letters",
        data={"letter_kind": kind, "letter_delivery": "post", "return_to": "letters"},
    )


def test_the_final_letter_names_only_the_attempts_recorded(
    session, world, signed_in, client, tmp_path
):
    case = locating_case(session, world)  # one phone call logged today, nothing else
    session.commit()
    school = signed_in(world.school_user)
    assert _make(school, case, "final").status_code == 302
    letter = session.scalars(select(Letter).where(Letter.kind == "final")).one()
    text = _flat(pdf_text(school.get(f"/cases/{case.id}/letters/{letter.id}.pdf").data, tmp_path))
    today = format_date(today_in_uk())
    assert f"To reach you, we phoned you on {today}. We have not been able" in text
    assert "phoned, written and visited" not in text
    assert "wrote to you" not in text and "called at your home" not in text

    # A home visit with one of this case's letters left, synced from the officer's phone.
    assign(session, world, case)
    reference = case_letter(session, world, case)
    client.post("/logout")
    signed_in(world.officer)
    arrived = utcnow() - timedelta(minutes=1)  # the visit's day, even just after midnight
    visit = visit_item(case, letter_reference=reference, arrived_at=arrived.isoformat())
    assert send(client, visit).status_code == 200
    visited = format_date(uk_date(arrived))
    client.post("/logout")
    school = signed_in(world.school_user)
    assert _make(school, case, "final").status_code == 302
    second = session.scalars(
        select(Letter).where(Letter.kind == "final").order_by(Letter.id.desc())
    ).first()
    text = _flat(pdf_text(school.get(f"/cases/{case.id}/letters/{second.id}.pdf").data, tmp_path))
    # The first final letter went by post, so it counts as writing to the family.
    assert (
        f"To reach you, we phoned you on {today}; we wrote to you on {today}; "
        f"we called at your home on {visited} and left a letter." in text
    )


def test_a_letter_that_would_state_an_attempt_not_recorded_cannot_be_made(
    session, world, signed_in
):
    """The only attempt logged is a call to a sibling's school: no letter may say 'we phoned'."""
    case = make_case(session, world, first_day=first_day_for(session, world.school, 3))
    cases.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=Method.SIBLING_SCHOOL,
        target="Demotown High School",
        contact_name="Office",
        occurred_at=utcnow(),
        contact_made=False,
    )
    cases.record_no_contact(session, world.school_user, case)
    session.commit()
    school = signed_in(world.school_user)
    page = school.get(f"/cases/{case.id}/letters").get_data(as_text=True)
    assert "no such attempt is logged on this case: log the calls first, then make a final" in (
        page.replace("\n", " ")
    )
    response = _make(school, case, "final")
    assert response.status_code == 400
    assert "no such attempt is logged" in response.get_data(as_text=True)
    assert _make(school, case, "absence").status_code == 400
    assert session.scalar(select(Letter).where(Letter.case_id == case.id)) is None


def test_no_laao_confirmation_before_the_twentieth_school_day(session, world, tmp_path):
    """Even in a state that allows it (data from before these rules), the grounds are checked."""
    case = locating_case(session, world, first_day=first_day_for(session, world.school, 12))
    referral = Referral(
        case_id=case.id, submitted_by_id=world.school_user.id, submitted_at=utcnow()
    )
    session.add(referral)
    session.flush()
    session.add(
        Involvement(
            case_id=case.id,
            referral_id=referral.id,
            laao_id=world.laao.id,
            opened_at=utcnow() - timedelta(days=35),
        )
    )
    case.state = CaseState.REMOVAL_AGREED
    session.flush()
    with pytest.raises(ValidationFailed) as refused:
        services.generate_letter(session, world.laao, case, "removal_confirmation")
    assert "regulation 9(1)(i)" in refused.value.message
    assert "log at least one enquiry" in refused.value.message
    assert "needs continuous absence of at least 20 school days" in refused.value.message


def test_the_laao_confirmation_cites_regulation_9_1_i_with_the_record(session, world, tmp_path):
    case = removal_agreed_case(session, world)
    letter = services.generate_letter(session, world.laao, case, "removal_confirmation")
    from fieldvisit.core.storage import storage

    text = _flat(pdf_text(storage().get(letter.storage_key), tmp_path))
    assert "regulation 9(1)(i) of the School Attendance (Pupil Registration) (England)" in text
    assert "Regulations 2024 (SI 2024/208)" in text
    assert re.search(r"continuously absent since .+, \d+ school days by the school", text)
    assert "(1 logged on the case)" in text
    assert "make the pupil a leaver in your own school information system" in text
    assert "deletion return" in text
