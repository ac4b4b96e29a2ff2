"""`fieldvisit backup` and `fieldvisit restore`: a round trip keeps every row and file."""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from fieldvisit import create_app
from fieldvisit.cli import cli
from fieldvisit.core.db import db
from fieldvisit.core.storage import storage
from fieldvisit.models import metadata
from tests.conftest import _settings


def run(app: Flask, *args: str):
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def fresh_app(database_url: str, folder: Path) -> Flask:
    """An app on a new, empty database (another database on the same PostgreSQL server)."""
    folder.mkdir()
    if make_url(database_url).get_backend_name() == "sqlite":
        url = f"sqlite:///{folder / 'fieldvisit.db'}"
    else:
        name = f"backup_{secrets.token_hex(4)}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        admin.dispose()
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    return create_app(_settings(url, folder))


def every_row(app: Flask) -> dict[str, list[tuple]]:
    with app.app_context():
        return {
            table.name: [
                tuple(row)
                for row in db.session.execute(
                    select(table).order_by(*table.primary_key.columns)
                ).all()
            ]
            for table in metadata.sorted_tables
        }


def every_file(app: Flask) -> dict[str, str]:
    with app.app_context():
        store = storage()
        return {key: hashlib.sha256(store.get(key)).hexdigest() for key in store.stored_keys()}


def rewrite(archive: Path, change) -> Path:
    """Copy the archive with `change(name, data) -> data` applied to each member."""
    copy = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive) as source, tarfile.open(copy, "w") as target:
        for member in source:
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_backup_and_restore_round_trip(database_url, tmp_path):
    source = fresh_app(database_url, tmp_path / "source")
    assert run(source, "db", "upgrade").exit_code == 0
    assert run(source, "seed-demo").exit_code == 0
    with source.app_context():
        storage().put("photos/extra/by-hand.jpg", b"\xff\xd8 not much of a photo")
    rows, files = every_row(source), every_file(source)
    assert rows["visit_photos"] and rows["chronology_entries"]
    assert any(key.startswith("visits/") for key in files)

    archive = tmp_path / "fieldvisit.backup"
    made = run(source, "backup", str(archive))
    assert made.exit_code == 0, made.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["schema_revision"] and manifest["fieldvisit_version"]
    assert manifest["files"] == files

    target = fresh_app(database_url, tmp_path / "target")
    assert run(target, "db", "upgrade").exit_code == 0
    restored = run(target, "restore", str(archive))
    assert restored.exit_code == 0, restored.output
    assert every_row(target) == rows
    assert every_file(target) == files
    checked = run(target, "verify-chronology")
    assert checked.exit_code == 0, checked.output

    # Not over what is there unless told to.
    with target.app_context():
        storage().put("photos/later.jpg", b"taken after the backup")
    refused = run(target, "restore", str(archive))
    assert refused.exit_code == 1 and "not empty" in refused.output
    forced = run(target, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert every_file(target) == files and every_row(target) == rows

    # A damaged file or a newer schema is refused before anything is replaced.
    damaged = rewrite(
        archive, lambda name, data: b"changed" if name == "files/photos/extra/by-hand.jpg" else data
    )
    refused = run(target, "restore", "--force", str(damaged))
    assert refused.exit_code == 1 and "damaged" in refused.output

    def newer(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "schema_revision": "ffffffffffff"}).encode()

    refused = run(target, "restore", "--force", str(rewrite(archive, newer)))
    assert refused.exit_code == 1 and "newer than this fieldvisit" in refused.output
    assert every_row(target) == rows
    for app in (source, target):
        with app.app_context():
            db.engine.dispose()


def test_restore_names_a_file_that_is_not_a_backup(app, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    result = run(app, "restore", str(junk))
    assert result.exit_code == 1 and "not a fieldvisit backup" in result.output


@pytest.mark.parametrize("missing", ["pg_dump"])
def test_postgres_backup_says_when_pg_dump_is_missing(monkeypatch, missing):
    from fieldvisit.core import backup

    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "POSTGRES_BINDIRS", ())
    with pytest.raises(backup.BackupError, match="postgresql-client"):
        backup._postgres_tool(missing)
