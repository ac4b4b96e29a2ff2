"""Time the LAAO queue and the LA overview at LA scale, on SQLite and PostgreSQL.

Seeds 50,000 cases and 1,000,000 chronology entries (valid hash chains) with
bulk inserts, then times each page through the app (request, queries,
rendering) against bare SQL fetching the same rows, in the same run.

    python bench/la_pages.py                  # both databases
    python bench/la_pages.py --db sqlite --cases 5000 --entries 100000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from fieldvisit import create_app  # noqa: E402
from fieldvisit.accounts.models import User  # noqa: E402
from fieldvisit.cases.models import Case, CaseState, Outcome  # noqa: E402
from fieldvisit.chronology.models import ChronologyEntry, Method  # noqa: E402
from fieldvisit.chronology.services import GENESIS, entry_hash, verify_case  # noqa: E402
from fieldvisit.core.dates import UK_TIME, today_in_uk  # noqa: E402
from fieldvisit.core.db import db  # noqa: E402
from fieldvisit.core.upn import make_upn  # noqa: E402
from fieldvisit.models import metadata  # noqa: E402
from fieldvisit.pupils.models import Pupil, Sex  # noqa: E402
from fieldvisit.referrals.models import Involvement, Referral, ReferralStatus  # noqa: E402
from fieldvisit.schools.models import School  # noqa: E402
from tests.support.factories import PASSWORD, make_school, make_world  # noqa: E402

LAAO_EMAIL = "laao@la.test"  # the tests' world
SCHOOLS = 100
BATCH = 2000
S = CaseState
# (state, share of cases): most cases are history, as in a real LA after a few years.
STATES = [
    (S.CLOSED, 0.70),
    (S.FIRST_DAY, 0.02),
    (S.NO_CONTACT, 0.02),
    (S.LOCATING, 0.10),
    (S.REFERRED, 0.03),
    (S.JOINT_ENQUIRIES, 0.06),
    (S.REMOVAL_AGREED, 0.01),
    (S.OFF_ROLL, 0.06),
]
KINDS = ["log_contact", "log_contact", "tick_checklist", "home_visit", "log_enquiry"]


@contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgresql":
        from tests.support.pg import throwaway_postgres

        with throwaway_postgres() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, clock(hour), UK_TIME).astimezone(UTC)


class Seeder:
    def __init__(self, session, cases: int, entries: int) -> None:
        self.session, self.rng = session, random.Random(6)
        self.cases, self.per_case = cases, max(entries // cases, 2)
        self.today = today_in_uk()
        self.ids = {"referral": 0, "involvement": 0, "entry": 0}

    def run(self) -> None:
        """The tests' LA (its calendar, two schools, a user of every role) and more schools."""
        session = self.session
        world = make_world(session)
        self.schools = [world.school, world.other_school] + [
            make_school(session, world.la, f"School {n:03d}", f"{100000 + n}", f"{2000 + n}")
            for n in range(2, SCHOOLS)
        ]
        self.school_user, self.laao = world.school_user, world.laao
        session.commit()
        for start in range(0, self.cases, BATCH):
            self.batch(start + 1, min(start + BATCH, self.cases))
            session.commit()

    def batch(self, first: int, last: int) -> None:
        rng, today = self.rng, self.today
        pupils, cases, entries, referrals, involvements = [], [], [], [], []
        weights = [w for _, w in STATES]
        for case_id in range(first, last + 1):
            school = self.schools[case_id % SCHOOLS]
            state = rng.choices([s for s, _ in STATES], weights)[0]
            first_day = today - timedelta(
                days=rng.randint(1, 720) if state == S.CLOSED else rng.randint(1, 200)
            )
            opened = at(first_day, 9)
            pupils.append(
                {
                    "id": case_id,
                    "school_id": school.id,
                    "upn": make_upn(
                        "873", school.estab, f"{case_id // 1000 % 100:02d}", f"{case_id % 1000:03d}"
                    ),
                    "forename": rng.choice(["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo"]),
                    "surname": f"Pupil{case_id}",
                    "date_of_birth": date(2010 + case_id % 10, 1 + case_id % 12, 1 + case_id % 28),
                    "sex": Sex.FEMALE if case_id % 2 else Sex.MALE,
                    "year_group": str(case_id % 11 + 1),
                    "address_lines": [f"{case_id % 200} Mill Road", "Benchtown"],
                    "postcode": "CB1 2AB",
                    "on_roll": state not in (S.OFF_ROLL, S.CLOSED),
                }
            )
            chain = self.chain(case_id, opened)
            entries += chain
            cases.append(
                {
                    "id": case_id,
                    "school_id": school.id,
                    "pupil_id": case_id,
                    "state": state,
                    "outcome": Outcome.FOUND if state == S.CLOSED else None,
                    "first_day_of_absence": first_day,
                    "last_attended_on": first_day - timedelta(days=1),
                    "not_arrived": False,
                    "triaged_at": opened if state not in (S.FIRST_DAY, S.NO_CONTACT) else None,
                    "vulnerabilities": ["medical"] if case_id % 4 == 0 else [],
                    "social_care_involved": case_id % 20 == 0,
                    "triage_notes": "",
                    "opened_by_id": self.school_user.id,
                    "opened_at": opened,
                    "updated_at": opened,
                    "closed_at": opened + timedelta(days=40) if state == S.CLOSED else None,
                    "chronology_head": chain[-1]["hash"],
                    "version": len(chain),
                }
            )
            self.referral(case_id, school, state, first_day, referrals, involvements)
        conn = self.session.connection()
        for model, rows in (
            (Pupil, pupils),
            (Case, cases),
            (Referral, referrals),
            (Involvement, involvements),
            (ChronologyEntry, entries),
        ):
            if rows:
                conn.execute(insert(model.__table__), rows)

    def chain(self, case_id: int, opened: datetime) -> list[dict]:
        rows, prev = [], GENESIS
        for seq in range(1, self.per_case + 1):
            self.ids["entry"] += 1
            moment = opened + timedelta(hours=seq * 7)
            kind = "case_opened" if seq == 1 else KINDS[(case_id + seq) % len(KINDS)]
            row = {
                "id": self.ids["entry"],
                "case_id": case_id,
                "seq": seq,
                "kind": kind,
                "method": Method.PHONE if kind == "log_contact" else Method.SYSTEM,
                "occurred_at": moment,
                "recorded_at": moment,
                "actor_id": self.school_user.id,
                "target": "07700 900001" if kind == "log_contact" else "",
                "summary": f"Bench entry {seq}",
                "note": "",
                "details": {},
                "corrects_id": None,
                "prev_hash": prev,
            }
            row["hash"] = prev = entry_hash(SimpleNamespace(**row))
            rows.append(row)
        return rows

    def referral(
        self,
        case_id: int,
        school: School,
        state: CaseState,
        first_day: date,
        referrals: list,
        involvements: list,
    ) -> None:
        accepted = state in (S.JOINT_ENQUIRIES, S.REMOVAL_AGREED, S.OFF_ROLL) or (
            state == S.CLOSED and case_id % 10 == 0
        )
        returned = state == S.LOCATING and case_id % 10 == 0
        if not (accepted or returned or state == S.REFERRED):
            return
        self.ids["referral"] += 1
        submitted = at(first_day + timedelta(days=14), 14)
        status = (
            ReferralStatus.ACCEPTED
            if accepted
            else ReferralStatus.RETURNED
            if returned
            else ReferralStatus.SUBMITTED
        )
        referrals.append(
            {
                "id": self.ids["referral"],
                "case_id": case_id,
                "school_id": school.id,
                "pupil_id": case_id,
                "status": status,
                "latest": True,
                "case_closed": state == S.CLOSED,
                "first_submission": True,
                "school_day": 6 + case_id % 12,
                "submitted_by_id": self.school_user.id,
                "submitted_at": submitted,
                "decided_by_id": None if status == ReferralStatus.SUBMITTED else self.laao.id,
                "decided_at": None
                if status == ReferralStatus.SUBMITTED
                else submitted + timedelta(days=1),
                "return_reason": "More enquiries needed." if returned else "",
                "content": {},
                "chronology_pdf_key": "",
                "chronology_pdf_sha256": "",
                "version": 1,
            }
        )
        if accepted:
            self.ids["involvement"] += 1
            opened = submitted + timedelta(days=1)
            involvements.append(
                {
                    "id": self.ids["involvement"],
                    "case_id": case_id,
                    "referral_id": self.ids["referral"],
                    "laao_id": self.laao.id,
                    "opened_by_id": self.laao.id,
                    "opened_at": opened,
                    "removal_agreed_at": opened + timedelta(days=29)
                    if state in (S.REMOVAL_AGREED, S.OFF_ROLL)
                    else None,
                    "removal_agreed_by_id": None,
                    "removed_from_roll_on": None,
                    "removal_recorded_by_id": None,
                    "closed_at": opened + timedelta(days=60) if state == S.CLOSED else None,
                    "closed_by_id": None,
                    "outcome": "",
                    "version": 1,
                }
            )


