"""The missing ("lost pupil") Common Transfer File for a pupil removed from roll.

CTF 25.0 as DfE's own code writes it: root `CTfile`, no namespace, UTF-8,
dates yyyy-MM-dd, one pupil per file, destination LEA `XXX` and Estab `XXXX`
so the file lands in the Lost Pupil Database. Sections are optional but, when
present, come in the order the specification gives.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

from fieldvisit.cases.models import Case
from fieldvisit.core.dates import UK_TIME
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.upn import InvalidUPN, validate_upn
from fieldvisit.pupils.models import Contact, Pupil
from fieldvisit.schools.models import School

CTF_VERSION = "25.0"
SUPPLIER_ID = "fieldvisit"
LOST_LEA, LOST_ESTAB = "XXX", "XXXX"
MAX_ADDRESS_LINES = 5
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

# CBDS relationship codes for the relationships schools usually type; anything else is OTH.
_RELATIONSHIPS = {
    "mother": "PAM",
    "father": "PAF",
    "step-mother": "STM",
    "stepmother": "STM",
    "step-father": "STF",
    "stepfather": "STF",
    "carer": "CAR",
    "foster mother": "FOM",
    "foster father": "FOF",
    "grandmother": "GRM",
    "grandfather": "GRF",
    "grandparent": "REL",
    "aunt": "REL",
    "uncle": "REL",
    "sister": "REL",
    "brother": "REL",
    "social worker": "SWR",
    "doctor": "DOC",
}


class CTFRefused(ValidationFailed):
    """The pupil's record cannot make a valid CTF; the message says what to fix."""


def ctf_filename(school: School) -> str:
    """Name the file LLLEEEE_CTF_XXXXXXX_001.xml: source school, lost destination, serial."""
    return f"{school.la_code}{school.estab}_CTF_{LOST_LEA}{LOST_ESTAB}_001.xml"


def academic_year(on: date) -> str:
    """Return the academic year a date falls in, as the year it starts: 2026 for 2026/27."""
    return str(on.year if on.month >= 9 else on.year - 1)


def check_pupil(pupil: Pupil) -> str:
    """Return the pupil's valid UPN, or refuse saying what to fix."""
    try:
        return validate_upn(pupil.upn or "")
    except InvalidUPN as error:
        message = (
            f"The missing pupil CTF needs a valid UPN, and this pupil's UPN "
            f"({pupil.upn or 'blank'}) is not valid: {error} Correct the UPN on the pupil's "
            "record (it is on the pupil's file in the school's MIS), then download the CTF again."
        )
        raise CTFRefused(message, fields={"upn": [str(error)]}) from None


def _text(parent: ET.Element, tag: str, value: str | None) -> ET.Element | None:
    if value is None or value == "":
        return None
    element = ET.SubElement(parent, tag)
    element.text = value
    return element


def _phone_type(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return "M" if digits.startswith(("07", "447")) else "H"


def _phones(parent: ET.Element, numbers: list[str]) -> None:
    numbers = [n for n in numbers if n.strip()]
    if not numbers:
        return
    phones = ET.SubElement(parent, "Phones")
    for number in numbers:
        phone = ET.SubElement(phones, "Phone")
        _text(phone, "TelephoneType", _phone_type(number))
        _text(phone, "PhoneNo", number.strip())


def _address(parent: ET.Element, lines: list[str], postcode: str) -> None:
    lines = [line.strip() for line in lines if line.strip()]
    if not lines and not postcode.strip():
        return
    address = ET.SubElement(parent, "Address")
    if lines:
        address_lines = ET.SubElement(address, "AddressLines")
        # Lines beyond the fifth are joined into the last so nothing is dropped.
        kept = lines[: MAX_ADDRESS_LINES - 1] + [", ".join(lines[MAX_ADDRESS_LINES - 1 :])]
        for number, line in enumerate(filter(None, kept), start=1):
            _text(address_lines, f"AddressLine{number}", line)
    _text(address, "PostCode", postcode.strip().upper())


def _contact(parent: ET.Element, order: int, contact: Contact) -> None:
    element = ET.SubElement(parent, "Contact")
    _text(element, "Order", str(order))
    _text(element, "Title", contact.title)
    _text(element, "Surname", contact.surname)
    _text(element, "Forename", contact.forename)
    relationship = contact.relationship_to_pupil.strip().lower()
    _text(element, "Relationship", _RELATIONSHIPS.get(relationship, "OTH"))
    _text(element, "Responsibility", "true" if contact.parental_responsibility else "false")
    if any(line.strip() for line in contact.address_lines) or contact.postcode.strip():
        _address(element, contact.address_lines, contact.postcode)
    elif contact.lives_with_pupil:
        _text(element, "AddressAsPupil", "true")
    _phones(element, contact.phones)
    _text(element, "Email", contact.email.strip())


def missing_ctf(case: Case, *, left_on: date, leaving_reason: str, now: datetime) -> bytes:
    """Write the lost-pupil CTF for the case's pupil, left on roll until `left_on`."""
    pupil, school = case.pupil, case.school
    upn = check_pupil(pupil)
    root = ET.Element("CTfile")
    header = ET.SubElement(root, "Header")
    _text(header, "DocumentName", "Common Transfer File")
    _text(header, "CTFversion", CTF_VERSION)
    _text(header, "DateTime", now.astimezone(UK_TIME).strftime("%Y-%m-%dT%H:%M:%S"))
    _text(header, "DocumentQualifier", "partial")
    _text(header, "SupplierID", SUPPLIER_ID)
    source = ET.SubElement(header, "SourceSchool")
    _text(source, "LEA", school.la_code)
    _text(source, "Estab", school.estab)
    _text(source, "URN", school.urn)
    _text(source, "SchoolName", school.name)
    _text(source, "AcademicYear", academic_year(left_on))
    dest = ET.SubElement(header, "DestSchool")
    _text(dest, "LEA", LOST_LEA)
    _text(dest, "Estab", LOST_ESTAB)

    data = ET.SubElement(root, "CTFpupilData")
    element = ET.SubElement(data, "Pupil")
    _text(element, "UPN", upn)
    _text(element, "Surname", pupil.surname)
    _text(element, "Forename", pupil.forename)
    _text(element, "DOB", pupil.date_of_birth.isoformat())
    _text(element, "Sex", pupil.sex.value)
    if pupil.year_group:
        basic = ET.SubElement(element, "BasicDetails")
        _text(basic, "NCyearActual", pupil.year_group)
    _address(element, pupil.address_lines, pupil.postcode)
    household = [c for c in pupil.contacts if c.lives_with_pupil]
    _phones(element, [n for c in household for n in c.phones])
    _text(element, "Email", next((c.email.strip() for c in household if c.email.strip()), ""))
    if pupil.contacts:
        contacts = ET.SubElement(element, "Contacts")
        for order, contact in enumerate(pupil.contacts, start=1):
            _contact(contacts, order, contact)
    history = ET.SubElement(element, "SchoolHistory")
    school_element = ET.SubElement(history, "School")
    _text(school_element, "LEA", school.la_code)
    _text(school_element, "Estab", school.estab)
    _text(school_element, "SchoolName", school.name)
    if pupil.expected_start_on:
        _text(school_element, "EntryDate", pupil.expected_start_on.isoformat())
    _text(school_element, "LeavingDate", left_on.isoformat())
    _text(school_element, "LeavingReason", leaving_reason)

    ET.indent(root)
    # Written by hand: ElementTree's own declaration uses single quotes, which some school
    # systems' importers refuse.
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode() + b"\n"
