"""The officer's phone app in Chromium: a visit recorded offline reaches the case, and nothing
recorded is lost when the session ends while the phone is offline."""

from __future__ import annotations

import base64
import io
import re

import pytest
import qrcode
from phone import (
    PASSWORD,
    SYNC_SECONDS,
    open_app_as_officer,
    phone,
    photo_of_a_letter,
    record_visit,
    sign_in,
)
from PIL import Image
from playwright.sync_api import Browser, expect

from fieldvisit.demo.visits import REFERRAL_WAITS_FOR_VISIT


def test_a_visit_recorded_offline_reaches_the_case_and_unlocks_the_referral(
    browser: Browser, base_url: str, axe_check
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    axe_check(page)

    context.set_offline(True)
    page.reload()  # served by the service worker: there is no network
    expect(page.locator("#visit-list .fv-card").first).to_be_visible()
    reference = record_visit(page, REFERRAL_WAITS_FOR_VISIT)
    # The position is asked for as the form opens, with no tap.
    expect(page.locator("#position-status")).to_have_text("Location recorded, to within 15 m.")
    expect(page.get_by_role("link", name="Open in maps")).to_have_attribute(
        "href", re.compile(r"^geo:0,0\?q=")
    )
    expect(page.locator("#record-contacts a[href^='tel:']").first).to_be_visible()
    page.get_by_label("No answer").check()
    expect(page.locator("#completion-warning")).to_be_visible()
    page.get_by_label("I left a letter").check()
    expect(page.locator("#completion-warning")).to_be_hidden()
    # One of this case's letters (the demo printed one for the visit): a made-up reference
    # would be kept but would not complete the visit.
    page.locator("#letter-choices input").first.check()
    letter_reference = page.get_by_label("Letter reference").input_value()
    assert letter_reference.startswith("FV-")
    page.set_input_files(
        "#photo-input",
        files=[{"name": "letter.jpg", "mimeType": "image/jpeg", "buffer": photo_of_a_letter()}],
    )
    expect(page.locator("#photo-list img")).to_have_count(1)
    page.get_by_role("button", name="Add a neighbour enquiry").click()
    page.get_by_label("Which neighbour").fill("Number 14, next door")
    page.get_by_label("Who you spoke to (optional)").fill("Mr Green")
    page.get_by_label("What they said").fill("The family moved out last weekend.")
    page.get_by_label("Notes (optional)").fill("Post piled up behind the door.")
    axe_check(page)
    page.get_by_role("button", name="Save visit").click()
    outbox = page.locator("#outbox-list .fv-card")
    expect(outbox).to_have_count(1)
    expect(outbox.first).to_contain_text("Waiting to send")
    page.close()

    reopened = context.new_page()  # the app closed and opened again, still offline
    reopened.goto("/app/#outbox")
    expect(reopened.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")
    expect(reopened.locator("#status-text")).to_contain_text("1 waiting: cannot reach fieldvisit")

    context.set_offline(False)  # the `online` event sends the outbox
    expect(reopened.locator("#outbox-list .fv-card").first).to_contain_text(
        "Synced", timeout=SYNC_SECONDS
    )
    expect(reopened.locator("#status-text")).to_contain_text("All sent")
    for _ in range(2):  # retried syncs make no duplicate
        reopened.get_by_role("button", name="Sync now").click()
    expect(reopened.locator("#sync-message")).not_to_contain_text("Sending")
    context.close()

    school = browser.new_context(base_url=base_url)
    page = school.new_page()
    sign_in(page, "school@demo.test", next_path="/")
    case_id = int(reference.lstrip("C"))
    page.goto(f"/cases/{case_id}/visits")
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("No answer")
    expect(cards.first).to_contain_text("Completed")
    expect(cards.first).to_contain_text(letter_reference)
    expect(cards.first).to_contain_text("Number 14, next door")
    expect(cards.first).to_contain_text("(to within 15 m)")
    thumbnail = cards.first.locator("img.fv-photo-thumb")
    expect(thumbnail).to_have_count(1)
    width = thumbnail.evaluate(
        """(img) => img.complete ? img.naturalWidth : new Promise((resolve) =>
            img.addEventListener("load", () => resolve(img.naturalWidth), { once: true }))"""
    )
    assert width == 320
    photo_url = cards.first.locator(".fv-photo-list a").get_attribute("href")
    photo = page.request.get(photo_url)
    assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(photo.body())).size == (1600, 1200)
    axe_check(page)

    page.goto(f"/cases/{case_id}")
    expect(page.locator(".fv-actions")).to_contain_text("Submit the CME referral")
    expect(page.locator("#blocked-actions li", has_text="Submit the CME referral")).to_have_count(0)
    expect(page.locator(".moj-timeline").first).to_contain_text(
        "The family moved out last weekend."
    )
    school.close()


def test_a_session_that_ends_while_offline_loses_nothing(browser: Browser, base_url: str) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    context.set_offline(True)
    page.reload()
    reference = record_visit(page, "Visit and leave the letter.")
    page.get_by_label("Spoke to parent or carer").check()
    page.get_by_label("Notes (optional)").fill("Mother says he is staying with his father.")
    page.get_by_role("button", name="Save visit").click()
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

    context.clear_cookies()  # the session ends while the phone has no signal
    context.set_offline(False)
    expect(page.locator("#banner")).to_contain_text("You are signed out", timeout=SYNC_SECONDS)
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")
    page.reload()
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

    page.get_by_role("link", name="Sign in again").click()
    page.fill("#email", "officer@demo.test")
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/**")
    page.goto("/app/#outbox")
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text(
        "Synced", timeout=SYNC_SECONDS
    )
    context.close()

    school = browser.new_context(base_url=base_url)
    page = school.new_page()
    sign_in(page, "school@demo.test", next_path="/")
    page.goto(f"/cases/{int(reference.lstrip('C'))}/visits")
    expect(page.locator(".govuk-summary-card").first).to_contain_text(
        "Mother says he is staying with his father."
    )
    school.close()


def test_signing_out_waits_for_the_outbox_then_wipes_the_phone(
    browser: Browser, base_url: str, axe_check
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    context.set_offline(True)
    page.reload()
    card = page.locator("#visit-list .fv-card").first
    card.get_by_role("button", name=re.compile("Record")).click()
    page.get_by_label("No answer").check()
    page.get_by_label("Notes (optional)").fill("Typed while the signal came and went.")
    context.set_offline(False)  # the app downloads and syncs, but leaves the form alone
    page.wait_for_load_state("networkidle")
    expect(page.get_by_label("Notes (optional)")).to_have_value(
        "Typed while the signal came and went."
    )
    expect(page.get_by_label("No answer")).to_be_checked()
    context.set_offline(True)
    page.get_by_role("button", name="Save visit").click()
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

    page.get_by_role("link", name="Sign out").click()
    expect(page.locator("#signout-blocked")).to_contain_text(
        "1 visit recorded on this phone has not reached fieldvisit"
    )
    expect(page.get_by_role("button", name="Sign out and delete")).to_be_hidden()
    axe_check(page)

    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_role("button", name="Sign out and delete")).to_be_visible(
        timeout=SYNC_SECONDS
    )
    page.get_by_role("button", name="Sign out and delete").click()
    page.wait_for_url("**/login")
    left = page.evaluate(
        """async () => ({
            databases: (await indexedDB.databases()).map((d) => d.name),
            caches: await caches.keys(),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
        })"""
    )
    assert left == {"databases": [], "caches": [], "workers": 0}
    assert page.request.get("/api/v1/session").status == 401
    context.close()


def test_a_visit_the_server_refuses_is_kept_and_fixed_by_the_officer(
    browser: Browser, base_url: str, axe_check
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    # An older version of the app let an enquiry through without saying which neighbour.
    page.evaluate(
        """async () => {
            const outbox = await import("/static/vendor/pwa/outbox.js");
            const [assignment] = await (await import("/static/vendor/pwa/db.js")).allAssignments();
            await outbox.save({ assignment, photos: [], payload: {
                case_id: assignment.case_id,
                arrived_at: new Date(Date.now() - 3600000).toISOString(),
                outcome: "no_answer", position: null, letter_left: false, letter_reference: "",
                neighbour_enquiries: [{ neighbour: " ", spoke_to: "", said: "Saw nobody." }],
                notes: "", concern: false, concern_details: "",
            } });
        }"""
    )
    page.goto("/app/#outbox")
    page.get_by_role("button", name="Sync now").click()
    card = page.locator("#outbox-list .fv-card").first
    expect(card).to_contain_text("Needs your attention", timeout=SYNC_SECONDS)
    expect(card).to_contain_text("Neighbour enquiry 1: Say which neighbour")
    axe_check(page)
    card.get_by_role("button", name="Fix this visit").click()
    expect(page.locator("#record-errors")).to_contain_text("Say which neighbour")
    neighbour = page.locator("#enquiry-0-neighbour")
    expect(neighbour.locator("xpath=..")).to_have_class(re.compile("govuk-form-group--error"))
    expect(page.locator("#enquiry-0-said")).to_have_value("Saw nobody.")
    neighbour.fill("Number 3")
    page.get_by_role("button", name="Save visit").click()
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text(
        "Synced", timeout=SYNC_SECONDS
    )
    context.close()


def test_a_letters_qr_link_or_reference_opens_the_visit_with_that_letter(
    browser: Browser, base_url: str
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    letter = {"reference": "FV-2026-000123", "title": "Sorry we missed you", "qr_token": "t0k-EN_1"}
    matches = page.evaluate(
        """async (letter) => {
            const { matchLetter } = await import("/static/vendor/pwa/scan.js");
            return [
                `${location.origin}/l/${letter.qr_token}`, letter.reference, "https://x.test/l/other",
            ].map((value) => matchLetter(value, [letter])?.reference ?? null);
        }""",
        letter,
    )
    assert matches == [letter["reference"], letter["reference"], None]
    # The letters domain fills each visit's letters; give the first visit one, as it would.
    page.evaluate(
        """async (letter) => {
            const db = await import("/static/vendor/pwa/db.js");
            const visits = await db.allAssignments();
            visits[0].letters = [letter];
            await db.replaceAssignments(visits);
        }""",
        letter,
    )
    page.goto(f"/app/#letter/{letter['reference']}")
    expect(page.locator("#page-record")).to_be_visible()
    expect(page.get_by_label("I left a letter")).to_be_checked()
    expect(page.get_by_label("Letter reference")).to_have_value(letter["reference"])
    expect(page.get_by_label("Sorry we missed you (FV-2026-000123)")).to_be_visible()
    context.close()


@pytest.fixture(autouse=True)
def _no_service_worker_leaks(browser: Browser) -> None:
    """Each test makes its own contexts; none is left open for the next."""
    yield
    for context in browser.contexts:
        context.close()


def test_a_letters_qr_code_scanned_offline_opens_its_visit_from_the_phone(
    browser: Browser, base_url: str
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    visits = page.request.get("/api/v1/visits/assigned").json()["visits"]
    letter = next(
        letter for visit in visits for letter in visit["letters"] if letter.get("qr_token")
    )
    page.wait_for_function(
        """async () =>
            (await navigator.serviceWorker.getRegistration("/l/"))?.active?.state === "activated"
        """
    )
    context.set_offline(True)
    page.close()
    # As the phone's camera app would: the letter's link opened in a new tab of the browser.
    page = context.new_page()
    page.goto(f"{base_url}/l/{letter['qr_token']}")
    expect(page.locator("#page-record")).to_be_visible()
    expect(page.get_by_label("Letter reference")).to_have_value(letter["reference"])

    page.goto(f"{base_url}/l/not-a-letter-on-this-phone")
    expect(page.get_by_role("heading", level=1)).to_have_text("This letter is not on this phone")
    page.get_by_role("link", name="Open the visits on this phone").click()
    expect(page.locator("#visit-list .fv-card").first).to_be_visible()
    context.close()


def test_a_qr_code_is_read_where_the_browser_has_no_barcode_detector(
    browser: Browser, base_url: str
) -> None:
    context = phone(browser, base_url)
    context.add_init_script("delete globalThis.BarcodeDetector;")
    page = open_app_as_officer(context)
    link = f"{base_url}/l/Qr-Token_123"
    image = io.BytesIO()
    qrcode.make(link).save(image, "PNG")
    read = page.evaluate(
        """async (png) => {
            const { qrDetector } = await import("/static/vendor/pwa/scan.js");
            const detector = await qrDetector();
            const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
            const blob = new Blob([bytes], { type: "image/png" });
            const codes = await detector.detect(await createImageBitmap(blob));
            return codes.map((code) => code.rawValue);
        }""",
        base64.b64encode(image.getvalue()).decode(),
    )
    assert read == [link]
    context.close()
