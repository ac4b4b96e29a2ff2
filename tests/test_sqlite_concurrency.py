"""An office on the SQLite default: 20 people at once, pages, PDFs, contact logs and visit
syncs, through a real server: no request fails."""

from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.support.live_server import LiveServer, csrf_token, live_server

pytestmark = pytest.mark.skipif(
    os.environ.get("FIELDVISIT_TEST_DB") == "postgresql",
    reason="runs against the SQLite default; the PostgreSQL run covers the rest",
)

CLIENTS_PER_ROLE = 10
ROUNDS = 3
ACTIVE = ("first_day", "no_contact", "locating", "referred", "joint_enquiries", "off_roll")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory):
    with live_server(tmp_path_factory.mktemp("office"), "--threads", "8") as server:
        yield server


def school_cases(server: LiveServer) -> list[int]:
    with sqlite3.connect(server.database) as db:
        rows = db.execute(
            "SELECT cases.id FROM cases JOIN users ON users.school_id = cases.school_id "
            f"WHERE users.email = 'school@demo.test' AND state IN {ACTIVE} ORDER BY cases.id"
        )
        return [row[0] for row in rows]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.failures: list[str] = []

    def check(self, what: str, response: requests.Response, *expected: int) -> requests.Response:
        with self.lock:
            self.statuses[f"{what} {response.status_code}"] += 1
            if response.status_code not in expected:
                self.failures.append(f"{what}: {response.status_code} {_problem(response.text)}")
        return response


def school_user(server: LiveServer, case_id: int, tally: Tally) -> None:
    http = server.sign_in("school@demo.test")
    for _ in range(ROUNDS):
        tally.check("dashboard", http.get(f"{server.url}/", timeout=60), 200)
        tally.check("case page", http.get(f"{server.url}/cases/{case_id}", timeout=60), 200)
        pdf = http.get(f"{server.url}/cases/{case_id}/chronology.pdf", timeout=120)
        tally.check("chronology pdf", pdf, 200)
        assert pdf.content.startswith(b"%PDF")
        form_url = f"{server.url}/cases/{case_id}/contacts/new"
        form = tally.check("contact form", http.get(form_url, timeout=60), 200).text
        now = datetime.now(UTC) - timedelta(minutes=5)
        fields = {
            "csrf_token": csrf_token(form),
            "expected_version": _hidden(form, "expected_version"),
            "method": "phone",
            "target": "other",
            "target_other": "07700 900123",
            "contact_name": "",
            "occurred_on-day": str(now.day),
            "occurred_on-month": str(now.month),
            "occurred_on-year": str(now.year),
            "occurred_time": now.strftime("%H:%M"),
            "contact_made": "no",
            "note": "No answer; voicemail full.",
        }
        response = http.post(form_url, data=fields, timeout=60, allow_redirects=False)
        if response.status_code == 400 and "changed by someone else" in response.text:
            what = "log contact: case changed meanwhile"  # told so, what was typed kept
            tally.check(what, response, 400)
        else:
            tally.check("log contact", response, 302)


def _problem(html: str) -> str:
    """Return the error summary of a page, or the start of the body."""
    import re

    found = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)) if found else html[:200]


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def officer(server: LiveServer, tally: Tally, sent: list[str]) -> None:
    http = server.sign_in("officer@demo.test")
    session = tally.check("api session", http.get(f"{server.url}/api/v1/session", timeout=60), 200)
    headers = {"X-CSRFToken": session.json()["csrf_token"]}
    for _ in range(ROUNDS):
        assigned = http.get(f"{server.url}/api/v1/visits/assigned", timeout=60)
        case_ids = [v["case_id"] for v in tally.check("assigned", assigned, 200).json()["visits"]]
        items = [
            {
                "client_uuid": str(uuid.uuid4()),
                "schema_version": 1,
                "case_id": case_id,
                "arrived_at": (datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
                "outcome": "no_answer",
                "letter_left": False,
                "notes": "Nobody in.",
            }
            for case_id in case_ids[:2]
        ]
        response = http.post(
            f"{server.url}/api/v1/visits/batch", json={"visits": items}, headers=headers, timeout=60
        )
        results = tally.check("visit batch", response, 200).json()["results"]
        with tally.lock:
            sent.extend(r["client_uuid"] for r in results if r["status"] == "created")
        tally.check("app shell", http.get(f"{server.url}/app/", timeout=60), 200)


def test_twenty_people_at_once_on_the_sqlite_default(office: LiveServer) -> None:
    tally, sent = Tally(), []
    cases = school_cases(office)
    threads = [
        threading.Thread(target=school_user, args=(office, cases[n % len(cases)], tally))
        for n in range(CLIENTS_PER_ROLE)
    ] + [threading.Thread(target=officer, args=(office, tally, sent)) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert tally.failures == [], f"{len(tally.failures)} failed: {tally.failures[:5]}"
    assert sum(tally.statuses.values()) >= CLIENTS_PER_ROLE * ROUNDS * 8
    with sqlite3.connect(office.database) as db:
        stored = {row[0] for row in db.execute("SELECT client_uuid FROM home_visits")}
    assert {u.replace("-", "") for u in sent} <= {s.replace("-", "") for s in stored}
    office.cli("verify-chronology")
