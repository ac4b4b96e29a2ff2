"""The case page and the forms that act on a case, including what they refuse."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from fieldvisit.cases.contact_options import kind_of
from fieldvisit.cases.models import CaseState
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.dates import UK_TIME, utcnow
from tests.support.casework import case_on_day, triaged
from tests.support.factories import date_fields, make_case


def fresh(session, case):
    """See what the request committed: the test's session holds its own copies."""
    session.refresh(case)
    return case


def entries(session, case):
    return session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq)
    ).all()


def now_fields():
    now = utcnow().astimezone(UK_TIME) - timedelta(minutes=1)
    return {**date_fields("occurred_on", now.date()), "occurred_time": now.strftime("%H:%M")}


# The case page ------------------------------------------------------------------------


def test_the_case_page_shows_clock_checklist_chronology_and_locked_referral(
    session, world, signed_in
):
    case = triaged(session, world, case_on_day(session, world, 3))
    page = signed_in(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "School day 3" in page and "of 10" in page
    assert "Contact all emergency contact numbers" in page and "Overdue" in page
    assert "Submit the CME referral" in page
    assert "A CME referral needs a completed home visit" in page
    assert "opens on school day 10" in page and "Unlocks on" in page
    assert "Triaged as not vulnerable" in page
    assert "Raise a child protection concern" in page
    assert f"/cases/{case.id}/chronology.pdf" in page


def test_actions_of_the_state_link_to_their_pages(session, world, signed_in):
    case = case_on_day(session, world, 1)
    page = signed_in(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/contacts/new"' in page
    assert f'href="/cases/{case.id}/outcome/returned"' in page
    assert "Log at least one contact attempt" in page  # no-contact is locked, with its reason


def test_record_no_contact_needs_an_attempt_first(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    response = client.post(f"/cases/{case.id}/no-contact", data={"expected_version": case.version})
    assert response.status_code == 302
    assert "Log at least one contact attempt" in client.get(response.location).get_data(
        as_text=True
    )
    assert case.state == CaseState.FIRST_DAY


# Contact attempts ---------------------------------------------------------------------


def test_log_a_contact_attempt_by_picking_a_number(session, world, signed_in):
    case = case_on_day(session, world, 1)
    contact = case.pupil.contacts[0]
    client = signed_in(world.school_user)
    form = client.get(f"/cases/{case.id}/contacts/new").get_data(as_text=True)
    assert "07700 900001" in form and "Pat Parent" in form
    response = client.post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "method": "phone",
            "target": f"c{contact.id}-p0",
            "contact_made": "no",
            "note": "Voicemail left.",
            **now_fields(),
        },
    )
    assert response.status_code == 302 and response.location.endswith(f"/cases/{case.id}")
    entry = entries(session, case)[-1]
    assert entry.kind == "log_contact"
    assert entry.target == "07700 900001"
    assert entry.details["contact_name"] == "Pat Parent"
    assert entry.note == "Voicemail left."


def test_a_typed_number_and_contact_made_go_straight_to_the_outcome(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "method": "text",
            "target": "other",
            "target_other": "07700 900999",
            "contact_name": "Grandmother",
            "contact_made": "yes",
            **now_fields(),
        },
    )
    assert response.location.endswith(f"/cases/{case.id}/outcome")
    entry = entries(session, case)[-1]
    assert (entry.target, entry.details["contact_made"]) == ("07700 900999", True)


def test_a_contact_attempt_with_gaps_is_refused_and_keeps_the_input(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "target": "other",
            "note": "Kept note",
            "occurred_time": "25:99",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#method"' in page and "Select how you tried to make contact" in page
    assert 'href="#target_other"' in page and 'href="#contact_made"' in page
    assert 'href="#occurred_time"' in page and "must be a real time" in page
    assert "Kept note" in page
    assert len(entries(session, case)) == 1


def test_a_contact_attempt_in_the_future_is_refused(session, world, signed_in):
    case = case_on_day(session, world, 1)
    tomorrow = utcnow().astimezone(UK_TIME) + timedelta(days=1)
    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "method": "phone",
            "target": "other",
            "target_other": "01223 000000",
            "contact_made": "no",
            **date_fields("occurred_on", tomorrow.date()),
            "occurred_time": "10:00",
        },
    )
    assert response.status_code == 400
    assert "now or in the past" in response.get_data(as_text=True)


