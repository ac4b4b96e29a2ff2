"""The phone app's shell under /app/: the page, its manifest and its service worker."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, render_template, url_for

from fieldvisit.visits.models import VISIT_OUTCOME_LABELS

bp = Blueprint("pwa", __name__, url_prefix="/app")

# Static files the service worker precaches, with the page and manifest: the whole app
# shell. The scripts are the minified copies scripts/build_assets.py makes of
# fieldvisit/static/pwa/*.js. The service worker never caches anything else (no API
# answer, no photo).
SHELL_STATIC = (
    "vendor/govuk-frontend/govuk-frontend.app.min.css",
    "pwa/app.css",
    "vendor/pwa/app.js",
    "vendor/pwa/record.js",
    "vendor/pwa/outbox.js",
    "vendor/pwa/outbox-view.js",
    "vendor/pwa/sync.js",
    "vendor/pwa/schedule.js",
    "vendor/pwa/update.js",
    "vendor/pwa/api.js",
    "vendor/pwa/db.js",
    "vendor/pwa/photos.js",
    "vendor/pwa/scan.js",
    "vendor/pwa/ui.js",
    "vendor/idb/index.js",
    "pwa/icons/icon-192.png",
)
THEME_COLOUR = "#1d70b8"
APP_CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; manifest-src 'self'; worker-src 'self'"
)


def shell_urls() -> list[str]:
    """Return every URL the service worker precaches."""
    return [
        url_for("pwa.page"),
        url_for("pwa.manifest"),
        *(url_for("static", filename=name) for name in SHELL_STATIC),
    ]


def shell_version() -> str:
    """Return a version that changes whenever any file of the shell changes."""
    cached = current_app.extensions.get("fieldvisit.shell_version")
    if cached:
        return cached
    digest = hashlib.sha256()
    assert current_app.static_folder is not None
    for name in SHELL_STATIC:
        digest.update(name.encode())
        digest.update((Path(current_app.static_folder) / name).read_bytes())
    digest.update(_page().encode())
    digest.update(_manifest_json().encode())
    version = digest.hexdigest()[:16]
    current_app.extensions["fieldvisit.shell_version"] = version
    return version


def _page() -> str:
    return render_template("visits/app.html", outcomes=VISIT_OUTCOME_LABELS)


def _manifest_json() -> str:
    icons = [
        {"src": url_for("static", filename=f"pwa/icons/{name}"), "sizes": size, "type": "image/png"}
        | ({"purpose": "maskable"} if "maskable" in name else {})
        for name, size in (
            ("icon-192.png", "192x192"),
            ("icon-512.png", "512x512"),
            ("icon-maskable-512.png", "512x512"),
        )
    ]
    return current_app.json.dumps(
        {
            "name": "fieldvisit home visits",
            "short_name": "fieldvisit",
            "description": "Record home visits at the door, with or without signal.",
            "id": url_for("pwa.page"),
            "start_url": url_for("pwa.page"),
            "scope": url_for("pwa.page"),
            "display": "standalone",
            "orientation": "portrait",
            "background_color": "#ffffff",
            "theme_color": THEME_COLOUR,
            "icons": icons,
        }
    )


@bp.get("/")
def page() -> Any:
    """The app's one page; it holds no personal data, so it may be cached."""
    response = Response(_page(), mimetype="text/html")
    # The QR scanner's fallback is WebAssembly: compiling it needs 'wasm-unsafe-eval' (and
    # nothing wider) on this page only.
    response.headers["Content-Security-Policy"] = APP_CSP
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Any:
    return Response(_manifest_json(), mimetype="application/manifest+json")


@bp.get("/sw.js")
def service_worker() -> Any:
    body = render_template("visits/sw.js", version=shell_version(), shell=shell_urls())
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    # The same worker is registered for /l/ too, to answer letters' QR links offline: the
    # header allows scopes outside /app/ (the page still names /app/ and /l/ only).
    response.headers["Service-Worker-Allowed"] = "/"
    return response
