"""Load: school users browsing and officers sending visits with photos, ramping up.

Serves the demo with a real `fieldvisit serve` and drives it over HTTP from threads that
behave like people: a school user opens a page every 10-30 s (the dashboard, a case, the
roll, one page in fifty a chronology PDF), an officer sends a visit with a photo every 1-3
minutes. Users stay signed in from stage to stage; those added join over half a stage and
are measured once all have joined. Two set-ups are measured in one run:

- production: PostgreSQL with `fieldvisit serve --workers 2` (gunicorn), 10 -> 200 users;
- the default: SQLite with one waitress process, 10 -> 20 users.

For each stage it prints requests, errors, requests per second and p50/p95/p99 per kind of
request; then the ratio of p95 at the top stage to p95 at 10 users; then the highest rate
each set-up answered with no error when users stop pacing themselves (closed loop, more
clients each step). Sign-in uses cheap argon2 settings (users sign in once a day; the
bench is about the day's traffic) and the throwaway PostgreSQL runs with fsync off, so
absolute figures are optimistic for a real disk; the ratios are the point.

    python bench/load.py [--only postgresql|sqlite] [--stage-seconds 60] [--quick]
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from PIL import Image

from tests.support.live_server import LiveServer, csrf_token, live_server
from tests.support.visits import sha256, visit_item

SCHOOL_EMAIL, OFFICER_EMAIL = "school@demo.test", "officer@demo.test"
OFFICER_SHARE = 0.25  # a quarter of the users are officers in the field
SCHOOL_THINK = (10.0, 30.0)
OFFICER_THINK = (60.0, 180.0)
TIMEOUT = 30


@dataclass
class Sample:
    stage: str
    kind: str
    seconds: float
    ok: bool
    status: str = ""


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stage: str = ""

    def request(
        self, http: requests.Session, kind: str, method: str, url: str, **options: Any
    ) -> requests.Response | None:
        """Make one request and record how long it took and whether it succeeded."""
        started = time.perf_counter()
        try:
            response = http.request(method, url, timeout=TIMEOUT, **options)
        except requests.RequestException:
            response = None
        ok = response is not None and response.status_code < 400
        status = "no answer" if response is None else str(response.status_code)
        with self.lock:
            self.samples.append(Sample(self.stage, kind, time.perf_counter() - started, ok, status))
        return response


def photo_bytes() -> bytes:
    """A phone-sized photo (1280x960, noisy like a real one, about 300 KB)."""
    noise = Image.effect_noise((1280, 960), 40).convert("RGB")
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=80)
    return out.getvalue()


PHOTO = photo_bytes()


def sign_in(server: LiveServer, email: str, recorder: Recorder) -> requests.Session:
    http = requests.Session()
    page = recorder.request(http, "sign in", "GET", f"{server.url}/login")
    if page is None or page.status_code != 200:
        raise RuntimeError("the sign-in page did not load")
    form = {"email": email, "password": "fieldvisit-demo", "csrf_token": csrf_token(page.text)}
    recorder.request(http, "sign in", "POST", f"{server.url}/login", data=form)
    return http


# What a school user opens, with how often: mostly the dashboard and cases, sometimes a PDF.
SCHOOL_PAGES = (
    ("dashboard", "/{}", 0.36),
    ("case page", "/cases/{}", 0.42),
    ("roll", "/pupils{}", 0.20),
    ("chronology PDF", "/cases/{}/chronology.pdf", 0.02),
)


def school_user(server: LiveServer, recorder: Recorder, stop: threading.Event, paced: bool) -> None:
    """Open pages as an office does, a page every 10-30 s."""
    rng = random.Random()
    http = sign_in(server, SCHOOL_EMAIL, recorder)
    dashboard = http.get(f"{server.url}/", timeout=TIMEOUT).text
    cases = sorted(set(re.findall(r'href="/cases/(\d+)"', dashboard)))
    if not cases:
        raise RuntimeError("the demo school has no cases on its dashboard")
    kinds = [(kind, path) for kind, path, _ in SCHOOL_PAGES]
    weights = [weight for _, _, weight in SCHOOL_PAGES]
    while not stop.is_set():
        kind, path = rng.choices(kinds, weights)[0]
        needs_case = path.startswith("/cases/")
        url = server.url + path.format(rng.choice(cases) if needs_case else "")
        recorder.request(http, kind, "GET", url)
        if paced:
            stop.wait(rng.uniform(*SCHOOL_THINK))


def officer(server: LiveServer, recorder: Recorder, stop: threading.Event, paced: bool) -> None:
    """Send a visit with one photo every 1-3 minutes, as an officer walking between doors."""
    rng = random.Random()
    http = sign_in(server, OFFICER_EMAIL, recorder)
    token = http.get(f"{server.url}/api/v1/session", timeout=TIMEOUT).json()["csrf_token"]
    http.headers["X-CSRFToken"] = token
    assigned = http.get(f"{server.url}/api/v1/visits/assigned", timeout=TIMEOUT).json()
    cases = [visit["case_id"] for visit in assigned["visits"]]
    if not cases:
        raise RuntimeError("the demo officer has no assigned visits")
    stop.wait(rng.uniform(0, OFFICER_THINK[0]))  # people do not all start at the same second
    while not stop.is_set():
        item = visit_item(rng.choice(cases), photos=[sha256(PHOTO)])
        api = f"{server.url}/api/v1/visits"
        recorder.request(http, "visit sync", "POST", f"{api}/batch", json={"visits": [item]})
        photo = f"{api}/{item['client_uuid']}/photos/{sha256(PHOTO)}"
        headers = {"Content-Type": "image/jpeg"}
        recorder.request(http, "photo upload", "PUT", photo, data=PHOTO, headers=headers)
        stop.wait(rng.uniform(*OFFICER_THINK))


class Crowd:
    """Users that stay signed in from stage to stage; a quarter of those added are officers."""

    def __init__(self, server: LiveServer, recorder: Recorder, *, paced: bool) -> None:
        self.server, self.recorder, self.paced = server, recorder, paced
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []
        self.officers = 0

    def grow_to(self, count: int, *, over: float) -> None:
        """Add users one by one, spread over `over` seconds, as people arrive at work."""
        added = count - len(self.threads)
        for _ in range(added):
            role = school_user
            if self.paced and self.officers < round(count * OFFICER_SHARE):
                role, self.officers = officer, self.officers + 1
            args = (role, self.server, self.recorder, self.stop, self.paced)
            thread = threading.Thread(target=_guarded, args=args, daemon=True)
            self.threads.append(thread)
            thread.start()
            time.sleep(over / added)

    def leave(self) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT + 5)


def _guarded(
    role: Callable[[LiveServer, Recorder, threading.Event, bool], None],
    server: LiveServer,
    recorder: Recorder,
    stop: threading.Event,
    paced: bool,
) -> None:
    try:
        role(server, recorder, stop, paced)
    except (RuntimeError, requests.RequestException, ValueError):
        with recorder.lock:
            recorder.samples.append(Sample(recorder.stage, "sign in", 0.0, False))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def print_errors(failed: list[Sample]) -> None:
    for sample in failed[:5]:
        print(f"    error: {sample.kind} answered {sample.status} after {sample.seconds:.1f} s")


def report(recorder: Recorder, stage: str, seconds: float) -> float:
    """Print one stage's table; return its p95 over all page and API requests."""
    samples = [s for s in recorder.samples if s.stage == stage and s.kind != "sign in"]
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        by_kind[sample.kind].append(sample)
    failed = [s for s in recorder.samples if s.stage == stage and not s.ok]
    print(
        f"  {stage}: {len(samples)} requests, {len(failed)} errors, {len(samples) / seconds:.1f}/s"
    )
    print_errors(failed)
    for kind, group in sorted(by_kind.items()):
        times = [s.seconds * 1000 for s in group]
        print(
            f"    {kind:<15} {len(group):>5}  p50 {percentile(times, 0.5):7.0f} ms"
            f"  p95 {percentile(times, 0.95):7.0f} ms  p99 {percentile(times, 0.99):7.0f} ms"
        )
    return percentile([s.seconds for s in samples], 0.95) if samples else float("nan")


