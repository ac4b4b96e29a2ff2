"""Render HTML to PDF with WeasyPrint, reaching only the app's own static files."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from weasyprint import HTML, default_url_fetcher

STATIC_PREFIX = "/static/"


class FetchRefused(ValueError):
    pass


def static_url_fetcher(static_folder: str):  # noqa: ANN201
    """Return a URL fetcher that serves /static/... and data: URLs, and refuses the rest."""
    root = Path(static_folder).resolve()

    def fetch(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
        if url.startswith("data:"):
            return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
        path = unquote(urlsplit(url).path)
        if not path.startswith(STATIC_PREFIX):
            raise FetchRefused(f"PDF rendering may not fetch {url!r}")
        target = (root / path[len(STATIC_PREFIX) :]).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise FetchRefused(f"PDF rendering may not fetch {url!r}")
        return {
            "string": target.read_bytes(),
            "mime_type": mimetypes.guess_type(target.name)[0] or "application/octet-stream",
            "redirected_url": url,
        }

    return fetch


def render_pdf(html: str, *, base_url: str = "http://fieldvisit.local/") -> bytes:
    """Render one HTML document to PDF bytes."""
    assert current_app.static_folder is not None
    fetcher = static_url_fetcher(current_app.static_folder)
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()
