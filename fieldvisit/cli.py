"""The `fieldvisit` command."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, ScriptInfo, with_appcontext

from fieldvisit.app import create_app


def _app() -> Flask:
    """The app itself, not its proxy (for code that keeps it beyond the request)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


@click.group(cls=AppGroup)
def cli() -> None:
    """fieldvisit: find children missing from education."""


@cli.group()
def db() -> None:
    """Create or migrate the database schema."""


@db.command()
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision: str) -> None:
    """Create or migrate the schema to REVISION (default: the latest)."""
    from fieldvisit.core import migrate

    migrate.upgrade(_app(), revision)
    click.echo("Database is up to date.")


@db.command()
@click.argument("revision")
@with_appcontext
def downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    from fieldvisit.core import migrate

    migrate.downgrade(_app(), revision)


@db.command()
@click.option("-m", "--message", required=True)
@with_appcontext
def revision(message: str) -> None:
    """Write a new migration from the difference between models and database."""
    from fieldvisit.core import migrate

    migrate.revision(_app(), message)


@cli.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo local authority, schools, users and cases (safe to run twice)."""
    from fieldvisit.demo import seed

    for line in seed():
        click.echo(line)


@cli.command("create-user")
@click.option("--email", required=True)
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice(["school", "officer", "laao", "admin"]),
)
@click.option("--school", "school_urn", help="URN of the user's school.")
@click.option("--name", default="")
@click.option("--password", envvar="FIELDVISIT_NEW_USER_PASSWORD", help="Asked for if not given.")
@with_appcontext
def create_user(
    email: str, roles: tuple[str, ...], school_urn: str | None, name: str, password: str | None
) -> None:
    """Add a user with one or more roles."""
    from sqlalchemy import select

    from fieldvisit.accounts.services import create_user as create
    from fieldvisit.core.db import db as database
    from fieldvisit.core.errors import DomainError
    from fieldvisit.core.permissions import Role
    from fieldvisit.schools.models import School

    school = None
    if school_urn:
        school = database.session.scalar(select(School).where(School.urn == school_urn))
        if school is None:
            raise click.UsageError(f"No school has the URN {school_urn}.")
    if password is None:
        password = getpass.getpass("Password (12 characters or more): ")
    try:
        user = create(
            database.session,
            email=email,
            name=name or email.split("@")[0],
            password=password,
            roles={Role(r) for r in roles},
            school=school,
        )
    except DomainError as error:
        raise click.UsageError(error.message) from None
    database.session.commit()
    click.echo(f"Created user {user.id} ({', '.join(sorted(roles))}).")


@cli.command()
@click.option(
    "--host",
    default=None,
    help="Address to listen on.  [default: 127.0.0.1; with --https, this machine's LAN address]",
)
@click.option("--port", default=5000, type=int, show_default=True)
@click.option(
    "--workers",
    default=1,
    type=click.IntRange(min=1),
    show_default=True,
    help="Processes: above 1 runs gunicorn, on PostgreSQL only.",
)
@click.option(
    "--threads",
    default=8,
    type=click.IntRange(min=1),
    show_default=True,
    help="Threads per process: requests answered at once by each.",
)
@click.option(
    "--connection-limit",
    default=500,
    type=click.IntRange(min=1),
    show_default=True,
    help="Open connections the server accepts in all; more wait in the listen queue.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not send emails from this process: leave them to `fieldvisit worker`.",
)
@click.option(
    "--https",
    "use_https",
    is_flag=True,
    help="Serve TLS with a self-signed certificate made in the instance folder, to try the "
    "phone app on a real phone over the LAN (production: a TLS reverse proxy instead).",
)
def serve(
    host: str | None,
    port: int,
    workers: int,
    threads: int,
    connection_limit: int,
    no_worker: bool,
    use_https: bool,
) -> None:
    """Serve the app with a production WSGI server and send its emails.

    One process (waitress) by default; --workers N runs gunicorn with N processes, which
    needs PostgreSQL.
    """
    from fieldvisit import server
    from fieldvisit.core.outbox import Worker
    from fieldvisit.core.storage import storage

    app = create_app()
    sqlite = app.config["DATABASE_URL"].startswith("sqlite")
    if workers > 1 and sqlite:
        raise click.UsageError(
            "--workers above 1 needs PostgreSQL: SQLite lets one process write at a time, "
            "so more processes would only queue for its lock. Use --threads on SQLite, or "
            "move to PostgreSQL (see the README)."
        )
    with app.app_context():
        storage().remove_stale_temporary_files()  # left by a crash or a power cut
    if use_https:
        if workers > 1:
            raise click.UsageError(
                "--https is for trying the app on a phone, in one process; in production "
                "a TLS reverse proxy serves HTTPS in front of --workers."
            )
        _serve_https(app, host, port, no_worker)
        return
    host = host or "127.0.0.1"
    click.echo(f"fieldvisit is serving on http://{host}:{port}/")
    if workers == 1:
        if not no_worker:
            Worker(app).start_thread()
        server.serve_waitress(app, host, port, threads, connection_limit)
        return

    def worker_app():
        """Build the app in a gunicorn worker process, after the fork."""
        built = create_app()
        if not no_worker:
            Worker(built).start_thread()  # workers claim emails with SKIP LOCKED: safe
        return built

    with app.app_context():
        from fieldvisit.core.db import db as database

        database.engine.dispose()  # no connection crosses the fork
    server.serve_gunicorn(worker_app, host, port, workers, threads, connection_limit)


def _serve_https(app: Flask, host: str | None, port: int, no_worker: bool) -> None:
    """Serve TLS for a trial on a phone. waitress has no TLS, so this is werkzeug's threaded
    server: fine for a few people trying the app, not for production."""
    from werkzeug.serving import make_server

    from fieldvisit.core import tls
    from fieldvisit.core.outbox import Worker

    host = host or tls.lan_address()
    # Listening on every interface: the phone reaches the LAN address, so name that one.
    named = tls.lan_address() if host in {"0.0.0.0", "::"} else host
    certificate = tls.ensure_certificate(Path(app.instance_path), named)
    server = make_server(
        host,
        port,
        tls.OfferCertificate(app, certificate),
        threaded=True,
        ssl_context=tls.ssl_context(certificate),
    )
    if not no_worker:
        Worker(app).start_thread()
    shown = f"[{named}]" if ":" in named else named
    click.echo(f"fieldvisit is serving on https://{shown}:{port}/ (phone app: /app/)")
    click.echo(f"Certificate: {certificate.cert_file}")
    click.echo(f"Its SHA-256 fingerprint: {certificate.fingerprint}")
    click.echo(
        f"To trust it on a phone, download https://{shown}:{port}{tls.CERTIFICATE_PATH} "
        "and install it (see README, 'Trying the app on a phone')."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@cli.command()
@click.option("--once", is_flag=True, help="Send the emails and run the jobs due, then exit.")
def worker(once: bool) -> None:
    """Send queued emails and run background jobs, until stopped (SIGTERM or Ctrl-C)."""
    import signal

    from fieldvisit.core import jobs
    from fieldvisit.core.outbox import Worker, deliver_due

    app = create_app()
    if once:
        with app.app_context():
            ran = jobs.run_due(limit=1_000)
            sent = deliver_due(limit=10_000)
        click.echo(
            f"Ran {ran} job{'s' if ran != 1 else ''}; sent {sent} email{'s' if sent != 1 else ''}."
        )
        return
    running = Worker(app)
    signal.signal(signal.SIGTERM, running.stop)
    signal.signal(signal.SIGINT, running.stop)
    click.echo("fieldvisit worker is sending emails and running jobs; stop it with Ctrl-C.")
    running.run()


@cli.command("verify-chronology")
@with_appcontext
def verify_chronology() -> None:
    """Check every case's chronology hash chain; exit 1 at the first break."""
    from fieldvisit.cases.models import chronology_heads
    from fieldvisit.chronology.services import verify_all
    from fieldvisit.core.db import db as database
    from fieldvisit.core.db import reading

    with reading():
        broken = next(verify_all(database.session, chronology_heads(database.session)), None)
    if broken is not None:
        where = f"entry {broken.entry_id}" if broken.entry_id else "an entry"
        click.echo(
            f"Chronology broken: case {broken.case_id}, {where} at position {broken.seq}: "
            f"{broken.problem}.",
            err=True,
        )
        sys.exit(1)
    click.echo("Every case's chronology is intact.")


