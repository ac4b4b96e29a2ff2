"""The wording sandbox bounds the text any wording builds and the time a render takes."""

from __future__ import annotations

import time

import pytest

from fieldvisit.letters import sandbox
from fieldvisit.letters.kinds import KINDS
from fieldvisit.letters.wording import check_wording, render_wording

ABSENCE = KINDS["absence"]
BIG = '{% set a = "xxxxxxxxxx" * 2000 %}'  # 20,000 characters, allowed on its own
DOUBLE = "{% set a = a ~ a %}"


@pytest.mark.parametrize(
    "source",
    [
        BIG + DOUBLE * 8 + "{{ a|length }}",  # the report's `~` doubling, smaller
        BIG + "{% set a = a + a + a %}{{ a|length }}",
        BIG + "{{ [a, a, a, a]|join }}",
        BIG + "{{ [a, a, a, a] }}",
        BIG + "{{ a|join(a) }}",
        BIG + "{{ a.join([a, a, a]) }}",
        BIG + '{{ a|replace("x", "yyyy") }}',
        BIG + '{{ a.replace("x", "yyyy") }}',
        "{{ pupil_name.ljust(10000000) }}",
        "{{ pupil_name.center(10000000) }}",
        "{{ '%09999999d' % 1 }}",
        "{{ pupil_name|center(10000000) }}",
        "{{ pupil_name|indent(10000000) }}",
        "{{ '{:>10000000}'.format(pupil_name) }}",
        BIG + "{% set b %}{{ a }}{{ a }}{{ a }}{% endset %}{{ b|length }}",
        BIG + "{% for c in 'abcd' %}{{ a }}{% endfor %}",
    ],
)
def test_wording_that_builds_huge_text_is_refused(source):
    problems = check_wording(ABSENCE, "Dear parent,\n\n" + source)
    assert problems, source
    assert any("fails with example details" in str(p) for p in problems)


def test_a_render_that_takes_too_long_is_stopped(monkeypatch):
    monkeypatch.setattr(sandbox, "MAX_RENDER_SECONDS", 0.2)
    endless = (
        '{% set a = "x" * 2000 %}'
        "{% for i in a %}{% for j in a %}{% for k in a %}{% endfor %}{% endfor %}{% endfor %}"
    )
    started = time.monotonic()
    with pytest.raises(sandbox.WordingTooSlow):
        render_wording(endless, ABSENCE.specimen())
    assert time.monotonic() - started < 2


def test_ordinary_wording_with_filters_and_string_methods_still_renders():
    source = (
        "{{ salutation }},\n\n{{ pupil_name|upper }} at {{ school_name.replace('School', 'Sch') }}"
        " ~ {{ ('a' ~ pupil_forename)|length }} {{ ['x', 'y']|join(', ') }}"
        "{% for c in 'ab' %}{{ c }}{% endfor %} {{ 'ab' * 3 }} {{ 2 + 3 }} {{ 7 % 4 }}"
    )
    assert check_wording(ABSENCE, source) == []
    fields = ABSENCE.specimen()
    text = str(render_wording(source, fields))
    assert fields["pupil_name"].upper() in text and "x, y" in text and "ab ababab 5 3" in text
