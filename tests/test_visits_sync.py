"""The sync API: per-item answers, idempotency by client UUID, and visits into the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldvisit.cases.engine import Action, actions_for
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.chronology.services import verify_case
from fieldvisit.core.dates import utcnow
from fieldvisit.core.permissions import Role
from fieldvisit.visits.models import (
    AssignmentStatus,
    HomeVisit,
    VisitAssignment,
    VisitOutcome,
)
from tests.support.factories import make_case, make_user
from tests.support.visits import (
    assign,
    assigned_case,
    case_letter,
    locating_case,
    send,
    visit_item,
)


def entries(session, case):
    return session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq)
    ).all()


def test_a_synced_visit_becomes_chronology_entries_as_it_happened(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    reference = case_letter(session, world, case)
    signed_in(world.officer)
    item = visit_item(case, letter_reference=reference)
    before = utcnow()
    result = send(client, item).get_json()["results"][0]
    assert result["status"] == "created" and result["error"] is None
    visit = session.scalars(select(HomeVisit)).one()
    assert result["visit_id"] == visit.id
    assert str(visit.client_uuid) == item["client_uuid"]
    assert len(visit.content_hash) == 64
    assert [(e.neighbour, e.said) for e in visit.neighbour_enquiries] == [
        ("Number 12", "Not seen for a week."),
        ("Flat above", "Heard a car leave at night."),
    ]
    new = entries(session, case)[-4:]
    assert [e.kind for e in new] == [
        "home_visit",
        "neighbour_enquiry",
        "neighbour_enquiry",
        "letter_delivered",
    ]
    arrived = visit.arrived_at
    assert all(e.occurred_at == arrived for e in new)
    assert all(e.recorded_at >= before for e in new)
    assert new[0].details["position"] == {"lat": 52.2053, "lon": 0.1218, "accuracy_m": 12.5}
    assert new[1].target == "Number 12" and new[1].note == "Not seen for a week."
    assert new[3].summary == f"Letter {reference} hand-delivered at the home visit"
    assert new[0].summary == "Home visit: no answer (completed)"
    assert all(e.actor_id == world.officer.id for e in new)
    session.refresh(case)
    assert verify_case(list(entries(session, case)), case.chronology_head) is None
    assignment = session.scalars(
        select(VisitAssignment).where(VisitAssignment.case_id == case.id)
    ).one()
    assert assignment.status == AssignmentStatus.DONE


DOOR_ANSWERED = {"spoke_to_parent", "child_seen_safe", "child_not_seen"}


@pytest.mark.parametrize("outcome", list(VisitOutcome))
@pytest.mark.parametrize("letter", ["none", "of_this_case", "of_another_case", "made_up"])
def test_every_outcome_is_stored_and_the_completion_rule_holds(
    client, session, world, signed_in, outcome, letter
):
    """Completed: the family answered the door, or one of this case's letters was left."""
    case = assigned_case(session, world)
    other = make_case(session, world)
    session.commit()
    reference = {
        "none": "",
        "of_this_case": case_letter(session, world, case),
        "of_another_case": case_letter(session, world, other),
        "made_up": "FV-2026-999999",
    }[letter]
    signed_in(world.officer)
    item = visit_item(
        case, outcome=outcome.value, letter_left=bool(reference), letter_reference=reference
    )
    assert send(client, item).get_json()["results"][0]["status"] == "created"
    visit = session.scalars(select(HomeVisit)).one()
    assert visit.outcome == outcome
    assert visit.letter_reference == reference  # the officer's record is kept as sent
    assert visit.completed == (outcome.value in DOOR_ANSWERED or letter == "of_this_case")
    assert session.scalar(select(func.count()).where(HomeVisit.completed)) == visit.completed
    by_kind = {e.kind: e.summary for e in entries(session, case)}
    summary = by_kind["home_visit"]
    if visit.completed:
        assert summary.endswith("(completed)")
    elif reference:
        assert f"letter reference {reference} is not one of this case's letters" in summary
        assert "no letter of this case has that reference" in by_kind["letter_delivered"]
    else:
        assert "the family was not seen or spoken to and no letter was left" in summary
    assignment = session.scalars(
        select(VisitAssignment).where(VisitAssignment.case_id == case.id)
    ).one()
    assert (assignment.status == AssignmentStatus.DONE) == visit.completed


