"""The letters' QR codes: the mask chosen quickly is the one the standard's search picks,
and the code reads back."""

from __future__ import annotations

import secrets

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M

from fieldvisit.core.qr import best_mask, qr_png_data_uri


def searched_mask(text: str) -> int:
    """The mask qrcode's own search picks (every mask built and scored in full)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.best_fit()
    return code.best_mask_pattern()


def quick_mask(text: str) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(text)
    code.best_fit()
    return best_mask(code)


@pytest.mark.parametrize("seed", range(60))
def test_the_mask_for_a_letter_link_is_the_one_the_full_search_picks(seed):
    link = f"https://fieldvisit.example.gov.uk/l/{secrets.token_urlsafe(24)}"
    assert quick_mask(link) == searched_mask(link)


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=0, max_size=300))
def test_the_mask_matches_the_full_search_for_any_text(text):
    assert quick_mask(text) == searched_mask(text)


def test_the_image_is_a_png_data_uri_of_the_same_symbol():
    link = "https://fieldvisit.example/l/" + "A" * 32
    uri = qr_png_data_uri(link)
    assert uri.startswith("data:image/png;base64,")
    full = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=4)
    full.add_data(link)
    full.make(fit=True)
    quick = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=4, border=4)
    quick.add_data(link)
    quick.best_fit()
    quick.makeImpl(False, best_mask(quick))
    assert quick.modules == full.modules  # the same symbol, module for module
