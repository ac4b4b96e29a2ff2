"""A throwaway PostgreSQL 15 server for the test run."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

DEBIAN_BINDIR = Path("/usr/lib/postgresql/15/bin")
DATABASE = "fieldvisit_test"
SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
)


def find_bindir() -> Path:
    """Return the folder holding initdb and pg_ctl, preferring PostgreSQL 15."""
    if (DEBIAN_BINDIR / "pg_ctl").is_file():
        return DEBIAN_BINDIR
    if pg_config := shutil.which("pg_config"):
        bindir = subprocess.run(
            [pg_config, "--bindir"], check=True, capture_output=True, text=True
        ).stdout.strip()
        if (Path(bindir) / "pg_ctl").is_file():
            return Path(bindir)
    if pg_ctl := shutil.which("pg_ctl"):
        return Path(pg_ctl).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found; run scripts/setup-system.sh "
        "or set FIELDVISIT_TEST_DATABASE_URL"
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a private PostgreSQL server, yield its SQLAlchemy URL, then stop and delete it.

    FIELDVISIT_TEST_DATABASE_URL, when set, is yielded instead and nothing is started.
    """
    if url := os.environ.get("FIELDVISIT_TEST_DATABASE_URL"):
        yield url
        return

    bindir = find_bindir()
    # PostgreSQL refuses to run as root, so root runs it as the postgres user.
    as_owner: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root needs a postgres user to own the server") from None
        as_owner = ["runuser", "-u", "postgres", "--"]

    workdir = Path(tempfile.mkdtemp(prefix="fieldvisit-pg-"))
    datadir = workdir / "data"
    logfile = workdir / "server.log"

    def run(*command: str) -> None:
        try:
            subprocess.run(
                [*as_owner, *command], check=True, cwd=workdir, capture_output=True, text=True
            )
        except subprocess.CalledProcessError as error:
            log = logfile.read_text(errors="replace") if logfile.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed:\n{error.stdout}{error.stderr}{log}"
            ) from None

    def pg_ctl(*args: str) -> None:
        run(str(bindir / "pg_ctl"), "-D", str(datadir), *args)

    try:
        if owner is not None:
            os.chown(workdir, owner.pw_uid, owner.pw_gid)
        run(
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        port = start(pg_ctl, workdir, logfile)
        try:
            run(
                str(bindir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                DATABASE,
            )
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DATABASE}"
        finally:
            pg_ctl("-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def start(pg_ctl: Callable[..., None], workdir: Path, logfile: Path, attempts: int = 3) -> int:
    """Start the server on a free port and return the port; retry if another process took it."""
    for attempt in range(1, attempts + 1):
        port = free_port()
        try:
            pg_ctl(
                "-o",
                f"-p {port} -k {workdir} {SERVER_SETTINGS}",
                "-l",
                str(logfile),
                "-w",
                "-t",
                "60",
                "start",
            )
        except RuntimeError:
            if attempt == attempts:
                raise
        else:
            return port
    raise AssertionError("unreachable")
