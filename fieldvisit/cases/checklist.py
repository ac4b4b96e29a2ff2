"""The seed's school checklist, generated from the triage with due school days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fieldvisit.cases.models import BEFORE_REMOVAL, Case, CaseState, ChecklistItem


@dataclass(frozen=True)
class ItemSpec:
    key: str
    section: str
    text: str
    vulnerable_only: bool
    window: str  # "first_day", "until_referral" or "referral_day"
    # A step a vulnerable child's checklist already has earlier: one home visit per case,
    # due on the first day for a vulnerable child, by the referral day otherwise.
    ordinary_only: bool = False

    def applies_to(self, case: Case) -> bool:
        if case.vulnerable:
            return not self.ordinary_only
        return not self.vulnerable_only


FIRST_DAY = "First day response"
VULNERABLE_FIRST_DAY = "First day, vulnerable child"
DAYS = "Days 2 to {due}"
REFERRAL = "Day {due}"

SPECS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "contacts",
        FIRST_DAY,
        "Contact all emergency contact numbers as well as parents and carers.",
        False,
        "first_day",
    ),
    ItemSpec("siblings", FIRST_DAY, "Check with siblings in other schools.", False, "first_day"),
    ItemSpec("staff", FIRST_DAY, "Check what other staff may know.", False, "first_day"),
    ItemSpec(
        "vulnerable_home_visit",
        VULNERABLE_FIRST_DAY,
        "Do a home visit and leave a letter if there is no response (keep a copy).",
        True,
        "first_day",
    ),
    ItemSpec(
        "vulnerable_agencies",
        VULNERABLE_FIRST_DAY,
        "Contact relevant agencies involved with the family or child.",
        True,
        "first_day",
    ),
    ItemSpec(
        "vulnerable_locate",
        VULNERABLE_FIRST_DAY,
        "Make all reasonable and practical efforts to locate the child or family: "
        "neighbours, known friends of the family, extended family, community members, "
        "GP, police.",
        True,
        "first_day",
    ),
    ItemSpec(
        "continue_checks",
        DAYS,
        "Continue to make all reasonable and practical checks to contact the child, "
        "parent or carer, and family.",
        False,
        "until_referral",
    ),
    ItemSpec(
        "home_visit",
        DAYS,
        "Do a home visit and leave a letter if there is no response (keep a copy).",
        False,
        "until_referral",
        ordinary_only=True,
    ),
    ItemSpec(
        "health",
        DAYS,
        "Check with health professionals, for example the school nurse.",
        False,
        "until_referral",
    ),
    ItemSpec(
        "named_worker",
        DAYS,
        "Continue to liaise with the named person, such as a social worker or family worker.",
        True,
        "until_referral",
    ),
    ItemSpec("police", DAYS, "Check with the police, if appropriate.", True, "until_referral"),
    ItemSpec(
        "referral",
        REFERRAL,
        "Complete the online CME referral with as much detail as possible and attach "
        "your chronology.",
        False,
        "referral_day",
    ),
    ItemSpec(
        "work_with_laao",
        REFERRAL,
        "Continue to work alongside the LAAO allocated the CME until the child is found "
        "or the LAAO advises the school they can take the child off roll.",
        False,
        "referral_day",
    ),
    ItemSpec(
        "inform_laao_after",
        REFERRAL,
        "If you gain further information after the child is off roll, notify the LAAO "
        "who was working on the case.",
        False,
        "referral_day",
    ),
)


# Before the referral the checklist is the school's to work through; after it the LA leads.
CHECKLIST_STATES = frozenset({CaseState.FIRST_DAY, CaseState.NO_CONTACT, CaseState.LOCATING})
# Duties that last as long as the case: never "overdue".
# "Continue checks" runs until the referral: never reminded as overdue for ever.
ONGOING = frozenset({"work_with_laao", "inform_laao_after", "continue_checks"})


# Added when a parent says by word of mouth that they will educate at home; ticked when the
# written notice is recorded.
EHE_WRITTEN_NOTICE = "ehe_written_notice"
EHE_NOTICE_SCHOOL_DAYS = 5  # a reminder, not a legal time limit


# Seed line 27 and footnote 2: with social care or CP involvement the linked social worker
# (on the CP register: the social worker or team manager) is told the same school day.
INFORM_SOCIAL_WORKER = "inform_social_worker"
# Items that stay the school's to do after the checklist stage, with the states they last in.
LASTING_ITEMS: dict[str, frozenset[CaseState]] = {
    EHE_WRITTEN_NOTICE: frozenset({CaseState.EHE_NOTICE_AWAITED}),
    INFORM_SOCIAL_WORKER: frozenset(BEFORE_REMOVAL),
}

# Where an overdue item may be found: the daily reminders read cases in these states.
REMINDED_STATES = CHECKLIST_STATES.union(*LASTING_ITEMS.values())


def is_overdue(state: CaseState, key: str | None, due_day: int | None, school_day: int) -> bool:
    """Say whether a checklist item is past its due school day and still the school's to do."""
    return is_actionable(state, key) and due_day is not None and school_day > due_day


