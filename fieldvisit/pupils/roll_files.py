"""Read a roll exported from the school's system: a CSV file or a Common Transfer File.

Each reader turns the file into rows of plain values with the line they start
on; `services.import_roll` validates them. A file that cannot be read at all
raises RollFileError and nothing is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

MAX_BYTES = 5 * 1024 * 1024
MAX_CONTACTS = 4
# A CTF of a 3,000-pupil school with four contacts each has about 200,000 elements.
MAX_XML_ELEMENTS = 500_000


class RollFileError(ValueError):
    """The file as a whole cannot be read; the message says why."""


@dataclass
class ParsedRoll:
    kind: str
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def parse_roll(data: bytes) -> ParsedRoll:
    """Read a CSV or CTF file, telling them apart by their content."""
    if not data.strip():
        raise RollFileError("The file is empty")
    if len(data) > MAX_BYTES:
        raise RollFileError("The file must be smaller than 5 MB")
    if _looks_like_xml(data):
        return parse_ctf(data)
    return parse_csv(data)


def _looks_like_xml(data: bytes) -> bool:
    """Say whether the file starts with "<" in UTF-8 or UTF-16 (with or without a BOM)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head = data[:400].decode("utf-16", errors="ignore")
    elif data[:2] in (b"<\x00", b"\x00<"):
        head = data[:400].decode("utf-16-le" if data[0] else "utf-16-be", errors="ignore")
    else:
        head = data[:200].decode("utf-8-sig", errors="ignore")
    return head.lstrip(" \t\r\n").startswith("<")


# CSV ---------------------------------------------------------------------------------

COLUMNS = {
    "upn": "upn",
    "forename": "forename",
    "legal forename": "forename",
    "first name": "forename",
    "surname": "surname",
    "legal surname": "surname",
    "last name": "surname",
    "dob": "date_of_birth",
    "date of birth": "date_of_birth",
    "sex": "sex",
    "gender": "sex",
    "year": "year_group",
    "year group": "year_group",
    "nc year": "year_group",
    "ncyearactual": "year_group",
    "postcode": "postcode",
    "post code": "postcode",
    "address": "address",
    "expected start date": "expected_start_on",
    "admission date": "admitted_on",
    "date of admission": "admitted_on",
    "entry date": "admitted_on",
    "date of entry": "admitted_on",
    # What the LA triages on (pupils/characteristics.py), as school systems name them.
    "sen provision": "sen_provision",
    "sen status": "sen_provision",
    "sen": "sen_provision",
    "ethnicity": "ethnicity",
    "ethnic code": "ethnicity",
    "ethnicity code": "ethnicity",
    "first language": "first_language",
    "language": "first_language",
    "interpreter": "interpreter_needed",
    "interpreter needed": "interpreter_needed",
    "fsm": "fsm_eligible",
    "fsm eligible": "fsm_eligible",
    "free school meals": "fsm_eligible",
    "service child": "service_child",
    "service children": "service_child",
    "service child indicator": "service_child",
}
ADDRESS_LINE = re.compile(r"^address line ([1-5])$")
CONTACT_COLUMN = re.compile(
    r"^contact ([1-9]) (title|forename|first name|surname|last name|relationship|phone|phones|"
    r"email|parental responsibility)$"
)
CONTACT_FIELDS = {
    "first name": "forename",
    "last name": "surname",
    "phone": "phones",
}
REQUIRED = ("upn", "forename", "surname", "date_of_birth", "sex")
REQUIRED_NAMES = {
    "upn": "UPN",
    "forename": "Forename",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
}


