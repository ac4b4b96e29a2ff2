"""What a case's record shows about the enquiries made, and the gaps the app can see."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from fieldvisit.cases.models import Case, ChecklistItem
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.core.dates import format_date, uk_date
from fieldvisit.pupils.models import Contact, ContactKind
from fieldvisit.visits.models import HomeVisit, VisitPhoto
from fieldvisit.visits.photos import photos_of
from fieldvisit.visits.services import visits_of

CONTACT_ATTEMPT = "log_contact"
ENQUIRY = "log_enquiry"
# Checklist items that last as long as the involvement: never a gap, never overdue.
ONGOING_ITEMS = frozenset({"referral", "work_with_laao", "inform_laao_after"})
# Gaps below say more than "item not ticked" for these.
EXPLAINED_ITEMS = frozenset({"contacts", "siblings", "home_visit", "vulnerable_home_visit"})


@dataclass(frozen=True)
class Gap:
    key: str
    text: str


@dataclass
class Evidence:
    case: Case
    checklist: list[ChecklistItem]
    contact_attempts: list[ChronologyEntry]
    enquiries: list[ChronologyEntry]
    visits: list[HomeVisit]
    photos: dict[int, list[VisitPhoto]] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)


def entries_of_kind(session: Session, case: Case, kind: str) -> list[ChronologyEntry]:
    """Return the case's chronology entries of one kind, oldest first."""
    return list(
        session.scalars(
            select(ChronologyEntry)
            .options(joinedload(ChronologyEntry.actor))
            .where(ChronologyEntry.case_id == case.id, ChronologyEntry.kind == kind)
            .order_by(ChronologyEntry.occurred_at, ChronologyEntry.seq)
        )
    )


def gather(session: Session, case: Case) -> Evidence:
    """Collect everything the LAAO weighs for one case, with the gaps in it."""
    visits = visits_of(session, case)[::-1]  # oldest first, like the chronology
    evidence = Evidence(
        case=case,
        checklist=list(case.checklist),
        contact_attempts=entries_of_kind(session, case, CONTACT_ATTEMPT),
        enquiries=entries_of_kind(session, case, ENQUIRY),
        visits=visits,
        photos={visit.id: photos_of(session, visit) for visit in visits if visit.photos},
    )
    evidence.gaps = find_gaps(evidence)
    return evidence


def normalise(target: str) -> str:
    """Reduce a phone number or email to what identifies it: '+44 7700 900001' = '07700900001'."""
    text = re.sub(r"[^0-9a-z@.+]", "", target.lower())
    if text.startswith("+44"):
        text = "0" + text[3:]
    elif text.startswith("0044"):
        text = "0" + text[4:]
    return text


def contact_tried(contact: Contact, tried: set[str]) -> bool:
    """Say whether any of the contact's numbers or email appears among the targets tried."""
    own = {normalise(p) for p in contact.phones if p.strip()}
    if contact.email.strip():
        own.add(normalise(contact.email))
    return bool(own & tried)


def _describe(contact: Contact) -> str:
    numbers = ", ".join(contact.phones + ([contact.email] if contact.email else []))
    who = contact.full_name or "Unnamed contact"
    relationship = (
        f", {contact.relationship_to_pupil.lower()}" if contact.relationship_to_pupil else ""
    )
    return f"{who}{relationship}" + (f" ({numbers})" if numbers else " (no number recorded)")


def find_gaps(evidence: Evidence) -> list[Gap]:
    """List what the record does not show: missing visits, untried contacts, unchecked schools."""
    case, pupil = evidence.case, evidence.case.pupil
    done = {item.key for item in evidence.checklist if item.done}
    gaps: list[Gap] = []
    completed = any(v.completed for v in evidence.visits)
    if case.social_care_involved and not completed:
        gaps.append(
            Gap(
                "home_visit_to_follow",
                "Home visit to follow: referred at once for social care or child protection "
                "involvement; the referral can be accepted only once a completed home visit "
                "is recorded.",
            )
        )
    if not evidence.visits:
        gaps.append(Gap("no_visit", "No home visit recorded."))
    elif not completed:
        gaps.append(
            Gap(
                "no_letter_left",
                "No completed home visit: the family was not seen or spoken to at the door "
                "and no letter of this case was left.",
            )
        )
    for visit in evidence.visits:
        if visit.letter_not_of_case:
            gaps.append(
                Gap(
                    f"letter_not_of_case_{visit.id}",
                    f"The visit of {format_date(uk_date(visit.arrived_at))} records letter "
                    f"{visit.letter_reference} as left, but no letter of this case has that "
                    "reference.",
                )
            )
    tried = {normalise(e.target) for e in evidence.contact_attempts if e.target}
    for kind, key, label in (
        (ContactKind.PARENT, "parents_not_tried", "Parents or carers not tried"),
        (ContactKind.EMERGENCY, "emergency_contacts_not_tried", "Emergency contacts not tried"),
    ):
        untried = [c for c in pupil.contacts if c.kind == kind and not contact_tried(c, tried)]
        if untried:
            gaps.append(Gap(key, f"{label}: " + "; ".join(_describe(c) for c in untried) + "."))
    gaps.extend(_sibling_gaps(evidence, done))
    agency_tried = any(e.method == Method.AGENCY for e in evidence.contact_attempts)
    if (
        case.vulnerable
        and pupil.agency_workers
        and "vulnerable_agencies" not in done
        and not agency_tried
        and not evidence.enquiries
    ):
        names = ", ".join(sorted({w.agency for w in pupil.agency_workers}))
        gaps.append(Gap("agencies_not_contacted", f"Agencies involved not contacted: {names}."))
    for item in evidence.checklist:
        if item.required and not item.done and item.key not in ONGOING_ITEMS | EXPLAINED_ITEMS:
            gaps.append(Gap(f"checklist_{item.key}", f"Checklist item not done: {item.text}"))
    return gaps


def _sibling_gaps(evidence: Evidence, done: set[str]) -> list[Gap]:
    if "siblings" in done:
        return []
    siblings = evidence.case.pupil.siblings
    if not siblings:
        return [
            Gap(
                "siblings_not_checked",
                "Siblings' schools not checked: no siblings are recorded and the checklist "
                "item is not ticked.",
            )
        ]
    school_attempts = [
        e for e in evidence.contact_attempts if e.method == Method.SIBLING_SCHOOL and e.target
    ]
    targets = {normalise(e.target) for e in school_attempts}
    texts = " ".join(e.target.lower() for e in school_attempts)
    unchecked = sorted(
        {
            s.school_name or "a school not named"
            for s in siblings
            if not (s.school_phone and normalise(s.school_phone) in targets)
            and not (s.school_name and s.school_name.lower() in texts)
            and not (s.school_urn and s.school_urn in texts)
        }
    )
    if not unchecked:
        return []
    return [Gap("siblings_not_checked", "Siblings' schools not checked: " + ", ".join(unchecked))]
