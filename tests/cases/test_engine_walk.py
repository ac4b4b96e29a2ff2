"""A random walk over engine.apply: whoever acts, whatever they try, in whatever order,
the case only moves the way the process allows and its chronology stays whole."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fieldvisit.cases.engine import Action, apply
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.chronology.services import verify_case
from fieldvisit.core.errors import DomainError
from fieldvisit.referrals.models import Involvement, Referral
from fieldvisit.visits.models import HomeVisit
from tests.support.factories import make_case, make_visit

S = CaseState
FIRST_DAY = date(2026, 11, 3)
# Which cases a user may see is the access rule's job (tests/test_access.py), checked
# before a case reaches the engine; the engine checks roles: an admin may do nothing.
ACTORS = ("school_user", "officer", "laao", "admin")

# Where each state may be reached from, as the process describes it (not read off the table).
REACHED_FROM = {
    S.NO_CONTACT: {S.FIRST_DAY},
    S.LOCATING: {S.NO_CONTACT, S.REFERRED},
    S.REFERRED: {S.LOCATING},
    # Back from removal agreed when the LAAO who agreed withdraws it.
    S.JOINT_ENQUIRIES: {S.REFERRED, S.REMOVAL_AGREED},
    S.REMOVAL_AGREED: {S.JOINT_ENQUIRIES},
    S.OFF_ROLL: {S.REMOVAL_AGREED},
    # A parent says by word of mouth they will educate at home: written notice awaited.
    S.EHE_NOTICE_AWAITED: {
        S.FIRST_DAY,
        S.NO_CONTACT,
        S.LOCATING,
        S.REFERRED,
        S.JOINT_ENQUIRIES,
        S.REMOVAL_AGREED,
    },
    S.CLOSED: {
        S.EHE_NOTICE_AWAITED,
        S.FIRST_DAY,
        S.NO_CONTACT,
        S.LOCATING,
        S.REFERRED,
        S.JOINT_ENQUIRIES,
        S.REMOVAL_AGREED,
        S.OFF_ROLL,
    },
}

# The process's own path, weighted so that walks get deep, among any action by anyone.
PATH = [
    (Action.LOG_CONTACT, "school_user"),
    (Action.RECORD_NO_CONTACT, "school_user"),
    (Action.TRIAGE, "school_user"),
    (Action.SUBMIT_REFERRAL, "school_user"),
    (Action.ACCEPT_REFERRAL, "laao"),
    (Action.AGREE_REMOVAL, "laao"),
    (Action.RECORD_REMOVAL, "school_user"),
]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("act"), *map(st.just, PATH[0])),
        *[st.tuples(st.just("act"), st.just(a), st.just(w)) for a, w in PATH[1:]],
        st.tuples(st.just("act"), st.sampled_from(list(Action)), st.sampled_from(ACTORS)),
        st.tuples(st.just("visit"), st.booleans(), st.just("")),
        st.tuples(st.just("involvement"), st.just(None), st.just("")),
        st.tuples(st.just("wait"), st.integers(1, 40), st.just("")),
    ),
    min_size=20,
    max_size=60,
)


def open_involvement(session, world, case, today) -> None:
    """What accepting a referral opens: the referral and the LA's involvement."""
    opened = datetime.combine(today, time(9), tzinfo=UTC)
    referral = Referral(case_id=case.id, submitted_by_id=world.school_user.id, submitted_at=opened)
    session.add(referral)
    session.flush()
    session.add(
        Involvement(
            case_id=case.id, referral_id=referral.id, laao_id=world.laao.id, opened_at=opened
        )
    )
    session.flush()


def entries_of(session, case) -> list[ChronologyEntry]:
    return list(
        session.scalars(
            select(ChronologyEntry)
            .where(ChronologyEntry.case_id == case.id)
            .order_by(ChronologyEntry.seq)
        )
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(walk=steps)
def test_a_random_walk_never_leaves_the_process(session, world, walk):
    case = make_case(session, world, first_day=FIRST_DAY)
    today = FIRST_DAY
    for kind, what, who in walk:
        if kind == "visit":
            make_visit(session, case, world.officer, completed=what)
            continue
        if kind == "involvement":
            if case.state == S.JOINT_ENQUIRIES and not has_involvement(session, case):
                open_involvement(session, world, case, today)
            continue
        if kind == "wait":
            today += timedelta(days=what)
            continue
        before, count = (
            case.state,
            session.scalar(select(func.count()).where(ChronologyEntry.case_id == case.id)),
        )
        try:
            apply(session, case, what, getattr(world, who), today=today)
        except DomainError:
            assert case.state == before, f"a refused {what} moved the case"
            assert (
                session.scalar(select(func.count()).where(ChronologyEntry.case_id == case.id))
                == count
            ), f"a refused {what} wrote the chronology"
            continue
        assert who != "admin", f"an admin could {what}"
        if case.state != before:
            assert before in REACHED_FROM[case.state], f"{before} -> {case.state} by {what}"
        assert before != S.CLOSED or case.state == S.CLOSED, "a closed case reopened"
        if case.state == S.REFERRED and before != S.REFERRED:
            assert any(v.completed for v in case_visits(session, case)), "referred unvisited"
        assert (
            session.scalar(select(func.count()).where(ChronologyEntry.case_id == case.id)) > count
        ), f"{what} left no chronology entry"
    event(f"reached {case.state.value}")
    session.flush()
    assert verify_case(entries_of(session, case), case.chronology_head) is None


def case_visits(session, case):
    return session.scalars(select(HomeVisit).where(HomeVisit.case_id == case.id)).all()


def has_involvement(session, case) -> bool:
    return session.scalar(select(func.count()).where(Involvement.case_id == case.id)) > 0
