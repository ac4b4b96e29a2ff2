"""What the LA side does when anything is logged on a case: the one hook on the chronology.

After removal from roll the school keeps the LAAO informed (the seed's last
checklist item), and a case that closes for any reason closes its involvement.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.models import Case, CaseState
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.permissions import Role
from fieldvisit.referrals import notify
from fieldvisit.referrals.models import Referral, open_involvement

# Entries the LAAO hears about another way: the removal itself, and concerns (sent at once).
_NOT_FORWARDED = frozenset({"record_removal", "raise_concern"})


def after_case_entries(session: Session, case: Case, entries: list[ChronologyEntry]) -> None:
    """React to new chronology entries on a case with (or after) a CME involvement."""
    if case.state not in (CaseState.OFF_ROLL, CaseState.CLOSED) or not entries:
        return
    if case.state == CaseState.CLOSED:
        session.execute(
            update(Referral)
            .where(Referral.case_id == case.id, Referral.case_closed.is_(False))
            .values(case_closed=True),
            execution_options={"synchronize_session": "fetch"},
        )
    involvement = open_involvement(session, case.id)
    if involvement is None:
        return
    if case.state == CaseState.CLOSED:
        closing = next((e for e in entries if e.details.get("to") == "closed"), entries[-1])
        involvement.closed_at = closing.recorded_at
        involvement.closed_by_id = closing.actor_id
        outcome = case.outcome.label if case.outcome else "Case closed"
        involvement.outcome = f"{outcome}: {closing.note}" if closing.note else outcome
        notify.involvement_closed(session, involvement)
        return
    if any(_from_the_school(session, entry) for entry in entries):
        notify.entry_after_removal(session, involvement, case.school.name)


def _from_the_school(session: Session, entry: ChronologyEntry) -> bool:
    """Say whether the LAAO needs telling: anything but the LAAOs' own work and the removal."""
    if entry.kind in _NOT_FORWARDED or entry.actor_id is None:
        return False
    actor = session.get(User, entry.actor_id)
    return actor is not None and not actor.has_role(Role.LAAO)
