"""Keep only the GOV.UK Frontend and MOJ Frontend CSS rules fieldvisit can use.

The compiled stylesheets style every component of both design systems; fieldvisit uses a
fraction. A rule stays when every class its selector names appears somewhere fieldvisit
writes or sets classes: the templates, the app's and the vendored scripts (which add
classes at run time, like `govuk-frontend-supported`), and the Python that builds markup.
Class names built in a template from a prefix (`govuk-tag--{{ colour }}`) keep every class
with that prefix. Selectors inside :not() never decide. Over-keeping is harmless; dropping
a used rule is not, so `tests/test_purged_css.py` checks every class the templates name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import tinycss2

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = {".html", ".js", ".py", ".txt", ".svg"}
TOKEN = re.compile(r"[A-Za-z][\w-]*")
# A class name finished by a template expression: `govuk-tag--{{ ... }}`.
PREFIX = re.compile(r"([A-Za-z][\w-]*-)\{\{")
CLASS = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
NOT = re.compile(r":not\([^)]*\)")


def used_names(
    places: Iterable[Path] = (ROOT / "templates", ROOT / "fieldvisit"), skip: Iterable[Path] = ()
) -> tuple[set[str], tuple[str, ...]]:
    """Return every word that may be a class in these files and folders, and the prefixes
    of classes built in templates."""
    words: set[str] = set()
    prefixes: set[str] = set()
    skipped = {p.resolve() for p in skip}
    for place in places:
        for path in [place] if place.is_file() else place.rglob("*"):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            if skipped.intersection(path.resolve().parents):
                continue
            text = path.read_text(encoding="utf-8", errors="ignore")
            words.update(TOKEN.findall(text))
            prefixes.update(PREFIX.findall(text))
    return words, tuple(sorted(prefixes))


def _keeps(selector: str, words: set[str], prefixes: tuple[str, ...]) -> bool:
    for name in CLASS.findall(NOT.sub("", selector)):
        if name not in words and not name.startswith(prefixes):
            return False
    return True


def _purge_rules(rules: list, words: set[str], prefixes: tuple[str, ...]) -> str:
    out: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(rule.prelude).split(",")]
            kept = [s for s in selectors if _keeps(s, words, prefixes)]
            if kept:
                out.append(",".join(kept) + "{" + tinycss2.serialize(rule.content) + "}")
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports"):
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            body = _purge_rules(inner, words, prefixes)
            if body:
                prelude = tinycss2.serialize(rule.prelude).strip()
                out.append(f"@{rule.at_keyword} {prelude}{{{body}}}")
        elif rule.type == "at-rule":
            out.append(tinycss2.serialize([rule]))
    return "".join(out)


def purge(css: str, words: set[str], prefixes: tuple[str, ...]) -> str:
    """Return the stylesheet without the rules whose classes fieldvisit never uses."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return _purge_rules(rules, words, prefixes) + "\n"
