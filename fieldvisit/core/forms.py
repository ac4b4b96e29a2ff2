"""Load form input through a marshmallow schema and report errors GOV.UK style."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from marshmallow import Schema, ValidationError, fields
from werkzeug.datastructures import MultiDict

from fieldvisit.core.errors import CaseChanged, DomainError, TransitionRefused


@dataclass
class FormResult:
    data: dict[str, Any] | None
    errors: dict[str, list[str]] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.data is not None and not self.errors


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages to field ids like `enquiries-0-said`."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}-{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_schema"] = messages
    elif isinstance(messages, list):
        for index, value in enumerate(messages):
            flat.update(flatten_errors(value, f"{prefix}-{index}"))
    else:
        flat[prefix or "_schema"] = [str(messages)]
    return flat


DATE_PARTS = ("day", "month", "year")


def join_date(raw: dict[str, Any], name: str) -> tuple[str | None, str | None]:
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
        value, problem = join_date(raw, name)
        if problem:
            errors[name] = [problem]
        elif value:
            cleaned[name] = value
    try:
        data = schema.load(cleaned)
    except ValidationError as error:
        return FormResult(None, {**flatten_errors(error.messages), **errors}, raw=raw)
    return FormResult(None if errors else data, errors, raw=raw)


def load_data(schema: Schema, data: dict[str, Any], raw: dict[str, Any]) -> FormResult:
    """Load data already shaped for the schema (nested, or read from a file)."""
    try:
        return FormResult(schema.load(data), raw=raw)
    except ValidationError as error:
        return FormResult(None, flatten_errors(error.messages), raw=raw)


def date_values(name: str, value: date | None) -> dict[str, str]:
    """Fill a date input's three fields from a date, for forms that edit one."""
    if value is None:
        return {}
    return {
        f"{name}-day": str(value.day),
        f"{name}-month": str(value.month),
        f"{name}-year": str(value.year),
    }


def form_errors(error: DomainError, field: str = "_schema") -> dict[str, list[str]]:
    """Turn a service's refusal into the form's errors: its own fields if it names them, a
    changed case on top (what was typed is kept), every blocking guard's reason on top,
    anything else on `field`."""
    if isinstance(error, TransitionRefused) and error.blocked:
        return {"_schema": [blocked.reason for blocked in error.blocked]}
    named = {k: list(v) for k, v in error.fields.items() if isinstance(v, list) and k != "guards"}
    if named:
        return named
    if isinstance(error, CaseChanged):
        return {"_schema": [f"{error.message} What you entered is kept below."]}
    return {field: [error.message]}


def errors_context(errors: dict[str, list[str]]) -> dict[str, Any]:
    """The two names every form template reads its errors from."""
    return {"errors": errors, "error_list": error_list(errors)}


def error_list(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """Turn field errors into the error summary's list of links: every message about the
    whole form first (a refusal can give several reasons), then each field's first."""
    whole = [{"text": message, "href": "#main-content"} for message in errors.get("_schema", [])]
    return whole + [
        {"text": messages[0], "href": f"#{name}"}
        for name, messages in errors.items()
        if name != "_schema" and messages
    ]


class GovDate(fields.Field):
    """A date from a GOV.UK date input or a file (31/12/2015 or 2015-12-31), named in errors."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter {label}")
        super().__init__(**kwargs)
        self.label = label

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        subject = self.label[0].upper() + self.label[1:]
        parts = _date_parts(value) if isinstance(value, str) else None
        if parts is None:
            raise ValidationError(f"{subject} must be a real date, like 31/12/2015")
        try:
            day, month, year = (int(parts[part]) for part in DATE_PARTS)
            if year < 1000:
                raise ValueError
            return date(year, month, day)
        except ValueError:
            raise ValidationError(f"{subject} must be a real date") from None


_WRITTEN_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _date_parts(text: str) -> dict[str, str] | None:
    """Split a date written as 31/12/2015 (UK order) or 2015-12-31."""
    text = text.strip()
    if match := _WRITTEN_DATE.match(text):
        return dict(zip(DATE_PARTS, match.groups(), strict=True))
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
        return {"day": day, "month": month, "year": year}
    return None


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class GovTime(fields.Field):
    """A time of day typed as 14:05, 2:05pm or 9am."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault("required", f"Enter {label}")
        super().__init__(**kwargs)
        self.label = label

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> time:
        match = _TIME.match(str(value).strip())
        if match:
            hour, minute = int(match.group(1)), int(match.group(2) or 0)
            suffix = (match.group(3) or "").lower()
            if suffix and 1 <= hour <= 12:
                hour = hour % 12 + (12 if suffix == "pm" else 0)
            elif suffix:
                hour = 99
            if hour < 24 and minute < 60:
                return time(hour, minute)
        subject = self.label[0].upper() + self.label[1:]
        raise ValidationError(f"{subject} must be a real time, like 9:30 or 14:05")
