"""The kinds of letter: one template folder and one registered context function each."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import User
from fieldvisit.cases import facts
from fieldvisit.cases.checklist import referral_day_for
from fieldvisit.cases.engine import Action
from fieldvisit.cases.guards import (
    GuardContext,
    absence_ground_met,
    continuous_absence,
    joint_enquiry_logged,
)
from fieldvisit.cases.models import BEFORE_REMOVAL, Case, CaseState
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.addresses import address_lines
from fieldvisit.core.dates import format_date, today_in_uk, uk_date
from fieldvisit.core.permissions import Permission
from fieldvisit.letters.models import Delivery
from fieldvisit.pupils.models import Contact, ContactKind
from fieldvisit.schools.services import calendar_for

# The LAAO's confirmation states these hold (the same guards as agreeing removal).
REMOVAL_GROUNDS = (joint_enquiry_logged, absence_ground_met)


class Audience(enum.StrEnum):
    FAMILY = "family"
    SCHOOL = "school"


@dataclass
class LetterContext:
    """What one letter says: the wording's fields, and the page around the wording."""

    fields: dict[str, str]
    addressee: str
    address_lines: list[str]
    letterhead: list[str]
    signatory: list[str]
    delivery: Delivery

    @property
    def address_known(self) -> bool:
        return bool(self.address_lines)


Builder = Callable[[Session, Case, Delivery], LetterContext]


@dataclass(frozen=True)
class LetterKind:
    key: str
    label: str
    audience: Audience
    permission: Permission
    states: frozenset[CaseState]
    # name -> (what it is, an example): the admin page lists them; the check renders with them.
    fields: dict[str, tuple[str, str]]
    build: Builder
    always_by_hand: bool = False
    needs: Callable[[Session, Case], str | None] = field(default=lambda _s, _c: None)

    @property
    def template(self) -> str:
        return f"letters/{self.key}/letter.html"

    @property
    def default_wording(self) -> str:
        return f"letters/{self.key}/wording.txt"

    def refusal(self, session: Session, case: Case) -> str | None:
        """Say why this letter cannot be made for the case now, or None if it can."""
        if case.state not in self.states:
            return f"A '{self.label}' letter cannot be made while the case is '{case.state.label}'."
        return self.needs(session, case)

    def specimen(self) -> dict[str, str]:
        return {name: example for name, (_what, example) in self.fields.items()}


KINDS: dict[str, LetterKind] = {}


def letter_kind(key: str, **options: object) -> Callable[[Builder], Builder]:
    """Register a kind of letter whose context the decorated function builds from a case."""

    def register(build: Builder) -> Builder:
        KINDS[key] = LetterKind(key=key, build=build, **options)  # type: ignore[arg-type]
        return build

    return register


COMMON_FIELDS = {
    "reference": ("The letter's reference", "FV-2026-000123"),
    "letter_date": ("The date the letter is printed", "1 September 2026"),
    "pupil_name": ("The pupil's full name", "Alex Smith"),
    "pupil_forename": ("The pupil's first name", "Alex"),
    "pupil_date_of_birth": ("The pupil's date of birth", "4 May 2016"),
    "school_name": ("The school's name", "Riverside Primary School"),
    "school_phone": ("The school's phone number", "01223 000000"),
    "school_email": ("The school's email address", "office@riverside.example"),
    "la_name": ("The local authority's name", "Demo County Council"),
    "salutation": ("How the letter greets its reader", "Dear Ms Smith"),
}
FAMILY_FIELDS = COMMON_FIELDS | {
    "addressee": ("Who the letter is to", "Ms Pat Smith"),
    "first_day_of_absence": ("The first day the pupil was absent", "24 August 2026"),
    "school_days_absent": ("School days absent so far, counting today", "6"),
    "safeguarding_contact": (
        "Who to contact about the child's safety: the school's designated safeguarding lead",
        "Contact our designated safeguarding lead, Dana Lead, on 01223 000000.",
    ),
}
ABSENCE_FIELDS = FAMILY_FIELDS | {
    "contact_methods": ("How the school has tried to reach the family", "phone and email"),
}
FINAL_FIELDS = FAMILY_FIELDS | {
    "respond_by": ("The date the family must contact the school by", "8 September 2026"),
    "attempts_made": (
        "The attempts recorded in the chronology, with their dates",
        "we phoned you on 1 September 2026 and 2 September 2026; we wrote to you on "
        "3 September 2026; we called at your home on 4 September 2026 and left a letter",
    ),
}
REMOVAL_FIELDS = COMMON_FIELDS | {
    "pupil_upn": ("The pupil's UPN", "B801200005001"),
    "involvement_opened": ("The date the LA opened its CME involvement", "3 July 2026"),
    "removal_agreed": ("The date removal from roll was agreed", "1 September 2026"),
    "laao_name": ("The LA attendance officer's name", "Lee Jones"),
    "laao_email": ("The LA attendance officer's email", "lee.jones@la.example"),
    "cme_team_email": ("The LA's CME team email", "cme@la.example"),
    "first_day_of_absence": ("The first day the pupil was absent", "24 August 2026"),
    "school_days_absent": ("School days of continuous absence", "23"),
    "absence_counted_from": (
        "What the absence was counted from: the register, or the calendar",
        "the school's attendance register",
    ),
    "enquiries_logged": ("How many joint enquiries are logged", "3"),
}


