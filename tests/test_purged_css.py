"""The purged GOV.UK and MOJ stylesheets keep every rule for a class the templates name."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import tinycss2

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

from purge_css import CLASS, purge  # noqa: E402

SHEETS = {
    "govuk-frontend": ROOT / "node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css",
    "moj-frontend": ROOT / "node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.css",
}
CLASS_ATTRIBUTE = re.compile(r'class="([^"{}]*)"')


def _template_classes(pattern: str = "*.html") -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "templates").rglob(pattern):
        for value in CLASS_ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
            names.update(value.split())
    return names


def _selectors(css: str) -> set[str]:
    """Every selector of the stylesheet's rules, in @media and @supports blocks too."""
    found: set[str] = set()

    def walk(rules: list) -> None:
        for rule in rules:
            if rule.type == "qualified-rule":
                found.update(s.strip() for s in tinycss2.serialize(rule.prelude).split(","))
            elif rule.type == "at-rule" and rule.content is not None:
                inner = tinycss2.parse_rule_list(rule.content, True, True)
                walk([r for r in inner if r.type in ("qualified-rule", "at-rule")])

    walk(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))
    return found


@pytest.mark.parametrize("package", sorted(SHEETS))
def test_every_selector_made_of_classes_the_templates_name_is_kept(package):
    original = SHEETS[package].read_text(encoding="utf-8")
    served = (ROOT / "fieldvisit/static/vendor" / package / f"{package}.min.css").read_text()
    named = _template_classes()
    needed = {
        s for s in _selectors(original) if CLASS.findall(s) and set(CLASS.findall(s)) <= named
    }
    kept = _selectors(served)
    assert needed and not needed - kept, sorted(needed - kept)[:20]
    assert len(served) < len(original)  # it did purge


def test_a_rule_goes_only_when_none_of_its_selectors_can_match():
    css = ".a{color:red}.b,.c{color:blue}@media (min-width:1px){.d{x:y}.a .e{x:y}}.f:not(.z){x:y}"
    out = purge(css, {"a", "c", "f"}, ("g-",))
    assert ".a{color:red}" in out and ".c{color:blue}" in out and ".b" not in out
    assert ".d" not in out and ".e" not in out and ".f:not(.z)" in out
    assert ".g-x{x:y}" in purge(".g-x{x:y}", set(), ("g-",))


def test_the_phone_apps_own_stylesheet_keeps_what_its_page_names():
    original = SHEETS["govuk-frontend"].read_text(encoding="utf-8")
    served = (
        ROOT / "fieldvisit/static/vendor/govuk-frontend/govuk-frontend.app.min.css"
    ).read_text()
    named = _template_classes("app.html")
    needed = {
        s for s in _selectors(original) if CLASS.findall(s) and set(CLASS.findall(s)) <= named
    }
    kept = _selectors(served)
    assert needed and not needed - kept, sorted(needed - kept)[:20]
    office = (ROOT / "fieldvisit/static/vendor/govuk-frontend/govuk-frontend.min.css").read_text()
    assert len(served) < len(office) / 2  # the shell every phone precaches stays small
