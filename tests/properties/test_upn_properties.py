"""Properties of UPNs: valid ones round-trip, and a single mistyped character is caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldvisit.core.upn import ALPHABET, InvalidUPN, is_temporary, make_upn, validate_upn

DIGITS = "0123456789"
TYPABLE = DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ -"


@st.composite
def upns(draw: st.DrawFn) -> str:
    la = draw(st.text(DIGITS, min_size=3, max_size=3))
    estab = draw(st.text(DIGITS, min_size=4, max_size=4))
    year2 = draw(st.text(DIGITS, min_size=2, max_size=2))
    serial = draw(st.text(DIGITS, min_size=2, max_size=2))
    last = draw(st.sampled_from(DIGITS + ALPHABET))
    return make_upn(la, estab, year2, serial + last)


def value(char: str) -> int:
    return int(char) if char.isdigit() else ALPHABET.index(char)


@given(upns())
def test_a_built_upn_is_valid_and_survives_case_and_spaces(upn):
    assert validate_upn(upn) == upn
    assert validate_upn(f"  {upn.lower()} ") == upn
    assert is_temporary(upn) == upn[-1].isalpha()


@given(upns(), st.integers(0, 12), st.sampled_from(TYPABLE))
def test_one_mistyped_character_is_caught(upn, position, typed):
    if typed == upn[position]:
        return
    mistyped = upn[:position] + typed + upn[position + 1 :]
    # The scheme's one blind spot: the 13th character's digit 0-9 and letters A-K carry the
    # same values (a permanent UPN and a temporary one), so that swap keeps the check letter.
    same_value = (
        position == 12
        and typed in DIGITS + ALPHABET
        and typed.isdigit() != upn[-1].isdigit()
        and value(typed) == value(upn[-1])
    )
    if same_value:
        assert validate_upn(mistyped) == mistyped
        return
    with pytest.raises(InvalidUPN):
        validate_upn(mistyped)
