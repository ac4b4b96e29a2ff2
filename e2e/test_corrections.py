"""At 360 px, a school office takes back a checklist tick made by mistake and corrects a
chronology entry."""

from __future__ import annotations

from playwright.sync_api import Browser, expect


def test_a_tick_is_taken_back_with_a_reason(browser: Browser, base_url: str, sign_in, axe_check):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    page.get_by_label("Status").select_option(label="Locating the child")
    page.get_by_role("button", name="Apply filters").click()
    page.locator("table.fv-cards tbody tr a").first.click()
    to_do = page.locator(".govuk-task-list__item", has_text="To do").first
    text = to_do.locator(".govuk-task-list__link").inner_text()
    to_do.locator(".govuk-task-list__link").click()
    page.get_by_label("What did you do and find out?").fill("Done, I thought.")
    page.get_by_role("button", name="Mark as done").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Ticked: {text}")

    page.locator("#checklist-done summary").click()  # done items are folded away
    page.get_by_role("link", name=text).first.click()
    axe_check(page)
    page.get_by_role("button", name="Untick this item").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why the tick was a mistake")
    axe_check(page)
    page.get_by_label("Why was the tick a mistake?").fill("Ticked on the wrong case.")
    page.get_by_role("button", name="Untick this item").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"Unticked: {text}")
    item = page.locator(".govuk-task-list__item", has_text=text).first
    expect(item.locator(".govuk-task-list__status")).not_to_have_text("Done")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # The untick's own entry was wrong too: correct it; both stay, the first marked corrected.
    page.locator(".moj-timeline .moj-timeline__item").first.get_by_role(
        "link", name="Correct this entry"
    ).click()
    axe_check(page)
    page.get_by_label("What is the correct record?").fill("The item was unticked on the 2nd.")
    page.get_by_role("button", name="Add the correction").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Correction added")
    expect(page.locator(".moj-timeline .govuk-tag", has_text="Corrected")).to_have_count(1)
    expect(page.get_by_role("link", name="Corrects an earlier entry")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page)
    context.close()
