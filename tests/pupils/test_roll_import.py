"""Importing the roll: CSV and CTF, errors by line, updates by UPN, bad rows change nothing."""

import io
from datetime import date

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from fieldvisit.core.calendar import academic_year_start
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.upn import make_upn
from fieldvisit.pupils.models import Pupil
from fieldvisit.pupils.year_groups import expected_year, year_label

HEADER = (
    "UPN,Forename,Surname,Date of birth,Sex,Year group,Address line 1,Postcode,"
    "Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,"
    "Contact 1 Parental responsibility,Contact 1 Phone,Contact 1 Email\n"
)


def upn(serial: int) -> str:
    return make_upn("873", "2001", "21", f"{serial:03d}")


# Amy's year group by her date of birth (4 March 2016), whenever the test runs.
AMY_YEAR = year_label(expected_year(date(2016, 3, 4), today_in_uk()))


def row(serial, forename="Amy", surname="Smith", dob="04/03/2016", sex="F", phone="07700 900123"):
    pupil = f"{upn(serial)},{forename},{surname},{dob},{sex},{AMY_YEAR},1 Mill Road,cb1 2ab"
    return f"{pupil},Jo,{surname},Mother,Y,{phone},jo@example.test\n"


def upload(client, text: str | bytes, name="roll.csv"):
    data = text.encode() if isinstance(text, str) else text
    # Encoded in memory: the test client would spool a big body to a file it never closes.
    boundary, body = encode_multipart(MultiDict({"roll": FileStorage(io.BytesIO(data), name)}))
    return client.post(
        "/pupils/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def roll(session, world):
    return {
        p.upn: p for p in session.scalars(select(Pupil).where(Pupil.school_id == world.school.id))
    }


def test_a_csv_roll_is_imported_with_contacts(session, world, signed_in):
    client = signed_in(world.school_user)
    response = upload(client, HEADER + row(1) + row(2, forename="Ben", sex="M"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="count-added">2<' in page
    pupils = roll(session, world)
    amy = pupils[upn(1)]
    assert (amy.forename, amy.surname, amy.year_group, amy.postcode) == (
        "Amy",
        "Smith",
        AMY_YEAR,
        "CB1 2AB",
    )
    assert amy.date_of_birth.isoformat() == "2016-03-04"
    contact = amy.contacts[0]
    assert (contact.full_name, contact.phones, contact.parental_responsibility) == (
        "Jo Smith",
        ["07700 900123"],
        True,
    )
    assert contact.kind.value == "parent"


def test_reimporting_updates_rather_than_duplicates(session, world, signed_in):
    client = signed_in(world.school_user)
    upload(client, HEADER + row(1) + row(2))
    response = upload(client, HEADER + row(1, surname="Jones", phone="07700 900555") + row(2))
    page = response.get_data(as_text=True)
    assert 'id="count-added">0<' in page and 'id="count-updated">1<' in page
    assert 'id="count-unchanged">1<' in page
    count = session.scalar(select(func.count()).where(Pupil.school_id == world.school.id))
    assert count == 2
    session.expire_all()
    pupil = roll(session, world)[upn(1)]
    assert pupil.surname == "Jones" and pupil.contacts[0].phones == ["07700 900555"]
    assert len(pupil.contacts) == 1


def test_bad_rows_are_listed_by_line_and_the_rest_imported(session, world, signed_in):
    client = signed_in(world.school_user)
    upload(client, HEADER + row(3, surname="Kept"))
    bad_check_letter = "A" + upn(4)[1:] if upn(4)[0] != "A" else "B" + upn(4)[1:]
    text = (
        HEADER
        + row(1)
        + row(3, surname="Changed", dob="31/02/2016")  # line 3: not a real date
        + f"{bad_check_letter},Cal,Brown,01/01/2015,M,3,,,,,,,,\n"  # line 4: bad check letter
        + "\n"  # line 5: blank, skipped
        + row(5, sex="X")  # line 6
        + row(1, forename="Again")  # line 7: UPN repeated
    )
    response = upload(client, text)
    page = response.get_data(as_text=True)
    assert 'id="count-added">1<' in page and 'id="count-errors">4<' in page
    assert '<td class="govuk-table__cell">3</td>' in page and "Date of birth" in page
    assert '<td class="govuk-table__cell">4</td>' in page and "check letter" in page
    assert '<td class="govuk-table__cell">6</td>' in page and "Sex must be M or F" in page
    assert '<td class="govuk-table__cell">7</td>' in page and "also on line 2" in page
    session.expire_all()
    pupils = roll(session, world)
    assert set(pupils) == {upn(1), upn(3)}
    assert pupils[upn(3)].surname == "Kept"  # a bad row never half-updates a pupil
    assert pupils[upn(1)].forename == "Amy"


def test_a_file_that_cannot_be_read_imports_nothing(session, world, signed_in):
    client = signed_in(world.school_user)
    for text, message in (
        ("", "Select a CSV or CTF file"),
        ("Name,Age\nAmy,9\n", "has no column for: UPN"),
        (HEADER, "no pupils"),
        ("<CTfile><CTFpupilData><Pupil>", "not well-formed XML"),
        ("<html></html>", "not a CTF"),
        ('<!DOCTYPE x [<!ENTITY a "b">]><CTfile/>', "document type"),
    ):
        response = upload(client, text)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, text
        assert message in page and 'href="#roll"' in page
    assert roll(session, world) == {}


def test_a_ctf_roll_is_imported(session, world, signed_in):
    ctf = f"""<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header><DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion></Header>
  <CTFpupilData>
    <Pupil>
      <UPN>{upn(7)}</UPN><Surname>Nowak</Surname><Forename>Kacper</Forename>
      <DOB>2014-09-12</DOB><Sex>M</Sex>
      <BasicDetails><NCyearActual>6</NCyearActual></BasicDetails>
      <Address><AddressLines><AddressLine1>7 Fen Way</AddressLine1>
        <AddressLine2>Demotown</AddressLine2></AddressLines><PostCode>CB4 1AA</PostCode></Address>
      <Contacts>
        <Contact><Order>2</Order><Surname>Nowak</Surname><Forename>Ola</Forename>
          <Relationship>OTH</Relationship><Responsibility>false</Responsibility>
          <Phones><Phone><PhoneNo>07700 900700</PhoneNo></Phone></Phones></Contact>
        <Contact><Order>1</Order><Surname>Nowak</Surname><Forename>Ewa</Forename>
          <Relationship>PAM</Relationship><Responsibility>true</Responsibility>
          <Email>ewa@example.test</Email></Contact>
      </Contacts><SchoolHistory><School><Estab>1111</Estab><EntryDate>2019-09-04</EntryDate><LeavingDate>2021-07-20</LeavingDate></School><School><Estab>2001</Estab><EntryDate>2021-09-06</EntryDate></School></SchoolHistory>
    </Pupil>
    <Pupil>
      <UPN>{upn(8)}</UPN><Surname>Ahmed</Surname><Forename>Zara</Forename><DOB>2015-13-01</DOB><Gender>F</Gender>
    </Pupil>
  </CTFpupilData>
</CTfile>"""
    response = upload(signed_in(world.school_user), ctf, "roll.xml")
    page = response.get_data(as_text=True)
    assert 'id="count-added">1<' in page and "CTF" in page
    assert '<td class="govuk-table__cell">20</td>' in page  # the second <Pupil> is on line 20
    pupil = roll(session, world)[upn(7)]
    assert (pupil.year_group, pupil.address_lines, pupil.postcode) == (
        "6",
        ["7 Fen Way", "Demotown"],
        "CB4 1AA",
    )
    assert [c.forename for c in pupil.contacts] == ["Ewa", "Ola"]
    # The admission date is the EntryDate of the school the pupil has not left.
    assert pupil.admitted_on.isoformat() == "2021-09-06"
    assert pupil.contacts[0].relationship_to_pupil == "Mother"
    assert pupil.contacts[0].kind.value == "parent" and pupil.contacts[1].kind.value == "emergency"


def test_a_windows_csv_export_is_read(session, world, signed_in):
    text = (HEADER + row(9, forename="Zoë")).replace("\n", "\r\n").encode("cp1252")
    upload(signed_in(world.school_user), text)
    assert roll(session, world)[upn(9)].forename == "Zoë"


def test_a_big_roll_is_saved_a_part_at_a_time(app, session, world, signed_in):
    rows = "".join(
        row(0, surname=f"Big{n:04d}").replace(
            upn(0), make_upn("873", "2001", f"{n // 1000:02d}", f"{n % 1000:03d}")
        )
        for n in range(5000)
    )
    client = signed_in(world.school_user)
    commits: list[int] = []
    listener = lambda _session: commits.append(1)  # noqa: E731
    event.listen(Session, "after_commit", listener)
    try:
        response = upload(client, HEADER + rows)
    finally:
        event.remove(Session, "after_commit", listener)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="count-added">5000<' in page and 'id="count-parts">10 parts<' in page
    assert len(commits) >= 10  # one per part of 500 rows, then the audit row
    assert len(roll(session, world)) == 5000
    again = upload(client, HEADER + rows).get_data(as_text=True)
    assert 'id="count-unchanged">5000<' in again


def test_a_csv_admission_date_and_year_written_out_are_read(session, world, signed_in):
    header = "UPN,Forename,Surname,Date of birth,Sex,Year group,Admission date,Postcode\n"
    start = academic_year_start(today_in_uk())  # born in March: in year 5 and in reception
    rows = (
        f"{upn(21)},Amy,Smith,04/03/{start - 9},F,Year 5,03/09/2021,CB1 2AB\n"
        f"{upn(22)},Ben,Smith,04/03/{start - 4},M,Reception,,CB1 2AB\n"
        f"{upn(23)},Cat,Smith,04/03/{start - 9},F,Year 5b,,CB1 2AB\n"
    )
    page = upload(signed_in(world.school_user), header + rows).get_data(as_text=True)
    assert 'id="count-added">2<' in page
    assert "is not a national-curriculum year" in page
    pupils = roll(session, world)
    assert (pupils[upn(21)].year_group, pupils[upn(21)].admitted_on.isoformat()) == (
        "5",
        "2021-09-03",
    )
    assert (pupils[upn(22)].year_group, pupils[upn(22)].admitted_on) == ("R", None)
    assert upn(23) not in pupils
