"""What a school writes on a notice."""

from __future__ import annotations

from marshmallow import fields, validate

from fieldvisit.core.schema import Schema


class ContinuousAbsenceSchema(Schema):
    what_school_did = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4000),
        error_messages={"required": "Say what the school has done to reach the family"},
    )
