"""The case's life as one table: (state, action) -> rule, and the function that applies it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import effects, facts
from fieldvisit.cases.actions import Action
from fieldvisit.cases.checklist import referral_day_for
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
from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.dates import format_date, today_in_uk, uk_date, utcnow
from fieldvisit.core.errors import Blocked, CaseChanged, NotAllowed, TransitionRefused
from fieldvisit.core.permissions import Permission as P
from fieldvisit.pupils import attendance
from fieldvisit.schools.services import calendar_for, waiting_period, waiting_period_ends

S = CaseState


# Regulation 9(1)(i) of the School Attendance (Pupil Registration) (England) Regulations 2024
# (SI 2024/208): continuous absence of at least 20 school days, counted with the school's
# calendar, and joint reasonable enquiries by the school and the LA that failed to find the child.
MINIMUM_ABSENCE_SCHOOL_DAYS = 20


@dataclass
class GuardContext:
    """What guards may look at: the case, today, and lazily its calendar and LA.

    A list page that already knows the calendar or the visits passes them in,
    so checking many cases costs no query per case.
    """

    session: Session
    case: Case
    today: date
    known_calendar: SchoolCalendar | None = None
    known_home_visit_completed: bool | None = None
    # Who asks, for the few guards that depend on the person (an undo by who agreed).
    actor: User | None = None

    @cached_property
    def calendar(self) -> SchoolCalendar:
        return self.known_calendar or calendar_for(self.session, self.case.school)

    @cached_property
    def has_completed_home_visit(self) -> bool:
        if self.known_home_visit_completed is not None:
            return self.known_home_visit_completed
        return bool(self.session.scalar(select(completed_home_visit_exists(self.case.id))))

    @property
    def school_day(self) -> int:
        return self.calendar.school_day_number(self.case.first_day_of_absence, self.today)

    @property
    def referral_day(self) -> int:
        return referral_day_for(self.case)


Guard = Callable[[GuardContext], Blocked | None]


def contact_attempted(ctx: GuardContext) -> Blocked | None:
    attempted = ctx.session.scalar(
        select(
            exists().where(
                ChronologyEntry.case_id == ctx.case.id,
                ChronologyEntry.kind == Action.LOG_CONTACT.value,
            )
        )
    )
    if attempted:
        return None
    return Blocked(
        "contact_attempted",
        "Log at least one contact attempt before recording that no contact was made.",
    )


def completed_home_visit_exists(case_id: Any) -> Any:
    """SQL: the case has a completed visit (see HomeVisit.completed); case_id may be a column."""
    return facts.completed_home_visit.ask(case_id)


def home_visit_completed(ctx: GuardContext) -> Blocked | None:
    if ctx.has_completed_home_visit:
        return None
    return Blocked(
        "home_visit_completed",
        "A CME referral needs a completed home visit: the family seen or spoken to at the "
        "door or, if not, one of this case's letters left there (its reference recorded).",
    )


def home_visit_or_safeguarding(ctx: GuardContext) -> Blocked | None:
    """Seed line 27: with social care or CP involvement refer at once, the home visit to follow."""
    if ctx.case.social_care_involved:
        return None
    return home_visit_completed(ctx)


def referral_due(ctx: GuardContext) -> Blocked | None:
    if ctx.case.social_care_involved:
        return None
    due_day = ctx.referral_day
    day = ctx.school_day
    if day >= due_day:
        return None
    try:
        unlocks_on: date | None = ctx.calendar.date_of_school_day(
            ctx.case.first_day_of_absence, due_day
        )
    except ValueError:
        unlocks_on = None
    when = f" ({format_date(unlocks_on)})" if unlocks_on else ""
    kind = "a vulnerable child" if ctx.case.vulnerable else "this child"
    return Blocked(
        "referral_due",
        f"The referral for {kind} opens on school day {due_day}{when}; "
        f"today is school day {day}. With social care or child protection involvement "
        "it opens at once.",
        unlocks_on,
    )


def removal_period_elapsed(ctx: GuardContext) -> Blocked | None:
    involvement = facts.open_involvement.ask(ctx.session, ctx.case.id)
    if involvement is None:
        return Blocked("removal_period_elapsed", "There is no open CME involvement on this case.")
    la = ctx.case.school.local_authority
    try:
        unlocks_on = waiting_period_ends(ctx.calendar, la, uk_date(involvement.opened_at))
    except ValueError as missing_terms:
        return Blocked("removal_period_elapsed", str(missing_terms))
    if ctx.today >= unlocks_on:
        return None
    return Blocked(
        "removal_period_elapsed",
        f"Removal from roll can be agreed {waiting_period(la)} after the LA accepted the "
        f"referral, from {format_date(unlocks_on)}.",
        unlocks_on,
    )


def joint_enquiry_logged(ctx: GuardContext) -> Blocked | None:
    logged = ctx.session.scalar(
        select(
            exists().where(
                ChronologyEntry.case_id == ctx.case.id,
                ChronologyEntry.kind == Action.LOG_ENQUIRY.value,
            )
        )
    )
    if logged:
        return None
    return Blocked(
        "joint_enquiry_logged",
        "Removal from roll needs joint enquiries by the school and the LA: log at least one "
        "enquiry (another LA, health, police, housing...) on the case first.",
    )


def absent_school_days_before(calendar: SchoolCalendar, case: Case, day: date) -> int:
    """Count the school days of continuous absence completed before a date."""
    return calendar.school_day_number(case.first_day_of_absence, day - timedelta(days=1))


@dataclass(frozen=True)
class AbsenceCount:
    """School days of continuous absence before a day, and what they were counted from."""

    school_days: int
    from_register: bool

    @property
    def source(self) -> str:
        if self.from_register:
            return "the register's marks"
        return "the school's calendar (no register marks imported)"

    @property
    def source_in_a_letter(self) -> str:
        return "the school's attendance register" if self.from_register else "the school's calendar"


def continuous_absence(
    session: Session, calendar: SchoolCalendar, case: Case, day: date
) -> AbsenceCount:
    """Count the continuous absence before a day from the register's marks where the school
    has imported them (every mark of the day without permission), else from its calendar."""
    first = case.first_day_of_absence
    marked = attendance.continuous_absence(session, case.pupil_id, first, day)
    if marked is None:
        return AbsenceCount(absent_school_days_before(calendar, case, day), from_register=False)
    counted = marked.school_days
    if marked.unbroken and marked.earliest > first:
        # The marks kept start after the absence did: the days before them from the calendar.
        counted += calendar.school_day_number(first, marked.earliest - timedelta(days=1))
    return AbsenceCount(counted, from_register=True)


def absence_ground_met(ctx: GuardContext) -> Blocked | None:
    count = continuous_absence(ctx.session, ctx.calendar, ctx.case, ctx.today)
    absent = count.school_days
    if absent >= MINIMUM_ABSENCE_SCHOOL_DAYS:
        return None
    try:
        unlocks_on: date | None = ctx.calendar.date_of_school_day(
            ctx.case.first_day_of_absence, MINIMUM_ABSENCE_SCHOOL_DAYS
        ) + timedelta(days=1)
    except ValueError:
        unlocks_on = None
    when = f" It can be agreed from {format_date(unlocks_on)}." if unlocks_on else ""
    return Blocked(
        "absence_ground_met",
        f"The pupil has been absent for {absent} school days by {count.source}; "
        f"regulation 9(1)(i) needs continuous absence of at least {MINIMUM_ABSENCE_SCHOOL_DAYS} "
        f"school days.{when}",
        unlocks_on,
    )


def agreed_by_actor(ctx: GuardContext) -> Blocked | None:
    involvement = facts.open_involvement.ask(ctx.session, ctx.case.id)
    if (
        involvement is not None
        and ctx.actor is not None
        and involvement.removal_agreed_by_id == ctx.actor.id
    ):
        return None
    return Blocked(
        "agreed_by_actor",
        "Only the LA attendance officer who agreed the removal can withdraw it.",
    )


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
    # Found, or known to have gone abroad, at any stage: the LA as well as the school may know.
    for state in OPEN_STATES:
        table[state, Action.CHILD_FOUND] = Rule(S.CLOSED, SCHOOL_OR_LA)
        table[state, Action.MOVED_ABROAD] = Rule(S.CLOSED, SCHOOL_OR_LA)
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
