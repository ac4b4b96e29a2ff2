"""The engine's table against the seed, written out by hand (issue 10, item 12).

Every row below says, from the seed's own words (`../shared/docs/seed-cambridgeshire-cme-
process.txt`, line numbers in the comments), which state an action leads to, who may take
it and what must hold first. The test compares this with `cases/engine.py`'s TRANSITIONS both
ways, so a row added, dropped or changed in the engine fails here until the seed says so.
"""

from __future__ import annotations

from fieldvisit.cases.engine import TRANSITIONS
from fieldvisit.core.permissions import ROLE_PERMISSIONS

FIRST, NO_CONTACT, LOCATING = "first_day", "no_contact", "locating"
REFERRED, JOINT, AGREED = "referred", "joint_enquiries", "removal_agreed"
EHE_AWAITED, OFF_ROLL, CLOSED = "ehe_notice_awaited", "off_roll", "closed"
BEFORE_REMOVAL = (FIRST, NO_CONTACT, LOCATING, REFERRED, JOINT, AGREED)
OPEN = (*BEFORE_REMOVAL, EHE_AWAITED)
ACTIVE = (*OPEN, OFF_ROLL)
EVERY = (*ACTIVE, CLOSED)
SCHOOL, LAAO = frozenset({"school"}), frozenset({"laao"})
SCHOOL_OR_LAAO = SCHOOL | LAAO
ANYONE_ON_THE_CASE = frozenset({"school", "officer", "laao"})

Row = tuple[str, str, str, frozenset[str], tuple[str, ...]]  # state, action, to, roles, guards


def stays(action: str, states: tuple[str, ...], roles: frozenset[str]) -> list[Row]:
    """Work that leaves the case where it is."""
    return [(state, action, state, roles, ()) for state in states]


def closes(action: str, states: tuple[str, ...], roles: frozenset[str]) -> list[Row]:
    return [(state, action, CLOSED, roles, ()) for state in states]


SEED: list[Row] = [
    # Line 9: "School must contact parent/carer the same day"; every attempt is logged (127),
    # by the office, the officer at the door or the LAAO, until the case closes.
    *stays("log_contact", ACTIVE, ANYONE_ON_THE_CASE),
    # Line 17: "Contact made? No": only after at least one attempt.
    (FIRST, "record_no_contact", NO_CONTACT, SCHOOL, ("contact_attempted",)),
    # Line 125: "Schools should triage each case"; a triage may be revisited while the
    # school still works the case with the LA.
    (NO_CONTACT, "triage", LOCATING, SCHOOL, ()),
    *stays("triage", (LOCATING, REFERRED, JOINT), SCHOOL),
    # Lines 129-156: the school's checklist, ticked (and a mistaken tick taken back).
    *stays("tick_checklist", ACTIVE, SCHOOL),
    *stays("untick_checklist", ACTIVE, SCHOOL),
    # Line 42: "School should conduct a home visit": the school sends an officer, and may
    # cancel or move the visit while the case is active.
    *stays("assign_visit", OPEN, SCHOOL),
    *stays("cancel_visit", ACTIVE, SCHOOL),
    # Line 27 and footnotes 1-2 (106): with social care or CP involvement the social worker
    # is informed and a police safe-and-well check may be asked for.
    *stays("inform_social_worker", ACTIVE, SCHOOL),
    *stays("request_police_check", ACTIVE, SCHOOL),
    # Footnotes: a concern is never gated.
    *stays("raise_concern", EVERY, ANYONE_ON_THE_CASE),
    # Line 127: the chronology is the record; a wrong entry is corrected, never rewritten.
    *stays("correct_entry", EVERY, SCHOOL_OR_LAAO),
    # "Contact made? Yes" (36-50): another school, home education, still in the LA, returned.
    *closes("child_returned", OPEN, SCHOOL),
    *closes("attending_other_school", OPEN, SCHOOL),
    *closes("elective_home_education", OPEN, SCHOOL),
    *closes("residing_in_la", OPEN, SCHOOL),
    # Line 59: "verbal communication ... of their intention to home educate": the case waits
    # for the written notice, the pupil still on roll.
    *[(s, "ehe_spoken_notice", EHE_AWAITED, SCHOOL, ()) for s in BEFORE_REMOVAL],
    # Line 71: found by the school or the LA, at any point, even after removal ("The 'CME'
    # Involvement will remain open to the LA"); gone abroad likewise.
    *closes("child_found", ACTIVE, SCHOOL_OR_LAAO),
    *closes("moved_abroad", ACTIVE, SCHOOL_OR_LAAO),
    # Issue 15: a child the council of another area confirms is living there is that
    # council's to find: the school or the LA closes the case, at any stage.
    *closes("moved_other_la", ACTIVE, SCHOOL_OR_LAAO),
    # Line 62: "Refer after 10 days" (5 if vulnerable, at once with social care involvement,
    # line 27); line 83: not without a completed home visit unless safeguarding cannot wait.
    (LOCATING, "submit_referral", REFERRED, SCHOOL, ("home_visit_or_safeguarding", "referral_due")),
    # Line 83: "A CME referral will not be accepted unless a home visit has been completed".
    (REFERRED, "accept_referral", JOINT, LAAO, ("home_visit_completed",)),
    (REFERRED, "return_referral", LOCATING, LAAO, ()),
    # Line 71: "School and LA will work together to continue to carry out reasonable
    # enquiries"; the involvement is the LAAO's to pass on.
    *stays("log_enquiry", (JOINT, AGREED, OFF_ROLL), SCHOOL_OR_LAAO),
    *stays("reassign_laao", (JOINT, AGREED, OFF_ROLL), LAAO),
    # Line 71: "After four weeks ... in consultation and agreement with the LAAO"; the ground
    # is regulation 9(1)(i): enquiries made and 20 school days of absence.
    (
        JOINT,
        "agree_removal",
        AGREED,
        LAAO,
        ("removal_period_elapsed", "joint_enquiry_logged", "absence_ground_met"),
    ),
    # Who agreed may take it back until the school acts on it.
    (AGREED, "withdraw_removal", JOINT, LAAO, ("agreed_by_actor",)),
    # Line 71: "the school ... should remove the child's name from its roll".
    (AGREED, "record_removal", OFF_ROLL, SCHOOL, ("absence_ground_met",)),
]


def _engine_rows() -> set[Row]:
    rows = set()
    for (state, action), rule in TRANSITIONS.items():
        roles = frozenset(
            role.value
            for role, permissions in ROLE_PERMISSIONS.items()
            if any(p in permissions for p in rule.who)
        )
        guards = tuple(guard.__name__ for guard in rule.guards)
        rows.add((state.value, action.value, rule.to.value, roles, guards))
    return rows


def test_the_engine_is_the_seed_row_for_row():
    seed, engine = set(SEED), _engine_rows()
    assert len(seed) == len(SEED), "a row is written twice above"
    missing = sorted(seed - engine, key=str)
    extra = sorted(engine - seed, key=str)
    assert not missing and not extra, (
        f"the seed has rows the engine lacks or has otherwise: {missing}; "
        f"the engine has rows the seed does not: {extra}"
    )
