"""Render HTML to PDF with WeasyPrint, reaching only the app's own static files."""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from threading import Lock
from typing import Any
from urllib.parse import unquote, urlsplit

import pikepdf
from flask import current_app
from weasyprint import HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    pass


class StaticUrlFetcher(URLFetcher):
    """Serve /static/... and data: URLs to WeasyPrint, and refuse everything else."""

    def __init__(self, static_folder: str) -> None:
        super().__init__(allowed_protocols={"data", "http", "https"})
        self.root = Path(static_folder).resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = unquote(urlsplit(url).path)
        if not path.startswith(STATIC_PREFIX):
            raise FetchRefused(f"PDF rendering may not fetch {url!r}")
        target = (self.root / path[len(STATIC_PREFIX) :]).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            raise FetchRefused(f"PDF rendering may not fetch {url!r}")
        mime = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, target.read_bytes(), {"Content-Type": mime})


def static_url_fetcher(static_folder: str) -> StaticUrlFetcher:
    """Return a URL fetcher that serves /static/... and data: URLs, and refuses the rest."""
    return StaticUrlFetcher(static_folder)


def render_document(
    html: str,
    *,
    base_url: str = "http://fieldvisit.local/",
    font_config: FontConfiguration | None = None,
) -> Document:
    """Lay out one HTML document; share `font_config` across a batch to lay out faster."""
    assert current_app.static_folder is not None
    fetcher = static_url_fetcher(current_app.static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(font_config=font_config)


def render_pdf(html: str, *, base_url: str = "http://fieldvisit.local/") -> bytes:
    """Render one HTML document to PDF bytes."""
    return render_document(html, base_url=base_url).write_pdf()


class RenderedPdfs:
    """The PDFs this process rendered last, by the SHA-256 of the HTML that determines them.

    Laying out a PDF holds the GIL for hundreds of milliseconds, stalling the process's other
    threads; the same chronology is often downloaded again unchanged. Any change to what the
    PDF shows changes its HTML and so its key, so nothing stale is ever returned. Kept in
    memory only (personal data stays out of the file store) and bounded in bytes.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0
        self._lock = Lock()

    def get_or_render(self, key_html: str, render: Callable[[], bytes]) -> bytes:
        key = hashlib.sha256(key_html.encode()).hexdigest()
        with self._lock:
            cached = self._items.get(key)
            if cached is not None:
                self._items.move_to_end(key)
                return cached
        body = render()
        if len(body) <= self.max_bytes // 4:
            with self._lock:
                if key not in self._items:
                    self._items[key] = body
                    self._size += len(body)
                while self._size > self.max_bytes:
                    self._size -= len(self._items.popitem(last=False)[1])
        return body

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0


def merge_pdfs(pdfs: list[bytes]) -> bytes:
    """Join PDFs into one, page for page, each page's objects copied unchanged (qpdf)."""
    merged = pikepdf.Pdf.new()
    # The pages' content is read from their own PDFs when the merged one is written, so
    # those stay open until then.
    with contextlib.ExitStack() as sources:
        for data in pdfs:
            source = sources.enter_context(pikepdf.Pdf.open(io.BytesIO(data)))
            merged.pages.extend(source.pages)
        output = io.BytesIO()
        merged.save(output)
    return output.getvalue()
