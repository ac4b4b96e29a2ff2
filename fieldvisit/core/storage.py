"""Where files are kept (photos, letter copies, uploaded notices): one interface."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[a-z0-9][a-z0-9_\-/.]*$")


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> str: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a local folder, written atomically; keys are relative paths."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def put(self, key: str, data: bytes) -> str:
        """Store bytes under key and return their SHA-256."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
        return hashlib.sha256(data).hexdigest()

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """Return the app's storage (FIELDVISIT_STORAGE, a local folder by default)."""
    store = current_app.extensions.get("fieldvisit.storage")
    if store is None:
        store = LocalStorage(current_app.config["STORAGE"])
        current_app.extensions["fieldvisit.storage"] = store
    return store
