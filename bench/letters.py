"""Benchmark: batch letters through fieldvisit against bare WeasyPrint on the same HTML.

Run from the repository root: `python bench/letters.py`. It makes its own temporary
SQLite database and storage folder, loads the demo local authority, opens cases, then:

1. renders a batch of 30 pre-filled letters with QR codes through the app's code
   (`generate_batch`: context, sandboxed wording, QR, WeasyPrint, kept copies with
   SHA-256, chronology entries, the one-PDF batch), keeping the HTML it laid out;
2. renders those same 30 HTML documents straight through WeasyPrint, one PDF each;
3. prints the ratio (goal: the app adds no more than 30%), best of several rounds;
4. renders a batch of 300 and prints the process's peak memory (max RSS) before and after.
"""

from __future__ import annotations

import gc
import logging
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from weasyprint import HTML  # noqa: E402
from weasyprint.text.fonts import FontConfiguration  # noqa: E402

from fieldvisit import create_app  # noqa: E402
from fieldvisit.accounts.models import User  # noqa: E402
from fieldvisit.cases import services as cases  # noqa: E402
from fieldvisit.cases.models import Case  # noqa: E402
from fieldvisit.chronology.models import Method  # noqa: E402
from fieldvisit.core.dates import today_in_uk, utcnow  # noqa: E402
from fieldvisit.core.db import db  # noqa: E402
from fieldvisit.core.upn import make_upn  # noqa: E402
from fieldvisit.letters import batches  # noqa: E402
from fieldvisit.letters import services as letters  # noqa: E402
from fieldvisit.letters.models import Delivery  # noqa: E402
from fieldvisit.models import metadata  # noqa: E402
from fieldvisit.pupils.models import Contact, ContactKind, Pupil, Sex  # noqa: E402
from fieldvisit.schools.models import School  # noqa: E402

SMALL, LARGE, ROUNDS = 30, 300, 3
GOAL = 1.30


def open_cases(session, user: User, school: School, count: int) -> list[Case]:
    """Open `count` triaged cases whose first calls failed: each may have a letter home."""
    opened = []
    first_day = today_in_uk() - timedelta(days=3)
    for serial in range(count):
        pupil = Pupil(
            school_id=school.id,
            upn=make_upn(school.la_code, school.estab, "21", f"{serial:03d}"),
            forename="Sam",
            surname=f"Bench{serial}",
            date_of_birth=today_in_uk().replace(year=today_in_uk().year - 9, day=1),
            sex=Sex.FEMALE,
            address_lines=[f"{serial + 1} Bench Street", "Demotown"],
            postcode="CB1 3AA",
            contacts=[
                Contact(
                    kind=ContactKind.PARENT,
                    title="Ms",
                    forename="Jo",
                    surname=f"Bench{serial}",
                    parental_responsibility=True,
                    lives_with_pupil=True,
                    phones=["07700 900123"],
                )
            ],
        )
        session.add(pupil)
        session.flush()
        case = cases.open_case(session, user, pupil, first_day, today=today_in_uk())
        cases.log_contact_attempt(
            session,
            user,
            case,
            method=Method.PHONE,
            target="07700 900123",
            contact_name="Jo",
            occurred_at=utcnow(),
            contact_made=False,
        )
        cases.record_no_contact(session, user, case)
        cases.triage(session, user, case, vulnerabilities=[], social_care_involved=False)
        opened.append(case)
    session.commit()
    return opened


def timed(run: Callable[[], None]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _each(seconds: float) -> str:
    return f"{seconds:.2f} s ({seconds / SMALL * 1000:.0f} ms a letter)"


def main() -> None:
    logging.disable(logging.INFO)  # the same quiet logs for the app and bare WeasyPrint
    with tempfile.TemporaryDirectory(prefix="fieldvisit-bench-") as folder:
        run(Path(folder))


def run(workdir: Path) -> None:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
            "INSTANCE_PATH": str(workdir),
            "STORAGE": str(workdir / "storage"),
            "SECRET_KEY": "bench",
            "BASE_URL": "https://fieldvisit.example",
            "MAIL_BACKEND": "memory",
        }
    )
    with app.app_context(), app.test_request_context():
        assert db.engine is not None
        metadata.create_all(db.engine)
        from fieldvisit.demo import seed

        for _line in seed():
            pass
        session = db.session
        user = session.query(User).filter_by(email="school@demo.test").one()
        assert user.school is not None
        print(f"Opening {LARGE} cases in {workdir} ...", flush=True)
        all_cases = open_cases(session, user, user.school, LARGE)
        small = all_cases[:SMALL]

        # The app's code lays out HTML through render_document: keep what it laid out.
        laid_out: list[str] = []
        original = letters.render_document

        def recording(html: str, **kwargs):
            laid_out.append(html)
            return original(html, **kwargs)

        letters.render_document = recording
        letters.generate_letter(session, user, small[0], "absence")  # warm up fonts and caches
        HTML(string="<p>warm up</p>").write_pdf()
        session.rollback()

        def app_batch() -> None:
            laid_out.clear()
            batches.generate_batch(session, user, small, "absence", delivery=Delivery.POST)
            session.flush()
            session.rollback()

        app_batch()
        documents = list(laid_out)

        def bare_batch() -> None:
            for html in documents:
                HTML(string=html).write_pdf()

        def bare_shared_fonts() -> None:
            font_config = FontConfiguration()
            for html in documents:
                HTML(string=html).write_pdf(font_config=font_config)

        # Rounds alternate so that load from elsewhere on the machine hits each side alike.
        runs: dict[str, list[float]] = {"app": [], "bare": [], "shared": []}
        for _ in range(ROUNDS):
            runs["app"].append(timed(app_batch))
            runs["bare"].append(timed(bare_batch))
            runs["shared"].append(timed(bare_shared_fonts))
        app_s, bare_s, shared_s = (min(runs[k]) for k in ("app", "bare", "shared"))
        letters.render_document = original
        ratio = app_s / bare_s
        print(f"letters: batch of {SMALL} with QR codes, best of {ROUNDS} alternating rounds")
        print(f"  bare WeasyPrint, same {len(documents)} HTML documents: {_each(bare_s)}")
        print(f"  bare WeasyPrint sharing one FontConfiguration: {_each(shared_s)}")
        print(f"  fieldvisit generate_batch (kept copies, chronology, one PDF): {_each(app_s)}")
        verdict = "within" if ratio <= GOAL else "OVER"
        print(f"  ratio app / bare: {ratio:.2f} ({verdict} the goal of {GOAL:.2f})")
        print(f"  ratio app / bare sharing fonts: {app_s / shared_s:.2f}")

        gc.collect()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
        start = time.perf_counter()
        batch = batches.generate_batch(session, user, all_cases, "absence", delivery=Delivery.POST)
        seconds = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        session.commit()
        print(
            f"  batch of {LARGE}: {seconds:.1f} s ({seconds / LARGE * 1000:.0f} ms a letter), "
            f"one PDF of {batch.size / 1e6:.1f} MB; peak memory (max RSS) "
            f"{rss_after / 1024:.0f} MB, up {(rss_after - rss_before) / 1024:.0f} MB "
            f"from {rss_before / 1024:.0f} MB before it"
        )
        db.engine.dispose()


if __name__ == "__main__":
    main()
