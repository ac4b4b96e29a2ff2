"""Backups: the database and the file store in one archive, checked on restore.

The archive is a tar file holding `database.sqlite3` (SQLite's online backup, safe while the
server runs) or `database.pgdump` (`pg_dump` in custom format), every stored file under
`files/`, and `manifest.json`: the fieldvisit version, the schema revision and the SHA-256
of each member. The database is copied first and the files after it, so every file a row
refers to is in the archive (a file stored after the copy may be there too, unreferenced).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata as package_metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from fieldvisit.core.storage import Storage

log = logging.getLogger("fieldvisit.backup")

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files/"
POSTGRES_BINDIRS = (Path("/usr/lib/postgresql/15/bin"),)


class BackupError(Exception):
    """A backup or restore that cannot be done, said in plain words."""


@dataclass(frozen=True)
class Summary:
    database: str
    revision: str | None
    files: int


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    try:
        return package_metadata.version("fieldvisit")
    except package_metadata.PackageNotFoundError:
        return "unknown"


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def _engine(url: str) -> Engine:
    return create_engine(url, poolclass=NullPool)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _postgres_tool(name: str) -> str:
    """Find pg_dump or pg_restore on PATH or in Debian's PostgreSQL 15 folder."""
    if found := shutil.which(name):
        return found
    for folder in POSTGRES_BINDIRS:
        if (folder / name).is_file():
            return str(folder / name)
    raise BackupError(
        f"{name} was not found on PATH or in /usr/lib/postgresql/15/bin: install the "
        "PostgreSQL client (Debian: apt install postgresql-client-15)."
    )


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and an environment holding it."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None)
    return uri.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _copy_database(url: str, kind: str, into: Path) -> Path:
    if kind == "sqlite":
        target = into / "database.sqlite3"
        source = sqlite3.connect(make_url(url).database or "", timeout=30)
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    target = into / "database.pgdump"
    uri, env = _libpq(url)
    _run([_postgres_tool("pg_dump"), "--format=custom", f"--file={target}", uri], env)
    return target


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))


def backup(app: Flask, store: Storage, destination: Path) -> Summary:
    """Write the database and every stored file to one archive at destination."""
    url = app.config["DATABASE_URL"]
    kind = _kind(url)
    engine = _engine(url)
    try:
        revision = _revision(engine)
    finally:
        engine.dispose()
    destination = destination.resolve()
    partial = destination.with_name(destination.name + ".partial")
    manifest: dict = {
        "format": FORMAT,
        "fieldvisit_version": _version(),
        "schema_revision": revision,
        "database": {},
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix="fieldvisit-backup-") as work:
        database = _copy_database(url, kind, Path(work))
        manifest["database"] = {
            "kind": kind,
            "name": database.name,
            "sha256": _sha256_file(database),
        }
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
                tar.add(database, arcname=database.name, filter=_private)
                for key in store.stored_keys():
                    data = store.get(key)
                    manifest["files"][key] = hashlib.sha256(data).hexdigest()
                    _add_bytes(tar, FILES + key, data)
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
                tar.close()
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    log.info("backup written kind=%s revision=%s files=%d", kind, revision, len(manifest["files"]))
    return Summary(kind, revision, len(manifest["files"]))


def _read_archive(source: Path, into: Path) -> tuple[dict, dict[str, Path]]:
    """Unpack the archive into a folder, check every member against the manifest, return it."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    unpacked: dict[str, Path] = {}
    try:
        with tarfile.open(source, mode="r:*") as tar:
            for number, member in enumerate(tar):
                if not member.isfile():
                    raise BackupError(f"The archive holds {member.name!r}, which is not a file.")
                path = into / f"member-{number}"
                with tar.extractfile(member) as data, path.open("wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(data, out)
                unpacked[member.name] = path
    except tarfile.TarError as error:
        raise BackupError(f"{source} is not a fieldvisit backup: {error}.") from None
    if MANIFEST not in unpacked:
        raise BackupError(f"{source} has no manifest: it is not a fieldvisit backup.")
    manifest = json.loads(unpacked.pop(MANIFEST).read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"The backup's format {manifest.get('format')} is not known here.")
    expected = {manifest["database"]["name"]: manifest["database"]["sha256"]}
    expected |= {FILES + key: digest for key, digest in manifest["files"].items()}
    if set(unpacked) != set(expected):
        missing = sorted(set(expected) - set(unpacked))
        extra = sorted(set(unpacked) - set(expected))
        raise BackupError(
            f"The archive does not match its manifest: missing {missing}, not listed {extra}."
        )
    for name, digest in expected.items():
        if _sha256_file(unpacked[name]) != digest:
            raise BackupError(f"{name} in the backup is damaged: its SHA-256 does not match.")
    return manifest, unpacked


def _check_revision(app: Flask, revision: str | None) -> None:
    from fieldvisit.core.migrate import alembic_config

    if revision is None:
        raise BackupError("The backup has no schema revision: it was not made by `fieldvisit db`.")
    scripts = ScriptDirectory.from_config(alembic_config(app))
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"The backup's schema ({revision}) is newer than this fieldvisit "
            f"({scripts.get_current_head()}): restore it with the version that made it."
        )


def _database_is_empty(engine: Engine) -> bool:
    with engine.connect() as connection:
        names = [n for n in inspect(connection).get_table_names() if n != "alembic_version"]
        for name in names:
            quoted = connection.dialect.identifier_preparer.quote(name)
            if connection.execute(text(f"SELECT 1 FROM {quoted} LIMIT 1")).first():
                return False
    return True


def restore(app: Flask, store: Storage, source: Path, *, force: bool = False) -> Summary:
    """Check a backup, then replace the database and the file store with it."""
    url = app.config["DATABASE_URL"]
    kind = _kind(url)
    with tempfile.TemporaryDirectory(prefix="fieldvisit-restore-") as work:
        manifest, paths = _read_archive(source.resolve(), Path(work))
        if manifest["database"]["kind"] != kind:
            raise BackupError(
                f"The backup holds a {manifest['database']['kind']} database; this fieldvisit "
                f"uses {kind}."
            )
        revision = manifest["schema_revision"]
        _check_revision(app, revision)
        engine = _engine(url)
        try:
            empty = _database_is_empty(engine) and next(iter(store.stored_keys()), None) is None
        finally:
            engine.dispose()
        if not empty and not force:
            raise BackupError(
                "The database or the file store is not empty: restoring would replace what is "
                "there. Give --force to replace it."
            )
        database = paths[manifest["database"]["name"]]
        _replace_database(url, kind, database)
        wanted = set(manifest["files"])
        for key in sorted(wanted):
            store.put(key, paths[FILES + key].read_bytes())
        for key in [k for k in store.stored_keys() if k not in wanted]:
            store.delete(key)
    log.info("backup restored kind=%s revision=%s files=%d", kind, revision, len(wanted))
    return Summary(kind, revision, len(wanted))


def _replace_database(url: str, kind: str, database: Path) -> None:
    if kind == "sqlite":
        target_path = Path(make_url(url).database or "")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(database)
        target = sqlite3.connect(target_path, timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    uri, env = _libpq(url)
    _run(
        [
            _postgres_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={uri}",
            str(database),
        ],
        env,
    )