def test_replaying_a_whole_batch_answers_duplicate_with_the_stored_results(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    items = [
        visit_item(case),
        visit_item(case, outcome="refused", letter_left=False, letter_reference=""),
    ]
    first = send(client, *items).get_json()["results"]
    count = len(entries(session, case))
    again = send(client, *items).get_json()["results"]
    assert [r["status"] for r in first] == ["created", "created"]
    assert [r["status"] for r in again] == ["duplicate", "duplicate"]
    assert [r["visit_id"] for r in again] == [r["visit_id"] for r in first]
    assert len(entries(session, case)) == count
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 2


def test_a_lost_response_is_retried_without_a_duplicate(client, session, world, signed_in):
    """The server committed but the phone never heard: it sends the same batch plus a new visit."""
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    sent = visit_item(case)
    send(client, sent)  # the response is lost on the way back
    later = visit_item(case, outcome="child_seen_safe", letter_left=False, letter_reference="")
    manifest = client.post(
        "/api/v1/visits/manifest", json={"visits": [{"client_uuid": sent["client_uuid"]}]}
    ).get_json()
    assert manifest["visits"][0]["visit"] == "stored"
    results = send(client, sent, later).get_json()["results"]
    assert [r["status"] for r in results] == ["duplicate", "created"]
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 2
    assert len([e for e in entries(session, case) if e.kind == "home_visit"]) == 2


def test_the_same_uuid_with_other_content_is_a_conflict_and_never_overwrites(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    item = visit_item(case)
    send(client, item)
    changed = {**item, "notes": "Edited afterwards."}
    result = send(client, changed).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["error"]["code"] == "conflict"
    assert session.scalars(select(HomeVisit)).one().notes == item["notes"]


def test_another_officer_reusing_a_uuid_is_refused(client, session, world, signed_in):
    case = assigned_case(session, world)
    other = make_user(session, "officer2@la.test", {Role.OFFICER})
    assign(session, world, case, other)
    session.commit()
    item = visit_item(case)
    signed_in(world.officer)
    send(client, item)
    client.post("/logout")
    signed_in(other)
    result = send(client, item).get_json()["results"][0]
    assert result["status"] == "rejected" and result["error"]["code"] == "conflict"


def test_one_bad_item_among_good_ones_is_rejected_alone_with_precise_errors(
    client, session, world, signed_in
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    bad = visit_item(
        case,
        outcome="abducted_by_aliens",
        neighbour_enquiries=[{"neighbour": "  ", "said": "x"}],
        letter_left=True,
        letter_reference="",
    )
    good = [visit_item(case), visit_item(case, outcome="child_seen_safe")]
    results = send(client, good[0], bad, good[1]).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert [r["index"] for r in results] == [0, 1, 2]
    rejected = results[1]
    assert rejected["client_uuid"] == bad["client_uuid"]
    assert rejected["error"]["code"] == "validation"
    fields = rejected["error"]["fields"]
    assert set(fields) == {"outcome", "neighbour_enquiries-0-neighbour"}
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 2


def test_unknown_fields_are_refused(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    result = send(client, visit_item(case, colour="blue")).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["error"]["fields"] == {"colour": ["Unknown field."]}
    envelope = client.post("/api/v1/visits/batch", json={"visits": [], "extra": 1})
    assert envelope.status_code == 422
    assert set(envelope.get_json()["error"]["fields"]) == {"visits", "extra"}


def test_a_batch_holds_one_to_fifty_visits(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    assert send(client).status_code == 422
    assert send(client, *[visit_item(case) for _ in range(51)]).status_code == 422
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 0


def test_a_visit_for_a_case_the_officer_cannot_see_is_rejected(client, session, world, signed_in):
    hidden = make_case(session, world, school=world.other_school)
    session.commit()
    signed_in(world.officer)
    result = send(client, visit_item(hidden)).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert result["error"]["fields"] == {
        "case_id": ["There is no case with that number that you can see."]
    }
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"letter_left": True, "letter_reference": ""}, "letter_reference"),
        ({"letter_left": False, "letter_reference": "FV-1"}, "letter_reference"),
        ({"concern": True, "concern_details": " "}, "concern_details"),
        ({"arrived_at": (utcnow() + timedelta(hours=2)).isoformat()}, "arrived_at"),
        ({"arrived_at": "2026-09-01T10:00:00"}, "arrived_at"),
        ({"photos": ["a" * 64, "a" * 64]}, "photos"),
        ({"photos": ["not-a-hash"]}, "photos-0"),
        ({"schema_version": 2}, "schema_version"),
        ({"position": {"latitude": 91, "longitude": 0, "accuracy_m": 5}}, "position-latitude"),
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
    ],
)
def test_each_rule_of_a_visit_record_names_its_field(
    client, session, world, signed_in, overrides, field
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    result = send(client, visit_item(case, **overrides)).get_json()["results"][0]
    assert result["status"] == "rejected"
    assert field in result["error"]["fields"], result["error"]


def test_a_visit_is_recordable_without_gps(client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    item = visit_item(case)
    del item["position"]
    assert send(client, item).get_json()["results"][0]["status"] == "created"
    assert session.scalars(select(HomeVisit)).one().latitude is None


def test_a_visit_on_a_closed_or_off_roll_case_is_refused_alone_with_the_reason(
    client, session, world, signed_in
):
    from fieldvisit.cases.engine import apply

    closed, off_roll, open_case = (assigned_case(session, world) for _ in range(3))
    apply(session, closed, Action.CHILD_RETURNED, world.school_user)
    assert closed.state == CaseState.CLOSED
    off_roll.state = CaseState.OFF_ROLL
    session.commit()
    before = len(entries(session, closed))
    signed_in(world.officer)
    results = send(
        client, visit_item(closed), visit_item(off_roll), visit_item(open_case)
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "created"]
    assert results[0]["error"]["code"] == "case_not_open"
    assert f"Case {closed.reference} is closed" in results[0]["error"]["message"]
    assert "off the school's roll" in results[1]["error"]["message"]
    assert len(entries(session, closed)) == before
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 1


def test_a_concern_raises_a_child_protection_concern_and_tells_the_dsl(
    client, session, world, signed_in, queued_mail
):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    item = visit_item(case, concern=True, concern_details="Bruising seen on a younger sibling.")
    assert send(client, item).get_json()["results"][0]["status"] == "created"
    concern = [e for e in entries(session, case) if e.kind == Action.RAISE_CONCERN.value]
    assert len(concern) == 1
    assert concern[0].note == "Bruising seen on a younger sibling."
    assert concern[0].details["source"] == "home_visit"
    assert any(world.school.dsl_email in m.to for m in queued_mail)


def test_a_completed_visit_unlocks_the_referral_when_the_day_count_allows(
    client, session, world, signed_in
):
    due = locating_case(session, world, school_day=12)
    early = locating_case(session, world, school_day=3)
    session.commit()

    def referral(case):
        session.expire_all()
        return next(
            s
            for s in actions_for(session, case, world.school_user)
            if s.action == Action.SUBMIT_REFERRAL
        )

    assert [b.guard for b in referral(due).blocked] == ["home_visit_completed"]
    signed_in(world.officer)
    no_letter = visit_item(due, letter_left=False, letter_reference="")
    empty = visit_item(due, outcome="property_empty", letter_left=False, letter_reference="")
    made_up = visit_item(due)  # a reference that names no letter of the case
    early_letter = case_letter(session, world, early)
    send(client, no_letter, empty, made_up, visit_item(early, letter_reference=early_letter))
    assert [b.guard for b in referral(due).blocked] == ["home_visit_completed"]
    send(client, visit_item(due, letter_reference=case_letter(session, world, due)))
    assert referral(due).allowed
    assert [b.guard for b in referral(early).blocked] == ["referral_due"]


def test_a_visit_stored_by_a_concurrent_request_makes_the_batch_try_again(
    client, session, world, signed_in, monkeypatch
):
    """Phone and service worker send the same visit at once: the loser is told to try again,
    and its retry answers 'duplicate'."""
    from fieldvisit.visits import sync

    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    item = visit_item(case)
    send(client, item)
    with monkeypatch.context() as patch:
        patch.setattr(sync, "stored_visits", lambda session, uuids: {})  # looked too early
        raced = send(client, item)
    assert raced.status_code == 409
    assert raced.get_json()["error"]["code"] == "try_again"
    assert send(client, item).get_json()["results"][0]["status"] == "duplicate"
    assert session.scalar(select(func.count()).select_from(HomeVisit)) == 1


@pytest.mark.parametrize(("letter_left", "ticked"), [(True, True), (False, False)])
def test_a_completed_visit_ticks_the_home_visit_checklist_item(
    client, session, world, signed_in, letter_left, ticked
):
    case = assigned_case(session, world)
    session.commit()
    reference = case_letter(session, world, case) if letter_left else ""
    signed_in(world.officer)
    item = visit_item(case, letter_left=letter_left, letter_reference=reference)
    result = send(client, item).get_json()["results"][0]
    assert result["status"] == "created", result
    session.expire_all()
    step = next(i for i in case.checklist if i.key == "home_visit")
    assert step.done is ticked
    if ticked:
        assert step.done_by_id == world.officer.id and step.note.startswith("Home visit on ")