def test_a_form_for_a_case_changed_meanwhile_says_so_and_keeps_the_input(session, world, signed_in):
    case = case_on_day(session, world, 1)
    stale = case.version
    _to_no_contact(session, world, case)  # someone else works on the case meanwhile
    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": stale,
            "method": "phone",
            "target": "other",
            "target_other": "01223 111111",
            "contact_made": "no",
            "note": "My careful note",
            **now_fields(),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "changed by someone else" in page
    assert "My careful note" in page and "01223 111111" in page
    assert f'name="expected_version" value="{case.version}"' in page
    assert [e.kind for e in entries(session, case)].count("log_contact") == 1


# Triage -------------------------------------------------------------------------------


def _to_no_contact(session, world, case):
    from fieldvisit.cases import services
    from fieldvisit.chronology.models import Method

    services.log_contact_attempt(
        session,
        world.school_user,
        case,
        method=Method.PHONE,
        target="1",
        contact_name="",
        occurred_at=utcnow(),
        contact_made=False,
    )
    services.record_no_contact(session, world.school_user, case)


def test_triage_as_vulnerable_brings_the_referral_to_day_five(session, world, signed_in):
    case = case_on_day(session, world, 2)
    _to_no_contact(session, world, case)
    client = signed_in(world.school_user)
    form = client.get(f"/cases/{case.id}/triage").get_data(as_text=True)
    assert "Is a young carer" in form and "school day 5" in form
    response = client.post(
        f"/cases/{case.id}/triage",
        data={
            "expected_version": case.version,
            "vulnerabilities": ["young_carer", "medical"],
            "social_care_involved": "no",
            "notes": "Agreed with the DSL",
        },
    )
    assert response.location.endswith(f"/cases/{case.id}/triage/next-steps")
    assert fresh(session, case).state == CaseState.LOCATING
    assert case.vulnerabilities == ["medical", "young_carer"]
    assert {i.key for i in case.checklist} >= {"vulnerable_home_visit", "named_worker", "police"}
    assert max(i.due_day for i in case.checklist) == 5
    steps = client.get(response.location).get_data(as_text=True)
    assert "due on school day 5" in steps


