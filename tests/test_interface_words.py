"""The interface speaks to the people who use it: no developers' words on any page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
# "seed" is the developers' name for the LA's process document; users never see it.
DEVELOPER_WORDS = re.compile(r"\bseed(?:'s|ed|s)?\b", re.IGNORECASE)


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_says_seed(path):
    found = [
        f"line {n}: {line.strip()[:80]}"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if DEVELOPER_WORDS.search(re.sub(r"{#.*?#}", "", line))
    ]
    assert not found, found


def test_the_thresholds_shown_are_the_las_own(signed_in, session, world):
    world.la.referral_school_day, world.la.vulnerable_referral_school_day = 12, 6
    session.commit()
    page = signed_in(world.laao).get("/la/overview").get_data(as_text=True)
    assert "refer on school day 12, or on school day 6 for a vulnerable child" in page
    assert not DEVELOPER_WORDS.search(page)
