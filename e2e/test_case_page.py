"""At 360 px the case page leads with one primary action, keeps older entries folded, and
the LAAO reaches the decision from the top of the evidence review."""

from __future__ import annotations

from playwright.sync_api import Browser, expect


def test_the_case_page_leads_and_folds_its_past(
    browser: Browser, base_url: str, sign_in, axe_check
):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "school@demo.test")
    for state in ("Locating the child", "Referred to the LA"):
        page.goto("/")
        page.get_by_label("Status").select_option(label=state)
        page.get_by_role("button", name="Apply filters").click()
        page.locator("table.fv-cards tbody tr a").first.click()
        primary = page.locator("#next .govuk-button")
        expect(primary).to_have_count(1)
        # It is on the first screen or two, not under the page's history.
        assert primary.bounding_box()["y"] < 1200, state
        print(f"case page at 360 px ({state}): {page.evaluate('document.body.scrollHeight')} px")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe_check(page)
    older = page.locator("#older-entries")
    if older.count():
        older.locator("summary").click()
        expect(older.locator(".moj-timeline__item").first).to_be_visible()
    context.close()


def test_the_laao_reaches_the_decision_from_the_top(
    browser: Browser, base_url: str, sign_in, axe_check
):
    context = browser.new_context(viewport={"width": 360, "height": 740}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "laao@demo.test")
    page.goto("/la/referrals?state=new")
    page.locator("table.fv-cards tbody tr a").first.click()
    go = page.get_by_role("link", name="Go to the decision")
    expect(go).to_be_visible()
    assert go.bounding_box()["y"] < 740  # on the first screen
    go.click()
    expect(page.locator("#decision")).to_be_in_viewport()
    axe_check(page)
    context.close()
