"""Compress text answers (pages, JSON, scripts, styles, SVG) with brotli or gzip.

Written here rather than taken from flask-compress: that library also pulls in a zstd
back-port, and it rewrites a strong ETag to `"tag:gzip"`, which the static files' own
conditional check then never matches, so the phone app's modules (revalidated by ETag on
every load) would be sent whole each time. Here a compressed answer's ETag becomes weak
(`W/"tag"`), as nginx does, and a revalidation still gets 304 Not Modified.
"""

from __future__ import annotations

import gzip
from collections import OrderedDict
from threading import Lock
from typing import Any

from flask import Flask, request

try:  # brotli is a dependency, but gzip alone still works without it
    import brotli
except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
    brotli = None

# Text types only: images, PDFs and archives are compressed already.
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/javascript",
        "text/plain",
        "text/csv",
        "text/xml",
        "application/javascript",
        "application/json",
        "application/problem+json",
        "application/manifest+json",
        "application/xml",
        "image/svg+xml",
        "application/wasm",  # the QR scanner's fallback, about a third of its size compressed
    }
)
# Below this a compressed body saves less than its headers and the CPU cost.
MIN_SIZE = 500
# Bigger answers are sent as they are rather than held in memory whole to compress them.
MAX_SIZE = 8 * 1024 * 1024
# Static files are compressed once, at the highest settings, and kept (about 2 MiB in all).
_STATIC_CACHE_ENTRIES = 64


class _StaticCache:
    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, str, str]) -> bytes | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str, str], value: bytes) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > _STATIC_CACHE_ENTRIES:
                self._items.popitem(last=False)


def choose_encoding(accept_encoding: Any) -> str | None:
    """Return "br", "gzip" or None for the request's Accept-Encoding (a werkzeug Accept)."""
    if brotli is not None and accept_encoding.quality("br") > 0:
        return "br"
    if accept_encoding.quality("gzip") > 0:
        return "gzip"
    return None


def compress(data: bytes, encoding: str, *, best: bool = False) -> bytes:
    if encoding == "br":
        assert brotli is not None
        # 11 is brotli's best, and slow: for big files (the scanner's WebAssembly) 9.
        quality = (11 if len(data) <= 256 * 1024 else 9) if best else 5
        return brotli.compress(data, quality=quality)
    return gzip.compress(data, compresslevel=9 if best else 6, mtime=0)


def init_app(app: Flask) -> None:
    cache = _StaticCache()

    @app.after_request
    def _compress(response: Any) -> Any:
        if response.mimetype not in COMPRESSIBLE:
            return response
        response.vary.add("Accept-Encoding")
        if (
            response.status_code != 200
            or "Content-Encoding" in response.headers
            or (response.is_streamed and not response.direct_passthrough)  # a generator
            or (response.content_length is not None and response.content_length < MIN_SIZE)
            or (response.content_length or 0) > MAX_SIZE
        ):
            return response
        encoding = choose_encoding(request.accept_encodings)
        if encoding is None:
            return response
        etag, weak = response.get_etag()
        key = (request.path, etag or "", encoding)
        is_static = request.endpoint == "static" and etag is not None
        body = cache.get(key) if is_static else None
        if body is None:
            response.direct_passthrough = False  # a static file: read it to compress it
            data = response.get_data()
            if len(data) < MIN_SIZE:
                return response
            body = compress(data, encoding, best=is_static)
            if is_static:
                cache.put(key, body)
        if hasattr(response.response, "close"):  # the file read, or not needed: kept copy
            response.response.close()
        response.direct_passthrough = False
        response.set_data(body)
        response.headers["Content-Encoding"] = encoding
        response.headers.pop("Accept-Ranges", None)
        if etag and not weak:
            # The bytes differ from the file's; the content is the same (RFC 9110 8.8.1).
            response.set_etag(etag, weak=True)
        return response