# The same rows each page shows or counts, fetched by plain SQL: the baseline.
BARE = {
    "queue": [
        "SELECT status, case_closed, count(*) FROM referrals WHERE latest = :yes"
        " GROUP BY status, case_closed",
        "SELECT r.id, r.status, r.submitted_at, c.id, c.first_day_of_absence, c.vulnerabilities,"
        " c.social_care_involved, p.forename, p.surname, p.date_of_birth, s.name, u.name,"
        " i.opened_at FROM referrals r JOIN cases c ON c.id = r.case_id"
        " JOIN pupils p ON p.id = c.pupil_id JOIN schools s ON s.id = c.school_id"
        " LEFT JOIN involvements i ON i.referral_id = r.id LEFT JOIN users u ON u.id = i.laao_id"
        " WHERE r.id IN (SELECT id FROM referrals WHERE latest = :yes AND case_closed = :no"
        " ORDER BY submitted_at LIMIT 50)",
    ],
    "overview": [
        "SELECT school_id, status, case_closed, count(*) FROM referrals WHERE latest = :yes"
        " GROUP BY school_id, status, case_closed",
        "SELECT school_id, school_day, count(*) FROM referrals WHERE first_submission = :yes"
        " AND submitted_at >= :year_ago GROUP BY school_id, school_day",
        "SELECT opened_at, closed_at FROM involvements",
        "SELECT school_id, count(*) FROM cases WHERE state IN ('first_day', 'no_contact',"
        " 'locating') AND first_day_of_absence <= :cutoff GROUP BY school_id",
        "SELECT count(*) FROM involvements WHERE closed_at IS NULL"
        " AND removal_agreed_at IS NULL AND opened_at <= :cutoff_at",
        "SELECT i.case_id, s.name, u.name FROM involvements i JOIN cases c ON c.id = i.case_id"
        " JOIN schools s ON s.id = c.school_id JOIN users u ON u.id = i.laao_id"
        " WHERE i.closed_at IS NULL AND i.removal_agreed_at IS NULL AND i.opened_at <= :cutoff_at"
        " ORDER BY i.opened_at LIMIT 50",
    ],
}
PAGES = [
    ("queue", "/la/referrals"),
    ("queue", "/la/referrals?state=open&page=3"),
    ("overview", "/la/overview"),
]


