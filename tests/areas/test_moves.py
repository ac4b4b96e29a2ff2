"""Moves between areas, through the pages: a CME referral to another LA, its PDF and answer,
the lost pupil database, and the case closed as moved to another local authority."""

from datetime import timedelta

from sqlalchemy import select

from fieldvisit.areas.models import AreaAnswer, AreaReferral
from fieldvisit.cases.models import CaseState, Outcome
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk
from fieldvisit.referrals.models import Involvement
from fieldvisit.schools.authorities import ENGLISH_AUTHORITIES, area_choices
from tests.letters.helpers import pdf_text
from tests.referrals.helpers import accepted_case
from tests.support.factories import date_fields

TODAY = today_in_uk()


def refer_form(**overrides):
    return {
        "area": "874",
        "sent_to": "Peterborough CME team, by secure email",
        **date_fields("sent_on", TODAY),
        "reasons": "Neighbour says the family moved to Peterborough to be near an aunt.",
        **overrides,
    }


def entries(session, case):
    session.expire_all()
    return list(
        session.scalars(
            select(ChronologyEntry)
            .where(ChronologyEntry.case_id == case.id)
            .order_by(ChronologyEntry.seq)
        )
    )


def test_the_list_holds_every_english_la_once_with_its_dfe_number():
    assert len(ENGLISH_AUTHORITIES) == 153
    assert ENGLISH_AUTHORITIES["873"] == "Cambridgeshire"
    assert ENGLISH_AUTHORITIES["874"] == "Peterborough"
    assert "909" not in ENGLISH_AUTHORITIES  # Cumbria, split in April 2023
    assert {"942", "943"} <= set(ENGLISH_AUTHORITIES)
    codes = [code for code, _ in area_choices()]
    assert len(codes) == len(set(codes)) == 156
    assert codes[-3:] == ["wales", "scotland", "northern_ireland"]
    assert all(len(code) == 3 and code.isdigit() for code in ENGLISH_AUTHORITIES)


def test_the_laao_refers_a_child_to_another_la_and_prints_what_was_sent(
    session, world, signed_in, tmp_path
):
    case, _, _ = accepted_case(session, world)
    client = signed_in(world.laao)
    page = client.get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert f"/cases/{case.id}/moves" in page
    page = client.get(f"/cases/{case.id}/moves").get_data(as_text=True)
    assert "No referral to another local authority yet" in page
    assert "Peterborough (874)" in page and "Northern Ireland" in page

    response = client.post(f"/cases/{case.id}/moves/referrals", data=refer_form())
    assert response.status_code == 302
    referral = session.scalar(select(AreaReferral).where(AreaReferral.case_id == case.id))
    assert (referral.area, referral.sent_on, referral.answer) == ("874", TODAY, None)
    assert referral.content["pupil"]["upn"] == case.pupil.upn
    assert [e["summary"] for e in referral.content["enquiries"]] == [
        "Enquiry: Health (GP, school nurse, health visitor), GP surgery"
    ]
    last = entries(session, case)[-1]
    assert last.kind == "log_enquiry"
    assert "Another local authority (Peterborough (874))" in last.summary
    assert last.details["area"] == "874" and last.details["area_referral_id"] == referral.id

    page = client.get(f"/cases/{case.id}/moves").get_data(as_text=True)
    assert "Awaited" in page and "Record their answer" in page
    download = client.get(f"/cases/{case.id}/moves/referrals/{referral.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert case.pupil.full_name not in download.headers["Content-Disposition"]
    text = " ".join(pdf_text(download.data, tmp_path).split())
    for expected in (
        "referral to another local authority",
        case.pupil.full_name,
        case.pupil.upn,
        "to be near an aunt",
        "surgery",  # the enquiry made before the referral (its words wrap in a table cell)
        world.laao.email,
        case.reference,
        "section 436A",
    ):
        assert expected in text, expected
    assert session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "download", AuditEvent.object_type == "area_referral"
        )
    )


