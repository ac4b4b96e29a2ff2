"""The roll pages: list and search, add a pupil by hand, open a case."""

from datetime import date, timedelta

from sqlalchemy import select

from fieldvisit.cases.models import Case, CaseState
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.upn import make_upn
from fieldvisit.pupils.models import Pupil
from tests.support.factories import date_fields, make_pupil

UPN = make_upn("873", "2001", "22", "123")


def new_pupil(**overrides):
    form = {
        "upn": UPN.lower(),
        "forename": "Maya",
        "surname": "Patel",
        **date_fields("date_of_birth", today_in_uk().replace(year=today_in_uk().year - 9, day=1)),
        "sex": "F",
        "year_group": "4",
        "address_lines-0": "3 Church Lane",
        "postcode": "cb2 1ab",
        "contacts-0-forename": "Priya",
        "contacts-0-surname": "Patel",
        "contacts-0-relationship": "Mother",
        "contacts-0-phones": "07700 900321; 01223 555555",
        "contacts-0-parental_responsibility": "yes",
    }
    form.update(overrides)
    return form


def test_the_roll_lists_and_searches_pupils(session, world, signed_in):
    make_pupil(session, world.school, forename="Isla", surname="Evans")
    make_pupil(session, world.school, forename="Theo", surname="Brown")
    make_pupil(session, world.other_school, forename="Leo", surname="Elsewhere")
    client = signed_in(world.school_user)
    page = client.get("/pupils").get_data(as_text=True)
    assert "Evans, Isla" in page and "Brown, Theo" in page and "Elsewhere" not in page
    found = client.post("/pupils", data={"q": "isl"}).get_data(as_text=True)
    assert "Evans, Isla" in found and "Brown, Theo" not in found


def test_a_search_by_name_never_goes_into_an_address(session, world, signed_in):
    make_pupil(session, world.school, forename="Isla", surname="Evans")
    client = signed_in(world.school_user)
    page = client.get("/pupils").get_data(as_text=True)
    assert '<form method="post" action="/pupils"' in page
    # An old address with a name in it searches nothing; an empty search goes back to the list.
    assert "Evans, Isla" in client.get("/pupils?q=brown").get_data(as_text=True)
    assert client.post("/pupils", data={"q": " "}).headers["Location"] == "/pupils"
    client.post("/pupils", data={"q": "evans"})
    row = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert (row.action, row.object_type, row.detail["searched"]) == ("view", "pupil_roll", True)
    assert "evans" not in str(row.detail).lower()


def test_add_a_pupil_by_hand(session, world, signed_in):
    client = signed_in(world.school_user)
    form = new_pupil(year_group="Year 4", **date_fields("admitted_on", date(2021, 9, 6)))
    response = client.post("/pupils/new", data=form)
    assert response.status_code == 302
    pupil = session.scalar(select(Pupil).where(Pupil.upn == UPN))
    assert (pupil.school_id, pupil.surname, pupil.postcode) == (world.school.id, "Patel", "CB2 1AB")
    assert (pupil.year_group, pupil.admitted_on) == ("4", date(2021, 9, 6))
    assert pupil.contacts[0].phones == ["07700 900321", "01223 555555"]
    assert pupil.contacts[0].parental_responsibility
    assert "Start a new case" in client.get(response.location).get_data(as_text=True)


def test_a_pupil_with_mistakes_is_refused_and_the_input_kept(session, world, signed_in):
    client = signed_in(world.school_user)
    wrong = ("B" if UPN[0] != "B" else "C") + UPN[1:]
    response = client.post(
        "/pupils/new",
        data=new_pupil(
            upn=wrong,
            surname="",
            year_group="Year 4c",
            **{"date_of_birth-month": ""},
            **{"contacts-0-phones": "call me"},
        ),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'href="#upn"' in page and "check letter should be" in page
    assert 'href="#surname"' in page
    assert 'href="#year_group"' in page and "is not a national-curriculum year" in page
    assert 'href="#date_of_birth"' in page and "must include a month" in page
    assert 'href="#contacts-0-phones"' in page
    assert 'value="Maya"' in page and "call me" in page
    assert session.scalar(select(Pupil).where(Pupil.forename == "Maya")) is None


def test_a_upn_already_on_the_roll_is_refused(session, world, signed_in):
    make_pupil(session, world.school, upn=UPN)
    response = signed_in(world.school_user).post("/pupils/new", data=new_pupil())
    assert response.status_code == 400
    assert "already on your school" in response.get_data(as_text=True)


def test_open_a_case_for_a_pupil(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    client = signed_in(world.school_user)
    form = client.get(f"/pupils/{pupil.id}/open-case").get_data(as_text=True)
    assert "First day of absence" in form
    first = today_in_uk()
    response = client.post(
        f"/pupils/{pupil.id}/open-case",
        data={**date_fields("first_day_of_absence", first), "not_arrived": "yes"},
    )
    assert response.status_code == 302
    case = session.scalar(select(Case).where(Case.pupil_id == pupil.id))
    assert case.state == CaseState.FIRST_DAY and case.not_arrived
    assert response.location.endswith(f"/cases/{case.id}")
    again = client.get(f"/pupils/{pupil.id}/open-case")
    assert again.status_code == 302 and again.location.endswith(f"/cases/{case.id}")
    # Going to the open case and starting a new one read and look different on the roll.
    other = make_pupil(session, world.school)
    roll = client.get("/pupils").get_data(as_text=True)
    go = f'href="/cases/{case.id}">Go to the open case<span class="govuk-visually-hidden">'
    start = f'href="/pupils/{other.id}/open-case">Start a new case<span'
    assert go in roll and 'class="govuk-link" ' + go in roll
    assert start in roll and "govuk-button--secondary" in roll.split(start)[0].rsplit("<a", 1)[1]


def test_a_case_cannot_open_in_the_future(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    response = signed_in(world.school_user).post(
        f"/pupils/{pupil.id}/open-case",
        data=date_fields("first_day_of_absence", today_in_uk() + timedelta(days=3)),
    )
    assert response.status_code == 400
    assert "today or in the past" in response.get_data(as_text=True)
    missing = signed_in(world.school_user).post(f"/pupils/{pupil.id}/open-case", data={})
    assert "Enter the first day of absence" in missing.get_data(as_text=True)


def test_the_csv_template_names_the_columns(world, signed_in):
    response = signed_in(world.school_user).get("/pupils/import/template.csv")
    assert response.mimetype == "text/csv"
    assert response.get_data(as_text=True).startswith("UPN,Forename,Surname,Date of birth,Sex")


def test_the_roll_comes_in_pages_that_keep_the_search(session, world, signed_in):
    for n in range(52):
        make_pupil(session, world.school, surname=f"Paged{n:02d}")
    client = signed_in(world.school_user)
    first = client.post("/pupils", data={"q": "paged"}).get_data(as_text=True)
    assert "Paged00" in first and "Paged51" not in first
    assert '<input type="hidden" name="q" value="paged">' in first
    assert 'name="page" value="2"' in first and "q=" not in first
    second = client.post("/pupils", data={"q": "paged", "page": "2"}).get_data(as_text=True)
    assert "Paged51" in second and "Paged00" not in second
