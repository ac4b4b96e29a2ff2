"""An LAAO reviews a referral's evidence in the browser and accepts it; the school sees it."""

import re

from playwright.sync_api import expect


def test_laao_reviews_the_evidence_and_accepts(page, sign_in, axe_check):
    sign_in(page, "laao@demo.test")
    page.get_by_role("link", name="Referrals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("CME referrals")
    axe_check(page)

    page.get_by_label("State").select_option("new")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    # On top: the child on the CP register, referred at once with the home visit to follow.
    expect(rows.first).to_contain_text("Social care or CP")
    rows.first.get_by_role("link").click()
    expect(page.locator("#gaps ~ * li", has_text="Home visit to follow").first).to_be_visible()
    expect(page.get_by_text("This referral cannot be accepted now")).to_be_visible()
    expect(page.get_by_role("button", name="Accept the referral")).to_have_count(0)
    page.go_back()
    rows.nth(1).get_by_role("link").click()

    # Everything on one screen: gaps, contact attempts, the visit with its neighbours.
    expect(page.get_by_role("heading", name="Gaps the app can see")).to_be_visible()
    expect(
        page.get_by_role("heading", name=re.compile(r"Contact attempts \(\d+\)"))
    ).to_be_visible()
    visit = page.locator(".govuk-summary-card", has_text="Neighbour enquiries").first
    expect(visit).to_contain_text("Letter left")
    expect(visit).to_contain_text("(within 12 m)")
    expect(visit).to_contain_text("Has not seen the family for about a week.")
    photo = visit.locator("img.fv-photo-thumb").first
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_text("What the school sent with referral").click()
    expect(page.get_by_text("Summary of enquiries")).to_be_visible()
    axe_check(page)

    page.get_by_label("Open a CME involvement, assigned to").select_option(label="Lee Laao")
    page.get_by_role("button", name="Accept the referral").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/involvement$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("accepted")
    expect(page.get_by_text("Waiting period (4 weeks)")).to_be_visible()
    axe_check(page)


def test_overview_charts_and_queue_at_320_pixels(browser, base_url, sign_in, axe_check):
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=base_url)
    page = context.new_page()
    sign_in(page, "laao@demo.test")
    page.goto("/la/referrals?state=open")
    review = page.locator("tbody a").first.get_attribute("href")
    page.goto(review)
    involvement = page.get_by_role("link", name="The CME involvement").get_attribute("href")
    for path in ("/la/overview", "/la/referrals", "/la/forms", review, involvement):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        axe_check(page)
    expect(page.locator("svg[role=img]")).to_have_count(0)
    page.goto("/la/overview")
    expect(page.locator("svg[role=img]")).to_have_count(2)
    # Each number of the year opens the list of cases behind it.
    figure = page.locator("a[href*='/la/overview/cases/']").first
    number = figure.evaluate("a => a.firstChild.textContent.trim()")
    figure.click()
    expect(page.get_by_text(f"{number} case")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(min(int(number), 50))
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    axe_check(page)
    context.close()
