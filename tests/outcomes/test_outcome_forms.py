"""Outcomes: each closes the case with a record the LA reads, a chronology entry, and the roll
updated where the law says."""

import io
from datetime import timedelta

from PIL import Image
from sqlalchemy import select

from fieldvisit.cases.models import CaseState, Outcome
from fieldvisit.chronology.models import ChronologyEntry
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.storage import storage
from fieldvisit.outcomes.models import OutcomeRecord
from tests.support.casework import case_on_day
from tests.support.factories import date_fields, make_case


def post(client, case, kind, data, files=None):
    form = {"expected_version": case.version, **data, **(files or {})}
    return client.post(
        f"/cases/{case.id}/outcome/{kind}", data=form, content_type="multipart/form-data"
    )


def record_of(session, case):
    session.expire_all()
    return session.scalar(select(OutcomeRecord).where(OutcomeRecord.case_id == case.id))


def last_entry(session, case):
    return session.scalars(
        select(ChronologyEntry)
        .where(ChronologyEntry.case_id == case.id)
        .order_by(ChronologyEntry.seq.desc())
    ).first()


def photo(fmt="JPEG"):
    image = Image.new("RGB", (40, 30), "white")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    return out.getvalue()


TODAY = today_in_uk()
NO_ALERTS = {"special_school": "no", "attendance_order": "no"}


