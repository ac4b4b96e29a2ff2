"""What the case forms accept: each posted form is loaded through one of these."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, pre_load, validate, validates_schema

from fieldvisit.cases.models import VULNERABILITIES, implies_social_care
from fieldvisit.chronology.models import Method
from fieldvisit.core.forms import GovDate, GovTime
from fieldvisit.core.schema import Schema

NOTE = validate.Length(max=5000, error="Write no more than 5,000 characters")


def attachment_description() -> fields.String:
    """The optional words saying what an attached copy is (the file itself is checked apart)."""
    return fields.String(
        validate=validate.Length(max=200, error="Describe the copy in 200 characters or fewer"),
        load_default="",
    )


# How a school may try to reach the family; visits are recorded by officers.
CONTACT_METHODS: dict[str, str] = {
    Method.PHONE: "Phone call",
    Method.TEXT: "Text message",
    Method.EMAIL: "Email",
    Method.LETTER: "Letter",
    Method.IN_PERSON: "In person",
    Method.AGENCY: "An agency involved with the family",
    Method.SIBLING_SCHOOL: "A sibling's school",
    Method.STAFF: "Staff who may know",
}


class CaseFormSchema(Schema):
    """Every case form carries the case version it was loaded at."""

    expected_version = fields.Integer(
        required=True, error_messages={"required": "Reload the case and try again."}
    )


class OpenCaseSchema(Schema):
    first_day_of_absence = GovDate("the first day of absence", required=True)
    not_arrived = fields.Boolean(load_default=False)
    last_attended_on = GovDate("the last day the pupil attended", load_default=None)
    # Ticked when the page asked: the last day attended is not a school day by the calendar.
    confirm_last_attended = fields.Boolean(load_default=False)


class ContactAttemptSchema(CaseFormSchema):
    attachment_description = attachment_description()
    method = fields.String(
        required=True,
        validate=validate.OneOf(
            list(CONTACT_METHODS), error="Select how you tried to make contact"
        ),
        error_messages={"required": "Select how you tried to make contact"},
    )
    target = fields.String(
        required=True,
        error_messages={"required": "Select the number or address you tried, or type it"},
    )
    target_other = fields.String(
        validate=validate.Length(max=500, error="Write no more than 500 characters"),
        load_default="",
    )
    contact_name = fields.String(
        validate=validate.Length(max=200, error="Write no more than 200 characters"),
        load_default="",
    )
    occurred_on = GovDate("the date of the attempt", required=True)
    occurred_time = GovTime("the time of the attempt", required=True)
    contact_made = fields.String(
        required=True,
        validate=validate.OneOf(["yes", "no"], error="Select whether you made contact"),
        error_messages={"required": "Select whether you made contact"},
    )
    note = fields.String(validate=NOTE, load_default="")

    @pre_load
    def _typed_means_other(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A number typed without choosing "something else" still counts."""
        if not data.get("target") and data.get("target_other"):
            return {**data, "target": "other"}
        return data

    @validates_schema(skip_on_field_errors=False)
    def _typed_target(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("target") == "other" and not data.get("target_other", "").strip():
            raise ValidationError(
                "Enter the number, email or address you tried", field_name="target_other"
            )


class TriageSchema(CaseFormSchema):
    vulnerabilities = fields.List(
        fields.String(validate=validate.OneOf(list(VULNERABILITIES))), load_default=list
    )
    social_care_involved = fields.String(
        required=True,
        validate=validate.OneOf(["yes", "no"]),
        error_messages={
            "required": "Select whether social care or child protection are involved",
        },
    )
    social_worker_name = fields.String(validate=validate.Length(max=200), load_default="")
    social_worker_phone = fields.String(validate=validate.Length(max=40), load_default="")
    social_worker_email = fields.Email(
        load_default="",
        error_messages={"invalid": "Enter an email address like name@council.gov.uk"},
    )
    notes = fields.String(validate=NOTE, load_default="")

    @validates_schema(skip_on_field_errors=False)
    def _named_worker(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("social_care_involved") == "no" and implies_social_care(
            data.get("vulnerabilities") or []
        ):
            raise ValidationError(
                "A child on the CP or CIN register, or looked after, has social care "
                "involvement: select Yes and name the social worker",
                field_name="social_care_involved",
            )
        if data.get("social_care_involved") != "yes":
            return
        if not data.get("social_worker_name", "").strip():
            raise ValidationError(
                "Enter the name of the social worker", field_name="social_worker_name"
            )
        if not (data.get("social_worker_phone") or data.get("social_worker_email")):
            raise ValidationError(
                "Enter the social worker's phone number or email address",
                field_name="social_worker_phone",
            )


class TickSchema(CaseFormSchema):
    note = fields.String(validate=NOTE, load_default="")


class CorrectionSchema(CaseFormSchema):
    correction = fields.String(
        required=True,
        validate=[validate.Length(min=1, error="Write what the correct record is"), NOTE],
        error_messages={"required": "Write what the correct record is"},
    )


class UntickSchema(CaseFormSchema):
    reason = fields.String(
        required=True,
        validate=[validate.Length(min=1, error="Say why the tick was a mistake"), NOTE],
        error_messages={"required": "Say why the tick was a mistake"},
    )


class ConcernSchema(Schema):
    concern = fields.String(
        required=True,
        validate=[validate.Length(min=1), NOTE],
        error_messages={"required": "Describe the concern"},
    )


class SafeguardingStepSchema(CaseFormSchema):
    """Informing the social worker, or asking the police for a safe-and-well check."""

    method = fields.String(
        required=True,
        validate=validate.OneOf(
            [Method.PHONE, Method.EMAIL, Method.IN_PERSON, Method.LETTER],
            error="Select how you did it",
        ),
        error_messages={"required": "Select how you did it"},
    )
    who = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": "Enter who you spoke to or wrote to"},
    )
    reference = fields.String(validate=validate.Length(max=100), load_default="")
    occurred_on = GovDate("the date", required=True)
    occurred_time = GovTime("the time", required=True)
    note = fields.String(validate=NOTE, load_default="")
