"""A real `fieldvisit serve` on a seeded SQLite file, for tests of what crosses HTTP."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fieldvisit-demo"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    database: Path
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return run_cli(self.env, *args)

    def sign_in(self, email: str) -> requests.Session:
        """Return an HTTP session signed in as a demo user without a second factor."""
        http = requests.Session()
        page = http.get(f"{self.url}/login", timeout=30)
        response = http.post(
            f"{self.url}/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text
        return http


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run a fieldvisit command with a server's settings; raise if it fails."""
    return subprocess.run(
        [sys.executable, "-m", "fieldvisit", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def server_env(workdir: Path, port: int, database_url: str | None = None) -> dict[str, str]:
    """Return the environment of a server on `port` keeping its files in `workdir`."""
    env = {
        **os.environ,
        "FIELDVISIT_INSTANCE_PATH": str(workdir / "instance"),
        "FIELDVISIT_DATABASE_URL": database_url or f"sqlite:///{workdir / 'live.db'}",
        "FIELDVISIT_SECRET_KEY": secrets.token_hex(32),
        "FIELDVISIT_STORAGE": str(workdir / "storage"),
        "FIELDVISIT_BASE_URL": f"http://127.0.0.1:{port}",
        "FIELDVISIT_DAILY_JOBS_AT": "",  # no daily reminders or retention mid-test
        "FIELDVISIT_SESSION_COOKIE_SECURE": "false",
        "FIELDVISIT_MAIL_BACKEND": "memory",
        "FIELDVISIT_ARGON2_TIME_COST": "1",
        "FIELDVISIT_ARGON2_MEMORY_COST_KIB": "1024",
        "FIELDVISIT_ARGON2_PARALLELISM": "1",
    }
    env.pop("FIELDVISIT_TEST_DATABASE_URL", None)
    return env


@contextmanager
def live_server(
    workdir: Path,
    *serve_args: str,
    extra_env: dict[str, str] | None = None,
    database_url: str | None = None,
) -> Iterator[LiveServer]:
    """Seed the demo into a new SQLite file (or the empty database at `database_url`) and
    serve it until the block ends; `extra_env` adds or replaces FIELDVISIT_* settings."""
    port = free_port()
    env = {**server_env(workdir, port, database_url), **(extra_env or {})}
    server = LiveServer(env["FIELDVISIT_BASE_URL"], env, workdir / "live.db", workdir / "log")
    server.cli("db", "upgrade")
    server.cli("seed-demo")
    with server.log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "fieldvisit", "serve", "--port", str(port), *serve_args],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_healthy(server: LiveServer, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"fieldvisit serve exited:\n{server.log.read_text()}")
        try:
            if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"fieldvisit serve was not healthy:\n{server.log.read_text()}")
