"""Render HTML to PDF with WeasyPrint, reaching only the app's own static files."""

from __future__ import annotations

import contextlib
import io
import mimetypes
from pathlib import Path
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
