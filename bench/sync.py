"""Push 500 visits through the real sync endpoint and compare with direct inserts.

The app is served by waitress on loopback; a client signs in through /login, takes the CSRF
token from /api/v1/session and posts the visits (two neighbour enquiries each) in batches
of 50. In the same run, the same rows (visits, enquiries, chronology entries, audit rows)
are inserted straight through SQLAlchemy as the baseline. Prints visits per second and the
ratio (goal: within 2x), on SQLite and on a throwaway PostgreSQL.

    python bench/sync.py [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import logging
import re
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select
from waitress.server import create_server

from fieldvisit import create_app
from fieldvisit.accounts.models import User
from fieldvisit.accounts.services import create_user
from fieldvisit.cases.services import open_case
from fieldvisit.chronology.models import ChronologyEntry, Method
from fieldvisit.chronology.services import entry_hash
from fieldvisit.core.audit import AuditEvent
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from fieldvisit.core.permissions import Role
from fieldvisit.core.upn import make_upn
from fieldvisit.models import Case, metadata
from fieldvisit.pupils.models import Pupil, Sex
from fieldvisit.schools.models import LocalAuthority, School, Term
from fieldvisit.visits.models import (
    HomeVisit,
    NeighbourEnquiry,
    VisitAssignment,
    VisitOutcome,
)
from tests.support.visits import visit_item

VISITS = 500
BATCH = 50
CASES = 50
PASSWORD = "bench-password-123"
GOAL = 2.0


def seed(prefix: str, upn_year: int) -> list[int]:
    """Create an LA, a school, a school user, the officer and cases assigned to them."""
    session = db.session
    today = date.today()
    school = session.scalar(select(School).where(School.urn == "999001"))
    if school is None:
        la = LocalAuthority(name="Bench County", la_code="999")
        session.add(la)
        session.flush()
        session.add(
            Term(
                local_authority_id=la.id,
                name="Bench term",
                starts_on=today - timedelta(days=60),
                ends_on=today + timedelta(days=60),
            )
        )
        school = School(
            local_authority_id=la.id, name="Bench School", urn="999001", la_code="999", estab="1001"
        )
        session.add(school)
        session.flush()
    staff = create_user(
        session,
        email=f"{prefix}school@bench.test",
        name="Bench School",
        password=PASSWORD,
        roles={Role.SCHOOL},
        school=school,
    )
    officer = create_user(
        session,
        email=f"{prefix}officer@bench.test",
        name="Bench Officer",
        password=PASSWORD,
        roles={Role.OFFICER},
    )
    case_ids = []
    for serial in range(CASES):
        pupil = Pupil(
            school_id=school.id,
            upn=make_upn("999", "1001", f"{upn_year:02d}", f"{serial:03d}"),
            forename="Bench",
            surname=f"Pupil{serial}",
            date_of_birth=date(2016, 1, 1),
            sex=Sex.FEMALE,
            address_lines=[f"{serial} Bench Road", "Benchtown"],
            postcode="CB1 1AA",
        )
        session.add(pupil)
        session.flush()
        case = open_case(session, staff, pupil, today - timedelta(days=3), today=today)
        session.add(
            VisitAssignment(
                case_id=case.id,
                officer_id=officer.id,
                assigned_by_id=staff.id,
                assigned_at=utcnow(),
            )
        )
        case_ids.append(case.id)
    session.commit()
    return case_ids


class Browser:
    """A cookie-keeping HTTP client that signs in like the phone does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = ""

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        req = urllib.request.Request(
            self.base + path, data=body, method=method, headers=headers or {}
        )
        with self.opener.open(req, timeout=120) as response:
            return response.status, response.read()

    def sign_in(self, email: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        form = urllib.parse.urlencode(
            {"email": email, "password": PASSWORD, "csrf_token": token.group(1).decode()}
        )
        self.request(
            "POST", "/login", form.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
        )
        _, session = self.request("GET", "/api/v1/session")
        self.token = json.loads(session)["csrf_token"]

    def post_json(self, path: str, body: dict) -> dict:
        _, data = self.request(
            "POST",
            path,
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": self.token},
        )
        return json.loads(data)


@contextmanager
def served(app):
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.task_dispatcher.shutdown(cancel_pending=False, timeout=10)
        server.close()
        thread.join(timeout=5)


def through_http(app, case_ids: list[int], prefix: str) -> float:
    payloads = [visit_item(case_ids[i % len(case_ids)]) for i in range(VISITS)]
    with served(app) as base:
        browser = Browser(base)
        browser.sign_in(f"{prefix}officer@bench.test")
        started = time.perf_counter()
        for start in range(0, VISITS, BATCH):
            results = browser.post_json(
                "/api/v1/visits/batch", {"visits": payloads[start : start + BATCH]}
            )
            statuses = {r["status"] for r in results["results"]}
            assert statuses == {"created"}, results["results"][0]
        return time.perf_counter() - started


def baseline(case_ids: list[int], officer_email: str) -> float:
    """Insert the rows the endpoint writes, straight through the ORM, committing per batch."""
    session = db.session
    officer = session.scalar(select(User).where(User.email == officer_email))
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    heads = {}
    for case_id in case_ids:
        last = session.execute(
            select(ChronologyEntry.seq, ChronologyEntry.hash)
            .where(ChronologyEntry.case_id == case_id)
            .order_by(ChronologyEntry.seq.desc())
            .limit(1)
        ).one()
        heads[case_id] = (last.seq, last.hash)
    started = time.perf_counter()
    for start in range(0, VISITS, BATCH):
        for i in range(start, start + BATCH):
            case_id = case_ids[i % len(case_ids)]
            data = visit_item(case_id)
            now = utcnow()
            visit = HomeVisit(
                client_uuid=uuid.UUID(data["client_uuid"]),
                case_id=case_id,
                officer_id=officer.id,
                arrived_at=now - timedelta(hours=1),
                outcome=VisitOutcome.NO_ANSWER,
                latitude=52.2053,
                longitude=0.1218,
                accuracy_m=9.0,
                letter_left=True,
                letter_reference=data["letter_reference"],
                notes=data["notes"],
                received_at=now,
                neighbour_enquiries=[
                    NeighbourEnquiry(position=n, **e)
                    for n, e in enumerate(data["neighbour_enquiries"], start=1)
                ],
            )
            session.add(visit)
            for kind in (
                "home_visit",
                "neighbour_enquiry",
                "neighbour_enquiry",
                "letter_delivered",
            ):
                seq, prev = heads[case_id]
                entry = ChronologyEntry(
                    case_id=case_id,
                    seq=seq + 1,
                    kind=kind,
                    method=Method.VISIT,
                    occurred_at=visit.arrived_at,
                    recorded_at=now,
                    actor_id=officer.id,
                    target="1 Bench Road",
                    summary=kind,
                    note="",
                    details={},
                    prev_hash=prev,
                )
                entry.hash = entry_hash(entry)
                session.add(entry)
                heads[case_id] = (seq + 1, entry.hash)
            session.add(
                AuditEvent(at=now, user_id=officer.id, action="create", object_type="home_visit")
            )
            cases[case_id].chronology_head = heads[case_id][1]
        session.commit()
    return time.perf_counter() - started


def measure(url: str, label: str, rounds: int) -> float:
    """Time both ways `rounds` times on fresh cases and keep the best of each (the machine
    is shared, so the best run is the one least disturbed)."""
    http_times, direct_times = [], []
    with tempfile.TemporaryDirectory() as instance:
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": instance,
                "STORAGE": f"{instance}/storage",
                "SECRET_KEY": "bench-secret",
                "SESSION_COOKIE_SECURE": False,
                "MAIL_BACKEND": "memory",
            }
        )
        logging.getLogger().setLevel(logging.WARNING)  # a log line per visit would drown this
        with app.app_context():
            metadata.drop_all(db.engine)
            metadata.create_all(db.engine)
        for round_ in range(rounds):
            with app.app_context():
                http_cases = seed(f"http{round_}-", 2 * round_)
            http_times.append(through_http(app, http_cases, f"http{round_}-"))
            with app.app_context():
                direct_cases = seed(f"direct{round_}-", 2 * round_ + 1)
                direct_times.append(baseline(direct_cases, f"direct{round_}-officer@bench.test"))
        with app.app_context():
            db.engine.dispose()
    http_seconds, direct_seconds = min(http_times), min(direct_times)
    ratio = http_seconds / direct_seconds
    verdict = "within" if ratio <= GOAL else "OVER"
    print(
        f"{label:<10} HTTP sync {VISITS / http_seconds:7.1f} visits/s | direct SQLAlchemy "
        f"{VISITS / direct_seconds:7.1f} visits/s | ratio {ratio:.2f}x "
        f"({verdict} the {GOAL:.0f}x goal; best of {rounds})"
    )
    return ratio


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{VISITS} visits with 2 neighbour enquiries each, batches of {BATCH}, over {CASES} cases"
    )
    with ExitStack() as stack:
        if args.db in ("sqlite", "both"):
            folder = stack.enter_context(tempfile.TemporaryDirectory())
            measure(f"sqlite:///{folder}/bench.db", "SQLite", args.rounds)
        if args.db in ("postgresql", "both"):
            from tests.support.pg import throwaway_postgres

            try:
                url = stack.enter_context(throwaway_postgres())
            except RuntimeError as error:
                print(f"PostgreSQL skipped: {error}")
            else:
                measure(url, "PostgreSQL", args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
