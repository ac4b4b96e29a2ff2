"""Helpers for the visit tests: cases assigned to an officer, visit records, photos."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import date, timedelta
from typing import Any

from PIL import Image
from sqlalchemy.orm import Session

from fieldvisit.cases import services as cases
from fieldvisit.cases.models import Case
from fieldvisit.chronology.models import Method
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.schools.services import calendar_for
from fieldvisit.visits.models import VisitAssignment
from tests.support.factories import World, make_case, make_letter


def assign(session: Session, world: World, case: Case, officer: Any = None) -> VisitAssignment:
    assignment = VisitAssignment(
        case_id=case.id,
        officer_id=(officer or world.officer).id,
        assigned_by_id=world.school_user.id,
        assigned_at=utcnow(),
        due_on=today_in_uk(),
        instructions="Leave the letter if nobody answers.",
    )
    session.add(assignment)
    session.flush()
    return assignment


def assigned_case(session: Session, world: World, **kwargs: Any) -> Case:
    case = make_case(session, world, **kwargs)
    assign(session, world, case)
    return case


def first_day_for(session: Session, world: World, school_day: int) -> date:
    """Return the first day of absence that makes today school day N."""
    calendar = calendar_for(session, world.school)
    day = today_in_uk()
    while not calendar.is_school_day(day):
        day -= timedelta(days=1)
    for _ in range(school_day - 1):
        day -= timedelta(days=1)
        while not calendar.is_school_day(day):
            day -= timedelta(days=1)
    return day


def locating_case(session: Session, world: World, school_day: int) -> Case:
    """A case triaged as not vulnerable, now at school day N, assigned to the officer."""
    case = assigned_case(session, world, first_day=first_day_for(session, world, school_day))
    no_contact_then_triage(session, world.school_user, case)
    return case


def no_contact_then_triage(
    session: Session, user: Any, case: Case, *, social_care_involved: bool = False
) -> None:
    """Log a failed call, record that no contact was made, and triage: the case is locating."""
    cases.log_contact_attempt(
        session,
        user,
        case,
        method=Method.PHONE,
        target="07700 900001",
        contact_name="Pat Parent",
        occurred_at=utcnow(),
        contact_made=False,
    )
    cases.record_no_contact(session, user, case)
    cases.triage(session, user, case, vulnerabilities=[], social_care_involved=social_care_involved)


def visit_item(case: Case | int, **overrides: Any) -> dict[str, Any]:
    """A visit record as the phone sends it, for a case (or a case id)."""
    item: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "schema_version": 1,
        "case_id": case if isinstance(case, int) else case.id,
        "arrived_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "outcome": "no_answer",
        "position": {"latitude": 52.2053, "longitude": 0.1218, "accuracy_m": 12.5},
        "neighbour_enquiries": [
            {"neighbour": "Number 12", "spoke_to": "Resident", "said": "Not seen for a week."},
            {"neighbour": "Flat above", "spoke_to": "", "said": "Heard a car leave at night."},
        ],
        "letter_left": True,
        "letter_reference": "FV-2026-000123",
        "photos": [],
        "notes": "Curtains drawn; post behind the door.",
        "concern": False,
        "concern_details": "",
    }
    item.update(overrides)
    return item


def jpeg_bytes(width: int = 800, height: int = 600, exif: Any = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), (200, 30, 30))
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def send(client: Any, *items: dict[str, Any]) -> Any:
    return client.post("/api/v1/visits/batch", json={"visits": list(items)})


def case_letter(session: Session, world: World, case: Case) -> str:
    """Make one of the case's letters, committed, and return its reference for a visit."""
    reference = make_letter(session, case, world.school_user).reference
    session.commit()
    return reference