@cli.command()
@click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(destination: Path) -> None:
    """Write the database and the file store to one archive (safe while the server runs)."""
    from fieldvisit.core import backup as backups
    from fieldvisit.core.storage import storage

    try:
        done = backups.backup(_app(), storage(), destination)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Backed up the {done.database} database (schema {done.revision}) and "
        f"{done.files} file{'s' if done.files != 1 else ''} to {destination}."
    )


@cli.command()
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database or file store that is not empty.")
@with_appcontext
def restore(source: Path, force: bool) -> None:
    """Check a backup against its manifest, then restore the database and the file store."""
    from fieldvisit.core import backup as backups
    from fieldvisit.core.db import db as database
    from fieldvisit.core.storage import storage

    database.engine.dispose()
    try:
        done = backups.restore(_app(), storage(), source, force=force)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Restored the {done.database} database (schema {done.revision}) and "
        f"{done.files} file{'s' if done.files != 1 else ''} from {source}. "
        "Run `fieldvisit db upgrade`, then `fieldvisit verify-chronology`."
    )


@cli.command("apply-retention")
@click.option("--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@with_appcontext
def apply_retention(dry_run: bool) -> None:
    """Delete closed cases past the LA's retention period, with their records and files."""
    from fieldvisit.admin import retention
    from fieldvisit.core.db import db as database
    from fieldvisit.core.references import case_reference
    from fieldvisit.core.storage import storage

    found = retention.plan(database.session)
    closed = f"closed before {found.closed_before:%Y-%m-%d} ({found.years} years)"
    if not found.case_ids:
        click.echo(f"No case was {closed}.")
        return
    verb = "Would delete" if dry_run else "Deleting"
    click.echo(f"{verb} {len(found.case_ids)} case(s) {closed}:")
    click.echo("  " + " ".join(case_reference(case_id) for case_id in found.case_ids))
    for table, count in found.counts().items():
        click.echo(f"  {table}: {count}")
    click.echo(f"  files: {len(found.file_keys)}")
    if dry_run:
        return
    retention.apply(database.session, found)
    database.session.commit()
    store = storage()
    for key in sorted(found.file_keys):
        store.delete(key)
    click.echo("Done: the audit log records the case ids and counts.")


@cli.command("send-reminders")
@click.option("--date", "on", help="Count as on this date (YYYY-MM-DD) instead of today.")
@with_appcontext
def send_reminders(on: str | None) -> None:
    """Email each school its overdue checklist items (through the outbox): run daily from cron."""
    from fieldvisit.cases.reminders import send_reminders as send
    from fieldvisit.core.dates import parse_iso_date, today_in_uk
    from fieldvisit.core.db import db as database

    try:
        day = parse_iso_date(on) if on else today_in_uk()
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    queued = send(database.session, day)
    database.session.commit()
    click.echo(f"Queued {queued} reminder email{'s' if queued != 1 else ''}.")


@cli.command("demo-code")
@click.argument("email")
@with_appcontext
def demo_code(email: str) -> None:
    """Print the current authenticator code of a demo user (demo users only)."""
    import pyotp

    from fieldvisit.demo import TOTP_KEYS

    if email not in TOTP_KEYS:
        raise click.UsageError(f"{email} is not a demo user with an authenticator key.")
    click.echo(pyotp.TOTP(TOTP_KEYS[email]).now())


def main() -> None:
    cli(obj=ScriptInfo(create_app=create_app, set_debug_flag=False), prog_name="fieldvisit")
