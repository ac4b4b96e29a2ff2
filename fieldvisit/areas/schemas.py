"""The forms for moves between areas: what each accepts."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldvisit.areas.models import AreaAnswer
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.forms import GovDate
from fieldvisit.core.schema import Schema
from fieldvisit.schools.authorities import AREAS


def _not_future(value: Any) -> None:
    if value > today_in_uk():
        raise ValidationError("The date must be today or in the past")


def _text(message: str, max_length: int) -> fields.String:
    return fields.String(
        required=True,
        validate=[
            validate.Regexp(r"\S", error=message),
            validate.Length(max=max_length, error=f"Use {max_length} characters or fewer"),
        ],
        error_messages={"required": message},
    )


class AreaReferralSchema(Schema):
    area = fields.String(
        required=True,
        validate=validate.OneOf(list(AREAS), error="Choose the local authority from the list"),
        error_messages={"required": "Choose the local authority you are referring the child to"},
    )
    sent_to = _text("Enter the team or officer you sent it to, and how", 300)
    sent_on = GovDate("the date you sent the referral", required=True, validate=_not_future)
    reasons = _text("Say why you believe the child is in that area", 5000)


class AreaAnswerSchema(Schema):
    answer = fields.String(
        required=True,
        validate=validate.OneOf([a.value for a in AreaAnswer], error="Choose what they answered"),
        error_messages={"required": "Choose what they answered"},
    )
    answered_on = GovDate("the date of the answer", required=True, validate=_not_future)
    note = _text("Enter what they said", 5000)
    version = fields.Integer(load_default=None)


class LostPupilSearchSchema(Schema):
    searched_on = GovDate("the date of the search", required=True, validate=_not_future)
    found = fields.String(
        required=True,
        validate=validate.OneOf(["yes", "no"], error="Say whether a record was found"),
        error_messages={"required": "Say whether a record was found"},
    )
    note = fields.String(
        load_default="",
        validate=validate.Length(max=2000, error="Use 2000 characters or fewer"),
    )

    @validates_schema
    def _record_described(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("found") == "yes" and not data.get("note", "").strip():
            raise ValidationError(
                "Say what the record showed: the school or LA that holds it", "note"
            )
