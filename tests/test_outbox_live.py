"""The outbox across processes: a real `fieldvisit serve` (its worker thread) and a
`fieldvisit worker` process on the SQLite default, with the SMTP server down, then up."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.support.live_server import ROOT, LiveServer, csrf_token, live_server
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.skipif(
    os.environ.get("FIELDVISIT_TEST_DB") == "postgresql",
    reason="runs against the SQLite default; test_outbox.py runs four workers on PostgreSQL",
)


def outbox(server: LiveServer) -> list[tuple]:
    with sqlite3.connect(server.database) as db:
        return db.execute(
            "SELECT subject, status, attempts, last_error FROM outbox_emails ORDER BY id"
        ).fetchall()


def wait_until(check, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_smtp_down_delays_an_email_and_two_workers_send_it_once(tmp_path):
    smtp = SmtpServer()  # down
    settings = {
        "FIELDVISIT_MAIL_BACKEND": "smtp",
        "FIELDVISIT_SMTP_HOST": "127.0.0.1",
        "FIELDVISIT_SMTP_PORT": str(smtp.port),
        "FIELDVISIT_MAIL_RETRY_SECONDS": "0.5",
        "FIELDVISIT_MAIL_RETRY_MAX_SECONDS": "1",
        "FIELDVISIT_MAIL_POLL_SECONDS": "0.2",
    }
    with live_server(tmp_path, extra_env=settings) as server:
        worker = subprocess.Popen(
            [sys.executable, "-m", "fieldvisit", "worker"],
            env=server.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with sqlite3.connect(server.database) as db:
                [case_id] = db.execute(
                    "SELECT cases.id FROM cases JOIN users "
                    "ON users.school_id = cases.school_id "
                    "WHERE users.email = 'school@demo.test' ORDER BY cases.id LIMIT 1"
                ).fetchone()
            http = server.sign_in("school@demo.test")
            page = http.get(f"{server.url}/cases/{case_id}/concern", timeout=30)
            response = http.post(
                f"{server.url}/cases/{case_id}/concern",
                data={
                    "concern": "Bruising seen by a neighbour.",
                    "csrf_token": csrf_token(page.text),
                },
                allow_redirects=False,
                timeout=30,
            )
            assert response.status_code == 302, response.text  # SMTP down: no 500
            subject = f"Child protection concern raised on case C{case_id:06d}"

            # Both workers try while SMTP is down; the email waits, with its error.
            wait_until(lambda: outbox(server) and outbox(server)[-1][2] >= 3)
            [(queued, status, _, error)] = outbox(server)
            assert (queued, status) == (subject, "pending") and "Connection refused" in error

            smtp.start()
            assert subject in smtp.wait_for(subject)
            time.sleep(2)  # both workers poll several times more
            assert smtp.subjects() == [subject]
            [(_, status, _, error)] = outbox(server)
            assert (status, error) == ("sent", None)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
            smtp.stop()
    assert worker.returncode == 0  # SIGTERM stops it cleanly
