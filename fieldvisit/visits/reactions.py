"""What a visit recorded at the door does to its case (installed in fieldvisit/effects.py)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from fieldvisit.cases.checklist import HOME_VISIT_ITEMS, mark_done
from fieldvisit.cases.effects import Happened
from fieldvisit.cases.engine import Action
from fieldvisit.core.dates import format_datetime
from fieldvisit.visits.models import VisitOutcome


def tick_home_visit_items(session: Session, happened: Happened) -> None:
    """A completed home visit ticks the case's home-visit checklist items."""
    if happened.action != Action.RECORD_VISIT:
        return
    visit = happened.entries[0]
    if not visit.details.get("completed") or visit.actor_id is None:
        return
    outcome = VisitOutcome(visit.details["outcome"]).label.lower()
    mark_done(
        happened.case,
        HOME_VISIT_ITEMS,
        at=visit.occurred_at,
        by_id=visit.actor_id,
        note=f"Home visit on {format_datetime(visit.occurred_at)}: {outcome}.",
    )
