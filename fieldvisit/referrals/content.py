"""What a CME referral carries: the case as it stood when the school submitted it.

Regulation 13 (SI 2024/208) asks for the pupil's full name and address, the
name and address of each parent the pupil lives with and at least one phone
number for each, the destination and future address where known, and the
ground for deletion. The seed's form adds the last attendance, the triage, the
agencies, siblings' schools, the enquiries made and the home visits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import VULNERABILITIES, Case
from fieldvisit.core.addresses import address_lines
from fieldvisit.core.dates import format_date, format_datetime, uk_date
from fieldvisit.pupils.characteristics import described
from fieldvisit.pupils.models import Contact, ContactKind
from fieldvisit.referrals.evidence import Evidence

REMOVAL_GROUND = (
    "Continuous absence of at least 20 school days; the school and the local authority "
    "have jointly made reasonable enquiries and failed to locate the child "
    "(regulation 9, School Attendance (Pupil Registration) (England) Regulations 2024)."
)
REMOVAL_GROUND_SHORT = "Continuous absence: joint enquiries with the LA failed to locate the child"


def contact_details(contact: Contact, pupil_address: list[str]) -> dict[str, Any]:
    own_address = [line for line in contact.address_lines if line.strip()]
    if contact.postcode:
        own_address.append(contact.postcode)
    address = own_address or (pupil_address if contact.lives_with_pupil else [])
    return {
        "name": contact.full_name,
        "relationship": contact.relationship_to_pupil,
        "parental_responsibility": contact.parental_responsibility,
        "lives_with_pupil": contact.lives_with_pupil,
        "address": address,
        "phones": list(contact.phones),
        "email": contact.email,
    }


def _when(moment: datetime) -> str:
    return format_datetime(moment)


def build_content(
    evidence: Evidence,
    *,
    submitted_by: User,
    school_day: int,
    referral_day: int,
    summary_of_enquiries: str,
    possible_whereabouts: str,
    additional_information: str,
) -> dict[str, Any]:
    """Snapshot the case for the referral, in words a reader of the stored record understands."""
    case: Case = evidence.case
    pupil, school = case.pupil, case.school
    address = address_lines(pupil.address_lines, pupil.postcode)
    return {
        "title": "Request for Children Missing from Education Investigation",
        "school": {
            "name": school.name,
            "urn": school.urn,
            "dfe_number": school.dfe_number,
            "phone": school.phone,
            "email": school.email,
            "submitted_by": submitted_by.name,
            "submitted_by_email": submitted_by.email,
        },
        "pupil": {
            "name": pupil.full_name,
            "forename": pupil.forename,
            "surname": pupil.surname,
            "upn": pupil.upn,
            "date_of_birth": _iso(pupil.date_of_birth),
            "sex": pupil.sex.value,
            "year_group": pupil.year_group,
            "address": address,
        },
        # What the LA triages on, as the school recorded it when it referred.
        "characteristics": [
            {"label": c.label, "value": c.value, "flag": c.flag} for c in described(pupil)
        ],
        "parents": [
            contact_details(c, address) for c in pupil.contacts if c.kind == ContactKind.PARENT
        ],
        "emergency_contacts": [
            contact_details(c, address) for c in pupil.contacts if c.kind == ContactKind.EMERGENCY
        ],
        "absence": {
            "first_day_of_absence": _iso(case.first_day_of_absence),
            "last_attended_on": _iso(case.last_attended_on),
            "not_arrived": case.not_arrived,
            "school_day": school_day,
            "referral_day": referral_day,
        },
        "triage": {
            "vulnerable": case.vulnerable,
            "social_care_involved": case.social_care_involved,
            "vulnerabilities": [VULNERABILITIES[k] for k in case.vulnerabilities],
            "notes": case.triage_notes,
        },
        "agencies": [
            {
                "agency": w.agency,
                "role": w.role,
                "name": w.name,
                "phone": w.phone,
                "email": w.email,
            }
            for w in pupil.agency_workers
        ],
        "siblings": [
            {
                "name": " ".join(p for p in (s.forename, s.surname) if p),
                "date_of_birth": _iso(s.date_of_birth),
                "school_name": s.school_name,
                "school_urn": s.school_urn,
                "school_phone": s.school_phone,
            }
            for s in pupil.siblings
        ],
        "summary_of_enquiries": summary_of_enquiries,
        "contact_attempts": [
            {
                "when": _when(e.occurred_at),
                "method": e.method.label,
                "target": e.target,
                "summary": e.summary,
                "note": e.note,
            }
            for e in evidence.contact_attempts
        ],
        "home_visits": [
            {
                "when": _when(v.arrived_at),
                "officer": v.officer.name,
                "outcome": v.outcome.label,
                "letter_left": v.letter_left,
                "letter_reference": v.letter_reference,
                "letter_of_case": v.letter_id is not None,
                "completed": v.completed,
                "location": _location(v.latitude, v.longitude, v.accuracy_m),
                "notes": v.notes,
                "neighbour_enquiries": [
                    {"neighbour": n.neighbour, "spoke_to": n.spoke_to, "said": n.said}
                    for n in v.neighbour_enquiries
                ],
            }
            for v in evidence.visits
        ],
        "checklist": [
            {"text": item.text, "due_day": item.due_day, "done": item.done}
            for item in evidence.checklist
            if item.required
        ],
        "gaps": [gap.text for gap in evidence.gaps],
        "destination": possible_whereabouts,
        "additional_information": additional_information,
        "deletion_ground_if_not_found": REMOVAL_GROUND,
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _location(lat: float | None, lon: float | None, accuracy: float | None) -> str:
    if lat is None or lon is None:
        return "Not recorded"
    within = f" (within {accuracy:.0f} m)" if accuracy is not None else ""
    return f"{lat:.5f}, {lon:.5f}{within}"


def suggested_summary(evidence: Evidence) -> str:
    """Draft the summary of enquiries from the record, for the school to edit."""
    lines = []
    for entry in evidence.contact_attempts:
        tried = f" ({entry.target})" if entry.target else ""
        lines.append(f"{format_date(uk_date(entry.occurred_at))}: {entry.summary}{tried}.")
    for visit in evidence.visits:
        letter = (
            f"; letter {visit.letter_reference} left"
            if visit.letter_id is not None
            else "; a letter recorded as left, not one of this case's"
            if visit.letter_left
            else ""
        )
        neighbours = len(visit.neighbour_enquiries)
        asked = f"; {neighbours} neighbour enquir{'y' if neighbours == 1 else 'ies'}"
        lines.append(
            f"{format_date(uk_date(visit.arrived_at))}: home visit, {visit.outcome.label.lower()}"
            f"{letter}{asked if neighbours else ''}."
        )
    return "\n".join(lines)
