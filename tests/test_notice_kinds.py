"""The schools' notices to the LA: when each is due (around a half term), what the school
owes after a roll import and from its register and cases, sending each, the LA's inbox,
and the reminder when one is late."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.outbox import OutboxEmail
from fieldvisit.notices import due, services
from fieldvisit.notices.models import Notice, NoticeKind
from fieldvisit.notices.reminders import send_late_notices
from fieldvisit.notices.services import due_for_school
from fieldvisit.pupils.models import Pupil
from fieldvisit.referrals import involvements
from tests.pupils.test_attendance import HEADER as MARKS
from tests.pupils.test_attendance import marks, school_days_before
from tests.pupils.test_attendance import upload as upload_marks
from tests.pupils.test_roll_import import HEADER as ROLL
from tests.pupils.test_roll_import import row, upn
from tests.referrals.helpers import accepted_case
from tests.support.factories import date_fields, make_pupil

# Autumn 2026: half term is the week of Monday 26 October.
AUTUMN = SchoolCalendar(
    [
        Term("Autumn 1", date(2026, 9, 2), date(2026, 10, 23)),
        Term("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
    ]
)


def test_each_notice_is_due_by_the_school_days_of_its_rule_around_half_term():
    thursday_before = date(2026, 10, 22)
    # Entry on the Thursday before half term: Friday, then four school days after it.
    assert due.new_entry_due(AUTUMN, thursday_before) == date(2026, 11, 5)
    # A deletion is due the day it is made, holiday or not.
    assert due.deletion_due(date(2026, 10, 23)) == date(2026, 10, 23)
    # Absent from Monday 19 October: the tenth school day is 6 November; due the Monday.
    assert due.continuous_absence_due(AUTUMN, date(2026, 10, 19)) == date(2026, 11, 9)
    # Ill from Monday 12 October: the fifteenth school day is 6 November; due the Monday.
    assert due.sickness_due(AUTUMN, date(2026, 10, 12)) == date(2026, 11, 9)
    # Without the term dates, weekdays are counted rather than refuse the notice.
    empty = SchoolCalendar([])
    assert due.new_entry_due(empty, thursday_before) == date(2026, 10, 29)


def upload_roll(client, text: str, whole: bool):
    fields = MultiDict({"roll": FileStorage(io.BytesIO(text.encode()), "roll.csv")})
    if whole:
        fields.add("whole_roll", "yes")
    boundary, body = encode_multipart(fields)
    return client.post(
        "/pupils/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_a_roll_import_makes_new_entries_and_leavers_due(session, world, signed_in):
    today = today_in_uk()
    client = signed_in(world.school_user)
    upload_roll(client, ROLL + row(1) + row(2, forename="Ben", sex="M"), whole=True)
    # A week later the file has Ben no more, and Cara, admitted two days ago.
    admitted = today - timedelta(days=2)
    header = ROLL.rstrip("\n") + ",Admission date\n"
    cara = row(3, forename="Cara").rstrip("\n") + f",{admitted:%d/%m/%Y}\n"
    amy = row(1).rstrip("\n") + ",\n"
    ben = session.scalar(select(Pupil).where(Pupil.upn == upn(2)))
    ben.last_imported_on = world.school.roll_imported_on = today - timedelta(days=7)
    session.commit()
    partial = upload_roll(client, header + amy + cara + "bad row\n", whole=True)
    assert "Not taken as your whole roll" in partial.get_data(as_text=True)
    session.expire_all()  # the test's session keeps what it read before the requests
    assert [d.kind for d in due_for_school(session, world.school, today)] == [NoticeKind.NEW_ENTRY]
    upload_roll(client, header + amy + cara, whole=True)
    session.expire_all()

    page = client.get("/notices").get_data(as_text=True)
    owed = {d.pupil.forename: d for d in due_for_school(session, world.school, today)}
    assert set(owed) == {"Ben", "Cara"}
    assert owed["Cara"].kind == NoticeKind.NEW_ENTRY and owed["Cara"].since == admitted
    assert owed["Ben"].kind == NoticeKind.DELETION and owed["Ben"].gone
    assert "not in the whole roll imported" in page

    cara_id = owed["Cara"].pupil.id
    form = client.get(f"/pupils/{cara_id}/notices/new-entry").get_data(as_text=True)
    assert f'value="{admitted.day}"' in form
    sent = client.post(
        f"/pupils/{cara_id}/notices/new-entry",
        data={**date_fields("entered_on", admitted), "previous_school": "St Ives Primary"},
    )
    assert sent.status_code == 302
    response = client.post(
        f"/pupils/{ben.id}/notices/deletion",
        data={**date_fields("deleted_on", today), "ground": "twenty_days"},
    )
    assert response.status_code == 400  # the 20-day ground comes from a CME case
    response = client.post(
        f"/pupils/{ben.id}/notices/deletion",
        data={**date_fields("deleted_on", today), "ground": "other"},
    )
    assert "Say which ground in regulation 9 applies" in response.get_data(as_text=True)
    response = client.post(
        f"/pupils/{ben.id}/notices/deletion",
        data={
            **date_fields("deleted_on", today),
            "ground": "moved_away",
            "destination": "Aberdeen",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert not ben.on_roll and ben.left_on == today
    assert due_for_school(session, world.school, today) == []

    laao = signed_in(world.laao)
    inbox = laao.get("/la/notices?kind=deletion").get_data(as_text=True)
    assert "Ben" in inbox and "Cara" not in inbox
    deletion = session.scalar(select(Notice).where(Notice.kind == NoticeKind.DELETION))
    page = laao.get(f"/la/notices/{deletion.id}").get_data(as_text=True)
    assert "No longer lives within reasonable distance" in page and "Aberdeen" in page
    entry = session.scalar(select(Notice).where(Notice.kind == NoticeKind.NEW_ENTRY))
    page = laao.get(f"/la/notices/{entry.id}").get_data(as_text=True)
    assert "St Ives Primary" in page and "sent in time" in page


def test_a_deletion_on_the_twenty_day_ground_names_its_cme_case(session, world, signed_in):
    case, _, involvement = accepted_case(session, world, days_ago=40, school_day=60)
    involvements.agree_removal(session, world.laao, case)
    off_on = today_in_uk()
    involvements.record_removal(session, world.school_user, case, off_roll_on=off_on)
    session.commit()
    client = signed_in(world.school_user)
    owed = [d for d in due_for_school(session, world.school, off_on) if d.pupil.id == case.pupil_id]
    assert [(d.kind, d.case_id, d.ground) for d in owed] == [
        (NoticeKind.DELETION, case.id, "twenty_days")
    ]
    form = client.get(f"/pupils/{case.pupil_id}/notices/deletion").get_data(as_text=True)
    assert case.reference in form and "regulation 9(1)(i)" in form
    response = client.post(
        f"/pupils/{case.pupil_id}/notices/deletion",
        data={**date_fields("deleted_on", off_on), "ground": "twenty_days"},
    )
    assert response.status_code == 302
    notice = session.scalar(select(Notice).where(Notice.kind == NoticeKind.DELETION))
    assert notice.case_id == case.id
    page = signed_in(world.laao).get(f"/la/notices/{notice.id}").get_data(as_text=True)
    assert f"/cases/{case.id}" in page


def test_a_deletion_is_refused_while_a_case_is_open(session, world, signed_in):
    case, _, _ = accepted_case(session, world)
    session.commit()
    response = signed_in(world.school_user).post(
        f"/pupils/{case.pupil_id}/notices/deletion",
        data={**date_fields("deleted_on", today_in_uk()), "ground": "died"},
    )
    assert response.status_code == 400
    assert "has an open case" in response.get_data(as_text=True)
    session.expire_all()
    assert case.pupil.on_roll


def test_the_sickness_return_comes_from_fifteen_days_of_illness(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    today = today_in_uk()
    client = signed_in(world.school_user)
    upload_marks(client, MARKS + marks(pupil.upn, [*school_days_before(today, 13), today], "I"))
    assert due_for_school(session, world.school, today) == []  # 14 days so far
    upload_marks(client, MARKS + marks(pupil.upn, [*school_days_before(today, 14), today], "I"))
    (owed,) = due_for_school(session, world.school, today)
    assert (owed.kind, owed.school_days) == (NoticeKind.SICKNESS, 15)
    path = f"/pupils/{pupil.id}/notices/sickness"
    assert client.post(path, data={}).status_code == 400
    sent = client.post(
        path, data={"what_school_knows": "In hospital; the hospital school teaches."}
    )
    assert sent.status_code == 302
    again = client.post(path, data={"what_school_knows": "Again."})
    assert again.status_code == 400
    notice = session.scalar(select(Notice))
    assert notice.kind == NoticeKind.SICKNESS and notice.details["school_days"] == 15


def test_late_notices_are_reminded_each_weekday_without_naming_the_child(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    today = today_in_uk()
    pupil.on_roll, pupil.left_on = False, today - timedelta(days=3)
    session.commit()
    dashboard = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert "1 notice to send</a>, 1 late" in dashboard
    other = signed_in(world.other_school_user).get("/").get_data(as_text=True)
    assert "notice to send" not in other
    assert send_late_notices(session, today) == 1
    email = session.scalar(select(OutboxEmail))
    assert "1 notice to the LA late" in email.subject
    assert "A pupil deleted from the admission register" in email.body
    for detail in (pupil.forename, pupil.surname, pupil.upn):
        assert detail not in email.subject + email.body
    assert send_late_notices(session, pupil.left_on) == 0  # due that day: not late yet


def test_two_offices_sending_one_notice_at_once_make_one(session, world, signed_in):
    """The second of two sends that both found the notice owed is refused by the database."""
    pupil = make_pupil(session, world.school)
    pupil.admitted_on = today_in_uk()
    session.commit()
    (owed,) = due_for_school(session, world.school, today_in_uk())
    client = signed_in(world.school_user)
    sent = client.post(
        f"/pupils/{pupil.id}/notices/new-entry", data=date_fields("entered_on", today_in_uk())
    )
    assert sent.status_code == 302
    with pytest.raises(ValidationFailed, match="sent this notice a moment ago"):
        services._send(session, world.school_user, owed, {})  # the other office, a moment later
    assert session.scalar(select(func.count()).select_from(Notice)) == 1
