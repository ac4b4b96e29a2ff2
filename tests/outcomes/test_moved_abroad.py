"""Moved abroad: an outcome on named evidence, and the CTF to the abroad destination."""

import xml.etree.ElementTree as ET

from fieldvisit.cases.models import CaseState, Outcome
from fieldvisit.core.dates import today_in_uk
from fieldvisit.referrals import involvements
from tests.outcomes.test_outcome_forms import last_entry, post, record_of
from tests.referrals.helpers import accepted_case
from tests.support.casework import case_on_day
from tests.support.factories import date_fields

TODAY = today_in_uk()


def abroad_form(**overrides):
    return {
        "country": "Poland",
        **date_fields("effective_on", TODAY),
        "evidence": "parent",
        "confirmed_by": "Mother, by email on the day",
        **overrides,
    }


def test_the_school_records_a_move_abroad_and_the_ctf_goes_to_mmmmmmm(session, world, signed_in):
    case = case_on_day(session, world, 3)
    client = signed_in(world.school_user)
    assert "Moved abroad" in client.get(f"/cases/{case.id}/outcome").get_data(as_text=True)
    response = post(client, case, "moved-abroad", abroad_form())
    assert response.status_code == 302
    record = record_of(session, case)
    assert record.kind == Outcome.MOVED_ABROAD and record.removed_from_roll
    assert (record.abroad.country, record.abroad.evidence.value) == ("Poland", "parent")
    assert case.state == CaseState.CLOSED and not case.pupil.on_roll
    assert case.pupil.left_on == TODAY
    assert "Moved abroad: to Poland" in last_entry(session, case).summary
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Mother, by email on the day" in page
    assert "<strong>MMMMMMM</strong> (moved abroad)" in page
    download = client.get(f"/cases/{case.id}/ctf")
    assert download.status_code == 200
    assert 'filename="8732001_CTF_MMMMMMM_001.xml"' in download.headers["Content-Disposition"]
    root = ET.fromstring(download.data)
    assert root.findtext("Header/DestSchool/LEA") == "MMM"
    assert root.findtext("Header/DestSchool/Estab") == "MMMM"
    assert root.findtext("CTFpupilData/Pupil/SchoolHistory/School/LeavingDate") == TODAY.isoformat()


def test_a_new_school_abroad_must_be_named_and_evidence_chosen(session, world, signed_in):
    case = case_on_day(session, world, 3)
    client = signed_in(world.school_user)
    response = post(client, case, "moved-abroad", abroad_form(evidence="new_school"))
    assert response.status_code == 400
    assert "Enter the name of the new school abroad" in response.get_data(as_text=True)
    response = post(client, case, "moved-abroad", abroad_form(evidence="", confirmed_by=""))
    page = response.get_data(as_text=True)
    assert "Select what shows the child has moved abroad" in page
    assert "Say who confirmed it, how and when" in page
    assert record_of(session, case) is None


def test_the_laao_records_abroad_after_removal_and_the_ctf_follows(session, world, signed_in):
    case, _, _ = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=TODAY)
    session.commit()
    laao = signed_in(world.laao)
    page = laao.get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert "Record that the child has moved abroad" in page
    form = abroad_form(evidence="police_or_home_office", confirmed_by="Home Office ref HO-123")
    assert post(laao, case, "moved-abroad", form).status_code == 302
    record = record_of(session, case)
    assert case.state == CaseState.CLOSED and record.kind == Outcome.MOVED_ABROAD
    assert not record.removed_from_roll  # the school had already removed the pupil
    involvement = involvements.latest_involvement(session, case)
    assert involvement.closed_at is not None and "Moved abroad" in involvement.outcome
    school = signed_in(world.school_user)
    download = school.get(f"/cases/{case.id}/ctf")
    assert 'filename="8732001_CTF_MMMMMMM_001.xml"' in download.headers["Content-Disposition"]