def measure(server: LiveServer, label: str, steps: list[int], seconds: float) -> None:
    print(f"{label}: paced users, {seconds:.0f} s measured at each stage after they join")
    recorder = Recorder()
    crowd = Crowd(server, recorder, paced=True)
    p95 = {}
    try:
        for count in steps:
            recorder.stage = f"joining {count}"  # sign-ins and first pages: not reported
            crowd.grow_to(count, over=seconds / 2)
            recorder.stage = f"{count} users"
            time.sleep(seconds)
            p95[count] = report(recorder, recorder.stage, seconds)
    finally:
        crowd.leave()
    low, high = steps[0], steps[-1]
    print(f"  p95 at {high} users / p95 at {low}: {p95[high] / p95[low]:.1f}x")
    print(f"  highest rate with 0 errors: {highest_rate(server, seconds / 3):.1f} requests/s")


def highest_rate(server: LiveServer, seconds: float) -> float:
    """Add clients that do not pause (school pages) until errors appear or 32 are busy."""
    recorder = Recorder()
    crowd = Crowd(server, recorder, paced=False)
    best = 0.0
    try:
        for clients in (2, 4, 8, 16, 32):
            recorder.stage = f"joining {clients}"
            crowd.grow_to(clients, over=1.0)
            recorder.stage = f"unpaced {clients}"
            time.sleep(seconds)
            done = [s for s in recorder.samples if s.stage == recorder.stage]
            failed = [s for s in done if not s.ok]
            rate = len(done) / seconds
            print(f"  unpaced, {clients:>2} clients: {rate:6.1f}/s, {len(failed)} errors")
            print_errors(failed)
            if failed:
                break
            best = max(best, len(done) / seconds)
    finally:
        crowd.leave()
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--stage-seconds", type=float, default=60.0)
    parser.add_argument("--quick", action="store_true", help="15 s stages, to try it out")
    args = parser.parse_args()
    seconds = 15.0 if args.quick else args.stage_seconds
    if args.only in (None, "postgresql"):
        from tests.support.pg import throwaway_postgres

        with throwaway_postgres() as url, tempfile.TemporaryDirectory() as folder:
            serve = ("--workers", "2", "--threads", "8")
            with live_server(Path(folder), *serve, database_url=url) as server:
                measure(server, "PostgreSQL, 2 gunicorn workers", [10, 50, 100, 200], seconds)
    if args.only in (None, "sqlite"):
        with tempfile.TemporaryDirectory() as folder, live_server(Path(folder)) as server:
            measure(server, "SQLite, one waitress process", [10, 20], seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
