"""What the LA triages on: recorded on the pupil by the school, read from roll files with the
DfE's codes, and carried on the referral the LA reviews."""

from __future__ import annotations

from sqlalchemy import select

from fieldvisit.core.audit import AuditEvent
from fieldvisit.pupils.characteristics import flags
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals.services import submit_referral
from tests.pupils.test_roll_import import HEADER, roll, row, upload, upn
from tests.referrals.helpers import locating_case
from tests.support.factories import make_pupil

FORM = {
    "sen_provision": "E",
    "ethnicity": "WROM",
    "first_language": "OTH",
    "language_spoken": "Romanian",
    "interpreter_needed": "yes",
    "fsm_eligible": "yes",
    "service_child": "no",
    "believed_country": "Romania",
}


def test_the_school_records_them_and_the_pupil_page_shows_them(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    client = signed_in(world.school_user)
    path = f"/pupils/{pupil.id}/characteristics"

    form = client.get(path).get_data(as_text=True)
    response = client.post(path, data=FORM)
    page = client.get(f"/pupils/{pupil.id}").get_data(as_text=True)

    assert "Not recorded" in form and response.status_code == 302
    session.refresh(pupil)
    assert (pupil.sen_provision, pupil.ethnicity, pupil.language_spoken) == (
        "E",
        "WROM",
        "Romanian",
    )
    assert (pupil.interpreter_needed, pupil.fsm_eligible, pupil.service_child) == (
        True,
        True,
        False,
    )
    assert flags(pupil) == ["EHC plan", "EAL", "Interpreter", "Gypsy, Roma or Traveller", "FSM"]
    assert "Education, health and care plan" in page and "Other than English (Romanian)" in page
    change = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "update", AuditEvent.object_id == pupil.id)
    ).one()
    assert "sen_provision" in change.detail["characteristics"]
    assert "WROM" not in str(change.detail) and "Romania" not in str(change.detail)


def test_a_blank_answer_is_not_recorded_and_a_made_up_code_is_refused(session, world, signed_in):
    pupil = make_pupil(
        session,
        world.school,
    )
    pupil.ethnicity, pupil.fsm_eligible = "WBRI", True
    session.commit()
    client = signed_in(world.school_user)
    path = f"/pupils/{pupil.id}/characteristics"

    refused = client.post(path, data={"ethnicity": "XXXX"})
    client.post(path, data={"ethnicity": "", "fsm_eligible": ""})

    assert refused.status_code == 400
    assert "must be one of the DfE&#39;s codes" in refused.get_data(as_text=True)
    session.refresh(pupil)
    assert (pupil.ethnicity, pupil.fsm_eligible) == (None, None)


def test_other_roles_cannot_change_them(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    for user in (world.laao, world.officer, world.other_school_user):
        response = signed_in(user).post(f"/pupils/{pupil.id}/characteristics", data=FORM)
        assert response.status_code in (403, 404), user.email


def test_a_csv_roll_brings_them_and_a_bad_code_is_named_by_line(session, world, signed_in):
    header = HEADER.rstrip("\n") + ",SEN provision,Ethnicity,First language,FSM,Service child\n"
    client = signed_in(world.school_user)

    upload(client, header + row(1).rstrip("\n") + ",K,BAFR,POL,Y,N\n")
    bad = upload(client, header + row(2).rstrip("\n") + ",Q,WBRI,ENG,Y,N\n")

    amy = roll(session, world)[upn(1)]
    assert (amy.sen_provision, amy.ethnicity, amy.first_language, amy.language_spoken) == (
        "K",
        "BAFR",
        "OTH",
        "POL",
    )
    assert (amy.fsm_eligible, amy.service_child) == (True, False)
    page = bad.get_data(as_text=True)
    assert "SEN provision must be one of the DfE" in page and upn(2) not in roll(session, world)


def test_an_import_without_them_keeps_what_the_school_recorded(session, world, signed_in):
    client = signed_in(world.school_user)
    upload(client, HEADER + row(1))
    amy = roll(session, world)[upn(1)]
    amy.sen_provision = "E"
    session.commit()

    upload(client, HEADER + row(1, surname="Jones"))

    session.refresh(amy)
    assert (amy.surname, amy.sen_provision) == ("Jones", "E")


def test_a_ctf_brings_them(session, world, signed_in):
    ctf = f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile><Header><DocumentName>Common Transfer File</DocumentName></Header><CTFpupilData>
  <Pupil>
    <UPN>{upn(7)}</UPN><Surname>Nowak</Surname><Forename>Kacper</Forename>
    <DOB>2014-09-12</DOB><Sex>M</Sex>
    <BasicDetails><NCyearActual>6</NCyearActual><Ethnicity>WOTH</Ethnicity>
      <Languages><Type><LanguageType>F</LanguageType><Language>POL</Language></Type></Languages>
      <ServiceChild>Y</ServiceChild></BasicDetails>
    <FSMhistory><FSMinstance><FSMstartDate>2024-01-08</FSMstartDate></FSMinstance></FSMhistory>
    <SENhistory><SEN><StartDate>2022-09-01</StartDate><SENprovision>N</SENprovision></SEN>
      <SEN><StartDate>2024-09-01</StartDate><SENprovision>K</SENprovision></SEN></SENhistory>
  </Pupil>
</CTFpupilData></CTfile>"""
    upload(signed_in(world.school_user), ctf, "roll.xml")
    pupil: Pupil = roll(session, world)[upn(7)]
    assert (pupil.ethnicity, pupil.first_language, pupil.language_spoken) == ("WOTH", "OTH", "POL")
    assert (pupil.sen_provision, pupil.fsm_eligible, pupil.service_child) == ("K", True, True)


def test_the_referral_carries_them_to_the_la(session, world, signed_in):
    case = locating_case(session, world)
    case.pupil.sen_provision, case.pupil.first_language = "E", "OTB"
    case.pupil.interpreter_needed = True
    referral = submit_referral(
        session, world.school_user, case, summary_of_enquiries="Calls, visit, neighbours."
    )
    session.commit()

    page = signed_in(world.laao).get(f"/la/referrals/{referral.id}").get_data(as_text=True)

    assert "What the LA triages on" in page
    assert "<strong>Education, health and care plan</strong>" in page
    assert "<strong>Believed to be other than English</strong>" in page
    labels = [c["label"] for c in referral.content["characteristics"]]
    assert "Eligible for free school meals" in labels  # kept as it was when referred
