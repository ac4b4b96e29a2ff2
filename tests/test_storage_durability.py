"""A file the server has confirmed survives a power cut; failures leave no temporary files;
/healthz notices a store it cannot write to; a record whose file is gone says so clearly."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from fieldvisit.core import storage as storage_module
from fieldvisit.core.storage import LocalStorage
from tests.support.visits import assigned_case, jpeg_bytes, send, sha256, visit_item


def files_in(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_a_file_and_its_folders_are_flushed_before_put_returns(tmp_path, monkeypatch):
    steps: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        mode = os.fstat(fd).st_mode
        steps.append("fsync folder" if stat.S_ISDIR(mode) else "fsync file")
        real_fsync(fd)

    def replace(source: str, target: str) -> None:
        assert Path(source).parent == Path(target).parent  # same folder: an atomic rename
        steps.append("rename")
        real_replace(source, target)

    monkeypatch.setattr(storage_module.os, "fsync", fsync)
    monkeypatch.setattr(storage_module.os, "replace", replace)
    store = LocalStorage(tmp_path)
    store.put("visits/abc/photo.jpg", b"photo")
    # The new folders' names, then the file, the rename, and the file's folder.
    assert steps == ["fsync folder"] * 2 + ["fsync file", "rename", "fsync folder"]
    assert (tmp_path / "visits/abc/photo.jpg").read_bytes() == b"photo"

    steps.clear()
    store.put("visits/abc/other.jpg", b"other")  # the folders are there already
    assert steps == ["fsync file", "rename", "fsync folder"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch, failing):
    store = LocalStorage(tmp_path)
    store.put("letters/kept.pdf", b"kept")

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage_module.os, failing, fail)
    with pytest.raises(OSError):
        store.put("letters/new.pdf", b"new")
    assert files_in(tmp_path) == ["letters/kept.pdf"]


def test_temporary_files_left_by_a_crash_are_removed_once_stale(tmp_path):
    store = LocalStorage(tmp_path)
    store.put("visits/abc/photo.jpg", b"photo")
    stale = tmp_path / "visits/abc/.tmp-crashed"
    fresh = tmp_path / "visits/abc/.tmp-being-written"
    stale.write_bytes(b"half")
    fresh.write_bytes(b"half")
    hours_ago = time.time() - 7200
    os.utime(stale, (hours_ago, hours_ago))
    assert store.remove_stale_temporary_files() == 1
    assert files_in(tmp_path) == ["visits/abc/.tmp-being-written", "visits/abc/photo.jpg"]


def test_healthz_checks_the_file_store_can_be_written(app, client, tmp_path, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}
    store = Path(app.config["STORAGE"])
    assert not [name for name in files_in(store) if ".tmp-" in name]  # the probe is gone

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    monkeypatch.setitem(app.extensions, "fieldvisit.storage", LocalStorage(blocked / "store"))
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert (body["status"], body["database"]) == ("error", "ok")
    assert body["storage"].startswith("not writable")


def test_a_photo_whose_file_is_gone_is_a_clear_error(app, client, session, world, signed_in):
    case = assigned_case(session, world)
    session.commit()
    signed_in(world.officer)
    photo = jpeg_bytes()
    item = visit_item(case, photos=[sha256(photo)])
    send(client, item)
    client.put(f"/api/v1/visits/{item['client_uuid']}/photos/{sha256(photo)}", data=photo)
    client.post("/logout")
    store = Path(app.config["STORAGE"])
    for path in (store / "visits" / item["client_uuid"]).iterdir():
        path.unlink()
    signed_in(world.school_user)
    page = f"/visits/{item['client_uuid']}/photos/{sha256(photo)}"
    response = client.get(f"{page}.jpg")
    assert response.status_code == 410
    assert "missing from the file store" in response.get_data(as_text=True)
    assert client.get(f"{page}/thumbnail.jpg").status_code == 410
