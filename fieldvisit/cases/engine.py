"""The case's life as one table: (state, action) -> rule, and the function that applies it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import effects
from fieldvisit.cases.actions import Action
from fieldvisit.cases.guards import (
    Guard,
    GuardContext,
    absence_ground_met,
    agreed_by_actor,
    contact_attempted,
    home_visit_completed,
    home_visit_or_safeguarding,
    joint_enquiry_logged,
    referral_due,
    removal_period_elapsed,
)
from fieldvisit.cases.models import (
    BEFORE_REMOVAL,
    ON_ROLL,
    OPEN_STATES,
    Case,
    CaseState,
)
from fieldvisit.chronology import services as chronology
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.chronology.services import Chains, NewEntry
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.core.errors import Blocked, CaseChanged, NotAllowed, TransitionRefused
from fieldvisit.core.permissions import Permission as P

S = CaseState


@dataclass(frozen=True)
class Rule:
    to: CaseState
    who: frozenset[P]
    guards: tuple[Guard, ...] = ()


SCHOOL = frozenset({P.CASES_EDIT})
SCHOOL_OR_LA = frozenset({P.CASES_EDIT, P.INVOLVEMENT_MANAGE})
LA_DECIDES = P.REFERRALS_DECIDE
LA = frozenset({LA_DECIDES})

# What the school learns when contact is made: each closes the case with its outcome.
CONTACT_OUTCOMES = (
    Action.CHILD_RETURNED,
    Action.ATTENDING_OTHER_SCHOOL,
    Action.ELECTIVE_HOME_EDUCATION,
    Action.RESIDING_IN_LA,
)


def _build_table() -> dict[tuple[CaseState, Action], Rule]:
    table: dict[tuple[CaseState, Action], Rule] = {}

    def stay(action: Action, states: tuple[CaseState, ...], who: frozenset[P]) -> None:
        for state in states:
            table[state, action] = Rule(state, who)

    # Activity that keeps the case where it is.
    stay(Action.LOG_CONTACT, OPEN_STATES, frozenset({P.CONTACT_LOG}))
    stay(Action.TICK_CHECKLIST, OPEN_STATES, SCHOOL)
    # A tick made by mistake is taken back with a reason; both stay in the chronology.
    stay(Action.UNTICK_CHECKLIST, OPEN_STATES, SCHOOL)
    stay(Action.ASSIGN_VISIT, ON_ROLL, frozenset({P.VISITS_ASSIGN}))
    stay(Action.CANCEL_VISIT, OPEN_STATES, frozenset({P.VISITS_ASSIGN}))
    stay(Action.TRIAGE, (S.LOCATING, S.REFERRED, S.JOINT_ENQUIRIES), SCHOOL)
    stay(Action.LOG_ENQUIRY, (S.JOINT_ENQUIRIES, S.REMOVAL_AGREED, S.OFF_ROLL), SCHOOL_OR_LA)
    stay(Action.REASSIGN_LAAO, (S.JOINT_ENQUIRIES, S.REMOVAL_AGREED, S.OFF_ROLL), LA)
    # The chronology is append-only: a wrong entry is corrected by a new one that points at
    # it, in any state, by the school or the LA, whose records it is.
    stay(Action.CORRECT_ENTRY, tuple(CaseState), SCHOOL_OR_LA)
    # Footnotes 1 and 2 of the seed: a concern is never gated, in any state.
    stay(Action.RAISE_CONCERN, tuple(CaseState), frozenset({P.CONCERN_RAISE}))
    # With social care or CP involvement the seed asks for these, each logged.
    stay(Action.INFORM_SOCIAL_WORKER, OPEN_STATES, SCHOOL)
    stay(Action.REQUEST_POLICE_CHECK, OPEN_STATES, SCHOOL)

    # Contact made? No: triage, then locate.
    table[S.FIRST_DAY, Action.RECORD_NO_CONTACT] = Rule(S.NO_CONTACT, SCHOOL, (contact_attempted,))
    table[S.NO_CONTACT, Action.TRIAGE] = Rule(S.LOCATING, SCHOOL)

    # Contact made, or the child found, at any stage before removal.
    for state in ON_ROLL:
        for action in CONTACT_OUTCOMES:
            table[state, action] = Rule(S.CLOSED, SCHOOL)
    # Found, or known to have gone abroad or to another LA's area, at any stage: the LA as
    # well as the school may know.
    for state in OPEN_STATES:
        table[state, Action.CHILD_FOUND] = Rule(S.CLOSED, SCHOOL_OR_LA)
        table[state, Action.MOVED_ABROAD] = Rule(S.CLOSED, SCHOOL_OR_LA)
        table[state, Action.MOVED_OTHER_LA] = Rule(S.CLOSED, SCHOOL_OR_LA)
    # Seed: a parent's "verbal communication" of home education is referred to the LA, but
    # only written notice is a ground to delete (regulation 9): the case waits for it, open.
    for state in BEFORE_REMOVAL:
        table[state, Action.EHE_SPOKEN_NOTICE] = Rule(S.EHE_NOTICE_AWAITED, SCHOOL)

    # The referral and the LA's side.
    table[S.LOCATING, Action.SUBMIT_REFERRAL] = Rule(
        S.REFERRED, frozenset({P.CASES_REFER}), (home_visit_or_safeguarding, referral_due)
    )
    # Seed line 83: "A CME referral will not be accepted unless a home visit has been completed".
    table[S.REFERRED, Action.ACCEPT_REFERRAL] = Rule(S.JOINT_ENQUIRIES, LA, (home_visit_completed,))
    table[S.REFERRED, Action.RETURN_REFERRAL] = Rule(S.LOCATING, LA)
    # Seed: "after four weeks ... in consultation and agreement with the LAAO"; the
    # ground is regulation 9(1)(i), so removal needs enquiries logged and 20 school days.
    table[S.JOINT_ENQUIRIES, Action.AGREE_REMOVAL] = Rule(
        S.REMOVAL_AGREED, LA, (removal_period_elapsed, joint_enquiry_logged, absence_ground_met)
    )
    # Who agreed may take it back, until the school records the removal.
    table[S.REMOVAL_AGREED, Action.WITHDRAW_REMOVAL] = Rule(
        S.JOINT_ENQUIRIES, LA, (agreed_by_actor,)
    )
    table[S.REMOVAL_AGREED, Action.RECORD_REMOVAL] = Rule(S.OFF_ROLL, SCHOOL, (absence_ground_met,))
    return table


TRANSITIONS: dict[tuple[CaseState, Action], Rule] = _build_table()


@dataclass(frozen=True)
class Record:
    """An action that records something without moving the case, from its own page."""

    states: frozenset[CaseState]
    who: frozenset[P]


# Checked like a transition (state, then permission) and published like one by `record`.
# A letter kind narrows its own states and permission further (letters/kinds.py).
RECORDS: dict[Action, Record] = {
    Action.OPEN_CASE: Record(frozenset({S.FIRST_DAY}), frozenset({P.CASES_OPEN})),
    Action.MAKE_LETTER: Record(frozenset(CaseState), frozenset({P.LETTERS_PRINT, LA_DECIDES})),
    Action.STOP_LETTER_LINK: Record(frozenset(CaseState), frozenset({P.LETTERS_PRINT, LA_DECIDES})),
    # A visit to a closed or removed case is refused, alone, with the reason (visits/sync.py).
    Action.RECORD_VISIT: Record(frozenset(ON_ROLL), frozenset({P.VISITS_RECORD})),
}


@dataclass(frozen=True)
class ActionStatus:
    action: Action
    rule: Rule
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blocked

    @property
    def unlocks_on(self) -> date | None:
        dates = [b.unlocks_on for b in self.blocked if b.unlocks_on]
        return max(dates) if dates else None


def may(user: User, rule: Rule) -> bool:
    return any(user.can(p) for p in rule.who)


def blockers(ctx: GuardContext, action: Action) -> list[Blocked] | None:
    """Return the guards that block the action in the case's state now; None if no such rule."""
    rule = TRANSITIONS.get((ctx.case.state, action))
    if rule is None:
        return None
    return [b for guard in rule.guards if (b := guard(ctx))]


