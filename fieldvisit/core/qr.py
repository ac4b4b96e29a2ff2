"""QR codes as data: URIs, so PDF rendering never fetches them.

The standard (ISO/IEC 18004, 7.8.3) has the encoder try the eight mask patterns and keep
the one whose symbol scores the lowest penalty. `qrcode` does that by building the whole
symbol eight times and scoring it cell by cell: most of a letter's QR cost. Here the
symbol is built once; the other seven differ from it only where their mask differs on data
cells, which depends on the version alone and is worked out once per version; and each
row and column is scored as an integer of bits. The mask chosen is the one `qrcode` would
choose (tests/unit/test_qr.py checks that on many links).
"""

from __future__ import annotations

import base64
import io
import re
from functools import cache

import qrcode
from PIL import Image, ImageOps
from qrcode.constants import ERROR_CORRECT_M

MASKS = range(8)
# The finder-like pattern, dark:light:dark:light:dark 1:1:3:1:1 with four light modules on
# one side; overlapping matches count, as in the standard.
_FINDER_LIKE = re.compile(r"(?=10111010000|00001011101)")
_LONG_RUN = re.compile(r"0{5,}|1{5,}")


def qr_png_data_uri(text: str, *, box_size: int = 4) -> str:
    """Return a PNG QR code holding `text`, as a data: URI for an <img>."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(text)
    code.best_fit()
    code.makeImpl(False, best_mask(code))
    buffer = io.BytesIO()
    _image(code.modules, box_size=box_size, border=4).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _image(modules: list[list[bool | None]], *, box_size: int, border: int) -> Image.Image:
    """Draw the symbol one pixel a module, add the light quiet zone, then scale it up."""
    size = len(modules)
    symbol = Image.new("L", (size, size))
    symbol.putdata([0 if dark else 255 for row in modules for dark in row])
    framed = ImageOps.expand(symbol, border=border, fill=255).convert("1")
    side = (size + 2 * border) * box_size
    return framed.resize((side, side), Image.Resampling.NEAREST)


def best_mask(code: qrcode.QRCode) -> int:
    """Return the mask pattern with the lowest penalty for the code's data and version."""
    code.makeImpl(True, 0)
    rows = _as_ints(code.modules)
    size = len(rows)
    scores = [
        penalty([row ^ flip for row, flip in zip(rows, flips, strict=True)], size)
        for flips in _mask_flips(code.version, code.error_correction)
    ]
    return scores.index(min(scores))  # the first of equals, as qrcode picks


@cache
def _mask_flips(version: int, error_correction: int) -> tuple[tuple[int, ...], ...]:
    """For each mask, the cells where its symbol differs from mask 0's, as row bits.

    Function patterns are the same under every mask (format information is left light
    while masks are compared), and data cells differ exactly where the two masks differ,
    whatever the data: so any data of this version gives the answer.
    """
    code = qrcode.QRCode(version=version, error_correction=error_correction)
    code.add_data("")
    code.makeImpl(True, 0)
    base = _as_ints(code.modules)
    flips = []
    for mask in MASKS:
        code.makeImpl(True, mask)
        flips.append(tuple(a ^ b for a, b in zip(base, _as_ints(code.modules), strict=True)))
    return tuple(flips)


def _as_ints(modules: list[list[bool | None]]) -> list[int]:
    return [int("".join("1" if cell else "0" for cell in row), 2) for row in modules]


def penalty(rows: list[int], size: int) -> int:
    """Score a symbol by the standard's four rules (rows as bits, most significant first)."""
    lines = [format(row, f"0{size}b") for row in rows]
    columns = ["".join(column) for column in zip(*lines, strict=True)]
    # Every row and column in one string, kept apart by a character neither pattern has.
    text = "|".join(lines + columns)
    full = (1 << size) - 1
    # Rule 1: five or more of one colour in a row or column, 3 points and 1 per extra.
    score = sum(len(run) - 2 for run in _LONG_RUN.findall(text))
    # Rule 3: a finder-like pattern, 40 points each.
    score += 40 * len(_FINDER_LIKE.findall(text))
    # Rule 2: every 2x2 block of one colour, 3 points (blocks overlap).
    for upper, lower in zip(rows, rows[1:], strict=False):
        same_vertically = ~(upper ^ lower) & full
        same_across = ~(upper ^ (upper >> 1))
        score += (
            3 * (same_vertically & (same_vertically >> 1) & same_across & full >> 1).bit_count()
        )
    # Rule 4: 10 points for each full 5 % that the dark share departs from half.
    dark = sum(row.bit_count() for row in rows)
    score += int(abs(dark / size**2 * 100 - 50) / 5) * 10
    return score
