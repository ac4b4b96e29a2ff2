"""Browser tests: a real fieldvisit server on SQLite, driven by Playwright in Chromium."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the fault proxy in tests/faults/ serves these tests too
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling home, which a
# closed network refuses; the sandbox cannot start as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = ("serious", "critical")
SERVER_START_SECONDS = 60


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium where it is installed, else Playwright's own browser."""
    args = {**browser_type_launch_args}
    args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    if SYSTEM_CHROMIUM.exists() and "executable_path" not in args:
        args["executable_path"] = str(SYSTEM_CHROMIUM)
    return args


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def live_server_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Return the environment the live server runs with; use it to run other CLI commands."""
    workdir = tmp_path_factory.mktemp("live-server")
    port = free_port()
    env = {
        **os.environ,
        "FIELDVISIT_INSTANCE_PATH": str(workdir / "instance"),
        "FIELDVISIT_DATABASE_URL": f"sqlite:///{workdir / 'e2e.db'}",
        "FIELDVISIT_SECRET_KEY": secrets.token_hex(32),
        "FIELDVISIT_STORAGE": str(workdir / "storage"),
        "FIELDVISIT_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("FIELDVISIT_TEST_DATABASE_URL", None)
    return env


def fieldvisit(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a fieldvisit CLI command with the live server's settings."""
    return subprocess.run(
        [sys.executable, "-m", "fieldvisit", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        **kwargs,
    )


def wait_until_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    """Wait until GET /healthz answers 200, failing early if the server exits."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"fieldvisit serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"fieldvisit serve was not healthy in {SERVER_START_SECONDS}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(live_server_env: dict[str, str]) -> Iterator[str]:
    """Run `fieldvisit serve` on a fresh, seeded SQLite database; yield its base URL."""
    env = live_server_env
    base_url = env["FIELDVISIT_BASE_URL"]
    port = base_url.rsplit(":", 1)[1]
    try:
        fieldvisit(env, "db", "upgrade")
        fieldvisit(env, "seed-demo")
    except subprocess.CalledProcessError as error:
        pytest.fail(f"{' '.join(error.cmd[2:])} failed:\n{error.stdout}{error.stderr}")

    log = Path(env["FIELDVISIT_STORAGE"]).parent / "server.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "fieldvisit", "serve", "--host", "127.0.0.1", "--port", port],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(base_url, server, log)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Point Playwright's relative URLs (page.goto("/login")) at the live server."""
    return live_server


def format_violations(violations: list[dict]) -> str:
    """Describe axe violations, each with the elements it was found on."""
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']})")
        for node in violation["nodes"]:
            target = " ".join(map(str, node["target"]))
            lines.append(f"  at {target}: {node['html'][:160]}")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Fail if axe finds serious or critical accessibility violations on the page."""
    if not AXE_SCRIPT.exists():
        pytest.fail(f"{AXE_SCRIPT} is missing; run `npm ci`")
    # Evaluated rather than added as a <script>, so a Content-Security-Policy
    # that forbids inline scripts does not stop it.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    blocking = [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]
    if blocking:
        raise AssertionError(f"axe found on {page.url}:\n{format_violations(blocking)}")


@pytest.fixture
def axe_check() -> Callable[[Page], None]:
    """Return a function that runs axe on a page: axe_check(page)."""
    return check_accessibility


_used_steps: dict[str, int] = {}


def next_code(email: str) -> str:
    """Return a demo user's code for a time step not used yet (the server refuses replays)."""
    from fieldvisit.demo import TOTP_KEYS

    step = max(int(time.time() // 30), _used_steps.get(email, 0) + 1)
    while step > int(time.time() // 30) + 1:  # the server accepts one step ahead at most
        time.sleep(1)
    _used_steps[email] = step
    return pyotp.TOTP(TOTP_KEYS[email]).at(step * 30)


def sign_in_page(page: Page, email: str, password: str = "fieldvisit-demo") -> None:
    """Sign a demo user in through the real form, with the authenticator code if asked."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
    if page.url.endswith("/login/code"):
        page.get_by_label("Code from your authenticator app").fill(next_code(email))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def sign_in() -> Callable[..., None]:
    """Return a function that signs a demo user in: sign_in(page, "laao@demo.test")."""
    return sign_in_page