def guards_pending(ctx: GuardContext, state: CaseState, action: Action) -> list[Blocked]:
    """Return what would block the action in a given state (perhaps not the case's own) today."""
    rule = TRANSITIONS.get((state, action))
    return [b for guard in rule.guards if (b := guard(ctx))] if rule else []


def actions_for(
    session: Session, case: Case, user: User, today: date | None = None
) -> list[ActionStatus]:
    """List what this user may do on the case now, with the guards that still block each."""
    ctx = GuardContext(session, case, today or today_in_uk(), actor=user)
    statuses = []
    for (state, action), rule in TRANSITIONS.items():
        if state == case.state and may(user, rule):
            statuses.append(ActionStatus(action, rule, blockers(ctx, action) or []))
    return statuses


def may_ever(user: User, action: Action) -> bool:
    """Say whether the user's roles allow the action in any state."""
    return any(a == action and may(user, rule) for (_, a), rule in TRANSITIONS.items())


def apply(
    session: Session,
    case: Case,
    action: Action,
    actor: User,
    *,
    summary: str | None = None,
    note: str = "",
    method: Method = Method.SYSTEM,
    target: str = "",
    occurred_at: datetime | None = None,
    details: dict[str, Any] | None = None,
    expected_version: int | None = None,
    today: date | None = None,
    corrects: ChronologyEntry | None = None,
) -> ChronologyEntry:
    """Apply one action: check state, permission and guards, move the case, log it."""
    if expected_version is not None and expected_version != case.version:
        raise CaseChanged()
    rule = TRANSITIONS.get((case.state, action))
    if rule is None:
        raise not_possible(case, action)
    if not may(actor, rule):
        raise NotAllowed(f"Your role does not allow '{action.label}'.")
    blocked = blockers(GuardContext(session, case, today or today_in_uk(), actor=actor), action)
    if blocked:
        raise TransitionRefused(action.value, blocked)
    before = case.state
    case.state = rule.to
    if rule.to == S.CLOSED and action.about.outcome is not None:
        case.outcome = action.about.outcome
    if rule.to == S.CLOSED and before != S.CLOSED:
        case.closed_at = utcnow()
    entry_details = {"action": action.value, "from": before.value, "to": rule.to.value}
    entry_details.update(details or {})
    entry = NewEntry(
        kind=action.value,
        summary=summary or action.label,
        actor=actor,
        method=method,
        occurred_at=occurred_at,
        target=target,
        note=note,
        details=entry_details,
        corrects=corrects,
    )
    return _write(session, case, action, before, actor, [entry])[0]


