"""`fieldvisit serve --workers N`: gunicorn on PostgreSQL, refused on SQLite."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from fieldvisit.accounts.throttle import MAX_FAILURES_PER_ADDRESS
from tests.support.live_server import ROOT, csrf_token, live_server, server_env

ON_POSTGRES = os.environ.get("FIELDVISIT_TEST_DB", "sqlite") == "postgresql"


def empty_database(database_url: str) -> str:
    """Make a new database on the run's PostgreSQL server and return its URL."""
    name = f"serve_{secrets.token_hex(4)}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


@pytest.mark.skipif(not ON_POSTGRES, reason="several workers need PostgreSQL")
def test_two_gunicorn_workers_share_sign_ins(database_url, tmp_path):
    url = empty_database(database_url)
    with live_server(
        tmp_path, "--workers", "2", "--threads", "2", "--connection-limit", "50", database_url=url
    ) as server:
        assert requests.get(f"{server.url}/healthz", timeout=10).json()["status"] == "ok"
        http = server.sign_in("school@demo.test")
        # Many requests on fresh connections land on both processes: each knows the sign-in.
        for _ in range(12):
            page = http.get(f"{server.url}/", timeout=30, headers={"Connection": "close"})
            assert page.status_code == 200, page.text
            assert "Sign out" in page.text
        # Failed sign-ins from one address are counted once for every process: the one
        # after the limit is refused, whichever worker takes it.
        guesser = requests.Session()
        close = {"Connection": "close"}
        statuses = []
        for n in range(MAX_FAILURES_PER_ADDRESS + 1):
            form = guesser.get(f"{server.url}/login", timeout=30, headers=close)
            guess = {"email": f"nobody{n}@demo.test", "password": "wrong", "csrf_token": ""}
            if form.status_code == 200:
                guess["csrf_token"] = csrf_token(form.text)
            answer = guesser.post(f"{server.url}/login", data=guess, timeout=30, headers=close)
            statuses.append(answer.status_code)
        log = server.log.read_text()
    assert statuses[:-1] == [400] * MAX_FAILURES_PER_ADDRESS and statuses[-1] == 429
    assert "gunicorn" in log.lower()
    assert log.count("Booting worker with pid") == 2, log


def test_several_workers_are_refused_on_sqlite(tmp_path):
    env = server_env(tmp_path, 5999)
    result = subprocess.run(
        [sys.executable, "-m", "fieldvisit", "serve", "--workers", "2", "--port", "5999"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "needs PostgreSQL" in result.stderr and "one process write at a time" in result.stderr
