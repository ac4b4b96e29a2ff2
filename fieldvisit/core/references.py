"""The references people read out and type: a case C000034, a referral R000012.

Numbers only (the database ids), never a name: they appear in letters, emails and logs.
"""

from __future__ import annotations

import re

CASE = "C"
REFERRAL = "R"
# What a person types back: either letter, leading zeros and spaces optional (c 34, R000012).
_TYPED = re.compile(r"^([RC])0*(\d{1,9})$")


def case_reference(case_id: int) -> str:
    return f"{CASE}{case_id:06d}"


def referral_reference(referral_id: int) -> str:
    return f"{REFERRAL}{referral_id:06d}"


def parse_reference(text: str) -> tuple[str, int] | None:
    """Read a typed reference: ("C", 34) from "c 000034"; None if it is not one."""
    match = _TYPED.match(text.upper().replace(" ", ""))
    return (match.group(1), int(match.group(2))) if match else None
