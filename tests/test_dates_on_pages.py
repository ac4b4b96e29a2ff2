"""Every date a page shows reads as GOV.UK writes it ("26 December 2011"), never as ISO text.

The same walk as the audit test: every GET page of the app, opened on the demo data by the
first user who may see it; the words on the page (not its attributes or form values) must
hold no date like 2011-12-26.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.test_audit_coverage import NO_CHILD_DATA, _candidates, demo_clients

ISO_DATE = re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b")
# Files and data, not pages a person reads.
NOT_PAGES = ("static", "api.", "pwa.", "visits_api.", "health.")


class _Words(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style", "textarea"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "textarea"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words.append(data)


def _words(html: str) -> str:
    parser = _Words()
    parser.feed(html)
    return " ".join(parser.words)


def test_no_page_shows_a_date_as_iso_text(app, session):
    clients = demo_clients(app, session, "10.13.0")
    iso = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint.startswith(NOT_PAGES):
            continue
        if rule.endpoint in NO_CHILD_DATA and rule.arguments:
            continue
        shown = False
        for values in _candidates(session, rule)[:3]:
            with app.test_request_context():
                url = app.url_for(rule.endpoint, **values)
            for client in clients:
                answer = client.get(url)
                if answer.status_code == 200 and answer.mimetype == "text/html":
                    found = ISO_DATE.search(_words(answer.get_data(as_text=True)))
                    if found:
                        iso.append(f"{url}: {found.group(0)}")
                    shown = True
                    break
            if shown:
                break
    assert not iso, f"pages that show a date as ISO text: {iso}"
