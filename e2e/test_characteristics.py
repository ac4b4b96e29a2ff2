"""At 360 px, a school office records what the LA triages on, from the pupil's page."""

from __future__ import annotations

from playwright.sync_api import Browser, expect


def test_the_school_records_what_the_la_triages_on(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    page.goto("/pupils")
    page.locator("table.fv-cards tbody tr a").first.click()
    expect(page.get_by_role("heading", name="What the LA triages on")).to_be_visible()
    page.get_by_role("link", name="Change what is recorded").click()
    axe_check(page)

    page.get_by_label("Special educational needs").select_option(
        label="Education, health and care plan"
    )
    page.get_by_label("First language").select_option(label="Other than English")
    page.get_by_label("Which language (if not English)").fill("Tigrinya")
    page.get_by_role("group", name="Does the family need an interpreter?").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved")
    expect(page.get_by_text("Education, health and care plan")).to_be_visible()
    expect(page.get_by_text("Other than English (Tigrinya)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page)
    context.close()
