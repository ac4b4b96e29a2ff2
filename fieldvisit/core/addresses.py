"""How an address is written out: its lines, blank ones dropped, the postcode last.

The one Python helper (pages, letters, the chronology); the phone app has its twin,
`oneLineAddress` in static/pwa/ui.js.
"""

from __future__ import annotations

from collections.abc import Iterable


def address_lines(lines: Iterable[str], postcode: str = "") -> list[str]:
    return [line for line in [*lines, postcode] if line and line.strip()]


def one_line(lines: Iterable[str], postcode: str = "") -> str:
    """An address on one line, for a table cell or a chronology entry: "1 High St, CB1 1AA"."""
    return ", ".join(address_lines(lines, postcode))
