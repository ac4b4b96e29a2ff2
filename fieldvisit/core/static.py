"""Static files: a URL made by `url_for('static', ...)` carries `?v=` and the first 12 hex
digits of the file's SHA-256, computed once at start-up. Asked for with the current hash, a
file is cached for a year (`immutable`): a new release changes the hash, hence the URL.
Without it (the phone app's ES modules import `./db.js`, stylesheets name their fonts) or
with an old one, the browser revalidates every time (`no-cache`, a 304 by ETag when
unchanged), so nothing is ever stale."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, request

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
HASH_LENGTH = 12


def content_hashes(folder: str | Path) -> dict[str, str]:
    """Return each file's path under `folder` (with /) and the start of its SHA-256."""
    root = Path(folder)
    hashes = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            hashes[path.relative_to(root).as_posix()] = digest[:HASH_LENGTH]
    return hashes


def init_app(app: Flask) -> None:
    assert app.static_folder is not None
    hashes = content_hashes(app.static_folder)
    app.extensions["fieldvisit.static_hashes"] = hashes

    @app.url_defaults
    def _add_content_hash(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            version = hashes.get(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def _static_cache_lifetime(response: Any) -> Any:
        if request.endpoint != "static":
            return response
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        current = version is not None and version == hashes.get(filename)
        response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
        response.headers.pop("Expires", None)
        return response
