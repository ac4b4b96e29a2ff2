"""The officer's phone in the browser tests: a 360 px context with service workers and a
position, signed in to the app, and the steps of recording a visit."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page, expect

PASSWORD = "fieldvisit-demo"
SYNC_SECONDS = 30_000


def photo_of_a_letter() -> bytes:
    """A camera-sized JPEG, bigger than the 1600 px the phone keeps."""
    out = io.BytesIO()
    Image.new("RGB", (2400, 1800), (240, 240, 230)).save(out, "JPEG", quality=90)
    return out.getvalue()


def sign_in(page: Page, email: str, next_path: str = "/app/") -> None:
    page.goto(f"/login?next={next_path}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def phone(browser: Browser, base_url: str) -> BrowserContext:
    """A phone: service workers allowed, a position to give when the app asks."""
    context = browser.new_context(
        base_url=base_url, service_workers="allow", viewport={"width": 360, "height": 740}
    )
    context.set_geolocation({"latitude": 52.2053, "longitude": 0.1218, "accuracy": 15})
    context.grant_permissions(["geolocation"], origin=base_url)
    return context


def open_app_as_officer(context: BrowserContext) -> Page:
    page = context.new_page()
    sign_in(page, "officer@demo.test")
    page.wait_for_url("**/app/**")
    expect(page.locator("#visit-list .fv-card").first).to_be_visible()
    # The shell is precached once the service worker controls the page.
    page.evaluate(
        """async () => {
            if (navigator.serviceWorker.controller) return;
            const worker = navigator.serviceWorker;
            await new Promise((resolve) =>
                worker.addEventListener("controllerchange", resolve, { once: true }));
        }"""
    )
    return page


def record_visit(page: Page, card_text: str) -> str:
    """Open the visit whose card shows `card_text`; return the case reference shown."""
    card = page.locator("#visit-list .fv-card", has_text=card_text).first
    card.get_by_role("button", name=re.compile("Record visit")).click()
    expect(page.locator("#record-heading")).to_contain_text("Visit for")
    return page.locator("#record-caption").inner_text().split(" ")[0]