def timings(run: Callable[[], object], repeat: int) -> list[float]:
    run()  # warm caches: the first request compiles templates and SQL
    result = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        result.append((time.perf_counter() - started) * 1000)
    return result


def make_app(url: str, instance: str):
    return create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "SESSION_COOKIE_SECURE": False,
            "MAIL_BACKEND": "memory",
        }
    )


def seed(cases: int, entries: int) -> str:
    """Seed the app's database; return what was made, with the chains checked."""
    metadata.create_all(db.engine)
    started = time.perf_counter()
    Seeder(db.session, cases, entries).run()
    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    seconds = time.perf_counter() - started
    counts = {
        m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Case, ChronologyEntry, Referral, Involvement)
    }
    for case in db.session.scalars(select(Case).order_by(func.random()).limit(20)):
        chain = db.session.scalars(
            select(ChronologyEntry)
            .where(ChronologyEntry.case_id == case.id)
            .order_by(ChronologyEntry.seq)
        ).all()
        assert verify_case(list(chain), case.chronology_head) is None, case.id
    db.session.close()
    return f"seeded {counts} in {seconds:.1f}s; 20 sampled hash chains verify"


def measure(app, repeat: int) -> None:
    """Time each page through the app against its bare SQL, alternating, in this run."""
    with app.app_context():
        secret, last_step = db.session.execute(
            select(User.totp_secret, User.totp_last_step).where(User.email == LAAO_EMAIL)
        ).one()
        db.session.close()
    step = max(int(time.time() // 30) - 1, last_step + 1)  # codes are never accepted twice
    client = app.test_client()
    client.post("/login", data={"email": LAAO_EMAIL, "password": PASSWORD})
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).at(step * 30)})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    today = today_in_uk()
    params = {
        "yes": True,
        "no": False,
        "year_ago": at(today - timedelta(weeks=52), 0),
        "cutoff": today - timedelta(days=14),
        "cutoff_at": at(today - timedelta(days=27), 0),
    }
    print(f"{'page':<34}{'median ms':>10}{'p95 ms':>9}{'bare SQL ms':>13}{'ratio':>7}")
    with app.app_context():
        for bare_name, path in PAGES:

            def get(path: str = path) -> None:
                assert client.get(path).status_code == 200

            def bare(name: str = bare_name) -> None:
                with db.engine.connect() as conn:
                    for sql in BARE[name]:
                        conn.execute(text(sql), params).all()

            page, base = timings(get, repeat), timings(bare, repeat)
            p95 = sorted(page)[max(int(len(page) * 0.95) - 1, 0)]
            median, base_median = statistics.median(page), statistics.median(base)
            ratio = median / base_median
            print(f"{path:<34}{median:>10.1f}{p95:>9.1f}{base_median:>13.1f}{ratio:>7.1f}")
        db.engine.dispose()


def bench(kind: str, cases: int, entries: int, repeat: int, sqlite_file: str | None) -> None:
    with tempfile.TemporaryDirectory() as instance:
        if kind == "sqlite" and sqlite_file:
            reuse = Path(sqlite_file).exists()
            app = make_app(f"sqlite:///{Path(sqlite_file).resolve()}", instance)
            with app.app_context():
                done = "reusing the seeded database" if reuse else seed(cases, entries)
            print(f"\n== {kind}: {done}")
            measure(app, repeat)
            return
        with database(kind) as url:
            app = make_app(url, instance)
            with app.app_context():
                print(f"\n== {kind}: {seed(cases, entries)}")
            measure(app, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--sqlite-file", help="keep the SQLite database here, and reuse it if it exists"
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        bench(kind, args.cases, args.entries, args.repeat, args.sqlite_file)


if __name__ == "__main__":
    main()
