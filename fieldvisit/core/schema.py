"""The one input layer: every form and API schema derives from `Schema` here.

It refuses control characters (a NUL byte above all) in any text the user sends, with a
message that says what to fix, so none reaches a database, a PDF or a CTF file. Tabs and
line breaks are allowed: people type them.
"""

from __future__ import annotations

import re
from typing import Any

import marshmallow
from marshmallow import ValidationError, pre_load

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
CONTROL_MESSAGE = (
    "This contains a character that cannot be stored (a control character, such as one "
    "pasted from another program): remove it and try again."
)


def has_control_characters(value: str) -> bool:
    """Say whether a text holds a character no field may store."""
    return CONTROL_CHARACTERS.search(value) is not None


class Schema(marshmallow.Schema):
    """A marshmallow schema that refuses control characters in its own text values.

    Nested objects are checked by their own schemas, so one bad visit in a batch is
    refused alone and the envelope still loads.
    """

    @pre_load
    def _refuse_control_characters(self, data: Any, **kwargs: Any) -> Any:
        if not isinstance(data, dict):
            return data
        errors: dict[str, list[str]] = {}
        for key, value in _items(data):
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and has_control_characters(t) for t in texts):
                errors[str(key)] = [CONTROL_MESSAGE]
        if errors:
            raise ValidationError(errors)
        return data


def _items(data: Any) -> Any:
    """Return a mapping's items, every value of a multi-valued form field included."""
    if hasattr(data, "lists"):
        return data.lists()
    return data.items()
