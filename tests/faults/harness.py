"""The fault harness: phones send thousands of visits to a real `fieldvisit serve` through
a proxy that breaks exchanges, while the server is killed and restarted; then what the
phones meant to send is compared with the database and the file store.

Run it with `make faults` (or `python -m tests.faults --help`); a short run is a test.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from tests.faults.device import Device, Record, edited, new_record
from tests.faults.proxy import FaultProxy, at_random
from tests.support.live_server import PASSWORD, ROOT, csrf_token, free_port, run_cli, server_env

OFFICER = "officer@demo.test"


@dataclass
class Plan:
    visits: int = 300
    fault_rate: float = 0.3
    kill_every: float = 4.0  # seconds between SIGKILLs, on average; 0 for none
    seed: int = 1
    deadline: float = 3600.0


@dataclass
class Report:
    database: str
    submissions: int = 0
    visits: int = 0
    photos: int = 0
    requests: int = 0
    failed_requests: int = 0
    kills: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    conflicts: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    corrupted: list[str] = field(default_factory=list)
    chronology_ok: bool = False
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not (self.lost or self.duplicated or self.corrupted) and self.chronology_ok

    def table(self) -> str:
        rows = [
            ("database", self.database),
            ("visit submissions", self.submissions),
            ("distinct visits", self.visits),
            ("photos", self.photos),
            ("requests (failed)", f"{self.requests} ({self.failed_requests})"),
            ("server SIGKILLs", self.kills),
            ("faults played", ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))),
            ("versions refused as conflicts", self.conflicts),
            ("lost", len(self.lost)),
            ("duplicated", len(self.duplicated)),
            ("corrupted", len(self.corrupted)),
            ("verify-chronology", "ok" if self.chronology_ok else "FAILED"),
            ("seconds", f"{self.seconds:.0f}"),
        ]
        width = max(len(name) for name, _ in rows)
        lines = [f"{name.ljust(width)}  {value}" for name, value in rows]
        for kind in ("lost", "duplicated", "corrupted"):
            lines += [f"  {kind}: {what}" for what in getattr(self, kind)[:10]]
        return "\n".join(lines)


class Server:
    """`fieldvisit serve` as a child process that can be killed and started again."""

    def __init__(self, workdir: Path, database_url: str | None) -> None:
        self.port = free_port()
        self.env = server_env(workdir, self.port, database_url)
        self.url = self.env["FIELDVISIT_BASE_URL"]
        self.log = workdir / "server.log"
        self.process: subprocess.Popen | None = None

    def cli(self, *args: str) -> str:
        return run_cli(self.env, *args).stdout

    def start(self) -> None:
        with self.log.open("a") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fieldvisit", "serve", "--port", str(self.port)],
                env=self.env,
                cwd=ROOT,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:  # the port may still be held: try again
                time.sleep(0.5)
                return self.start()
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return None
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"fieldvisit serve did not start:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def signed_in(url: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{url}/login", timeout=30)
    response = http.post(
        f"{url}/login",
        data={"email": OFFICER, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302:
        raise RuntimeError(f"could not sign in: {response.status_code}")
    token = http.get(f"{url}/api/v1/session", timeout=30).json()["csrf_token"]
    http.headers["X-CSRFToken"] = token
    return http


@contextmanager
def killing(server: Server, every: float, rng: random.Random, report: Report) -> Iterator[None]:
    """Kill the server with SIGKILL at random moments and start it again, until the block ends."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(rng.uniform(0.3, 1.7) * every):
            server.kill()
            report.kills += 1
            server.start()

    thread = threading.Thread(target=loop, daemon=True)
    if every > 0:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if every > 0:
            thread.join()


def plan_outboxes(plan: Plan, rng: random.Random, cases: list[int], devices: list[Device]) -> None:
    """Fill two phones' outboxes: most visits on the first, some on both (the same version
    or another), some changed and sent again; 10 % carry photos, most carry enquiries."""
    first, second = devices
    for n in range(plan.visits):
        record = new_record(
            rng,
            rng.choice(cases),
            photos=rng.choice((1, 2)) if rng.random() < 0.1 else 0,
            enquiries=rng.choice((0, 1, 2)),
        )
        first.hold(record)
        chance = rng.random()
        if chance < 0.05:
            second.hold(Record(dict(record.body), dict(record.photos)))
        elif chance < 0.08:
            second.hold(edited(record, f"Written on the second phone ({n})."))


