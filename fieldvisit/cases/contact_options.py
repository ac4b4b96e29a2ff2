"""The numbers and addresses a contact attempt can pick from the case, so nobody retypes them."""

from __future__ import annotations

from dataclasses import dataclass

from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import Method

OTHER = "other"


@dataclass(frozen=True)
class ContactOption:
    value: str
    text: str
    target: str
    name: str
    method: Method


def _address(lines: list[str], postcode: str) -> str:
    return ", ".join([line for line in lines if line.strip()] + ([postcode] if postcode else []))


def contact_options(case: Case) -> list[ContactOption]:
    """List every number, email and address on record for the pupil, parents and agencies."""
    pupil = case.pupil
    options: list[ContactOption] = []
    for contact in pupil.contacts:
        who = contact.full_name or "Contact"
        relation = contact.relationship_to_pupil or contact.kind.value
        for i, phone in enumerate(contact.phones):
            options.append(
                ContactOption(
                    f"c{contact.id}-p{i}", f"{who} ({relation}): {phone}", phone, who, Method.PHONE
                )
            )
        if contact.email:
            options.append(
                ContactOption(
                    f"c{contact.id}-e",
                    f"{who} ({relation}): {contact.email}",
                    contact.email,
                    who,
                    Method.EMAIL,
                )
            )
        address = _address(contact.address_lines, contact.postcode)
        if address:
            options.append(
                ContactOption(
                    f"c{contact.id}-a",
                    f"{who} ({relation}): {address}",
                    address,
                    who,
                    Method.LETTER,
                )
            )
    home = _address(pupil.address_lines, pupil.postcode)
    if home:
        options.append(ContactOption("home", f"Home address: {home}", home, "", Method.LETTER))
    for sibling in pupil.siblings:
        if sibling.school_phone or sibling.school_name:
            school = sibling.school_name or "Sibling's school"
            target = sibling.school_phone or school
            options.append(
                ContactOption(
                    f"s{sibling.id}",
                    f"{school} (sibling {sibling.forename}): {target}",
                    target,
                    school,
                    Method.SIBLING_SCHOOL,
                )
            )
    for worker in pupil.agency_workers:
        label = f"{worker.name or worker.role} ({worker.role}, {worker.agency})"
        if worker.phone:
            options.append(
                ContactOption(
                    f"w{worker.id}-p",
                    f"{label}: {worker.phone}",
                    worker.phone,
                    worker.name,
                    Method.AGENCY,
                )
            )
        if worker.email:
            options.append(
                ContactOption(
                    f"w{worker.id}-e",
                    f"{label}: {worker.email}",
                    worker.email,
                    worker.name,
                    Method.AGENCY,
                )
            )
    return options
