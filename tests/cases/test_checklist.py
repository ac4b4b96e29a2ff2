"""The seed's school checklist, generated from the triage."""

from datetime import date

from fieldvisit.cases import services
from fieldvisit.cases.engine import Action, apply
from tests.support.factories import make_case

FIRST_DAY = date(2026, 11, 3)


def keys(case):
    return {item.key: (item.from_day, item.due_day, item.required) for item in case.checklist}


def triage(session, world, case, vulnerable=(), social_care=False):
    if case.state.value == "first_day":
        apply(session, case, Action.LOG_CONTACT, world.school_user)
        services.record_no_contact(session, world.school_user, case)
    return services.triage(
        session,
        world.school_user,
        case,
        vulnerabilities=list(vulnerable),
        social_care_involved=social_care,
    )


def test_a_new_case_has_the_first_day_and_day_ten_checklist(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    assert keys(case) == {
        "contacts": (1, 1, True),
        "siblings": (1, 1, True),
        "staff": (1, 1, True),
        "continue_checks": (2, 10, True),
        "home_visit": (2, 10, True),
        "health": (2, 10, True),
        "referral": (10, 10, True),
        "work_with_laao": (10, 10, True),
        "inform_laao_after": (10, 10, True),
    }


def test_a_vulnerable_child_adds_the_vulnerable_steps_and_moves_to_day_five(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    triage(session, world, case, vulnerable=["young_carer"])
    checklist = keys(case)
    for key in ("vulnerable_home_visit", "vulnerable_agencies", "vulnerable_locate"):
        assert checklist[key] == (1, 1, True)
    for key in ("continue_checks", "health", "named_worker", "police"):
        assert checklist[key] == (2, 5, True)
    assert "home_visit" not in checklist  # one home visit, due on the first day
    assert checklist["referral"] == (5, 5, True)
    assert len(checklist) == 13


def test_changing_the_triage_keeps_what_was_ticked(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    triage(session, world, case, vulnerable=["medical"])
    police = next(i for i in case.checklist if i.key == "police")
    services.tick_checklist_item(session, world.school_user, case, police.id, note="PCSO asked")
    services.triage(
        session, world.school_user, case, vulnerabilities=[], social_care_involved=False
    )
    checklist = keys(case)
    assert checklist["police"] == (2, 10, False)  # ticked: kept, no longer required
    assert "named_worker" not in checklist  # not ticked and no longer applies: gone
    assert checklist["referral"] == (10, 10, True)
    assert next(i for i in case.checklist if i.key == "police").note == "PCSO asked"


def test_ticking_an_item_writes_the_chronology(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    item = case.checklist[0]
    entry = services.tick_checklist_item(session, world.school_user, case, item.id, note="Rang")
    assert entry.kind == "tick_checklist" and entry.note == "Rang"
    assert item.done and item.done_by_id == world.school_user.id


def test_overdue_means_past_due_while_the_school_leads_and_never_for_ongoing_duties():
    from fieldvisit.cases.checklist import is_overdue
    from fieldvisit.cases.models import CaseState

    assert is_overdue(CaseState.LOCATING, "health", 10, 11)
    assert not is_overdue(CaseState.LOCATING, "health", 10, 10)
    assert not is_overdue(CaseState.LOCATING, "work_with_laao", 10, 30)
    assert not is_overdue(CaseState.JOINT_ENQUIRIES, "health", 10, 30)
    assert not is_overdue(CaseState.CLOSED, "health", 10, 30)
