"""A list page's page number and search, loaded through one schema with ranges checked."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from fieldvisit.core.db import MAX_ID

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


def _id_field() -> fields.Integer:
    return fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=MAX_ID, error="Not a valid id.")
    )


def list_query(ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """Load the page number (from the address or a posted form), the ids a list is filtered
    by, and the search, which is only ever posted: a child's name must not go into an
    address, where proxies and browser history keep it. A page number or id out of range
    or not a number is a 400."""
    source = request.form if request.method == "POST" else request.args
    given = {name: source[name] for name in ("page", *ids) if source.get(name, "").strip()}
    if request.method == "POST":
        given["q"] = source.get("q", "")
    schema = ListQuerySchema.from_dict({name: _id_field() for name in ids})
    try:
        data = schema().load(given)
    except ValidationError as error:
        if "page" in error.messages:
            abort(400, "There is no page with that number.")
        abort(400, "There is nothing with that number to filter by.")
    data["q"] = " ".join(data["q"].split())[:SEARCH_LENGTH]
    return data
