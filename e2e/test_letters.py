"""A school prints letters from the browser; the QR code on the paper leads back to the case."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.letters.helpers import pdf_pages, qr_codes

PASSWORD = "fieldvisit-demo"


def sign_in(page: Page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def download_pdf(page: Page, link_name: str | re.Pattern, folder: Path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).first.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target.read_bytes()


def test_a_school_prints_a_letter_from_the_case_and_downloads_it(
    page: Page, live_server: str, axe_check, tmp_path: Path
) -> None:
    sign_in(page, "school@demo.test")
    page.goto("/letters/batch?kind=final")
    case_label = page.locator("label.govuk-checkboxes__label").first
    case_number = re.search(r"case (C\d+)", case_label.inner_text()).group(1)
    case_id = int(case_number[1:])
    page.goto(f"/cases/{case_id}/letters")
    axe_check(page)

    page.get_by_label("Final letter before referral to the local authority").check()
    page.get_by_label("By hand").check()
    page.get_by_role("button", name="Make the letter").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("is ready")
    reference = re.search(r"FV-\d{4}-\d{6}", banner.inner_text()).group(0)
    axe_check(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    pdf = download_pdf(page, f"Download letter {reference} (PDF)", tmp_path)
    assert pdf.startswith(b"%PDF-")
    (code,) = qr_codes(pdf, tmp_path)
    assert code.startswith(f"{live_server}/l/")

    page.goto(code)
    expect(page).to_have_url(f"{live_server}/cases/{case_id}")


def test_a_batch_prints_as_one_pdf_and_a_stranger_scanning_it_learns_nothing(
    page: Page, browser: Browser, live_server: str, axe_check, tmp_path: Path
) -> None:
    sign_in(page, "school@demo.test")
    page.get_by_role("link", name="Print letters").click()
    expect(page.get_by_role("heading", name="Print letters")).to_be_visible()
    axe_check(page)
    labels = page.locator("label.govuk-checkboxes__label")
    names = [labels.nth(i).inner_text().split(" (case")[0] for i in range(2)]
    page.locator("input[name=case_ids]").nth(0).check()
    page.locator("input[name=case_ids]").nth(1).check()

    page.get_by_role("button", name="Print the chosen cases").click()

    # The batch is made in the background; its page follows it and shows it when ready.
    expect(page).to_have_url(re.compile(r"/letters/jobs/\d+$"))
    axe_check(page)
    expect(page.get_by_role("heading", name="Letters ready to print")).to_be_visible(timeout=30_000)
    axe_check(page)
    page.get_by_role("link", name="See and download the letters").click()
    pdf = download_pdf(page, "Download the letters (PDF)", tmp_path)
    assert pdf_pages(pdf, tmp_path) == 2
    codes = qr_codes(pdf, tmp_path)
    assert len(set(codes)) == 2

    page.goto(codes[0])
    expect(page).to_have_url(re.compile(rf"{live_server}/cases/\d+$"))

    stranger = browser.new_context(base_url=live_server).new_page()
    stranger.goto(codes[0])
    expect(stranger.get_by_role("heading", level=1)).to_have_text(
        "This letter is from Riverside Primary School"
    )
    text = stranger.locator("main").inner_text()
    assert not any(name.split()[-1] in text for name in names)
    axe_check(stranger)
    stranger.context.close()