def normalise_header(header: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", header.lower()).split())


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older school systems and Excel on Windows save CSV as Windows-1252.
        return data.decode("cp1252", errors="replace")


def _column_map(header: list[str]) -> dict[int, tuple[str, ...]]:
    """Map each column index to where its value goes: ("upn",) or ("contacts", 0, "email")."""
    mapping: dict[int, tuple[str, ...]] = {}
    for index, title in enumerate(header):
        name = normalise_header(title)
        if name in COLUMNS:
            mapping[index] = (COLUMNS[name],)
        elif match := ADDRESS_LINE.match(name):
            mapping[index] = ("address_lines", match.group(1))
        elif match := CONTACT_COLUMN.match(name):
            number = int(match.group(1))
            if number <= MAX_CONTACTS:
                part = CONTACT_FIELDS.get(match.group(2), match.group(2)).replace(" ", "_")
                mapping[index] = ("contacts", str(number - 1), part)
    return mapping


def _csv_row(cells: list[str], mapping: dict[int, tuple[str, ...]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    lines: dict[str, str] = {}
    contacts: dict[int, dict[str, str]] = {}
    for index, target in mapping.items():
        value = cells[index].strip() if index < len(cells) else ""
        if not value:
            continue
        if target[0] == "address_lines":
            lines[target[1]] = value
        elif target[0] == "address":
            lines.update({str(i): part.strip() for i, part in enumerate(value.split(","), 1)})
        elif target[0] == "contacts":
            contacts.setdefault(int(target[1]), {})[target[2]] = value
        else:
            row[target[0]] = value
    if lines:
        row["address_lines"] = [lines[key] for key in sorted(lines) if lines[key]]
    if contacts:
        row["contacts"] = [contacts[key] for key in sorted(contacts)]
    return row


def parse_csv(data: bytes) -> ParsedRoll:
    """Read a CSV roll with a header row; line numbers count the header as line 1."""
    text = decode_text(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
    except csv.Error as error:
        raise RollFileError(f"The file is not a readable CSV file: {error}") from None
    if not header or not any(cell.strip() for cell in header):
        raise RollFileError("The first line of the file must name the columns")
    mapping = _column_map(header)
    present = {target[0] for target in mapping.values()}
    missing = [REQUIRED_NAMES[name] for name in REQUIRED if name not in present]
    if missing:
        raise RollFileError(
            "The file has no column for: " + ", ".join(missing) + ". The first line must name "
            "the columns, such as UPN, Forename, Surname, Date of birth, Sex"
        )
    roll = ParsedRoll("CSV")
    line = reader.line_num
    try:
        for cells in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            roll.rows.append((start, _csv_row(cells, mapping)))
    except csv.Error as error:
        raise RollFileError(f"Line {line + 1} cannot be read: {error}") from None
    if not roll.rows:
        raise RollFileError("The file has a header line but no pupils")
    return roll


# CTF ---------------------------------------------------------------------------------


class _LineNumberedTree(ET.TreeBuilder):
    """Build the tree, noting the line each element starts on, up to MAX_XML_ELEMENTS."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        if len(self.lines) >= MAX_XML_ELEMENTS:
            raise RollFileError(
                f"The file holds more than {MAX_XML_ELEMENTS:,} XML elements, more than any "
                "school's roll: export only the pupils on roll and try again"
            )
        element = super().start(tag, attrs)
        assert self.parser is not None
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element


def _read_xml(data: bytes) -> tuple[ET.Element, dict[ET.Element, int]]:
    """Parse XML into a tree with defusedxml: no document type (DTD) at all, no entities, no
    external references, whatever the file's encoding."""
    tree = _LineNumberedTree()
    parser = DefusedXMLParser(
        target=tree, forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    tree.parser = parser
    parser.feed(data)
    return parser.close(), tree.lines


def _text(element: ET.Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _phones(element: ET.Element) -> list[str]:
    return [
        " ".join((p.text or "").split())
        for p in element.findall("Phones/Phone/PhoneNo")
        if (p.text or "").strip()
    ]


def _address(element: ET.Element | None) -> tuple[list[str], str]:
    if element is None:
        return [], ""
    lines = [_text(element, f"AddressLines/AddressLine{i}") for i in range(1, 6)]
    if not any(lines):
        bs7666 = element.find("BS7666Address")
        if bs7666 is not None:
            house = " ".join(
                v
                for v in (_text(bs7666, "SAON"), _text(bs7666, "PAON"), _text(bs7666, "Street"))
                if v
            )
            lines = [house, _text(bs7666, "Locality"), _text(bs7666, "Town")]
    county = _text(element, "County")
    return [line for line in [*lines, county] if line], _text(element, "PostCode")


# The CTF's relationship codes that school systems write most often.
RELATIONSHIPS = {
    "PAM": "Mother",
    "PAF": "Father",
    "STM": "Step-mother",
    "STF": "Step-father",
    "FOM": "Foster mother",
    "FOF": "Foster father",
    "CAR": "Carer",
    "GRM": "Grandmother",
    "GRF": "Grandfather",
    "OTH": "Other",
}


def _ctf_contact(contact: ET.Element) -> dict[str, Any]:
    relationship = _text(contact, "Relationship")
    row: dict[str, Any] = {
        "title": _text(contact, "Title"),
        "forename": _text(contact, "Forename"),
        "surname": _text(contact, "Surname"),
        "relationship": RELATIONSHIPS.get(relationship.upper(), relationship),
        "parental_responsibility": _text(contact, "Responsibility"),
        "phones": _phones(contact),
        "email": _text(contact, "Email"),
    }
    return {key: value for key, value in row.items() if value not in ("", [])}


def _entry_date(pupil: ET.Element) -> str:
    """Return the EntryDate of the school the pupil is still at: the one with no LeavingDate."""
    current = [s for s in pupil.findall("SchoolHistory/School") if not _text(s, "LeavingDate")]
    return _text(current[-1], "EntryDate") if current else ""


def _ctf_pupil(pupil: ET.Element) -> dict[str, Any]:
    address = _address(pupil.find("Address"))
    contacts = sorted(
        pupil.findall("Contacts/Contact"), key=lambda c: int(_text(c, "Order") or 99)
    )[:MAX_CONTACTS]
    row: dict[str, Any] = {
        "upn": _text(pupil, "UPN"),
        "forename": _text(pupil, "Forename"),
        "surname": _text(pupil, "Surname"),
        "date_of_birth": _text(pupil, "DOB"),
        "sex": _text(pupil, "Sex") or _text(pupil, "Gender"),
        "year_group": _text(pupil, "BasicDetails/NCyearActual"),
        "admitted_on": _entry_date(pupil),
        "address_lines": address[0],
        "postcode": address[1],
        "contacts": [_ctf_contact(c) for c in contacts],
        **_ctf_characteristics(pupil),
    }
    return {key: value for key, value in row.items() if value not in ("", [])}


def _ctf_characteristics(pupil: ET.Element) -> dict[str, str]:
    """What the LA triages on, where the CTF holds it: the latest SEN provision, ethnicity,
    the first language, an open free school meals period, and the service child flag."""
    found = {"ethnicity": _text(pupil, "BasicDetails/Ethnicity")}
    sen = pupil.findall("SENhistory/SEN")
    if sen:
        found["sen_provision"] = _text(sen[-1], "SENprovision")
    for language in pupil.iter("Type"):
        if _text(language, "LanguageType").upper() == "F":
            found["first_language"] = _text(language, "Language")
    meals = pupil.findall("FSMhistory/FSMinstance")
    if meals:
        found["fsm_eligible"] = "yes" if any(not _text(m, "FSMendDate") for m in meals) else "no"
    service = _text(pupil, "BasicDetails/ServiceChild").upper()
    if service in ("Y", "N"):
        found["service_child"] = "yes" if service == "Y" else "no"
    return found


def parse_ctf(data: bytes) -> ParsedRoll:
    """Read the pupils of a Common Transfer File, each with the line its <Pupil> starts on."""
    try:
        root, lines = _read_xml(data)
    except DefusedXmlException:
        raise RollFileError(
            "The file declares a document type (DTD) or entities, which a CTF never does: "
            "export it again from the school's system"
        ) from None
    except ET.ParseError as error:
        raise RollFileError(f"The file is not well-formed XML: {error}") from None
    if root.tag != "CTfile":
        raise RollFileError(f"The file is XML but not a CTF: it starts with <{root.tag}>")
    pupils = root.findall("CTFpupilData/Pupil")
    if not pupils:
        raise RollFileError("The CTF holds no pupils")
    roll = ParsedRoll("CTF")
    for pupil in pupils:
        roll.rows.append((lines.get(pupil, 0), _ctf_pupil(pupil)))
    return roll