def is_actionable(state: CaseState, key: str | None) -> bool:
    """Say whether an open item is one the school should do now, with a due day that counts."""
    if key in LASTING_ITEMS:
        return state in LASTING_ITEMS[key]
    return state in CHECKLIST_STATES and key not in ONGOING


def add_written_notice_item(case: Case, school_day: int) -> None:
    """Ask for the parent's written notice of home education, due a few school days on."""
    if any(item.key == EHE_WRITTEN_NOTICE for item in case.checklist):
        return
    case.checklist.append(
        ChecklistItem(
            key=EHE_WRITTEN_NOTICE,
            section="Home education",
            text="Ask the parent for written notice (a letter or email) that they are educating "
            "the child at home; until it comes the pupil stays on roll.",
            position=len(SPECS),
            from_day=school_day,
            due_day=school_day + EHE_NOTICE_SCHOOL_DAYS,
            required=True,
        )
    )


HOME_VISIT_ITEMS = ("vulnerable_home_visit", "home_visit")


def sync_social_worker_item(case: Case, school_day: int) -> None:
    """Add "inform the social worker", due today, when social care is involved; else drop it.

    A ticked item stays whatever the triage says later.
    """
    item = next((i for i in case.checklist if i.key == INFORM_SOCIAL_WORKER), None)
    if not case.social_care_involved:
        if item is not None and not item.done:
            case.checklist.remove(item)
        return
    who = (
        "the linked social worker or their team manager"
        if "cp_cin" in case.vulnerabilities
        else "the linked social worker"
    )
    text = f"Inform {who} now, and record who was told, how and when."
    if item is None:
        case.checklist.append(
            ChecklistItem(
                key=INFORM_SOCIAL_WORKER,
                section="Social care or child protection involvement",
                text=text,
                position=-1,
                from_day=school_day,
                due_day=school_day,
                required=True,
            )
        )
    elif not item.done:
        item.text = text


def mark_done(case: Case, keys: tuple[str, ...], *, at: datetime, by_id: int, note: str) -> None:
    """Tick the case's open items with these keys: steps the app itself saw being done."""
    for item in case.checklist:
        if item.key in keys and not item.done:
            item.done_at, item.done_by_id, item.note = at, by_id, note


def _days(spec: ItemSpec, referral_day: int) -> tuple[int, int]:
    if spec.window == "first_day":
        return 1, 1
    if spec.window == "until_referral":
        return 2, referral_day
    return referral_day, referral_day


def sync_checklist(case: Case, referral_day: int) -> None:
    """Bring the case's checklist in line with its triage, keeping every ticked item.

    Items that no longer apply stay if ticked (marked not required) and go if not.
    """
    existing = {item.key: item for item in case.checklist}
    for position, spec in enumerate(SPECS):
        applies = spec.applies_to(case)
        from_day, due_day = _days(spec, referral_day)
        section = spec.section.format(due=referral_day)
        item = existing.get(spec.key)
        if item is None:
            if applies:
                case.checklist.append(
                    ChecklistItem(
                        key=spec.key,
                        section=section,
                        text=spec.text,
                        position=position,
                        from_day=from_day,
                        due_day=due_day,
                        required=True,
                    )
                )
            continue
        if not applies and not item.done:
            case.checklist.remove(item)
            continue
        item.section, item.from_day, item.due_day = section, from_day, due_day
        item.required = applies


def referral_day_for(case: Case) -> int:
    la = case.school.local_authority
    return la.vulnerable_referral_school_day if case.vulnerable else la.referral_school_day
