"""What a school writes on each notice."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate

from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.forms import GovDate
from fieldvisit.core.schema import Schema
from fieldvisit.notices.models import DELETION_GROUNDS


def _not_future(value: Any) -> None:
    if value > today_in_uk():
        raise ValidationError("The date must be today or in the past")


def _optional(max_length: int) -> fields.String:
    return fields.String(
        load_default="",
        validate=validate.Length(max=max_length, error=f"Use {max_length} characters or fewer"),
    )


class ContinuousAbsenceSchema(Schema):
    what_school_did = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4000),
        error_messages={"required": "Say what the school has done to reach the family"},
    )


class SicknessSchema(Schema):
    what_school_knows = fields.String(
        required=True,
        validate=validate.Length(min=1, max=4000),
        error_messages={
            "required": "Say what the school knows of the illness and how the pupil is taught"
        },
    )


class NewEntrySchema(Schema):
    entered_on = GovDate("the date of entry", required=True, validate=_not_future)
    previous_school = _optional(200)
    note = _optional(2000)


class DeletionSchema(Schema):
    deleted_on = GovDate("the date of deletion", required=True, validate=_not_future)
    ground = fields.String(
        required=True,
        validate=validate.OneOf(list(DELETION_GROUNDS), error="Choose the ground"),
        error_messages={"required": "Choose the ground"},
    )
    destination = _optional(300)
    future_address = _optional(500)
    note = _optional(2000)
