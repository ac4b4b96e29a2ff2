"""A visit assigned and then cancelled by the school leaves the officer's phone at its next
contact (both at 360 px)."""

from __future__ import annotations

from phone import open_app_as_officer, phone
from playwright.sync_api import Browser, expect

MARK = "Browser test: cancelled before the visit."


def test_a_cancelled_visit_leaves_the_officers_phone(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    office = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    school = office.new_page()
    sign_in(school, "school@demo.test")
    school.get_by_label("Status").select_option(label="Locating the child")
    school.get_by_role("button", name="Apply filters").click()
    school.locator("table.fv-cards tbody tr a").first.click()
    case_url = school.url
    if not school.locator("#officer_id").is_visible():  # folded when a visit is already set
        school.locator("#assign summary").click()
    school.locator("#officer_id").select_option(index=1)
    school.get_by_label("Instructions for the officer (optional)").fill(MARK)
    school.get_by_role("button", name="Assign home visit").click()
    expect(school.locator(".govuk-notification-banner")).to_contain_text("Home visit assigned")

    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    expect(page.locator("#visit-list .fv-card", has_text=MARK)).to_have_count(1)

    school.goto(case_url)
    school.locator("li", has_text=MARK).get_by_role("link", name="Cancel or move").click()
    axe_check(school)
    school.get_by_label("Why is the visit cancelled or moved?").fill("Seen at the school gate.")
    school.get_by_role("button", name="Cancel or move the visit").click()
    expect(school.locator(".govuk-notification-banner")).to_contain_text("Home visit cancelled")
    assert school.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_role("button", name="Refresh visits").click()
    expect(page.locator("#visit-list .fv-card", has_text=MARK)).to_have_count(0)
    expect(page.locator("#visit-list .fv-card").first).to_be_visible()  # the others stay
    context.close()
    office.close()
