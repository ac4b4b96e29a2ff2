"""A list page's page number and search, loaded through one schema with ranges checked."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

# Far beyond any list's length; a bigger number is a mistake or a probe, refused with a 400
# before it reaches an SQL OFFSET (where PostgreSQL refuses numbers over 2^63).
MAX_PAGE = 100_000
SEARCH_LENGTH = 100


class ListQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(
        load_default=1,
        strict=False,
        validate=validate.Range(min=1, max=MAX_PAGE, error="There is no page with that number."),
    )
    q = fields.String(load_default="")


def list_query() -> dict[str, Any]:
    """Load the page number (from the address or a posted form) and the search, which is only
    ever posted: a child's name must not go into an address, where proxies and browser
    history keep it. A page number out of range or not a number is a 400."""
    source = request.form if request.method == "POST" else request.args
    given = {name: source[name] for name in ("page",) if source.get(name, "").strip()}
    if request.method == "POST":
        given["q"] = source.get("q", "")
    try:
        data = ListQuerySchema().load(given)
    except ValidationError:
        abort(400, "There is no page with that number.")
    data["q"] = " ".join(data["q"].split())[:SEARCH_LENGTH]
    return data
