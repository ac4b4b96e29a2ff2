"""Every form of the referral and the involvement, loaded through one schema each."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldvisit.cases.schemas import attachment_description
from fieldvisit.core.schema import Schema
from fieldvisit.referrals.involvements import ENQUIRIES_ASKED, EnquiryWith
from fieldvisit.schools.authorities import AREAS


def _text(label: str, *, required: bool = True, max_length: int = 5000) -> fields.String:
    too_long = validate.Length(
        max=max_length, error=f"{label} must be {max_length} characters or fewer."
    )
    if not required:
        return fields.String(load_default="", validate=too_long)
    return fields.String(
        required=True,
        validate=[too_long, validate.Regexp(r"\S", error=f"Enter {label[0].lower()}{label[1:]}.")],
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}."},
    )


def _date(label: str) -> fields.Date:
    return fields.Date(
        required=True,
        error_messages={
            "required": f"Enter {label}.",
            "invalid": f"Enter {label} as a real date, for example 27 11 2026.",
        },
    )


def _confirmation(message: str) -> fields.List:
    """A single checkbox that must be ticked (posted as a list, like every checkbox group)."""
    return fields.List(
        fields.String(validate=validate.Equal("yes", error=message)),
        required=True,
        validate=validate.Length(min=1, error=message),
        error_messages={"required": message},
    )


def _version() -> fields.Integer:
    return fields.Integer(load_default=None)


class ReferralSchema(Schema):
    summary_of_enquiries = _text("The summary of enquiries", max_length=10000)
    possible_whereabouts = _text("Where the family may be", required=False, max_length=2000)
    additional_information = _text("Anything else", required=False)
    declaration = _confirmation("Confirm the enquiries above have been made.")


class AcceptSchema(Schema):
    laao = fields.Integer(
        required=True,
        error_messages={
            "required": "Choose the LA attendance officer for the involvement.",
            "invalid": "Choose the LA attendance officer for the involvement.",
        },
    )
    version = _version()


class ReturnSchema(Schema):
    reason = _text("The reason the referral is returned")
    version = _version()


class EnquirySchema(Schema):
    enquiry_with = fields.String(
        required=True,
        validate=validate.OneOf([e.value for e in ENQUIRIES_ASKED], error="Choose who was asked."),
        error_messages={"required": "Choose who was asked."},
    )
    area = fields.String(
        load_default="",
        validate=validate.OneOf(["", *AREAS], error="Choose the local authority from the list."),
    )
    contacted = _text("Who was contacted", max_length=200)
    result = _text("What they said", max_length=5000)
    occurred_on = _date("the date of the enquiry")
    attachment_description = attachment_description()

    @validates_schema
    def _area_named(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("enquiry_with") == EnquiryWith.OTHER_LA and not data.get("area"):
            raise ValidationError("Choose which local authority was asked.", "area")


class ReassignSchema(Schema):
    laao = fields.Integer(
        required=True,
        error_messages={
            "required": "Choose the LA attendance officer to take over.",
            "invalid": "Choose the LA attendance officer to take over.",
        },
    )
    note = _text("The note", required=False, max_length=2000)
    version = _version()


class AgreeRemovalSchema(Schema):
    # Posted only by the "Are you sure" page, so a click on the involvement page never agrees.
    confirmed = fields.String(
        required=True,
        validate=validate.Equal("yes", error="Confirm that you agree removal from roll."),
        error_messages={"required": "Confirm that you agree removal from roll."},
    )
    expected_version = _version()


class WithdrawRemovalSchema(Schema):
    note = _text("Why the agreement is withdrawn", required=False)
    expected_version = _version()


class RecordRemovalSchema(Schema):
    off_roll_on = _date("the date the pupil came off roll")
    confirm = _confirmation("Confirm the ground for removal.")
    expected_version = _version()
