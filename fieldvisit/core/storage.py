"""Where files are kept (photos, letter copies, uploaded notices): one interface.

A file the server has confirmed must survive a power cut, since the phone then deletes its
copy: it is written to a temporary file in its own folder, flushed, renamed over its name
and the folder flushed (with any folder made for it), all before `put` returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from flask import current_app

from fieldvisit.core.errors import DomainError

log = logging.getLogger("fieldvisit.storage")

_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-/.]*$")
# Keys start with a letter or digit, so temporary names never clash with them.
TEMP_PREFIX = ".tmp-"
STALE_AFTER_SECONDS = 3600


class FileMissing(DomainError):
    """A record's file is not in the store (lost, or not restored from a backup)."""

    code = "file_missing"
    status = 410

    def __init__(self) -> None:
        super().__init__(
            "The file for this record is missing from the file store. Tell your "
            "administrator: it has to be restored from a backup."
        )


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def stored_keys(self) -> Iterator[str]: ...
    def check_writable(self) -> None: ...
    def remove_stale_temporary_files(self, older_than: float = ...) -> int: ...


def check_key(key: str) -> str:
    """Return the key if it is a relative path of safe names; raise ValueError if not."""
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


def _fsync_folder(folder: Path) -> None:
    """Flush a folder's entries (a rename or a new name in it) to the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStorage:
    """Files in a local folder, written durably; keys are relative paths."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _make_folders(self, folder: Path) -> None:
        """Make the folder and any missing parent, flushing each new name's parent."""
        missing = []
        while not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for new in reversed(missing):
            with contextlib.suppress(FileExistsError):  # another request made it just now
                new.mkdir()
            _fsync_folder(new.parent)

    def put(self, key: str, data: bytes) -> str:
        """Store bytes under key durably and return their SHA-256."""
        path = self._path(key)
        self._make_folders(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_folder(path.parent)
        return hashlib.sha256(data).hexdigest()

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            log.error("storage file missing key=%s", key)
            raise FileMissing() from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def stored_keys(self) -> Iterator[str]:
        """Yield the key of every stored file, in a stable order (not temporary files)."""
        if not self.root.is_dir():
            return
        for folder, folders, names in os.walk(self.root):
            folders.sort()
            for name in sorted(names):
                if not name.startswith(TEMP_PREFIX):
                    yield (Path(folder) / name).relative_to(self.root).as_posix()

    def check_writable(self) -> None:
        """Write and remove a small file at the root; raise OSError if that fails."""
        self._make_folders(self.root)
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=TEMP_PREFIX + "health-") as probe:
            probe.write(b"ok")
            probe.flush()

    def remove_stale_temporary_files(self, older_than: float = STALE_AFTER_SECONDS) -> int:
        """Remove temporary files a crash left behind (not those being written); return how
        many."""
        cutoff = time.time() - older_than
        removed = 0
        for folder, _, names in os.walk(self.root):
            for name in names:
                if not name.startswith(TEMP_PREFIX):
                    continue
                path = Path(folder) / name
                with contextlib.suppress(FileNotFoundError):
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        removed += 1
        if removed:
            log.info("storage removed %d stale temporary files", removed)
        return removed


def open_storage(location: str, *, s3_endpoint_url: str | None = None) -> Storage:
    """Return the store at a location: `s3://bucket/prefix`, or a local folder."""
    from fieldvisit.core import s3

    if s3.is_s3(location):
        return s3.S3Storage(location, endpoint_url=s3_endpoint_url)
    return LocalStorage(location)


def storage() -> Storage:
    """Return the app's storage (FIELDVISIT_STORAGE, a local folder by default)."""
    store = current_app.extensions.get("fieldvisit.storage")
    if store is None:
        config = current_app.config
        store = open_storage(config["STORAGE"], s3_endpoint_url=config.get("S3_ENDPOINT_URL"))
        current_app.extensions["fieldvisit.storage"] = store
    return store
