"""The leaver's Common Transfer File for a pupil removed from roll.

As DfE's own code writes it: root `CTfile`, no namespace, UTF-8, dates
yyyy-MM-dd, one pupil per file, a `full` file (the pupil is leaving), the
version a setting. The destination is LEA `XXX` and Estab `XXXX` so the file
lands in the Lost Pupil Database, or `MMM`/`MMMM` for a pupil gone abroad.
Sections are optional but, when present, come in the order the specification
gives.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime

from fieldvisit.cases.models import Case
from fieldvisit.core.calendar import academic_year_start
from fieldvisit.core.dates import UK_TIME
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.ncyear import InvalidYear, expected_year, fits_date_of_birth, nc_year_code
from fieldvisit.core.upn import InvalidUPN, validate_upn
from fieldvisit.pupils.models import Contact, Pupil
from fieldvisit.schools.models import School

SUPPLIER_ID = "fieldvisit"
# The removal ground, short enough for a school system's leaving-reason field.
LEAVING_REASON = "Reg 9(1)(i): not located after joint enquiries"
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


@dataclass(frozen=True)
class Destination:
    lea: str
    estab: str
    description: str

    @property
    def code(self) -> str:
        return self.lea + self.estab


LOST = Destination("XXX", "XXXX", "destination unknown")
ABROAD = Destination("MMM", "MMMM", "moved abroad")


class CTFRefused(ValidationFailed):
    """The pupil's record cannot make a valid CTF; the message says what to fix."""


def ctf_filename(school: School, destination: Destination = LOST, serial: int = 1) -> str:
    """Name the file LLLEEEE_CTF_XXXXXXX_NNN.xml: source school, destination, serial."""
    return f"{school.la_code}{school.estab}_CTF_{destination.code}_{serial:03d}.xml"


def academic_year(on: date) -> str:
    """Return the academic year a date falls in, as the year it starts: 2026 for 2026/27."""
    return str(academic_year_start(on))


def _refuse(what: str, problem: str, field: str) -> CTFRefused:
    message = (
        f"The CTF needs {what}: {problem} Correct it on the pupil's record in the school's "
        "own system and import the roll again (pupils are matched by UPN), then download "
        "the CTF again."
    )
    return CTFRefused(message, fields={field: [problem]})


def check_pupil(pupil: Pupil) -> str:
    """Return the pupil's valid, permanent UPN, or refuse saying what to fix."""
    try:
        upn = validate_upn(pupil.upn or "")
    except InvalidUPN as error:
        problem = f"this pupil's UPN ({pupil.upn or 'blank'}) is not valid: {error}"
        raise _refuse("a valid UPN", problem, "upn") from None
    if not upn[-1].isdigit():
        problem = (
            f"{upn} is a temporary UPN (it ends in a letter). A CTF carries the permanent "
            "UPN: find it on the pupil's earlier CTF or ask the LA's UPN contact."
        )
        raise _refuse("the pupil's permanent UPN", problem, "upn")
    return upn


def check_year(pupil: Pupil, on: date) -> str:
    """Return the pupil's national-curriculum year code if it fits the date of birth."""
    try:
        code = nc_year_code(pupil.year_group or "")
    except InvalidYear as error:
        problem = str(error) if pupil.year_group else "the year group is blank."
        raise _refuse("a national-curriculum year", problem, "year_group") from None
    if not fits_date_of_birth(code, pupil.date_of_birth, on):
        by_age = expected_year(pupil.date_of_birth, on) or "none (below nursery age)"
        problem = (
            f"year {code} does not fit the date of birth "
            f"{pupil.date_of_birth.isoformat()}: by age the pupil is in year {by_age}."
        )
        raise _refuse("a year group that fits the date of birth", problem, "year_group")
    return code


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


@dataclass(frozen=True)
class CtfRequest:
    """What a leaver's CTF needs beyond the case: when, where to, which version."""

    left_on: date
    now: datetime
    version: str
    destination: Destination = LOST
    leaving_reason: str = LEAVING_REASON


def missing_ctf(case: Case, request: CtfRequest) -> bytes:
    """Write the leaver's CTF for the case's pupil, on roll until `request.left_on`."""
    pupil, school = case.pupil, case.school
    made_on = request.now.astimezone(UK_TIME)
    upn = check_pupil(pupil)
    year = check_year(pupil, made_on.date())
    root = ET.Element("CTfile")
    header = ET.SubElement(root, "Header")
    _text(header, "DocumentName", "Common Transfer File")
    _text(header, "CTFversion", request.version)
    _text(header, "DateTime", made_on.strftime("%Y-%m-%dT%H:%M:%S"))
    _text(header, "DocumentQualifier", "full")
    _text(header, "SupplierID", SUPPLIER_ID)
    source = ET.SubElement(header, "SourceSchool")
    _text(source, "LEA", school.la_code)
    _text(source, "Estab", school.estab)
    _text(source, "URN", school.urn)
    _text(source, "SchoolName", school.name)
    _text(source, "AcademicYear", academic_year(made_on.date()))
    dest = ET.SubElement(header, "DestSchool")
    _text(dest, "LEA", request.destination.lea)
    _text(dest, "Estab", request.destination.estab)

    data = ET.SubElement(root, "CTFpupilData")
    element = ET.SubElement(data, "Pupil")
    _text(element, "UPN", upn)
    _text(element, "Surname", pupil.surname)
    _text(element, "Forename", pupil.forename)
    _text(element, "DOB", pupil.date_of_birth.isoformat())
    _text(element, "Sex", pupil.sex.value)
    basic = ET.SubElement(element, "BasicDetails")
    _text(basic, "NCyearActual", year)
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
    if pupil.admitted_on:
        _text(school_element, "EntryDate", pupil.admitted_on.isoformat())
    _text(school_element, "LeavingDate", request.left_on.isoformat())
    _text(school_element, "LeavingReason", request.leaving_reason)

    ET.indent(root)
    # Written by hand: ElementTree's own declaration uses single quotes, which some school
    # systems' importers refuse.
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode() + b"\n"
