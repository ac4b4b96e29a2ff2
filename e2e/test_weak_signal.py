"""The phone app on a weak signal: it sends by itself through failures, wrong answers and
slow ones, and no visit, however big, and no number of visits blocks the others."""

from __future__ import annotations

import io
import re
import sqlite3
import time

from phone import SYNC_SECONDS, open_app_as_officer, phone
from PIL import Image
from playwright.sync_api import Browser, Route, expect

from tests.faults.proxy import FaultProxy

ARRIVES_WITHIN_MS = 120_000


def saved_offline_visit(page, notes: str) -> None:
    """Record a visit nobody answered, two hours ago, on the last visit card; save it."""
    page.locator("#visit-list .fv-card").last.get_by_role("button", name="Record").click()
    page.evaluate(
        """() => {
            const offset = new Date().getTimezoneOffset() * 60_000;
            const then = new Date(Date.now() - 2 * 3600_000 - offset);
            document.querySelector("#arrived_at").value = then.toISOString().slice(0, 16);
        }"""
    )
    page.get_by_label("No answer").check()
    page.get_by_label("Notes (optional)").fill(notes)
    page.get_by_role("button", name="Save visit").click()
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")


def test_a_visit_arrives_by_itself_through_a_weak_signal(browser: Browser, base_url: str) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    context.set_offline(True)
    saved_offline_visit(page, "Lie-fi: recorded with one bar of signal.")

    signal = {"mode": "dropping"}

    def weak(route: Route) -> None:
        if signal["mode"] == "dropping":
            route.abort("connectionreset")
        elif signal["mode"] == "captive portal":
            route.fulfill(status=200, content_type="text/html", body="<h1>Sign in to Wi-Fi</h1>")
        elif signal["mode"] == "slow":
            time.sleep(2)
            route.continue_()
        else:
            route.continue_()

    context.route("**/api/v1/**", weak)
    online_at = time.monotonic()
    context.set_offline(False)  # the phone says it is online; the connection is not
    status = page.locator("#status-text")
    expect(status).to_contain_text("1 waiting: cannot reach fieldvisit, trying again")
    expect(page.locator("#status-countdown")).to_contain_text(" s")
    page.wait_for_timeout(6_000)
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

    signal["mode"] = "captive portal"  # 200 answers that are not fieldvisit's: nothing settles
    expect(status).to_contain_text("a wrong answer came back", timeout=30_000)
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

    signal["mode"] = "slow"
    card = page.locator("#outbox-list .fv-card").first
    remaining = ARRIVES_WITHIN_MS - (time.monotonic() - online_at) * 1000
    expect(card).to_contain_text("Synced", timeout=max(1, remaining))
    signal["mode"] = "good"
    expect(status).to_contain_text("All sent")
    context.close()


def tiny_jpeg(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (shade, 90, 90)).save(out, "JPEG")
    return out.getvalue()