def test_social_care_involvement_needs_the_named_worker(session, world, signed_in):
    case = case_on_day(session, world, 1)
    _to_no_contact(session, world, case)
    client = signed_in(world.school_user)
    refused = client.post(
        f"/cases/{case.id}/triage",
        data={
            "expected_version": case.version,
            "social_care_involved": "yes",
            "vulnerabilities": "cp_cin",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Enter the name of the social worker" in page
    assert 'value="cp_cin" checked' in page
    missing = client.post(f"/cases/{case.id}/triage", data={"expected_version": case.version})
    assert "Select whether social care" in missing.get_data(as_text=True)
    response = client.post(
        f"/cases/{case.id}/triage",
        data={
            "expected_version": case.version,
            "social_care_involved": "yes",
            "social_worker_name": "Sol Worker",
            "social_worker_email": "sol@council.test",
        },
    )
    assert response.status_code == 302
    assert fresh(session, case).social_care_involved and case.vulnerable
    worker = case.pupil.agency_workers[0]
    assert (worker.name, worker.email, worker.is_social_worker) == (
        "Sol Worker",
        "sol@council.test",
        True,
    )
    steps = client.get(response.location).get_data(as_text=True)
    assert "refer to the LA now" in steps
    assert "Inform the social worker, Sol Worker" in steps
    assert "safe-and-well check" in steps


def test_informing_the_social_worker_and_the_police_are_logged(session, world, signed_in):
    case = triaged(session, world, case_on_day(session, world, 1), social_care=True)
    client = signed_in(world.school_user)
    assert 'value="Sol Worker"' in client.get(
        f"/cases/{case.id}/safeguarding/social-worker"
    ).get_data(as_text=True)
    for step, who in (("social-worker", "Sol Worker"), ("police", "Demotown police")):
        response = client.post(
            f"/cases/{case.id}/safeguarding/{step}",
            data={
                "expected_version": fresh(session, case).version,
                "method": "phone",
                "who": who,
                "reference": "INC-42",
                **now_fields(),
            },
        )
        assert response.status_code == 302
    kinds = [e.kind for e in entries(session, case)]
    assert kinds[-2:] == ["inform_social_worker", "request_police_check"]
    assert "INC-42" in entries(session, case)[-1].summary
    steps = client.get(f"/cases/{case.id}/triage/next-steps").get_data(as_text=True)
    assert steps.count(">Done<") >= 2
    refused = client.post(
        f"/cases/{case.id}/safeguarding/police", data={"expected_version": case.version}
    )
    assert refused.status_code == 400 and "Enter who you spoke to" in refused.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/safeguarding/fire-brigade").status_code == 404


def test_triage_is_refused_before_no_contact_is_recorded(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = signed_in(world.school_user).get(f"/cases/{case.id}/triage")
    assert response.status_code == 409
    assert "not possible while the case is" in response.get_data(as_text=True)


# Checklist ----------------------------------------------------------------------------


def test_tick_a_checklist_item_with_a_note(session, world, signed_in):
    case = case_on_day(session, world, 1)
    item = case.checklist[0]
    client = signed_in(world.school_user)
    assert item.text in client.get(f"/cases/{case.id}/checklist/{item.id}").get_data(as_text=True)
    response = client.post(
        f"/cases/{case.id}/checklist/{item.id}",
        data={"expected_version": case.version, "note": "Rang both numbers."},
    )
    assert response.status_code == 302
    session.refresh(item)
    assert item.done and item.note == "Rang both numbers."
    entry = entries(session, case)[-1]
    assert entry.kind == "tick_checklist" and entry.note == "Rang both numbers."
    again = client.post(
        f"/cases/{case.id}/checklist/{item.id}",
        data={"expected_version": fresh(session, case).version},
    )
    assert again.status_code == 400 and "already ticked" in again.get_data(as_text=True)


def test_a_checklist_item_of_another_case_is_not_found(session, world, signed_in):
    case = case_on_day(session, world, 1)
    other = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    assert client.get(f"/cases/{case.id}/checklist/{other.checklist[0].id}").status_code == 404


# Child protection concern -------------------------------------------------------------


def test_a_concern_emails_the_dsl_and_the_social_worker(session, world, signed_in, queued_mail):
    case = triaged(session, world, case_on_day(session, world, 1), social_care=True)
    client = signed_in(world.school_user)
    empty = client.post(f"/cases/{case.id}/concern", data={"concern": "  "})
    assert empty.status_code == 400 and "Describe the concern" in empty.get_data(as_text=True)
    response = client.post(
        f"/cases/{case.id}/concern", data={"concern": "Bruising seen by a neighbour."}
    )
    assert response.status_code == 302
    assert entries(session, case)[-1].kind == "raise_concern"
    assert len(queued_mail) == 1
    assert set(queued_mail[0].to) == {world.school.dsl_email, "sol@council.test"}
    assert case.pupil.surname not in queued_mail[0].subject


def test_a_concern_can_be_raised_on_a_closed_case(session, world, signed_in, queued_mail):
    from fieldvisit.core.dates import today_in_uk
    from fieldvisit.outcomes.services import record_returned

    case = case_on_day(session, world, 1)
    record_returned(session, world.school_user, case, effective_on=today_in_uk())
    client = signed_in(world.school_user)
    assert "Raise a child protection concern" in client.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    response = client.post(f"/cases/{case.id}/concern", data={"concern": "Seen looking unwell."})
    assert response.status_code == 302 and queued_mail


def test_another_schools_case_forms_are_not_found(session, world, signed_in):
    theirs = make_case(session, world, school=world.other_school)
    client = signed_in(world.school_user)
    assert client.post(f"/cases/{theirs.id}/concern", data={"concern": "x"}).status_code == 404


def test_the_way_of_contact_decides_what_it_can_reach(session, world, signed_in):
    """A phone call to an email address, or an email to a number, is refused with the fix."""
    case = case_on_day(session, world, 1)
    contact = case.pupil.contacts[0]
    client = signed_in(world.school_user)
    form = client.get(f"/cases/{case.id}/contacts/new").get_data(as_text=True)
    assert 'data-fv-kind="number"' in form and "data-fv-reaches=" in form
    tries = (
        ("phone", "other", "pat@example.invalid", "target_other", "needs a phone number"),
        ("email", f"c{contact.id}-p0", "", "target", "needs an email address"),
        ("letter", "other", "07700 900123", "target_other", "needs a postal address"),
    )
    for method, target, typed, field, message in tries:
        answer = client.post(
            f"/cases/{case.id}/contacts/new",
            data={
                "expected_version": case.version,
                "method": method,
                "target": target,
                "target_other": typed,
                "contact_made": "no",
                **now_fields(),
            },
        )
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400 and message in page, method
        assert f'id="{field}-error"' in page, method
    assert [e for e in entries(session, case) if e.kind == "log_contact"] == []
    # An agency can be reached by any means.
    answer = client.post(
        f"/cases/{case.id}/contacts/new",
        data={
            "expected_version": case.version,
            "method": "agency",
            "target": "other",
            "target_other": "duty.team@example.invalid",
            "contact_made": "no",
            **now_fields(),
        },
    )
    assert answer.status_code == 302


@pytest.mark.parametrize(
    "typed, kind",
    [
        ("07700 900123", "number"),
        ("+44 1223 555 000", "number"),
        ("pat@example.invalid", "email"),
        ("1 High Street, Ely, CB7 4AA", "postal"),
        ("Flat 2, 10 Mill Road", "postal"),
    ],
)
def test_a_typed_target_is_told_apart(typed, kind):
    assert kind_of(typed) == kind


def test_a_tick_made_by_mistake_is_taken_back_with_a_reason(session, world, signed_in):
    case = case_on_day(session, world, 1)
    item = next(i for i in case.checklist if i.key == "siblings")
    client = signed_in(world.school_user)
    client.post(
        f"/cases/{case.id}/checklist/{item.id}",
        data={"expected_version": case.version, "note": "Rang the sibling's school."},
    )
    fresh(session, case)
    session.refresh(item)
    assert item.done
    page = client.get(f"/cases/{case.id}/checklist/{item.id}").get_data(as_text=True)
    assert "Untick this item" in page
    untick = f"/cases/{case.id}/checklist/{item.id}/untick"
    refused = client.post(untick, data={"expected_version": case.version, "reason": " "})
    assert refused.status_code == 400 and "Say why the tick was a mistake" in refused.get_data(
        as_text=True
    )
    done = client.post(
        untick, data={"expected_version": case.version, "reason": "Ticked on the wrong case."}
    )
    assert done.status_code == 302
    session.refresh(item)
    assert not item.done and item.note == ""
    kinds = [e.kind for e in entries(session, case)]
    assert kinds[-2:] == ["tick_checklist", "untick_checklist"]  # both kept, in order
    last = entries(session, case)[-1]
    assert last.note == "Ticked on the wrong case." and last.details["checklist_key"] == "siblings"
    again = client.post(
        untick, data={"expected_version": fresh(session, case).version, "reason": "x"}
    )
    assert again.status_code == 400 and "not ticked" in again.get_data(as_text=True)
    # Other people may not take a tick back.
    officer = signed_in(world.laao)
    assert officer.post(untick, data={"reason": "x"}).status_code in (403, 404)
