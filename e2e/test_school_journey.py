"""A school office takes a case from the roll to an outcome in a real browser, on a desktop
and on a 320 px phone, with axe on every page of the way."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from fieldvisit.core.calendar import SchoolCalendar
from fieldvisit.core.upn import make_upn
from fieldvisit.demo.terms import demo_terms

PASSWORD = "fieldvisit-demo"
WIDTHS = {"desktop": 1280, "phone": 320}
# Name the outermost elements that stick out past the right edge, to say what to fix.
WIDE_ELEMENTS = """() => {
  const sticksOut = e => e && e.getBoundingClientRect().right > window.innerWidth + 1;
  return [...document.querySelectorAll("body *")]
    .filter(e => sticksOut(e) && !sticksOut(e.parentElement))
    .map(e => e.tagName + "." + [...e.classList].join(".")).slice(0, 5);
}"""


def last_school_day() -> date:
    """The demo calendar's last school day on or before today: the case's day 1."""
    terms, inset_days = demo_terms()
    calendar = SchoolCalendar(terms, inset_days)
    day = date.today()
    while not calendar.is_school_day(day):
        day -= timedelta(days=1)
    return day


def roll_csv(tmp_path: Path, serial: int) -> Path:
    """A roll export with two pupils; the first is the one whose case is followed."""
    rows = [
        "UPN,Forename,Surname,Date of birth,Sex,Year group,Address line 1,Address line 2,"
        "Postcode,Contact 1 Forename,Contact 1 Surname,Contact 1 Relationship,"
        "Contact 1 Parental responsibility,Contact 1 Phone,Contact 2 Forename,"
        "Contact 2 Surname,Contact 2 Relationship,Contact 2 Phone",
        f"{make_upn('873', '2001', '26', f'{serial:03d}')},Nia,Journey{serial},12/05/2016,F,5,"
        "8 Orchard Close,Demotown,CB1 3DE,Kemi,Journey,Mother,Y,07700 900801,Tunde,"
        "Journey,Uncle,07700 900802",
        f"{make_upn('873', '2001', '26', f'{serial + 1:03d}')},Ola,Sibling{serial},"
        "02/02/2014,M,7,8 Orchard Close,Demotown,CB1 3DE,,,,,,,,,",
    ]
    path = tmp_path / "roll.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def check(page: Page, axe_check, width: int) -> None:
    """Run axe, and on a phone make sure nothing makes the page scroll sideways."""
    axe_check(page)
    if width <= 320:
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate(WIDE_ELEMENTS) if overflow > 0 else []
        assert overflow <= 0, f"{page.url} is {overflow}px wider than the screen: {wide}"


def sign_in(page: Page) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill("school@demo.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Open cases")).to_be_visible()


def log_failed_call(page: Page, axe_check, width: int, number: str) -> None:
    page.get_by_role("link", name="Log a contact attempt").click()
    expect(page.get_by_role("heading", name="Log a contact attempt")).to_be_visible()
    check(page, axe_check, width)
    # An email cannot reach a number: the numbers step aside until a call or text is chosen.
    page.get_by_label("Email", exact=True).check()
    expect(page.get_by_label(re.compile(number))).to_be_hidden()
    page.get_by_label("Phone call").check()
    page.get_by_label(re.compile(number)).check()
    page.get_by_label("No contact").check()
    page.get_by_label("Note (optional)").fill("No answer; voicemail left.")
    page.get_by_role("button", name="Save contact attempt").click()
    expect(page.get_by_text("Contact attempt logged.")).to_be_visible()


@pytest.mark.parametrize("screen", list(WIDTHS))
def test_school_journey(page: Page, axe_check, tmp_path: Path, screen: str) -> None:
    width = WIDTHS[screen]
    serial = 100 + 10 * list(WIDTHS).index(screen)
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page)
    check(page, axe_check, width)

    # Import the roll.
    page.goto("/pupils/import")
    check(page, axe_check, width)
    page.get_by_label("Upload a roll file").set_input_files(roll_csv(tmp_path, serial))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Roll imported")).to_be_visible()
    expect(page.locator("#count-added")).to_have_text("2")
    check(page, axe_check, width)

    # Find the pupil and open a case.
    page.goto("/pupils")
    page.get_by_label("Search by name or UPN").fill(f"Journey{serial}")
    page.get_by_role("button", name="Search").click()
    check(page, axe_check, width)
    page.get_by_role("link", name=f"Journey{serial}, Nia").click()
    check(page, axe_check, width)
    page.get_by_role("link", name="Start a new case").click()
    first = last_school_day()
    page.get_by_label("Day").first.fill(str(first.day))
    page.get_by_label("Month").first.fill(str(first.month))
    page.get_by_label("Year").first.fill(str(first.year))
    check(page, axe_check, width)
    page.get_by_role("button", name="Start the case").click()
    expect(page.get_by_role("heading", name=f"Nia Journey{serial}")).to_be_visible()
    expect(page.locator("#clock")).to_contain_text("School day 1 of 10")
    check(page, axe_check, width)

    # Two failed contact attempts, then no contact.
    log_failed_call(page, axe_check, width, "07700 900801")
    log_failed_call(page, axe_check, width, "07700 900802")
    page.get_by_role("button", name="Record that no contact was made").click()

    # Triage as vulnerable.
    expect(page.get_by_role("heading", name="Is the child vulnerable?")).to_be_visible()
    check(page, axe_check, width)
    page.get_by_label("Is a victim of bullying").check()
    page.get_by_label("Is a young carer").check()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save triage").click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(page.get_by_text("due on school day 5")).to_be_visible()
    check(page, axe_check, width)
    page.get_by_role("link", name="Go to the case").click()
    expect(page.locator("#clock")).to_contain_text("School day 1 of 5")

    # Tick two checklist items with notes.
    for note in ("Rang every number on file.", "Asked the sibling's form tutor."):
        page.locator(".govuk-task-list__link").first.click()
        check(page, axe_check, width)
        page.get_by_label("What did you do and find out?").fill(note)
        page.get_by_role("button", name="Mark as done").click()
        expect(page.get_by_text("Ticked:")).to_be_visible()

    # The referral is locked, with its reason and unlock date.
    locked = page.locator("#blocked-actions")
    expect(locked).to_contain_text("Submit the CME referral")
    expect(locked).to_contain_text("A CME referral needs a completed home visit")
    expect(locked).to_contain_text("Unlocks on")
    if page.locator("#older-entries").count():  # older entries are folded: open them
        page.locator("#older-entries summary").click()
    timeline = page.locator("main")
    expect(timeline).to_contain_text("Phone contact attempt (Kemi Journey): no contact")
    expect(timeline).to_contain_text("Triaged as vulnerable")
    expect(timeline).to_contain_text("Rang every number on file.")
    check(page, axe_check, width)
    pdf = page.request.get(
        page.get_by_role("link", name="Download the chronology (PDF)").get_attribute("href")
    )
    assert pdf.ok and pdf.body().startswith(b"%PDF")

    # The family calls back: the child is on roll at another school.
    page.get_by_role("link", name="Attending another school").click()
    check(page, axe_check, width)
    page.get_by_label("Name of the new school").fill("Norwich High School")
    page.get_by_label("The new school's local authority").fill("Norfolk County Council")
    page.get_by_label("Day").fill(str(first.day))
    page.get_by_label("Month").fill(str(first.month))
    page.get_by_label("Year").fill(str(first.year))
    page.get_by_label("Email from the new school").check()
    page.get_by_role("button", name="Save and close the case").click()
    expect(page.get_by_text("The case is closed.")).to_be_visible()
    expect(page.locator(".govuk-tag", has_text="Closed")).to_be_visible()
    expect(page.locator("#outcome-heading")).to_be_visible()
    expect(page.get_by_text("Norwich High School").first).to_be_visible()
    check(page, axe_check, width)


def test_the_other_school_pages_pass_axe_with_and_without_errors(page: Page, axe_check) -> None:
    """Pages the journey does not pass through, and forms showing their error summary."""
    sign_in(page)
    page.goto("/?status=locating")
    page.locator(".fv-dashboard a.govuk-link").first.click()
    case = page.url
    for path in ("/concern", "/safeguarding/police", "/triage/next-steps", "/outcome"):
        page.goto(case + path)
        axe_check(page)
    for path, button in (
        ("/contacts/new", "Save contact attempt"),
        ("/concern", "Raise the concern"),
        ("/triage", "Save triage"),
        ("/outcome/home-education", "Save and close the case"),
        ("/outcome/other-school", "Save and close the case"),
    ):
        page.goto(case + path)
        for field in page.locator("input[type=text], input[type=tel], textarea").all():
            field.fill("")
        if path == "/triage":
            page.get_by_label("Yes", exact=True).check()  # and no social worker named
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        axe_check(page)
    page.goto("/pupils/new")
    page.get_by_role("button", name="Add the pupil").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    axe_check(page)
