"""The visits domain's part of the demo: a visit that is all the referral still waits for."""

from __future__ import annotations

from typing import Any

from fieldvisit.core.dates import utcnow
from fieldvisit.visits.models import VisitAssignment

REFERRAL_WAITS_FOR_VISIT = "School day 11: the CME referral now waits only for this visit."


def seed(seeder: Any) -> None:
    """Add a case past its referral day with no visit yet, assigned to the demo officer."""
    case = seeder._open(11)
    seeder._triage(case)
    seeder.session.add(
        VisitAssignment(
            case_id=case.id,
            officer_id=seeder.officer.id,
            assigned_by_id=seeder.school_user.id,
            assigned_at=utcnow(),
            due_on=seeder.today,
            instructions=REFERRAL_WAITS_FOR_VISIT,
        )
    )
