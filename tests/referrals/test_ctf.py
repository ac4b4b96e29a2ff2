"""The missing pupil CTF: structure, element order, and refusal without a valid UPN."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from fieldvisit.core.dates import today_in_uk
from fieldvisit.pupils.models import Contact, ContactKind, Pupil
from fieldvisit.referrals import involvements
from fieldvisit.referrals.ctf import CTFRefused, academic_year, ctf_filename, missing_ctf
from tests.factories import make_case
from tests.referrals.helpers import accepted_case

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


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
    root = ET.fromstring(missing_ctf(case, left_on=date(2026, 11, 27), leaving_reason="X", now=NOW))
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


def test_file_name_and_academic_year(world):
    assert ctf_filename(world.school) == "8732001_CTF_XXXXXXX_001.xml"
    assert academic_year(date(2027, 7, 21)) == "2026"
    assert academic_year(date(2026, 9, 1)) == "2026"


def test_names_with_markup_are_escaped(session, world):
    case = make_case(session, world)
    case.pupil.surname = "O'Neil & <Sons> Zoë"
    data = missing_ctf(case, left_on=date(2026, 11, 27), leaving_reason="X", now=NOW)
    assert ET.fromstring(data).findtext("CTFpupilData/Pupil/Surname") == "O'Neil & <Sons> Zoë"
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>')


def test_an_invalid_upn_is_refused_with_what_to_fix(session, world):
    case = make_case(session, world)
    # Imported before UPNs were checked: the model's validator never saw it.
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(upn="A801200005001"))
    session.refresh(case.pupil)
    with pytest.raises(CTFRefused) as refused:
        missing_ctf(case, left_on=date(2026, 11, 27), leaving_reason="X", now=NOW)
    message = refused.value.message
    assert "The check letter should be B, not A" in message
    assert "Correct the UPN on the pupil's record" in message


def test_the_download_refuses_an_invalid_upn_on_the_page(client_for, session, world):
    case, _, _ = accepted_case(session, world, days_ago=28)
    involvements.agree_removal(session, world.laao, case)
    involvements.record_removal(session, world.school_user, case, off_roll_on=today_in_uk())
    session.execute(update(Pupil).where(Pupil.id == case.pupil_id).values(upn="B80120000500"))
    session.commit()
    school = client_for(world.school_user)
    response = school.get(f"/cases/{case.id}/ctf")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A UPN has 13 characters; this one has 12." in page
    assert "Correct the UPN" in page
    assert client_for(world.laao).get(f"/cases/{case.id}/ctf").status_code == 403
