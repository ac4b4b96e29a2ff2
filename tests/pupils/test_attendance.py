"""Attendance marks from the register: imported line by line with the DfE's codes; who is not
in today with no reason given, on the office's cases page, each a case one click away; the
warning at 10 school days absent without permission."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fieldvisit.core.dates import today_in_uk
from fieldvisit.pupils.attendance import AttendanceMark, not_in_today
from tests.support.factories import make_case, make_pupil

HEADER = "UPN,Date,Session,Code\n"


def mark(upn: str, day: date, session: str, code: str) -> str:
    return f"{upn},{day:%d/%m/%Y},{session},{code}\n"


def upload(client, text: str):
    boundary, body = encode_multipart(
        MultiDict({"marks": FileStorage(io.BytesIO(text.encode()), "marks.csv")})
    )
    return client.post(
        "/pupils/attendance", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def school_days_before(today: date, n: int) -> list[date]:
    """The n weekdays before today, oldest first (the register's school days in these tests)."""
    days, day = [], today
    while len(days) < n:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


def marks(upn: str, days: list[date], code: str) -> str:
    return "".join(
        f"{upn},{day:%d/%m/%Y},{session},{code if code != '/' or session == 'AM' else chr(92)}\n"
        for day in days
        for session in ("AM", "PM")
    )


def test_marks_are_imported_and_bad_lines_named(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    today = today_in_uk()
    text = (
        "UPN,Date,Session,Code\n"
        f"{pupil.upn},{today:%d/%m/%Y},AM,N\n"
        f"{pupil.upn},{today:%d/%m/%Y},PM,Q9\n"
        f"A999999999999,{today:%d/%m/%Y},AM,/\n"
        f"{pupil.upn},31/02/2026,AM,/\n"
        f"{pupil.upn},{today:%d/%m/%Y},XX,/\n"
    )

    page = upload(signed_in(world.school_user), text).get_data(as_text=True)

    assert 'id="marks-kept">1<' in page
    for line, why in (
        (3, "not one of the DfE&#39;s attendance codes"),
        (4, "is not on your school&#39;s roll"),
        (5, "is not a date"),
        (6, "must be AM or PM"),
    ):
        assert f'data-label="Line">{line}<' in page and why in page
    again = upload(
        signed_in(world.school_user), f"UPN,Date,Session,Code\n{pupil.upn},{today:%d/%m/%Y},AM,I\n"
    )
    assert again.status_code == 200
    assert session.scalars(select(AttendanceMark.code)).all() == ["I"]  # replaced, not added


def test_a_file_without_the_columns_is_refused_whole(session, world, signed_in):
    response = upload(signed_in(world.school_user), "Name,When\nAmy,today\n")
    assert response.status_code == 400
    assert "must name the columns UPN, Date, Session and Code" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(AttendanceMark)) == 0


def test_not_in_today_lists_the_run_and_opens_a_case_in_one_step(session, world, signed_in):
    today = today_in_uk()
    away, ill, late = (make_pupil(session, world.school) for _ in range(3))
    session.commit()
    before = school_days_before(today, 4)
    text = "UPN,Date,Session,Code\n"
    text += marks(away.upn, before[:2], "/") + marks(away.upn, [*before[2:], today], "N")
    text += marks(ill.upn, [today], "I")
    text += f"{late.upn},{today:%d/%m/%Y},AM,O\n{late.upn},{today:%d/%m/%Y},PM,L\n"
    client = signed_in(world.school_user)
    upload(client, text)

    page = client.get("/").get_data(as_text=True)
    found = {a.pupil.id: a for a in not_in_today(session, world.school.id, today)}

    assert set(found) == {away.id, late.id}  # an illness is a reason
    assert (found[away.id].school_days, found[away.id].first_day) == (3, before[2])
    assert found[away.id].last_attended == before[1]
    assert "Not in today, no reason given" in page and away.full_name in page
    link = f"/pupils/{away.id}/open-case?first_day={before[2].isoformat()}"
    assert link in page
    form = client.get(f"{link}&last_attended={before[1].isoformat()}").get_data(as_text=True)
    for name, day in (("first_day_of_absence", before[2]), ("last_attended_on", before[1])):
        for part in ("day", "month", "year"):
            assert re.search(rf'name="{name}-{part}"[^>]*value="{getattr(day, part)}"', form), name


def test_ten_school_days_without_permission_warns_to_tell_the_la(session, world, signed_in):
    today = today_in_uk()
    pupil = make_pupil(session, world.school)
    session.commit()
    client = signed_in(world.school_user)
    upload(
        client,
        "UPN,Date,Session,Code\n" + marks(pupil.upn, [*school_days_before(today, 9), today], "O"),
    )

    (absence,) = not_in_today(session, world.school.id, today)
    page = client.get("/").get_data(as_text=True)

    assert absence.school_days == 10 and absence.tell_the_la
    assert "10 school days: tell the LA" in page


def test_a_pupil_with_an_open_case_is_not_listed_again(session, world, signed_in):
    today = today_in_uk()
    case = make_case(session, world)
    session.commit()
    client = signed_in(world.school_user)
    upload(client, HEADER + mark(case.pupil.upn, today, "AM", "N"))

    page = client.get("/").get_data(as_text=True)

    assert "Not in today, no reason given" not in page


def test_another_school_never_sees_the_marks(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    session.commit()
    today = today_in_uk()
    response = upload(
        signed_in(world.other_school_user),
        f"UPN,Date,Session,Code\n{pupil.upn},{today:%d/%m/%Y},AM,N\n",
    )
    assert "is not on your school&#39;s roll" in response.get_data(as_text=True)
    assert not_in_today(session, world.other_school.id, today) == []
