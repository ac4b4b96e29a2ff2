"""Load form input through a marshmallow schema and report errors GOV.UK style."""

from __future__ import annotations

from dataclasses import dataclass, field
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


def load_form(
    schema: Schema, form: MultiDict[str, str], list_fields: tuple[str, ...] = ()
) -> FormResult:
    """Load a posted form; keep what the user typed for re-display on error."""
    raw: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        raw[key] = form.getlist(key) if key in list_fields else form.get(key, "")
    cleaned = {k: v for k, v in raw.items() if v != ""}
    try:
        return FormResult(schema.load(cleaned), raw=raw)
    except ValidationError as error:
        return FormResult(None, flatten_errors(error.messages), raw=raw)


def error_list(errors: dict[str, list[str]]) -> list[dict[str, str]]:
    """Turn field errors into the error summary's list of links."""
    return [
        {"text": messages[0], "href": f"#{name}" if name != "_schema" else "#main-content"}
        for name, messages in errors.items()
    ]