def send_all(devices: list[Device], rng: random.Random, plan: Plan, report: Report) -> None:
    """Each phone syncs in its own thread until its outbox is settled; a few records are
    changed on the phone after a first try, as an officer correcting a note would."""
    edits = set(rng.sample(sorted(devices[0].outbox), k=max(1, len(devices[0].outbox) // 50)))
    deadline = time.monotonic() + plan.deadline

    def run(device: Device) -> None:
        tries = 0
        while device.unsettled and time.monotonic() < deadline:
            tries += 1
            try:
                device.sync_round()
            except Exception:  # every failure is a retry, as on the phone
                device.failures += 1
                time.sleep(rng.uniform(0.02, 0.2))
            if device is devices[0] and tries == 2:
                for key in edits:
                    if device.outbox[key].state == "waiting":
                        report.submissions += 1
                        device.hold(edited(device.outbox[key], "Corrected on the phone."))

    threads = [threading.Thread(target=run, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def stored_uuids(server: Server) -> set[str]:
    engine = create_engine(server.env["FIELDVISIT_DATABASE_URL"])
    with engine.connect() as db:
        rows = db.execute(text("SELECT client_uuid FROM home_visits")).scalars()
        found = {str(uuid.UUID(str(value))) for value in rows}
    engine.dispose()
    return found


def compare(
    server: Server,
    devices: list[Device],
    sent: dict[str, list[Record]],
    seeded: set[str],
    report: Report,
) -> None:
    """Compare every version the phones sent with what the server holds."""
    engine = create_engine(server.env["FIELDVISIT_DATABASE_URL"])
    storage = Path(server.env["FIELDVISIT_STORAGE"])
    with engine.connect() as db:
        visits = {
            str(uuid.UUID(str(row.client_uuid))): row
            for row in db.execute(
                text(
                    "SELECT id, client_uuid, client_content_sha256, notes, outcome, "
                    "letter_left, letter_reference, photos FROM home_visits"
                )
            )
        }
        enquiries: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
        for row in db.execute(
            text(
                "SELECT visit_id, neighbour, spoke_to, said FROM neighbour_enquiries "
                "ORDER BY visit_id, position"
            )
        ):
            enquiries[row.visit_id].append((row.neighbour, row.spoke_to, row.said))
        photos = Counter()
        for row in db.execute(
            text("SELECT visit_uuid, sha256, storage_key, stored_sha256 FROM visit_photos")
        ):
            key = (str(uuid.UUID(str(row.visit_uuid))), row.sha256)
            photos[key] += 1
            path = storage / row.storage_key
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != (
                row.stored_sha256
            ):
                report.corrupted.append(f"photo file {row.storage_key}")
        entries = Counter()
        for row in db.execute(
            text(
                "SELECT kind, details FROM chronology_entries "
                "WHERE kind IN ('home_visit', 'neighbour_enquiry')"
            )
        ):
            details = row.details if isinstance(row.details, dict) else json.loads(row.details)
            entries[(details.get("client_uuid"), row.kind)] += 1

    for key, versions in sent.items():
        stored = visits.get(key)
        if stored is None:
            report.lost.append(f"visit {key}")
            continue
        winner = next((r for r in versions if r.version == stored.client_content_sha256), None)
        if winner is None:
            report.corrupted.append(f"visit {key}: a version no phone sent")
            continue
        body = winner.body
        expected = [(e["neighbour"], e["spoke_to"], e["said"]) for e in body["neighbour_enquiries"]]
        listed = stored.photos if isinstance(stored.photos, list) else json.loads(stored.photos)
        if (
            stored.notes,
            stored.outcome,
            bool(stored.letter_left),
            stored.letter_reference,
            listed,
            enquiries[stored.id],
        ) != (
            body["notes"],
            body["outcome"],
            body["letter_left"],
            body["letter_reference"],
            body["photos"],
            expected,
        ):
            report.corrupted.append(f"visit {key}: stored content differs from what was sent")
        for sha256 in body["photos"]:
            if photos[(key, sha256)] == 0:
                report.lost.append(f"photo {sha256[:12]} of visit {key}")
        if entries[(key, "home_visit")] != 1:
            report.duplicated.append(f"visit {key}: {entries[(key, 'home_visit')]} entries")
        if entries[(key, "neighbour_enquiry")] != len(expected):
            report.duplicated.append(f"visit {key}: enquiries in chronology differ")
        for record in versions:
            if record.state == "sent" and record.version != stored.client_content_sha256:
                report.corrupted.append(f"visit {key}: a phone thinks another version is stored")
            if record.state == "rejected":
                report.corrupted.append(f"visit {key}: refused: {record.error[:100]}")
    for key in visits.keys() - sent.keys() - seeded:
        report.duplicated.append(f"visit {key}: on the server, never sent by a phone")
    report.conflicts = sum(1 for d in devices for r in d.outbox.values() if r.state == "conflict")
    report.photos = len(photos)
    engine.dispose()


def run(
    workdir: Path, database_url: str | None, plan: Plan, phone: type[Device] = Device
) -> Report:
    """Play the plan against a fresh seeded server; return what was found."""
    rng = random.Random(plan.seed)
    report = Report("PostgreSQL" if database_url else "SQLite")
    began = time.monotonic()
    server = Server(workdir, database_url)
    server.cli("db", "upgrade")
    server.cli("seed-demo")
    seeded = stored_uuids(server)
    server.start()
    try:
        with FaultProxy(server.url, choose=at_random(plan.fault_rate, plan.seed)) as proxy:
            session = signed_in(server.url)
            limits = session.get(f"{server.url}/api/v1/session", timeout=30).json()["limits"]
            assigned = session.get(f"{server.url}/api/v1/visits/assigned", timeout=30).json()
            cases = sorted({v["case_id"] for v in assigned["visits"]})
            devices = [
                phone(name, signed_in(server.url), proxy.url, limits)
                for name in ("phone-1", "phone-2")
            ]
            plan_outboxes(plan, rng, cases, devices)
            sent: dict[str, list[Record]] = defaultdict(list)
            for device in devices:
                for record in device.outbox.values():
                    sent[record.uuid].append(record)
            report.submissions += sum(len(d.outbox) for d in devices)
            with killing(server, plan.kill_every, rng, report):
                send_all(devices, rng, plan, report)
            for device in devices:  # versions edited on the phone were sent too
                for record in device.outbox.values():
                    if record not in sent[record.uuid]:
                        sent[record.uuid].append(record)
            report.faults = proxy.played
        report.visits = len(sent)
        report.requests = sum(d.requests for d in devices)
        report.failed_requests = sum(d.failures for d in devices)
        for device in devices:
            report.lost += [f"visit {r.uuid}: never settled" for r in device.unsettled]
        server.stop()
        compare(server, devices, sent, seeded, report)
        try:
            server.cli("verify-chronology")
            report.chronology_ok = True
        except subprocess.CalledProcessError:
            report.chronology_ok = False
    finally:
        server.stop()
    report.seconds = time.monotonic() - began
    return report
