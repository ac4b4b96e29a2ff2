"""Text answers are compressed (brotli, else gzip); tiny bodies and images are not."""

from __future__ import annotations

import gzip

import brotli
import pytest

from fieldvisit.core import compress
from tests.conftest import sign_in
from tests.support.factories import make_case

CSS = "/static/vendor/govuk-frontend/govuk-frontend.min.css"


def _get(client, url: str, **headers: str):
    """GET url, read the whole body and close the answer (a static file's handle)."""
    response = client.get(url, headers=headers)
    response.get_data()
    response.close()
    return response


def _decoded(response) -> bytes:
    body = response.get_data()
    encoding = response.headers.get("Content-Encoding")
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    return body


def test_a_page_with_personal_data_is_compressed_and_still_not_stored(client, session, world):
    case = make_case(session, world)
    session.commit()
    sign_in(client, world.school_user)
    response = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert case.pupil.surname in _decoded(response).decode()


def test_gzip_when_brotli_is_not_accepted_and_nothing_when_neither(client, session, world):
    sign_in(client, world.school_user)
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert _decoded(zipped) == plain.get_data()


def test_gzip_when_the_brotli_package_is_missing(client, monkeypatch):
    monkeypatch.setattr(compress, "brotli", None)
    response = client.get("/app/sw.js", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"fieldvisit-shell-" in _decoded(response)


@pytest.mark.parametrize(
    ("url", "mimetype"),
    [
        (CSS, "text/css"),
        ("/static/vendor/pwa/app.js", "text/javascript"),
        ("/app/", "text/html"),
        ("/app/sw.js", "text/javascript"),
        ("/app/manifest.webmanifest", "application/manifest+json"),
        ("/api/v1/openapi.json", "application/json"),
        ("/static/vendor/barcode-detector/zxing_reader.wasm", "application/wasm"),
    ],
)
def test_text_answers_and_static_files_are_compressed(client, url, mimetype):
    response = _get(client, url, **{"Accept-Encoding": "br"})
    assert response.status_code == 200, url
    assert response.mimetype == mimetype
    assert response.headers["Content-Encoding"] == "br"
    plain = _get(client, url, **{"Accept-Encoding": "identity"})
    assert _decoded(response) == plain.get_data()
    assert len(response.get_data()) < len(plain.get_data())


def test_a_compressed_static_file_is_still_revalidated_with_304(client):
    first = _get(client, CSS, **{"Accept-Encoding": "br"})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')  # other bytes than the file's, the same content
    again = _get(client, CSS, **{"Accept-Encoding": "br", "If-None-Match": etag})
    assert again.status_code == 304
    # and the kept compressed copy is the same as the first one
    third = _get(client, CSS, **{"Accept-Encoding": "br"})
    assert third.get_data() == first.get_data()


def test_tiny_bodies_and_images_are_left_alone(client):
    tiny = client.get("/healthz", headers={"Accept-Encoding": "br, gzip"})
    assert len(tiny.get_data()) < compress.MIN_SIZE
    assert "Content-Encoding" not in tiny.headers
    with client.get(
        "/static/pwa/icons/icon-192.png", headers={"Accept-Encoding": "br, gzip"}
    ) as icon:
        assert icon.status_code == 200
        assert "Content-Encoding" not in icon.headers


def test_a_file_too_big_to_hold_in_memory_is_sent_as_it_is(client, monkeypatch):
    monkeypatch.setattr(compress, "MAX_SIZE", 1000)
    response = _get(client, CSS, **{"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
