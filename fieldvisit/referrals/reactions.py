"""What the LA side does after an action on a case (installed in fieldvisit/effects.py).

A case that closes for any reason closes its CME involvement and the LAAO hears; after
removal from roll the school keeps the LAAO informed (the seed's last checklist item).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases.effects import Happened
from fieldvisit.cases.engine import Action
from fieldvisit.cases.models import CaseState
from fieldvisit.core.permissions import Role
from fieldvisit.referrals import notify
from fieldvisit.referrals.models import Referral, open_involvement

# Actions the LAAO hears about another way: the removal itself, and concerns (sent at once).
_NOT_FORWARDED = frozenset({Action.RECORD_REMOVAL, Action.RAISE_CONCERN})


def close_involvement(session: Session, happened: Happened) -> None:
    """A case that closes marks its referrals and closes its open involvement, with why."""
    if not happened.closed_the_case:
        return
    case = happened.case
    session.execute(
        update(Referral)
        .where(Referral.case_id == case.id, Referral.case_closed.is_(False))
        .values(case_closed=True),
        execution_options={"synchronize_session": "fetch"},
    )
    involvement = open_involvement(session, case.id)
    if involvement is None:
        return
    closing = happened.entries[0]
    involvement.closed_at = closing.recorded_at
    involvement.closed_by_id = closing.actor_id
    outcome = case.outcome.label if case.outcome else "Case closed"
    involvement.outcome = f"{outcome}: {closing.note}" if closing.note else outcome
    notify.involvement_closed(session, involvement)


def forward_after_removal(session: Session, happened: Happened) -> None:
    """Tell the LAAO what the school logs on a case after its removal from roll."""
    if happened.after != CaseState.OFF_ROLL or happened.action in _NOT_FORWARDED:
        return
    if not _from_the_school(happened.actor):
        return
    involvement = open_involvement(session, happened.case.id)
    if involvement is not None:
        notify.entry_after_removal(session, involvement)


def _from_the_school(actor: User | None) -> bool:
    """Anything but the LAAOs' own work (and the system's) is the school's."""
    return actor is not None and not actor.has_role(Role.LAAO)
