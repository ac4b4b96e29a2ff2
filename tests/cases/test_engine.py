"""The transition table, row by row, and every guard."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from fieldvisit.cases.engine import TRANSITIONS, Action, actions_for, apply
from fieldvisit.cases.models import CaseState, Outcome
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.errors import CaseChanged, NotAllowed, TransitionRefused
from fieldvisit.core.web import commit
from fieldvisit.referrals.models import Involvement, Referral
from tests.support.factories import make_case, make_visit

FIRST_DAY = date(2026, 11, 3)  # a Tuesday in the autumn term (2 November is INSET)
TODAY = date(2026, 11, 27)  # school day 19 of that case


def actor_for(world, rule):
    """Pick a world user whose role the rule admits."""
    for user in (world.school_user, world.laao, world.officer):
        if any(user.can(p) for p in rule.who):
            return user
    raise AssertionError("no user may do this")


def ready(session, world, case, action: Action) -> None:
    """Meet every guard of the action."""
    if action == Action.RECORD_NO_CONTACT:
        apply(session, case, Action.LOG_CONTACT, world.school_user, today=TODAY)
    if action in (Action.SUBMIT_REFERRAL, Action.ACCEPT_REFERRAL):
        make_visit(session, case, world.officer)
    if action in (Action.AGREE_REMOVAL, Action.RECORD_REMOVAL, Action.WITHDRAW_REMOVAL):
        # Regulation 9(1)(i): 20 school days of absence by TODAY.
        case.first_day_of_absence = LONG_ABSENT_SINCE
        involvement(session, world, case, agreed_by=world.laao)
    if action == Action.AGREE_REMOVAL:
        apply(session, case, Action.LOG_ENQUIRY, world.laao, today=TODAY)


LONG_ABSENT_SINCE = date(2026, 10, 1)


def involvement(session, world, case, *, opened=None, agreed_by=None) -> Involvement:
    referral = Referral(
        case_id=case.id,
        submitted_by_id=world.school_user.id,
        submitted_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    session.add(referral)
    session.flush()
    opened_involvement = Involvement(
        case_id=case.id,
        referral_id=referral.id,
        laao_id=world.laao.id,
        opened_at=opened or datetime(2026, 10, 20, 9, tzinfo=UTC),
        removal_agreed_by_id=agreed_by.id if agreed_by else None,
    )
    session.add(opened_involvement)
    session.flush()
    return opened_involvement


@pytest.mark.parametrize(
    ("state", "action"), sorted(TRANSITIONS), ids=lambda v: getattr(v, "value", str(v))
)
def test_every_row_of_the_table_moves_the_case_and_logs_it(session, world, state, action):
    rule = TRANSITIONS[state, action]
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = state
    session.flush()
    ready(session, world, case, action)
    entry = apply(session, case, action, actor_for(world, rule), today=TODAY)
    assert case.state == rule.to
    assert entry.kind == action.value
    assert entry.details["from"] == state.value and entry.details["to"] == rule.to.value
    if rule.to == CaseState.CLOSED and state != CaseState.CLOSED:
        assert case.outcome == action.about.outcome and case.closed_at is not None


MISSING = sorted(
    (state, action)
    for state in CaseState
    for action in Action
    if (state, action) not in TRANSITIONS
)


@pytest.mark.parametrize(("state", "action"), MISSING, ids=lambda v: v.value)
def test_actions_outside_the_table_are_refused_and_change_nothing(session, world, state, action):
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = state
    session.flush()
    entries = session.scalar(select(ChronologyEntry.seq).order_by(ChronologyEntry.seq.desc()))
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, action, world.school_user, today=TODAY)
    assert "not possible while the case is" in refused.value.message
    assert case.state == state
    assert (
        session.scalar(select(ChronologyEntry.seq).order_by(ChronologyEntry.seq.desc())) == entries
    )


def test_a_child_protection_concern_is_never_gated(session, world):
    for state in CaseState:
        assert (state, Action.RAISE_CONCERN) in TRANSITIONS
        assert TRANSITIONS[state, Action.RAISE_CONCERN].guards == ()
        for user in (world.school_user, world.officer, world.laao):
            assert any(user.can(p) for p in TRANSITIONS[state, Action.RAISE_CONCERN].who)


def test_the_wrong_role_is_refused(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.REFERRED
    with pytest.raises(NotAllowed):
        apply(session, case, Action.ACCEPT_REFERRAL, world.school_user, today=TODAY)
    with pytest.raises(NotAllowed):
        apply(session, case, Action.TRIAGE, world.admin, today=TODAY)


def test_no_contact_needs_a_logged_attempt(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.RECORD_NO_CONTACT, world.school_user, today=TODAY)
    assert refused.value.blocked[0].guard == "contact_attempted"


@pytest.mark.parametrize(
    ("vulnerable", "social_care", "today", "visit", "blocked_by", "unlocks_on"),
    [
        # Not vulnerable: day 10 is 16 November (3 Nov is day 1).
        (False, False, date(2026, 11, 13), True, ["referral_due"], date(2026, 11, 16)),
        (False, False, date(2026, 11, 16), True, [], None),
        # Vulnerable: day 5 is 9 November.
        (True, False, date(2026, 11, 6), True, ["referral_due"], date(2026, 11, 9)),
        (True, False, date(2026, 11, 9), True, [], None),
        # Social care involvement: at once, on day 1.
        (True, True, date(2026, 11, 3), True, [], None),
        # Seed line 27: at once, the home visit to follow (the LA accepts only after it).
        (True, True, date(2026, 11, 3), False, [], None),
        # Otherwise never without a completed home visit.
        (True, False, date(2026, 11, 16), False, ["home_visit_completed"], None),
        (
            False,
            False,
            date(2026, 11, 13),
            False,
            ["home_visit_completed", "referral_due"],
            date(2026, 11, 16),
        ),
    ],
)
def test_referral_guard(
    session, world, vulnerable, social_care, today, visit, blocked_by, unlocks_on
):
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.LOCATING
    case.vulnerabilities = ["bullying"] if vulnerable else []
    case.social_care_involved = social_care
    if visit:
        make_visit(session, case, world.officer)
    [status] = [
        s
        for s in actions_for(session, case, world.school_user, today)
        if s.action == Action.SUBMIT_REFERRAL
    ]
    assert [b.guard for b in status.blocked] == blocked_by
    assert status.unlocks_on == unlocks_on
    if blocked_by:
        with pytest.raises(TransitionRefused):
            apply(session, case, Action.SUBMIT_REFERRAL, world.school_user, today=today)
        assert case.state == CaseState.LOCATING
    else:
        apply(session, case, Action.SUBMIT_REFERRAL, world.school_user, today=today)
        assert case.state == CaseState.REFERRED


def test_a_referral_is_accepted_only_after_a_completed_home_visit(session, world):
    # Seed line 83: "A CME referral will not be accepted unless a home visit has been completed".
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.LOCATING
    case.social_care_involved = True
    apply(session, case, Action.SUBMIT_REFERRAL, world.school_user, today=FIRST_DAY)
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.ACCEPT_REFERRAL, world.laao, today=FIRST_DAY)
    assert [b.guard for b in refused.value.blocked] == ["home_visit_completed"]
    assert case.state == CaseState.REFERRED
    make_visit(session, case, world.officer)
    apply(session, case, Action.ACCEPT_REFERRAL, world.laao, today=FIRST_DAY)
    assert case.state == CaseState.JOINT_ENQUIRIES


def test_a_visit_nobody_answered_counts_only_with_a_letter_left(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.LOCATING
    make_visit(session, case, world.officer, completed=False)
    blocked = [
        s
        for s in actions_for(session, case, world.school_user, TODAY)
        if s.action == Action.SUBMIT_REFERRAL
    ][0].blocked
    assert [b.guard for b in blocked] == ["home_visit_completed"]


@pytest.mark.parametrize(
    ("days_open", "allowed"), [(21, False), (27, False), (28, True), (35, True)]
)
def test_removal_needs_four_weeks_of_joint_enquiries(session, world, days_open, allowed):
    case = make_case(session, world, first_day=LONG_ABSENT_SINCE)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case, opened=datetime(2026, 12, 1, 10, tzinfo=UTC))
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=date(2026, 12, 2))
    today = date(2026, 12, 1) + timedelta(days=days_open)
    if allowed:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)
        assert case.state == CaseState.REMOVAL_AGREED
    else:
        with pytest.raises(TransitionRefused) as refused:
            apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)
        assert refused.value.blocked[0].unlocks_on == date(2026, 12, 29)
        assert "29 December 2026" in refused.value.message


def test_removal_needs_a_joint_enquiry_logged(session, world):
    case = make_case(session, world, first_day=LONG_ABSENT_SINCE)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case)
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=TODAY)
    assert [b.guard for b in refused.value.blocked] == ["joint_enquiry_logged"]
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=TODAY)
    apply(session, case, Action.AGREE_REMOVAL, world.laao, today=TODAY)
    assert case.state == CaseState.REMOVAL_AGREED


@pytest.mark.parametrize(
    ("today", "absent", "allowed"),
    # FIRST_DAY is 3 November: school day 20 is 30 November, so the 20 days are complete
    # from 1 December; 23 November is school day 15 (the 1 December INSET-free week).
    [
        (date(2026, 11, 27), 18, False),
        (date(2026, 11, 30), 19, False),
        (date(2026, 12, 1), 20, True),
    ],
)
def test_removal_needs_twenty_school_days_by_the_schools_calendar(
    session, world, today, absent, allowed
):
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case, opened=datetime(2026, 10, 1, 9, tzinfo=UTC))
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=today)
    if allowed:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)
        assert case.state == CaseState.REMOVAL_AGREED
        return
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)
    (blocked,) = refused.value.blocked
    assert blocked.guard == "absence_ground_met"
    assert f"absent for {absent} school days" in blocked.reason
    assert "regulation 9(1)(i)" in blocked.reason
    assert blocked.unlocks_on == date(2026, 12, 1)


def test_only_who_agreed_may_withdraw_until_the_school_records_it(session, world):
    from fieldvisit.core.permissions import Role
    from tests.support.factories import make_user

    other = make_user(session, "laao9@la.test", {Role.LAAO})
    case = make_case(session, world, first_day=LONG_ABSENT_SINCE)
    case.state = CaseState.REMOVAL_AGREED
    involvement(session, world, case, agreed_by=world.laao)
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.WITHDRAW_REMOVAL, other, today=TODAY)
    assert [b.guard for b in refused.value.blocked] == ["agreed_by_actor"]
    apply(session, case, Action.WITHDRAW_REMOVAL, world.laao, today=TODAY)
    assert case.state == CaseState.JOINT_ENQUIRIES
    case.state = CaseState.OFF_ROLL
    with pytest.raises(TransitionRefused):
        apply(session, case, Action.WITHDRAW_REMOVAL, world.laao, today=TODAY)


def test_child_found_at_any_stage_closes_with_an_outcome(session, world):
    for state in (CaseState.FIRST_DAY, CaseState.REFERRED, CaseState.OFF_ROLL):
        case = make_case(session, world, first_day=FIRST_DAY)
        case.state = state
        apply(session, case, Action.CHILD_FOUND, world.laao, today=TODAY)
        assert (case.state, case.outcome) == (CaseState.CLOSED, Outcome.FOUND)


def test_a_stale_form_is_refused_with_case_changed(session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    with pytest.raises(CaseChanged) as changed:
        apply(
            session,
            case,
            Action.LOG_CONTACT,
            world.school_user,
            expected_version=case.version - 1,
            today=TODAY,
        )
    assert "reload" in changed.value.message.lower()


def test_a_concurrent_edit_is_caught_by_the_version_column(app, session, world):
    case = make_case(session, world, first_day=FIRST_DAY)
    session.commit()
    # Someone else's transaction changes the case after we loaded it.
    session.execute(text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id})
    with pytest.raises(CaseChanged):
        apply(session, case, Action.LOG_CONTACT, world.school_user, today=TODAY)
        commit()


def _mark_days(session, case, codes_by_day):
    from fieldvisit.pupils.attendance import AttendanceMark, RegisterSession

    for day, code in codes_by_day:
        for register in RegisterSession:
            session.add(
                AttendanceMark(
                    school_id=case.school_id,
                    pupil_id=case.pupil_id,
                    on=day,
                    session=register,
                    code=code,
                )
            )
    session.flush()


def test_with_register_marks_the_ground_is_counted_from_them(session, world):
    """The calendar says 20 school days by 1 December; the register shows the pupil came in
    on 20 November, so the continuous absence is only the school days since."""
    today = date(2026, 12, 1)
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case, opened=datetime(2026, 10, 1, 9, tzinfo=UTC))
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=today)
    school_days = [d for d in (FIRST_DAY + timedelta(days=n) for n in range(28)) if d.weekday() < 5]
    _mark_days(
        session,
        case,
        [(d, "/" if d == date(2026, 11, 20) else "O") for d in school_days if d < today],
    )

    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)

    (blocked,) = refused.value.blocked
    assert "absent for 6 school days by the register's marks" in blocked.reason


def test_without_marks_the_page_says_the_calendar_counted(session, world):
    today = date(2026, 11, 27)
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case, opened=datetime(2026, 10, 1, 9, tzinfo=UTC))
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=today)
    with pytest.raises(TransitionRefused) as refused:
        apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)
    assert "calendar (no register marks imported)" in refused.value.blocked[0].reason


def test_a_register_imported_late_counts_the_days_before_it_from_the_calendar(session, world):
    """Marks only for the last week, all without permission: the 20 days still stand."""
    today = date(2026, 12, 1)
    case = make_case(session, world, first_day=FIRST_DAY)
    case.state = CaseState.JOINT_ENQUIRIES
    involvement(session, world, case, opened=datetime(2026, 10, 1, 9, tzinfo=UTC))
    apply(session, case, Action.LOG_ENQUIRY, world.laao, today=today)
    last_week = [date(2026, 11, d) for d in (24, 25, 26, 27, 30)]
    _mark_days(session, case, [(d, "N") for d in last_week])

    apply(session, case, Action.AGREE_REMOVAL, world.laao, today=today)

    assert case.state == CaseState.REMOVAL_AGREED