def test_a_referral_with_bad_input_says_what_to_fix_and_keeps_what_was_typed(
    session, world, signed_in
):
    case, _, _ = accepted_case(session, world)
    client = signed_in(world.laao)
    tomorrow = TODAY + timedelta(days=1)
    response = client.post(
        f"/cases/{case.id}/moves/referrals",
        data=refer_form(area="999", sent_to="", **date_fields("sent_on", tomorrow)),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the local authority from the list" in page
    assert "Enter the team or officer you sent it to" in page
    assert "The date must be today or in the past" in page
    assert "near an aunt" in page
    assert session.scalar(select(AreaReferral)) is None


def test_the_answer_is_recorded_once_and_a_found_child_closes_the_case(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    client = signed_in(world.laao)
    client.post(f"/cases/{case.id}/moves/referrals", data=refer_form())
    referral = session.scalar(select(AreaReferral))
    answer_url = f"/cases/{case.id}/moves/referrals/{referral.id}/answer"
    assert client.get(answer_url).status_code == 200
    early = TODAY - timedelta(days=3)
    response = client.post(
        answer_url,
        data={"answer": "on_roll", **date_fields("answered_on", early), "note": "On roll."},
    )
    assert response.status_code == 422
    assert "cannot come before the referral was sent" in response.get_data(as_text=True)

    form = {
        "answer": "on_roll",
        **date_fields("answered_on", TODAY),
        "note": "On roll at Orton Primary since 3 November.",
        "version": referral.version,
    }
    assert client.post(answer_url, data=form).status_code == 302
    session.expire_all()
    referral = session.get(AreaReferral, referral.id)
    assert referral.answer == AreaAnswer.ON_ROLL and referral.answered_by_id == world.laao.id
    assert "Answer to the CME referral: Known to them" in entries(session, case)[-1].note
    again = client.post(answer_url, data={**form, "version": referral.version})
    assert again.status_code == 422 and "already recorded" in again.get_data(as_text=True)

    page = client.get(f"/cases/{case.id}/moves").get_data(as_text=True)
    close = f"/cases/{case.id}/outcome/moved-other-la?area=874"
    assert close in page
    form_page = client.get(close).get_data(as_text=True)
    assert '<option value="874" selected>' in form_page
    response = client.post(
        f"/cases/{case.id}/outcome/moved-other-la",
        data={
            "expected_version": case.version,
            "area": "874",
            **date_fields("effective_on", TODAY - timedelta(days=10)),
            "confirmed_by": "Peterborough CME officer by email today",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert case.state == CaseState.CLOSED and case.outcome == Outcome.MOVED_OTHER_LA
    assert not case.pupil.on_roll
    involvement = session.scalar(select(Involvement).where(Involvement.case_id == case.id))
    assert involvement.closed_at is not None
    assert (
        "Moved to another local authority: Peterborough (874)" in entries(session, case)[-1].summary
    )
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Peterborough (874)" in page


def test_the_outcome_refuses_an_area_not_on_the_list(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    client = signed_in(world.laao)
    response = client.post(
        f"/cases/{case.id}/outcome/moved-other-la",
        data={
            "expected_version": case.version,
            "area": "Peterborough",
            **date_fields("effective_on", TODAY),
            "confirmed_by": "",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Choose the local authority from the list" in page
    assert "Say who confirmed it, how and when" in page
    session.expire_all()
    assert case.state != CaseState.CLOSED


def test_school_and_la_record_lost_pupil_database_searches(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    school = signed_in(world.school_user)
    page = school.get(f"/cases/{case.id}/moves").get_data(as_text=True)
    assert "Record a search" in page
    assert "Refer the child to another local authority" not in page  # the LA refers
    url = f"/cases/{case.id}/moves/lost-pupil-searches"
    response = school.post(url, data={**date_fields("searched_on", TODAY), "found": "yes"})
    assert response.status_code == 400
    assert "Say what the record showed" in response.get_data(as_text=True)
    response = school.post(
        url, data={**date_fields("searched_on", TODAY), "found": "no", "note": ""}
    )
    assert response.status_code == 302
    last = entries(session, case)[-1]
    assert (last.details["enquiry_with"], last.details["found"]) == ("lost_pupil_database", False)
    assert last.actor_id == world.school_user.id
    page = school.get(f"/cases/{case.id}/moves").get_data(as_text=True)
    assert "No record found" in page
    assert school.post(f"/cases/{case.id}/moves/referrals", data=refer_form()).status_code == 403


def test_moves_need_an_involvement_and_a_role_on_the_case(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    assert signed_in(world.other_school_user).get(f"/cases/{case.id}/moves").status_code == 404
    assert signed_in(world.officer).get(f"/cases/{case.id}/moves").status_code in (403, 404)


def test_an_enquiry_with_another_la_names_it(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    client = signed_in(world.laao)
    form = {
        "enquiry_with": "other_la",
        "contacted": "Norfolk admissions",
        "result": "Not known.",
        **date_fields("occurred_on", TODAY),
    }
    response = client.post(f"/cases/{case.id}/involvement/enquiries", data=form)
    assert response.status_code == 400
    assert "Choose which local authority was asked" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/involvement/enquiries", data={**form, "area": "926"})
    assert response.status_code == 302
    last = entries(session, case)[-1]
    assert "Another local authority (Norfolk (926))" in last.summary
    assert (last.details["enquiry_with"], last.details["area"]) == ("other_la", "926")