def _common(case: Case, salutation: str) -> dict[str, str]:
    pupil, school = case.pupil, case.school
    return {
        "letter_date": format_date(today_in_uk()),
        "pupil_name": pupil.full_name,
        "pupil_forename": pupil.forename,
        "pupil_date_of_birth": format_date(pupil.date_of_birth),
        "school_name": school.name,
        "school_phone": school.phone,
        "school_email": school.email,
        "la_name": school.local_authority.name,
        "salutation": salutation,
    }


def _school_letterhead(case: Case) -> list[str]:
    school = case.school
    lines = [school.name, school.address, school.postcode]
    lines += [f"Telephone {school.phone}" if school.phone else "", school.email]
    return [line for line in lines if line]


def _parents(case: Case) -> list[Contact]:
    """Return the parents or carers a letter home is for, those living with the pupil first."""
    parents = [c for c in case.pupil.contacts if c.kind == ContactKind.PARENT]
    return sorted(parents, key=lambda c: (not c.lives_with_pupil, c.priority))


def _home_address(case: Case, parents: list[Contact]) -> list[str]:
    """Return the pupil's last known address, else a parent's at home with them; [] if none."""
    pupil = case.pupil
    if pupil.has_address:
        return address_lines(pupil.address_lines, pupil.postcode)
    for parent in parents:
        if parent.lives_with_pupil and (parent.address_lines or parent.postcode):
            return address_lines(parent.address_lines, parent.postcode)
    return []


def safeguarding_contact(case: Case) -> str:
    """Name the school's designated safeguarding lead (a school setting) and how to reach them."""
    school = case.school
    lead = "our designated safeguarding lead" + (f", {school.dsl_name}" if school.dsl_name else "")
    email = school.dsl_email or school.email
    ways = [f"on {school.phone}" if school.phone else "", f"at {email}" if email else ""]
    how = " or ".join(w for w in ways if w)
    return f"Contact {lead}{', ' + how if how else ''}."


def _family(session: Session, case: Case, delivery: Delivery) -> LetterContext:
    parents = _parents(case)
    named = [p for p in parents if p.forename or p.surname][:2]
    addressee = " and ".join(p.full_name for p in named) or (
        f"The parent or carer of {case.pupil.full_name}"
    )
    first = named[0] if len(named) == 1 else None
    salutation = (
        f"Dear {first.title} {first.surname}"
        if first and first.title and first.surname
        else "Dear parent or carer"
    )
    address = _home_address(case, parents)
    calendar = calendar_for(session, case.school)
    fields = _common(case, salutation) | {
        "addressee": addressee,
        "first_day_of_absence": format_date(case.first_day_of_absence),
        "school_days_absent": str(
            calendar.school_day_number(case.first_day_of_absence, today_in_uk())
        ),
    }
    school = case.school
    fields["safeguarding_contact"] = safeguarding_contact(case)
    return LetterContext(
        fields=fields,
        addressee=addressee,
        address_lines=address,
        letterhead=_school_letterhead(case),
        signatory=[school.signatory_name, school.signatory_role, school.name],
        delivery=delivery if address else Delivery.HAND,
    )


