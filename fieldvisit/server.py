"""The production web servers: waitress in one process, or gunicorn with several.

Waitress is the default and the only choice on SQLite: SQLite lets one process write at a
time, so more processes would only queue for its lock. On PostgreSQL, `--workers N` runs
gunicorn with N processes of `--threads` threads each (the `gthread` worker), so the app
uses more than one core. Everything the processes must agree on is in the database or in
the signed cookie: sessions (the cookie, checked against the user's nonce in the database),
account lock-outs, the LA's settings. What stays per process is listed in the README.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Flask

# A PDF of a batch of letters can take a while; gunicorn restarts a worker silent this long.
WORKER_TIMEOUT_SECONDS = 120


def serve_waitress(app: Flask, host: str, port: int, threads: int, connection_limit: int) -> None:
    from waitress import serve

    serve(
        app,
        host=host,
        port=port,
        threads=threads,
        connection_limit=connection_limit,
        ident="fieldvisit",
    )


def serve_gunicorn(
    make_app: Any,
    host: str,
    port: int,
    workers: int,
    threads: int,
    connection_limit: int,
) -> None:
    """Run gunicorn's master with `workers` processes; each builds its own app (and
    database pool) after the fork, with `make_app`."""
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # The limit is for the whole server: each process takes its share.
        "worker_connections": max(1, math.ceil(connection_limit / workers)),
        "timeout": WORKER_TIMEOUT_SECONDS,
        "graceful_timeout": 30,
        "proc_name": "fieldvisit",
        "preload_app": False,
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return make_app()

    Server().run()