def record(
    session: Session,
    case: Case,
    action: Action,
    actor: User,
    entries: list[NewEntry],
    chains: Chains | None = None,
) -> list[ChronologyEntry]:
    """Record a non-moving action (RECORDS): check state and permission, log it, publish it.

    A batch (a phone's visits) passes its `chains` and flushes once itself.
    """
    rule = RECORDS[action]
    if case.state not in rule.states:
        raise not_possible(case, action)
    if not any(actor.can(p) for p in rule.who):
        raise NotAllowed(f"Your role does not allow '{action.label}'.")
    return _write(session, case, action, case.state, actor, entries, chains)


def not_possible(case: Case, action: Action) -> TransitionRefused:
    """The one refusal for an action the case's state does not allow."""
    message = f"'{action.label}' is not possible while the case is '{case.state.label}'."
    return TransitionRefused(action.value, [Blocked("state", message)])


def _write(
    session: Session,
    case: Case,
    action: Action,
    before: CaseState,
    actor: User,
    new: list[NewEntry],
    chains: Chains | None = None,
) -> list[ChronologyEntry]:
    """Append the action's entries to the chronology, then publish what happened."""
    if chains is None:
        written = chronology.append_all(session, case, new)
    else:
        written = chains.append(case, new)
    effects.publish(
        session, effects.Happened(case, action.value, before, case.state, actor, written)
    )
    return written