@letter_kind(
    "absence",
    label="Unexplained absence: letter to parents or carers",
    audience=Audience.FAMILY,
    permission=Permission.LETTERS_PRINT,
    states=frozenset(BEFORE_REMOVAL),
    fields=ABSENCE_FIELDS,
    needs=lambda session, case: _needs_attempts(
        session, case, "an absence letter", (Method.PHONE, Method.TEXT, Method.EMAIL)
    ),
)
def absence(session: Session, case: Case, delivery: Delivery) -> LetterContext:
    context = _family(session, case, delivery)
    methods = {e.method for e in _attempt_entries(session, case) if e.kind == CONTACT_ATTEMPT}
    context.fields["contact_methods"] = _and(
        [label for method, label in METHOD_WORDS.items() if method in methods]
    )
    return context


@letter_kind(
    "missed_visit",
    label="Home visit: we called today and could not reach you",
    audience=Audience.FAMILY,
    permission=Permission.LETTERS_PRINT,
    states=frozenset(BEFORE_REMOVAL),
    fields=FAMILY_FIELDS,
    always_by_hand=True,
)
def missed_visit(session: Session, case: Case, delivery: Delivery) -> LetterContext:
    return _family(session, case, Delivery.HAND)


@letter_kind(
    "final",
    label="Final letter before referral to the local authority",
    audience=Audience.FAMILY,
    permission=Permission.LETTERS_PRINT,
    states=frozenset({CaseState.NO_CONTACT, CaseState.LOCATING}),
    fields=FINAL_FIELDS,
    needs=lambda session, case: _needs_attempts(
        session, case, "a final letter", (Method.PHONE, Method.TEXT, Method.EMAIL)
    ),
)
def final(session: Session, case: Case, delivery: Delivery) -> LetterContext:
    context = _family(session, case, delivery)
    context.fields["respond_by"] = format_date(_respond_by(session, case))
    context.fields["attempts_made"] = attempts_made(session, case)
    return context


# What the family letters may say the school did: only what the chronology holds.
CONTACT_ATTEMPT = "log_contact"
METHOD_WORDS = {Method.PHONE: "phone", Method.TEXT: "text message", Method.EMAIL: "email"}
_METHOD_VERBS = {
    Method.PHONE: "we phoned you",
    Method.TEXT: "we sent you a text message",
    Method.EMAIL: "we emailed you",
}
FAMILY_LETTER_KINDS = ("absence", "missed_visit", "final")


def _attempt_entries(session: Session, case: Case) -> list[ChronologyEntry]:
    return list(
        session.scalars(
            select(ChronologyEntry)
            .where(
                ChronologyEntry.case_id == case.id,
                ChronologyEntry.kind.in_(
                    [CONTACT_ATTEMPT, "letter", "letter_delivered", "home_visit"]
                ),
            )
            .order_by(ChronologyEntry.occurred_at, ChronologyEntry.seq)
        )
    )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _on(moments: list[datetime]) -> str:
    days = sorted({uk_date(m) for m in moments})
    return "on " + _and([format_date(d) for d in days])


def attempts_made(session: Session, case: Case) -> str:
    """Describe the attempts to reach the family that the chronology records, with their dates.

    Phone calls, texts and emails to the family; letters posted to them; home visits (and
    letters left there). Nothing the record does not hold is said.
    """
    entries = _attempt_entries(session, case)
    parts = []
    for method, verb in _METHOD_VERBS.items():
        tried = [e.occurred_at for e in entries if e.kind == CONTACT_ATTEMPT and e.method == method]
        if tried:
            parts.append(f"{verb} {_on(tried)}")
    posted = [
        e.occurred_at
        for e in entries
        if e.kind == "letter"
        and e.details.get("kind") in FAMILY_LETTER_KINDS
        and e.details.get("delivery") == Delivery.POST.value
    ]
    if posted:
        parts.append(f"we wrote to you {_on(posted)}")
    visits = [e.occurred_at for e in entries if e.kind == "home_visit"]
    left = {uk_date(e.occurred_at) for e in entries if e.kind == "letter_delivered"}
    if visits:
        with_letter = " and left a letter" if left else ""
        parts.append(f"we called at your home {_on(visits)}{with_letter}")
    return "; ".join(parts)