def test_the_outcome_choice_lists_the_four_outcomes(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    page = client.get(f"/cases/{case.id}/outcome").get_data(as_text=True)
    for title in (
        "Child returned to school",
        "Deletion from Register - Destination Confirmed",
        "Elective home education deregistration referral",
        "Still residing in the LA",
    ):
        assert title in page
    refused = client.post(f"/cases/{case.id}/outcome", data={})
    assert refused.status_code == 400 and "Select what happened" in refused.get_data(as_text=True)
    chosen = client.post(f"/cases/{case.id}/outcome", data={"outcome": "other-school"})
    assert chosen.location.endswith(f"/cases/{case.id}/outcome/other-school")


def test_child_returned_closes_the_case(session, world, signed_in):
    case = case_on_day(session, world, 2)
    response = post(
        signed_in(world.school_user),
        case,
        "returned",
        {**date_fields("effective_on", TODAY), "note": "Back in class."},
    )
    assert response.status_code == 302
    record = record_of(session, case)
    assert record.kind == Outcome.RETURNED and not record.removed_from_roll
    assert case.state == CaseState.CLOSED and case.pupil.on_roll
    assert last_entry(session, case).id == record.chronology_entry_id
    page = signed_in(world.school_user).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Outcome" in page and "Child returned to school" in page


def test_destination_confirmed_takes_the_pupil_off_roll(session, world, signed_in):
    case = case_on_day(session, world, 1)
    on_roll_from = TODAY - timedelta(days=2)
    response = post(
        signed_in(world.school_user),
        case,
        "other-school",
        {
            "school_name": "Norwich High School",
            "school_urn": "121212",
            "local_authority": "Norfolk County Council",
            **date_fields("effective_on", on_roll_from),
            "confirmed_how": "new_school_email",
            "confirmed_by": "Admissions officer",
        },
    )
    assert response.status_code == 302
    record = record_of(session, case)
    assert record.destination.school_name == "Norwich High School"
    assert record.destination.school_urn == "121212"
    assert record.removed_from_roll
    pupil = record.case.pupil
    assert (pupil.on_roll, pupil.left_on) == (False, on_roll_from)
    assert "destination confirmed" in pupil.leaving_reason
    entry = last_entry(session, case)
    assert "Norwich High School" in entry.summary and entry.details["school_urn"] == "121212"


def test_a_destination_form_with_mistakes_keeps_the_input(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = post(
        signed_in(world.school_user),
        case,
        "other-school",
        {
            "school_urn": "12AB",
            "local_authority": "Norfolk",
            **date_fields("effective_on", TODAY + timedelta(days=5)),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#school_name"' in page and 'href="#school_urn"' in page
    assert 'href="#effective_on"' in page and "today or in the past" in page
    assert 'href="#confirmed_how"' in page
    assert 'value="Norfolk"' in page
    assert record_of(session, case) is None and case.pupil.on_roll


def test_home_education_with_a_written_notice_uploaded(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    response = post(
        client,
        case,
        "home-education",
        {
            **date_fields("notice_received_on", TODAY),
            "notice_form": "letter",
            **NO_ALERTS,
            "parent_name": "Pat Parent",
        },
        {"notice_file": (io.BytesIO(photo()), "letter.jpg")},
    )
    assert response.status_code == 302
    record = record_of(session, case)
    referral = record.home_education
    assert referral.notice_file_type == "image/jpeg" and record.removed_from_roll
    stored = storage().get(referral.notice_file_key)
    assert b"SecretCameraMaker" not in stored and stored.startswith(b"\xff\xd8")
    assert (
        f"case-{case.id}" in referral.notice_file_key and "Parent" not in referral.notice_file_key
    )
    download = client.get(f"/cases/{case.id}/outcome/notice")
    assert download.status_code == 200 and download.data == stored
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "home_education_notice")
    )
    other = signed_in(world.other_school_user).get(f"/cases/{case.id}/outcome/notice")
    assert other.status_code == 404


def test_a_notice_that_is_not_a_document_is_refused(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = post(
        signed_in(world.school_user),
        case,
        "home-education",
        {
            **date_fields("notice_received_on", TODAY),
            "notice_form": "email",
            **NO_ALERTS,
            "parent_name": "Pat Parent",
        },
        {"notice_file": (io.BytesIO(b"<script>alert(1)</script>"), "notice.pdf")},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#notice_file"' in page and "must be a PDF, JPG or PNG" in page
    assert 'value="Pat Parent"' in page
    assert record_of(session, case) is None


def test_a_spoken_notice_keeps_the_pupil_on_roll_until_it_is_written(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    with_file = post(
        client,
        case,
        "home-education",
        {
            **date_fields("notice_received_on", TODAY),
            "notice_form": "verbal",
            "parent_name": "Pat",
            **NO_ALERTS,
        },
        {"notice_file": (io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), "n.pdf")},
    )
    assert with_file.status_code == 400
    assert "Choose letter or email" in with_file.get_data(as_text=True)
    response = post(
        client,
        case,
        "home-education",
        {
            **date_fields("notice_received_on", TODAY),
            "notice_form": "verbal",
            "parent_name": "Pat",
            **NO_ALERTS,
        },
    )
    assert response.status_code == 302
    record = record_of(session, case)
    assert not record.removed_from_roll and record.case.pupil.on_roll
    # The case stays open, waiting for the written notice, with a checklist item for it.
    session.refresh(case)
    assert case.state == CaseState.EHE_NOTICE_AWAITED and case.outcome is None
    assert case.closed_at is None
    item = next(i for i in case.checklist if i.key == "ehe_written_notice")
    assert not item.done and item.due_day > item.from_day
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Record the written notice" in page
    assert "Home education: written notice awaited" in page
    assert "Ask the parent for written notice" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Home education: written notice awaited" in dashboard
    item.from_day, item.due_day = 0, 0  # the reminder: past its day, the item is overdue
    session.commit()
    dashboard = client.get("/").get_data(as_text=True)
    assert "Ask the parent for written notice" in dashboard and "Overdue" in dashboard
    # The referral is made once: the form does not make a second one.
    again = post(
        client,
        case,
        "home-education",
        {
            **date_fields("notice_received_on", TODAY),
            "notice_form": "letter",
            "parent_name": "Pat",
            **NO_ALERTS,
        },
    )
    assert again.status_code in (400, 409)
    session.expire_all()
    assert case.state == CaseState.EHE_NOTICE_AWAITED
    written = client.post(
        f"/cases/{case.id}/outcome/written-notice",
        data={
            "expected_version": record.case.version,
            "notice_form": "letter",
            **date_fields("received_on", TODAY),
            "notice_file": (io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n"), "n.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert written.status_code == 302
    record = record_of(session, case)
    assert record.removed_from_roll and not record.case.pupil.on_roll
    assert record.home_education.notice_file_type == "application/pdf"
    assert last_entry(session, case).kind == "elective_home_education"
    assert "Written notice of elective home education received" in last_entry(session, case).summary
    session.refresh(case)
    assert case.state == CaseState.CLOSED
    assert case.outcome == Outcome.ELECTIVE_HOME_EDUCATION
    assert next(i for i in case.checklist if i.key == "ehe_written_notice").done
    again = client.get(f"/cases/{case.id}/outcome/written-notice")
    assert again.status_code == 404


def test_still_residing_in_the_la_needs_what_was_agreed(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    refused = post(client, case, "residing-in-la", date_fields("effective_on", TODAY))
    assert refused.status_code == 400
    assert "attendance policy" in refused.get_data(as_text=True)
    response = post(
        client,
        case,
        "residing-in-la",
        {
            **date_fields("effective_on", TODAY),
            "note": "Meeting with parents booked.",
            "current_address": "4 New Street, Demotown",
        },
    )
    assert response.status_code == 302
    record = record_of(session, case)
    assert record.kind == Outcome.RESIDING_IN_LA and record.current_address.startswith("4 New")
    assert record.case.pupil.on_roll


def test_an_outcome_form_for_a_changed_case_says_so(session, world, signed_in):
    case = case_on_day(session, world, 1)
    response = signed_in(world.school_user).post(
        f"/cases/{case.id}/outcome/returned",
        data={
            "expected_version": case.version - 1,
            **date_fields("effective_on", TODAY),
            "note": "Typed before the change",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "changed by someone else" in page
    assert "Typed before the change" in page


def test_a_closed_case_takes_no_second_outcome(session, world, signed_in):
    case = case_on_day(session, world, 1)
    client = signed_in(world.school_user)
    post(client, case, "returned", date_fields("effective_on", TODAY))
    assert client.get(f"/cases/{case.id}/outcome/returned").status_code == 409
    assert client.get(f"/cases/{case.id}/outcome/found").status_code == 409
    assert client.get(f"/cases/{case.id}/outcome/unknown").status_code == 404


def test_other_schools_cannot_record_outcomes(session, world, signed_in):
    theirs = make_case(session, world, school=world.other_school)
    client = signed_in(world.school_user)
    assert post(client, theirs, "returned", date_fields("effective_on", TODAY)).status_code == 404
