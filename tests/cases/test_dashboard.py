"""The dashboard: open cases most urgent first, filters, search, pages, and a fixed query count."""

from fieldvisit.cases.dashboard import PAGE_SIZE
from fieldvisit.core.dates import today_in_uk, utcnow
from fieldvisit.outcomes.services import record_returned
from tests.support.casework import case_on_day, counting_queries, triaged
from tests.support.factories import make_case, make_visit


def test_the_dashboard_shows_each_open_case_with_its_clock_and_next_step(session, world, signed_in):
    case = case_on_day(session, world, 3, forename="Ruby", surname="Walker")
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert "Ruby Walker" in page
    assert case.pupil.upn in page
    assert "Day 3 of 10" in page
    assert "Contact all emergency contact numbers" in page
    assert "Overdue" in page  # the first-day items were due on day 1
    assert "Not yet" in page and "Locked" in page


def test_a_vulnerable_child_counts_to_day_five(session, world, signed_in):
    case = case_on_day(session, world, 2)
    triaged(session, world, case, vulnerable=True)
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert "Day 2 of 5" in page
    assert "Vulnerable" in page


def test_the_referral_shows_available_once_day_ten_and_a_visit_are_reached(
    session, world, signed_in
):
    case = case_on_day(session, world, 11)
    triaged(session, world, case)
    make_visit(session, case, world.officer)
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert "Completed" in page and "Available" in page
    assert "<strong>1</strong> ready for the CME referral" in page


def test_filter_by_overdue_and_status_and_search(session, world, signed_in):
    fresh = case_on_day(session, world, 1, surname="Freshcase")
    late = case_on_day(session, world, 4, surname="Latecase")
    triaged(session, world, late)
    client = signed_in(world.school_user)
    overdue = client.get("/?overdue=1").get_data(as_text=True)
    assert "Latecase" in overdue and "Freshcase" not in overdue
    locating = client.get("/?status=locating").get_data(as_text=True)
    assert "Latecase" in locating and "Freshcase" not in locating
    by_name = client.post("/", data={"q": "fresh"}).get_data(as_text=True)
    assert "Freshcase" in by_name and "Latecase" not in by_name
    by_upn = client.post("/", data={"q": late.pupil.upn.lower()}).get_data(as_text=True)
    assert "Latecase" in by_upn and "Freshcase" not in by_upn
    assert fresh.id != late.id
    # A name in an old address searches nothing; filters without a name are linked.
    assert "Latecase" in client.get("/?q=fresh").get_data(as_text=True)
    response = client.post("/", data={"q": "", "status": "locating", "overdue": "1"})
    assert response.headers["Location"] == "/?status=locating&overdue=1&sort=urgency"


def test_most_urgent_comes_first(session, world, signed_in):
    case_on_day(session, world, 1, surname="Aardvark")
    case_on_day(session, world, 6, surname="Zebra")
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert page.index("Zebra") < page.index("Aardvark")
    by_name = signed_in(world.school_user).get("/?sort=name").get_data(as_text=True)
    assert by_name.index("Aardvark") < by_name.index("Zebra")


def test_closed_cases_are_listed_apart(session, world, signed_in):
    case = case_on_day(session, world, 2, surname="Returned")
    record_returned(session, world.school_user, case, effective_on=today_in_uk())
    client = signed_in(world.school_user)
    assert "Returned" not in client.get("/").get_data(as_text=True)
    closed = client.get("/?status=closed").get_data(as_text=True)
    assert "Returned" in closed and "Child returned to school" in closed


def test_another_schools_cases_never_show(session, world, signed_in):
    theirs = make_case(session, world, school=world.other_school)
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert theirs.pupil.surname not in page


def test_pages_of_cases(session, world, signed_in):
    for n in range(PAGE_SIZE + 2):
        case_on_day(session, world, 1 + n % 5, surname=f"Paged{n:03d}")
    client = signed_in(world.school_user)
    first = client.get("/?sort=name").get_data(as_text=True)
    second = client.get("/?sort=name&page=2").get_data(as_text=True)
    assert "Paged000" in first and f"Paged{PAGE_SIZE:03d}" not in first
    assert f"Paged{PAGE_SIZE:03d}" in second and "Paged000" not in second
    assert client.get("/?page=99").status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_cases(session, world, signed_in):
    client = signed_in(world.school_user)
    for n in range(3):
        case_on_day(session, world, 2 + n)
    with counting_queries() as few:
        assert client.get("/").status_code == 200
    for n in range(20):
        case = case_on_day(session, world, 1 + n % 8)
        if n % 2:
            triaged(session, world, case, vulnerable=n % 4 == 1)
            make_visit(session, case, world.officer)
    with counting_queries() as many:
        assert client.get("/").status_code == 200
    assert len(many) == len(few)


def test_overdue_items_come_before_cases_the_la_leads(session, world, signed_in):
    from fieldvisit.cases.models import CaseState

    off_roll = case_on_day(session, world, 40, surname="Oxbury")
    triaged(session, world, off_roll)
    off_roll.state = CaseState.OFF_ROLL
    referred = case_on_day(session, world, 30, surname="Rushmere")
    triaged(session, world, referred)
    referred.state = CaseState.REFERRED
    late = case_on_day(session, world, 3, surname="Latecase")
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert page.index("Latecase") < min(page.index("Rushmere"), page.index("Oxbury"))
    assert "Off roll: tell the LAAO anything new about the child." in page
    assert "The LA is deciding on the referral" in page
    assert "Due by day 10" not in page  # no stale checklist item on a case the LA leads
    assert late.state == CaseState.FIRST_DAY


def test_continuing_checks_is_never_overdue(session, world, signed_in):
    case = case_on_day(session, world, 14, surname="Checker")
    triaged(session, world, case)
    for item in case.checklist:
        if item.key not in ("continue_checks", "work_with_laao", "inform_laao_after"):
            item.done_at, item.done_by_id = utcnow(), world.school_user.id
    session.commit()
    page = signed_in(world.school_user).get("/").get_data(as_text=True)
    assert "Continue to make all reasonable and practical checks" in page
    assert "Overdue" not in page and "Due by day" not in page
