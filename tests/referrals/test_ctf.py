"""The leaver's CTF: structure, element order, each field, and what it refuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from fieldvisit.core.dates import today_in_uk
from fieldvisit.pupils.models import Contact, ContactKind, Pupil
from fieldvisit.referrals import involvements
from fieldvisit.referrals.ctf import (
    ABROAD,
    LEAVING_REASON,
    CTFRefused,
    CtfRequest,
    academic_year,
    ctf_filename,
    missing_ctf,
)
from tests.referrals.helpers import accepted_case
from tests.support.factories import make_case

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
REQUEST = CtfRequest(left_on=date(2026, 11, 27), now=NOW, version="26.0")


def _children(element: ET.Element) -> list[str]:
    return [child.tag for child in element]


def test_ctf_follows_the_specification_order(session, world):
    case = make_case(session, world)
    pupil = case.pupil
    pupil.address_lines = ["Flat 2", "12 Mill Road", "Demotown"]
    pupil.contacts.append(
        Contact(
            kind=ContactKind.EMERGENCY,
            priority=3,
            forename="Gran",
            surname="Parent",
            relationship_to_pupil="Grandmother",
            address_lines=["3 Fen Way", "Elsewhere"],
            postcode="pe1 1aa",
            phones=["01733 000111"],
        )
    )
    session.flush()
    root = ET.fromstring(missing_ctf(case, REQUEST))
    assert root.tag == "CTfile"
    assert _children(root) == ["Header", "CTFpupilData"]
    header = root.find("Header")
    assert _children(header) == [
        "DocumentName", "CTFversion", "DateTime", "DocumentQualifier", "SupplierID",
        "SourceSchool", "DestSchool",
    ]  # fmt: skip
    assert header.findtext("DateTime") == "2026-12-01T09:30:00"
    assert header.findtext("SupplierID") == "fieldvisit"
    assert _children(header.find("SourceSchool")) == [
        "LEA", "Estab", "URN", "SchoolName", "AcademicYear",
    ]  # fmt: skip
    assert header.findtext("SourceSchool/AcademicYear") == "2026"
    assert _children(header.find("DestSchool")) == ["LEA", "Estab"]
    [element] = root.findall("CTFpupilData/Pupil")
    assert _children(element) == [
        "UPN", "Surname", "Forename", "DOB", "Sex", "BasicDetails", "Address", "Phones",
        "Email", "Contacts", "SchoolHistory",
    ]  # fmt: skip
    assert element.findtext("DOB") == "2016-05-04"
    assert element.findtext("Sex") == "F"
    assert element.findtext("BasicDetails/NCyearActual") == "5"
    assert [e.text for e in element.find("Address/AddressLines")] == [
        "Flat 2", "12 Mill Road", "Demotown",
    ]  # fmt: skip
    assert element.findtext("Address/PostCode") == "CB1 2AB"
    assert element.findtext("Phones/Phone/TelephoneType") == "M"
    assert element.findtext("Email") == "parent@example.invalid"
    contacts = element.findall("Contacts/Contact")
    assert [c.findtext("Order") for c in contacts] == ["1", "2", "3"]
    mother, aunt, gran = contacts
    assert _children(mother) == [
        "Order", "Surname", "Forename", "Relationship", "Responsibility", "AddressAsPupil",
        "Phones", "Email",
    ]  # fmt: skip
    assert (mother.findtext("Relationship"), mother.findtext("Responsibility")) == ("PAM", "true")
    assert aunt.findtext("Relationship") == "REL" and aunt.find("AddressAsPupil") is None
    assert gran.findtext("Address/PostCode") == "PE1 1AA"
    assert gran.findtext("Phones/Phone/TelephoneType") == "H"
    school = element.find("SchoolHistory/School")
    assert _children(school) == ["LEA", "Estab", "SchoolName", "LeavingDate", "LeavingReason"]
    assert school.findtext("LeavingDate") == "2026-11-27"


def test_a_leaver_file_carries_each_field_a_school_system_checks(session, world):
    case = make_case(session, world)
    case.pupil.admitted_on = date(2020, 9, 3)
    case.pupil.year_group = "6"
    session.flush()
    # Made in the summer term: the academic year is that of the day the file is made.
    request = CtfRequest(
        left_on=date(2026, 7, 10), now=datetime(2026, 9, 2, 8, tzinfo=UTC), version="26.1"
    )
    root = ET.fromstring(missing_ctf(case, request))
    assert root.findtext("Header/CTFversion") == "26.1"
    assert root.findtext("Header/DocumentQualifier") == "full"
    assert root.findtext("Header/SourceSchool/AcademicYear") == "2026"
    assert (root.findtext("Header/DestSchool/LEA"), root.findtext("Header/DestSchool/Estab")) == (
        "XXX",
        "XXXX",
    )
    pupil = root.find("CTFpupilData/Pupil")
    assert pupil.findtext("BasicDetails/NCyearActual") == "6"
    school = pupil.find("SchoolHistory/School")
    assert _children(school) == [
        "LEA", "Estab", "SchoolName", "EntryDate", "LeavingDate", "LeavingReason",
    ]  # fmt: skip
    assert school.findtext("EntryDate") == "2020-09-03"
    reason = school.findtext("LeavingReason")
    assert reason == LEAVING_REASON and "9(1)(i)" in reason and len(reason) <= 50


def test_the_abroad_destination(session, world):
    case = make_case(session, world)
    request = CtfRequest(left_on=date(2026, 11, 27), now=NOW, version="26.0", destination=ABROAD)
    root = ET.fromstring(missing_ctf(case, request))
    assert root.findtext("Header/DestSchool/LEA") == "MMM"
    assert root.findtext("Header/DestSchool/Estab") == "MMMM"
    assert ctf_filename(world.school, ABROAD, 12) == "8732001_CTF_MMMMMMM_012.xml"


def test_a_temporary_upn_is_refused(session, world):
    case = make_case(session, world)
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(upn="M80120000500A"))
    session.refresh(case.pupil)
    with pytest.raises(CTFRefused) as refused:
        missing_ctf(case, REQUEST)
    assert "M80120000500A is a temporary UPN" in refused.value.message
    assert "permanent UPN" in refused.value.message


@pytest.mark.parametrize(
    ("year_group", "problem"),
    [
        ("", "the year group is blank"),
        ("Year 5b", "is not a national-curriculum year"),
        ("11", "year 11 does not fit the date of birth 2016-05-04: by age the pupil is in year 6"),
    ],
)
def test_a_year_group_that_is_not_a_code_or_misfits_the_age_is_refused(
    session, world, year_group, problem
):
    case = make_case(session, world)
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(year_group=year_group))
    session.refresh(case.pupil)
    with pytest.raises(CTFRefused) as refused:
        missing_ctf(case, REQUEST)
    assert problem in refused.value.message


def test_file_name_and_academic_year(world):
    assert ctf_filename(world.school) == "8732001_CTF_XXXXXXX_001.xml"
    assert ctf_filename(world.school, serial=7) == "8732001_CTF_XXXXXXX_007.xml"
    assert academic_year(date(2027, 7, 21)) == "2026"
    assert academic_year(date(2026, 9, 1)) == "2026"


def test_names_with_markup_are_escaped(session, world):
    case = make_case(session, world)
    case.pupil.surname = "O'Neil & <Sons> Zoë"
    data = missing_ctf(case, REQUEST)
    assert ET.fromstring(data).findtext("CTFpupilData/Pupil/Surname") == "O'Neil & <Sons> Zoë"
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>')


def test_an_invalid_upn_is_refused_with_what_to_fix(session, world):
    case = make_case(session, world)
    # Imported before UPNs were checked: the model's validator never saw it.
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(upn="A801200005001"))
    session.refresh(case.pupil)
    with pytest.raises(CTFRefused) as refused:
        missing_ctf(case, REQUEST)
    message = refused.value.message
    assert "The check letter should be B, not A" in message
    assert "Correct it on the pupil's record in the school's own system" in message


def test_the_download_refuses_an_invalid_upn_on_the_page(client_for, session, world):
    case, _, _ = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(upn="B80120000500"))
    session.commit()
    school = client_for(world.school_user)
    response = school.get(f"/cases/{case.id}/ctf")
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{case.id}/involvement#ctf")
    page = school.get(response.location).get_data(as_text=True)
    assert "A UPN has 13 characters; this one has 12." in page
    assert "import the roll again" in page
    assert client_for(world.laao).get(f"/cases/{case.id}/ctf").status_code == 403


def _off_roll_case(session, world):
    case, _, _ = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    session.commit()
    return case


def test_the_download_takes_a_serial_per_school_and_keeps_it_for_the_case(
    client_for, session, world
):
    first, second = _off_roll_case(session, world), _off_roll_case(session, world)
    school = client_for(world.school_user)
    names = []
    for case in (first, second, first):
        response = school.get(f"/cases/{case.id}/ctf")
        assert response.status_code == 200
        names.append(response.headers["Content-Disposition"])
        root = ET.fromstring(response.data)
        assert root.findtext("Header/CTFversion") == "26.0"  # the setting's default
    assert names == [
        'attachment; filename="8732001_CTF_XXXXXXX_001.xml"',
        'attachment; filename="8732001_CTF_XXXXXXX_002.xml"',
        'attachment; filename="8732001_CTF_XXXXXXX_001.xml"',
    ]


def test_the_page_hands_off_to_the_school_system_first(client_for, session, world):
    case = _off_roll_case(session, world)
    page = client_for(world.school_user).get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert "Make the pupil a leaver in your own school system with destination" in page
    assert "<strong>XXXXXXX</strong>" in page
    assert "Only if your school system cannot make it" in page
