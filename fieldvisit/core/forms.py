"""Load form input through a marshmallow schema and report errors GOV.UK style."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict


@dataclass
class FormResult:
    data: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = messages
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(_flatten(value, f"{prefix}-{index}"))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


DATE_PARTS = ("day", "month", "year")


def _join_date(raw: dict[str, Any], name: str) -> tuple[str | None, str | None]:
    """Join a GOV.UK date input's three fields; say which part is missing."""
    parts = {part: str(raw.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS}
    if not any(parts.values()):
        return None, None
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        return None, f"The date must include a {' and a '.join(missing)}."
    if not all(p.isdigit() for p in parts.values()) or len(parts["year"]) != 4:
        return None, "Enter a real date, with the year in 4 digits, for example 27 3 2027."
    return f"{parts['year']}-{parts['month']:0>2}-{parts['day']:0>2}", None


def load_form(
    schema: Schema,
    form: MultiDict[str, str],
    list_fields: tuple[str, ...] = (),
    date_fields: tuple[str, ...] = (),
) -> FormResult:
    """Load a posted form; keep what the user typed for re-display on error.

    Date fields come as GOV.UK date inputs: `<name>-day`, `<name>-month`, `<name>-year`.
    """
    raw: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        raw[key] = form.getlist(key) if key in list_fields else form.get(key, "").strip()
    cleaned = {k: v for k, v in raw.items() if v not in ("", [])}
    errors: dict[str, list[str]] = {}
    for name in date_fields:
        for part in DATE_PARTS:
            cleaned.pop(f"{name}-{part}", None)
        value, problem = _join_date(raw, name)
        if problem:
            errors[name] = [problem]
        elif value:
            cleaned[name] = value
    try:
        data = schema.load(cleaned)
    except ValidationError as error:
        return FormResult(None, {**_flatten(error.messages), **errors}, raw=raw)
    return FormResult(None if errors else data, errors, raw=raw)


def date_values(name: str, value: date | None) -> dict[str, str]:
    """Fill a date input's three fields from a date, for forms that edit one."""
    if value is None:
        return {}
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }


def error_list(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """Turn field errors into the error summary's list of links."""
    return [
        {"text": messages[0], "href": f"#{name}" if name != "_schema" else "#main-content"}
        for name, messages in errors.items()
    ]
