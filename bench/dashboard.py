"""Benchmark the school dashboard: how its cost grows with the number of cases.

Run: python bench/dashboard.py [open cases, default 2000]

Builds a baseline school with 100 open cases and a large one with N open cases
plus five times as many closed ones (on a temporary SQLite file), then times
the dashboard query and the whole page, and counts SQL statements. It prints
each measurement against the baseline measured in the same run.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, insert  # noqa: E402

from fieldvisit import create_app  # noqa: E402
from fieldvisit.accounts.models import User  # noqa: E402
from fieldvisit.cases import services  # noqa: E402
from fieldvisit.cases.dashboard import Filters, dashboard  # noqa: E402
from fieldvisit.cases.models import Case, CaseState, Outcome  # noqa: E402
from fieldvisit.chronology.models import Method  # noqa: E402
from fieldvisit.core.dates import today_in_uk, utcnow  # noqa: E402
from fieldvisit.core.db import db  # noqa: E402
from fieldvisit.core.upn import make_upn  # noqa: E402
from fieldvisit.models import metadata  # noqa: E402
from fieldvisit.schools.models import School  # noqa: E402
from tests.support import factories  # noqa: E402

BASELINE = 100
RUNS = 7


def _fill(session, school: School, user: User, open_cases: int, closed: int) -> None:
    """Open cases through the real services, spread over the last twelve school days.

    A third are triaged as vulnerable; closed cases are inserted in bulk, as
    they only need to be there for the dashboard to pass over them.
    """
    first_days = [factories.first_day_for(session, school, day) for day in range(1, 13)]
    for n in range(open_cases):
        upn = make_upn(school.la_code, school.estab, f"{10 + n // 1000}", f"{n % 1000:03d}")
        pupil = factories.make_pupil(session, school, upn=upn, surname=f"Bench{n:05d}")
        first = first_days[n % 12]
        case = services.open_case(session, user, pupil, first, today=today_in_uk())
        if n % 3 == 0:
            services.log_contact_attempt(
                session,
                user,
                case,
                method=Method.PHONE,
                target="07700 900001",
                contact_name="",
                occurred_at=utcnow(),
                contact_made=False,
            )
            services.record_no_contact(session, user, case)
            services.triage(
                session, user, case, vulnerabilities=["medical"], social_care_involved=False
            )
    if not closed:
        return
    pupil = factories.make_pupil(session, school, surname="Closed")
    now = utcnow()
    session.execute(
        insert(Case),
        [
            {
                "school_id": school.id,
                "pupil_id": pupil.id,
                "state": CaseState.CLOSED,
                "outcome": Outcome.RETURNED,
                "first_day_of_absence": today_in_uk() - timedelta(days=400 + n % 300),
                "opened_by_id": user.id,
                "opened_at": now,
                "updated_at": now,
                "closed_at": now,
                "vulnerabilities": [],
            }
            for n in range(closed)
        ],
    )


def _statements(fn) -> list[str]:
    """Run fn and return the SQL statements it sent."""
    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return statements


def _time(fn) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    large = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    folder = Path(tempfile.mkdtemp(prefix="fieldvisit-dashboard-bench-"))
    try:
        _run(folder, large)
    finally:
        shutil.rmtree(folder)


def _run(folder: Path, large: int) -> None:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "MAIL_BACKEND": "memory",
        }
    )
    with app.app_context():
        metadata.create_all(db.engine)
        session = db.session
        world = factories.make_world(session)
        print(f"Filling: {BASELINE} open cases at one school; {large}, and")
        print(f"{5 * large} closed, at another")
        _fill(session, world.school, world.school_user, BASELINE, 0)
        _fill(session, world.other_school, world.other_school_user, large, 5 * large)
        session.commit()
        today = today_in_uk()
        results = {}
        for name, user in (("baseline", world.school_user), ("large", world.other_school_user)):
            session.expire_all()
            query_time = _time(lambda user=user: dashboard(db.session, user, Filters(), today))
            client = app.test_client()
            client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
            statements = _statements(lambda client=client: client.get("/"))
            page_time = _time(lambda client=client: client.get("/"))
            results[name] = (query_time, page_time, len(statements))
    base, big = results["baseline"], results["large"]
    scale = large / BASELINE
    print(f"{'':28}{'baseline':>12}{'large':>12}{'ratio':>8}   (cases x{scale:.0f})")
    for label, i, unit in (("dashboard rows (ms)", 0, 1000), ("whole page, page 1 (ms)", 1, 1000)):
        print(f"{label:28}{base[i] * unit:12.1f}{big[i] * unit:12.1f}{big[i] / base[i]:8.1f}")
    print(f"{'SQL statements per page':28}{base[2]:12d}{big[2]:12d}{big[2] / base[2]:8.1f}")
    print(f"per open case: {big[0] / large * 1e6:.0f} µs of the dashboard query and ranking")


if __name__ == "__main__":
    main()
