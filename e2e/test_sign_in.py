"""Signing in through the browser, with the pages checked by axe."""

from playwright.sync_api import expect


def test_school_user_signs_in_and_sees_open_cases(page, sign_in, axe_check):
    page.goto("/login")
    axe_check(page)
    sign_in(page, "school@demo.test")
    assert page.get_by_role("heading", level=1).inner_text() == "Open cases"
    axe_check(page)


def test_laao_signs_in_with_an_authenticator_code(page, sign_in, axe_check):
    page.goto("/login")
    page.get_by_label("Email address").fill("laao@demo.test")
    page.get_by_label("Password").fill("fieldvisit-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code")
    axe_check(page)
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right").first).to_be_visible()
    sign_in(page, "laao@demo.test")
    assert "/login" not in page.url


def test_a_wrong_password_shows_the_error_summary(page, axe_check):
    page.goto("/login")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert "Enter your email address." in summary.inner_text()
    axe_check(page)


def test_the_sign_in_page_works_at_320_pixels(browser, base_url, axe_check):
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=base_url)
    page = context.new_page()
    page.goto("/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320
    axe_check(page)
    context.close()
