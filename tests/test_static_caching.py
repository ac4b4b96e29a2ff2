"""Static URLs carry their content's hash and are cached for a year; other static URLs
(ES-module imports, fonts named by stylesheets, an old hash) are revalidated every time."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from flask import url_for

from fieldvisit.core.static import IMMUTABLE
from fieldvisit.visits.shell import SHELL_STATIC

STATIC = Path(__file__).resolve().parent.parent / "fieldvisit" / "static"


def _get(client, url: str, **headers: str):
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def _version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_url_for_static_adds_the_content_hash(app):
    with app.test_request_context():
        url = url_for("static", filename="vendor/pwa/db.js")
    parts = urlsplit(url)
    assert parts.path == "/static/vendor/pwa/db.js"
    assert parse_qs(parts.query) == {"v": [_version("vendor/pwa/db.js")]}


def test_hashed_vendor_and_app_files_are_cached_for_a_year(app, client):
    for name in (
        "vendor/govuk-frontend/govuk-frontend.min.css",
        "vendor/pwa/app.js",
        "vendor/idb/index.js",
    ):
        with app.test_request_context():
            url = url_for("static", filename=name)
        response = _get(client, url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url


def test_without_the_hash_or_with_an_old_one_the_file_is_revalidated(client):
    for url in ("/static/vendor/pwa/db.js", "/static/vendor/pwa/db.js?v=000000000000"):
        response = _get(client, url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache", url
        etag = response.headers["ETag"]
        again = _get(client, url, **{"If-None-Match": etag})
        assert again.status_code == 304


def test_pages_with_personal_data_are_still_not_stored(client, world, signed_in):
    signed_in(world.school_user)
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_the_service_worker_precaches_hashed_urls_and_finds_bare_module_imports(client):
    body = client.get("/app/sw.js").get_data(as_text=True)
    shell = json.loads(body.split("const SHELL = ", 1)[1].split(";\n", 1)[0])
    versioned = [url for url in shell if url.startswith("/static/")]
    assert len(versioned) == len(SHELL_STATIC)
    for url in versioned:
        parts = urlsplit(url)
        name = parts.path.removeprefix("/static/")
        assert parse_qs(parts.query) == {"v": [_version(name)]}, url
    # app.js imports "./db.js" with no query: the worker matches shell files by path alone
    assert "BY_PATH.has(url.pathname)" in body
    assert "!url.search" not in body
    # its own imports are hashed too, so a changed module changes the worker's bytes
    assert f'from "/static/vendor/pwa/db.js?v={_version("vendor/pwa/db.js")}"' in body


def test_the_app_page_loads_its_hashed_files(client):
    page = client.get("/app/").get_data(as_text=True)
    assert f'src="/static/vendor/pwa/app.js?v={_version("vendor/pwa/app.js")}"' in page
