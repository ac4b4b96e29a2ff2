"""At 320 px, an LAAO works a move to another area: the answer is in, a search of the lost
pupil database is recorded, and the case is closed as moved to another local authority."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect


def test_the_laao_closes_a_case_as_moved_to_another_area(
    browser: Browser, base_url: str, sign_in, axe_check
) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "laao@demo.test")
    page.goto("/la/referrals?state=open")
    reviews = page.locator("tbody a").evaluate_all("links => links.map(a => a.href)")
    moves = None
    for review in reviews:
        page.goto(review)
        involvement = page.get_by_role("link", name="The CME involvement")
        if not involvement.count():
            continue
        page.goto(involvement.get_attribute("href").replace("/involvement", "/moves"))
        if page.get_by_role("heading", name="Peterborough (874)").count():
            moves = page.url
            break
    assert moves, "the demo has a child referred to Peterborough"
    expect(page.get_by_role("heading", level=1)).to_have_text("Moves between areas")
    expect(page.get_by_text("Known to them: living in their area")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)

    page.get_by_role("button", name="Record the search").click()  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say whether a record was found")
    axe_check(page)
    page.get_by_label("No record found").check()
    page.get_by_role("button", name="Record the search").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("lost pupil")

    page.get_by_role("link", name=re.compile("Close the case: moved to Peterborough")).click()
    expect(page.get_by_label("Which local authority's area")).to_have_value("874")
    axe_check(page)
    page.get_by_label("Who confirmed it, how and when?").fill("Peterborough CME officer by email")
    page.get_by_role("button", name="Save and close the case").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The case is closed"
    )
    expect(page.get_by_text("Peterborough (874)", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