def _needs_attempts(
    session: Session, case: Case, what: str, methods: tuple[Method, ...]
) -> str | None:
    """Refuse a letter that tells the family what the school did when the record shows none."""
    tried = any(
        e.kind == CONTACT_ATTEMPT and e.method in methods for e in _attempt_entries(session, case)
    )
    if tried:
        return None
    return (
        f"It says the school has tried to reach the family by phone, text or email, and no "
        f"such attempt is logged on this case: log the calls first, then make {what}."
    )


def _respond_by(session: Session, case: Case) -> date:
    """Give the family until the referral day, and never fewer than three school days."""
    today = today_in_uk()
    calendar = calendar_for(session, case.school)
    try:
        three_days = calendar.date_of_school_day(calendar.next_school_day(today), 3)
        referral_day = calendar.date_of_school_day(
            case.first_day_of_absence, referral_day_for(case)
        )
    except ValueError:  # term dates not set that far ahead: a week of calendar days
        return today + timedelta(days=7)
    return max(three_days, referral_day)


def _needs_involvement(session: Session, case: Case) -> str | None:
    """Refuse the LAAO's confirmation unless the regulation 9(1)(i) grounds hold on the record."""
    if facts.open_involvement.ask(session, case.id) is None:
        return "There is no open CME involvement on this case."
    ctx = GuardContext(session, case, today_in_uk())
    reasons = [b.reason for guard in REMOVAL_GROUNDS if (b := guard(ctx))]
    if reasons:
        return "It confirms the regulation 9(1)(i) ground, which the record does not hold: " + (
            " ".join(reasons)
        )
    return None


@letter_kind(
    "removal_confirmation",
    label="LAAO's written confirmation that the pupil may be removed from roll",
    audience=Audience.SCHOOL,
    permission=Permission.REFERRALS_DECIDE,
    states=frozenset({CaseState.REMOVAL_AGREED, CaseState.OFF_ROLL}),
    fields=REMOVAL_FIELDS,
    needs=_needs_involvement,
)
def removal_confirmation(session: Session, case: Case, delivery: Delivery) -> LetterContext:
    involvement = facts.open_involvement.ask(session, case.id)
    assert involvement is not None  # checked by the kind's `needs`
    school, la = case.school, case.school.local_authority
    headteacher = school.signatory_name or school.signatory_role
    agreed = uk_date(involvement.removal_agreed_at) if involvement.removal_agreed_at else None
    calendar = calendar_for(session, case.school)
    absence = continuous_absence(session, calendar, case, agreed or today_in_uk())
    enquiries = session.scalar(
        select(func.count()).where(
            ChronologyEntry.case_id == case.id, ChronologyEntry.kind == Action.LOG_ENQUIRY.value
        )
    )
    fields = _common(case, f"Dear {headteacher}" if headteacher else "Dear Headteacher") | {
        "first_day_of_absence": format_date(case.first_day_of_absence),
        "school_days_absent": str(absence.school_days),
        "absence_counted_from": absence.source_in_a_letter,
        "enquiries_logged": str(enquiries or 0),
        "pupil_upn": case.pupil.upn,
        "involvement_opened": format_date(uk_date(involvement.opened_at)),
        "removal_agreed": format_date(agreed or today_in_uk()),
        "laao_name": involvement.laao.name,
        "laao_email": involvement.laao.email,
        "cme_team_email": la.cme_team_email or "",
    }
    addressee = ", ".join(p for p in (school.signatory_name, school.signatory_role) if p)
    return LetterContext(
        fields=fields,
        addressee=addressee or "The Headteacher",
        address_lines=[line for line in (school.name, school.address, school.postcode) if line],
        letterhead=[
            line for line in (la.name, "Children Missing Education", la.cme_team_email) if line
        ],
        signatory=[involvement.laao.name, "Local Authority Attendance Officer", la.name],
        delivery=delivery,
    )


def kinds_for(user: User, audience: Audience | None = None) -> list[LetterKind]:
    """Return the kinds this user may make, optionally only those for one audience."""
    return [
        kind
        for kind in KINDS.values()
        if user.can(kind.permission) and (audience is None or kind.audience == audience)
    ]
