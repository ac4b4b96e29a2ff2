"""At 360 px: the school's attendance import page, and the LA's inbox of notices from schools
with a notice opened and acknowledged (the demo sends one on a school day)."""

from __future__ import annotations

from playwright.sync_api import Browser, expect


def test_the_attendance_import_page_reads_on_a_phone(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    page.get_by_role("link", name="Import attendance").click()
    expect(page.get_by_role("heading", name="Import attendance marks")).to_be_visible()
    page.get_by_role("button", name="Import").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a CSV file")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page)
    context.close()


def test_the_la_reads_and_acknowledges_a_notice(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "laao@demo.test")
    page.goto("/la/notices")
    expect(page.get_by_role("heading", name="Notices from schools")).to_be_visible()
    axe_check(page)
    rows = page.locator("table.fv-cards tbody tr a")
    if rows.count() == 0:  # the demo was seeded on a day the school was closed
        context.close()
        return
    rows.first.click()
    axe_check(page)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Acknowledged")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
