"""At 320 px, the school office sends a notice the LA is owed, and the LA reads it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect


def test_the_school_sends_a_new_entry_notice_and_the_la_reads_it(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    page.goto("/notices")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices to the LA")
    row = page.locator("tbody tr", has_text="A pupil added to the admission register").first
    expect(row).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)

    row.get_by_role("link", name=re.compile("Send")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("added to the admission")
    page.get_by_label("The pupil's previous school (if any)").fill("Histon Junior School")
    axe_check(page)
    page.get_by_role("button", name="Send the notice").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Notice sent")
    expect(page.locator("#sent ~ table")).to_contain_text("A pupil added to the admission")
    context.close()

    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "laao@demo.test")
    page.goto("/la/notices")
    page.get_by_label("Notice", exact=True).select_option("new_entry")
    page.get_by_role("button", name="Apply filters").click()
    page.locator("tbody tr a").first.click()
    expect(page.get_by_text("Histon Junior School")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)
    context.close()
