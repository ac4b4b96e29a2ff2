"""The numbers and addresses a contact attempt can pick from the case, so nobody retypes them."""

from __future__ import annotations

from dataclasses import dataclass

from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import Method
from fieldvisit.core.addresses import one_line

OTHER = "other"

# What a way of contact can reach: a call or text a number, an email an address ending in a
# domain, a letter or a knock at the door a postal address; an agency, a sibling's school or
# staff any of them.
NUMBER, EMAIL, POSTAL = "number", "email", "postal"
REACHES: dict[Method, frozenset[str]] = {
    Method.PHONE: frozenset({NUMBER}),
    Method.TEXT: frozenset({NUMBER}),
    Method.EMAIL: frozenset({EMAIL}),
    Method.LETTER: frozenset({POSTAL}),
    Method.IN_PERSON: frozenset({POSTAL}),
}
ANY = frozenset({NUMBER, EMAIL, POSTAL})


def reaches(method: Method) -> frozenset[str]:
    """Say which kinds of target a way of contact can use."""
    return REACHES.get(method, ANY)


def kind_of(target: str) -> str:
    """Tell a typed target's kind: an email has an @, a number is mostly digits."""
    if "@" in target:
        return EMAIL
    digits = sum(ch.isdigit() for ch in target)
    return NUMBER if digits >= 6 and digits >= len(target.replace(" ", "")) * 0.6 else POSTAL


def mismatch(method: Method, target: str) -> str | None:
    """Return what is wrong when a target cannot be reached this way, else None."""
    kind = kind_of(target)
    if kind in reaches(method):
        return None
    if method in (Method.PHONE, Method.TEXT):
        return "A call or a text needs a phone number: choose or type a number"
    if method == Method.EMAIL:
        return "An email needs an email address: choose or type one, like name@example.com"
    return "A letter or a visit needs a postal address: choose or type one"


@dataclass(frozen=True)
class ContactOption:
    value: str
    text: str
    target: str
    name: str
    method: Method

    @property
    def kind(self) -> str:
        return kind_of(self.target)


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
        address = one_line(contact.address_lines, contact.postcode)
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
    home = one_line(pupil.address_lines, pupil.postcode)
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