def test_a_big_visit_is_stopped_in_the_form_and_many_visits_all_arrive(
    browser: Browser, base_url: str
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    limits = page.request.get("/api/v1/session").json()["limits"]
    photos = limits["photos_per_visit"]

    page.locator("#visit-list .fv-card").last.get_by_role("button", name="Record").click()
    for shade in range(photos + 1):
        page.set_input_files(
            "#photo-input",
            files=[{"name": f"{shade}.jpg", "mimeType": "image/jpeg", "buffer": tiny_jpeg(shade)}],
        )
    expect(page.locator("#photo-list img")).to_have_count(photos)
    expect(page.locator("#photos-error")).to_contain_text(f"at most {photos} photos")
    page.goto("/app/#visits")

    # Visits waiting from a long day without signal: more than one manifest and many batches.
    count = limits["manifest_max_visits"] + 1
    page.evaluate(
        """async (count) => {
            const outbox = await import("/static/vendor/pwa/outbox.js");
            const db = await import("/static/vendor/pwa/db.js");
            const assignments = await db.allAssignments();
            const assignment = assignments[assignments.length - 1];
            const arrived = new Date(Date.now() - 3 * 3600_000).toISOString();
            for (let n = 0; n < count; n += 1) {
                await outbox.save({ assignment, photos: [], payload: {
                    case_id: assignment.case_id, arrived_at: arrived, outcome: "no_answer",
                    position: null, letter_left: false, letter_reference: "",
                    neighbour_enquiries: [], notes: `Visit ${n} of a long day.`,
                    concern: false, concern_details: "",
                } });
            }
            // One that the server refuses: it is marked alone and the others go on.
            await outbox.save({ assignment, photos: [], payload: {
                case_id: assignment.case_id, arrived_at: arrived, outcome: "no_answer",
                position: null, letter_left: false, letter_reference: "",
                neighbour_enquiries: [{ neighbour: " ", spoke_to: "", said: "" }],
                notes: "", concern: false, concern_details: "",
            } });
        }""",
        count,
    )
    page.goto("/app/#outbox")
    page.reload()  # the app starts and sends, with no tap
    expect(page.locator("#status-text")).to_contain_text(
        re.compile(r"All sent, \d\d:\d\d · 1 needs your attention"), timeout=SYNC_SECONDS * 4
    )
    statuses = page.evaluate(
        """async () => {
            const outbox = await import("/static/vendor/pwa/outbox.js");
            return (await outbox.all()).map((r) => r.status);
        }"""
    )
    assert statuses.count("synced") == count
    assert statuses.count("attention") == 1
    context.close()


def test_a_phone_restart_keeps_the_officer_signed_in_and_the_visit_goes(
    browser: Browser, base_url: str
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    context.set_offline(True)
    saved_offline_visit(page, "Recorded just before the phone ran out of battery.")
    # The phone restarts: the browser keeps its persistent cookies and its storage, and
    # forgets cookies that last only as long as the browser runs.
    state = context.storage_state(indexed_db=True)
    state["cookies"] = [c for c in state["cookies"] if c.get("expires", -1) > 0]
    assert any(c["name"] == "session" for c in state["cookies"])
    context.close()

    restarted = browser.new_context(
        base_url=base_url,
        service_workers="allow",
        viewport={"width": 360, "height": 740},
        storage_state=state,
    )
    page = restarted.new_page()
    page.goto("/app/#outbox")
    expect(page.locator("#outbox-list .fv-card").first).to_contain_text(
        "Synced", timeout=SYNC_SECONDS
    )
    expect(page.locator("#status-text")).to_contain_text("All sent")
    restarted.close()


def test_a_new_version_waits_for_the_form_and_loses_nothing(
    browser: Browser, base_url: str
) -> None:
    # A browser fetches a service worker's script itself, past Playwright's routing: a new
    # release is played by a proxy in front of the server that changes the script's bytes.
    release = {"next": False}

    def deploy(path: str, body: bytes) -> bytes:
        if release["next"] and path.startswith("/app/sw.js"):
            return body.replace(b"const VERSION = ", b'const VERSION = "next-" + ')
        return body

    with FaultProxy(base_url, rewrite=deploy) as proxy:
        context = phone(browser, proxy.url)
        page = open_app_as_officer(context)
        context.route("**/api/v1/**", lambda route: route.abort("connectionreset"))
        saved_offline_visit(page, "Saved just before the app was updated.")

        release["next"] = True
        page.goto("/app/#visits")
        page.locator("#visit-list .fv-card").last.get_by_role("button", name="Record").click()
        page.get_by_label("Notes (optional)").fill("Half-typed when the update arrived.")
        page.evaluate(
            """async () => {
                const registration = await navigator.serviceWorker.getRegistration("/app/");
                await registration.update();
                const until = Date.now() + 30_000;
                while (!registration.waiting && Date.now() < until) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                }
                if (!registration.waiting) throw new Error("the new version did not install");
            }"""
        )
        expect(page.locator("#update-ready")).to_be_hidden()  # never while a form is open
        expect(page.get_by_label("Notes (optional)")).to_have_value(
            "Half-typed when the update arrived."
        )

        page.goto("/app/#outbox")
        expect(page.locator("#update-ready")).to_contain_text("A new version is ready")
        page.get_by_role("button", name="Reload").click()
        page.wait_for_function(
            """async () => {
                const names = await caches.keys();
                return names.length === 1 && names[0].startsWith("fieldvisit-shell-next-");
            }"""
        )
        expect(page.locator("#outbox-list .fv-card").first).to_contain_text("Waiting to send")

        context.unroute("**/api/v1/**")
        page.get_by_role("button", name="Sync now").click()
        expect(page.locator("#outbox-list .fv-card").first).to_contain_text(
            "Synced", timeout=SYNC_SECONDS
        )
        context.close()


def test_a_disabled_officers_phone_forgets_the_children_and_keeps_the_visit(
    browser: Browser, base_url: str, live_server_env: dict[str, str]
) -> None:
    context = phone(browser, base_url)
    page = open_app_as_officer(context)
    context.route("**/api/v1/**", lambda route: route.abort("connectionreset"))
    saved_offline_visit(page, "Recorded the day the account was disabled.")
    database = live_server_env["FIELDVISIT_DATABASE_URL"].removeprefix("sqlite:///")

    def set_active(active: bool) -> None:
        with sqlite3.connect(database) as connection:
            connection.execute(
                "UPDATE users SET active = ? WHERE email = 'officer@demo.test'", (active,)
            )

    set_active(False)
    try:
        context.unroute("**/api/v1/**")
        page.goto("/app/#visits")
        expect(page.locator("body")).to_contain_text("This account has been disabled")
        expect(page.locator("#visit-list .fv-card")).to_have_count(0)
        kept = page.evaluate(
            """async () => {
                const outbox = await import("/static/vendor/pwa/outbox.js");
                const db = await import("/static/vendor/pwa/db.js");
                const records = await outbox.all();
                return {
                    visits: records.map((r) => r.payload.notes),
                    names: records.map((r) => r.pupil_name ?? ""),
                    downloaded: (await db.allAssignments()).length,
                };
            }"""
        )
        assert kept["visits"] == ["Recorded the day the account was disabled."]
        assert kept["names"] == ["A child"] and kept["downloaded"] == 0
    finally:
        set_active(True)
    context.close()
