"""The outcome forms: what each accepts."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from fieldvisit.cases.schemas import NOTE, CaseFormSchema
from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.forms import GovDate
from fieldvisit.outcomes.models import AbroadEvidence, ConfirmedHow, NoticeForm
from fieldvisit.schools.authorities import AREAS

URN = re.compile(r"^\d{6}$")


def _not_future(value: Any) -> None:
    if value > today_in_uk():
        raise ValidationError("The date must be today or in the past")


class ReturnedSchema(CaseFormSchema):
    effective_on = GovDate("the date the child returned", required=True, validate=_not_future)
    note = fields.String(validate=NOTE, load_default="")


class FoundSchema(CaseFormSchema):
    effective_on = GovDate("the date the child was found", required=True, validate=_not_future)
    note = fields.String(
        required=True,
        validate=[validate.Length(min=1), NOTE],
        error_messages={"required": "Say where the child was found and by whom"},
    )


class ResidingSchema(CaseFormSchema):
    effective_on = GovDate("the date you made contact", required=True, validate=_not_future)
    current_address = fields.String(validate=validate.Length(max=500), load_default="")
    note = fields.String(
        required=True,
        validate=[validate.Length(min=1), NOTE],
        error_messages={"required": "Say what was agreed under the school's attendance policy"},
    )


class DestinationSchema(CaseFormSchema):
    school_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": "Enter the name of the new school"},
    )
    school_urn = fields.String(load_default="")
    local_authority = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": "Enter the new school's local authority"},
    )
    effective_on = GovDate(
        "the date the pupil went on roll there", required=True, validate=_not_future
    )
    confirmed_how = fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in ConfirmedHow]),
        error_messages={"required": "Select how the place was confirmed"},
    )
    confirmed_by = fields.String(validate=validate.Length(max=200), load_default="")
    note = fields.String(validate=NOTE, load_default="")

    @validates("school_urn")
    def _urn(self, value: str, **kwargs: Any) -> None:
        if value and not URN.match(value.strip()):
            raise ValidationError("A URN is 6 digits, like 137002; leave it blank if not known")


class HomeEducationSchema(CaseFormSchema):
    notice_received_on = GovDate(
        "the date of the parent's notice", required=True, validate=_not_future
    )
    notice_form = fields.String(
        required=True,
        validate=validate.OneOf([n.value for n in NoticeForm]),
        error_messages={"required": "Select how the parent gave notice"},
    )
    parent_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages={"required": "Enter the name of the parent who gave notice"},
    )
    special_school = fields.String(
        required=True,
        validate=validate.OneOf(["yes", "no"]),
        error_messages={"required": "Select whether the pupil has a special school place"},
    )
    attendance_order = fields.String(
        required=True,
        validate=validate.OneOf(["yes", "no"]),
        error_messages={"required": "Select whether a school attendance order is in force"},
    )
    note = fields.String(validate=NOTE, load_default="")


class WrittenNoticeSchema(CaseFormSchema):
    notice_form = fields.String(
        required=True,
        validate=validate.OneOf([NoticeForm.LETTER.value, NoticeForm.EMAIL.value]),
        error_messages={"required": "Select letter or email"},
    )
    received_on = GovDate("the date of the written notice", required=True, validate=_not_future)


class MovedAbroadSchema(CaseFormSchema):
    country = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        error_messages={"required": "Enter the country the child has moved to"},
    )
    effective_on = GovDate("the date the child left", required=True, validate=_not_future)
    evidence = fields.String(
        required=True,
        validate=validate.OneOf([e.value for e in AbroadEvidence]),
        error_messages={"required": "Select what shows the child has moved abroad"},
    )
    confirmed_by = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        error_messages={"required": "Say who confirmed it, how and when"},
    )
    new_school = fields.String(validate=validate.Length(max=200), load_default="")
    note = fields.String(validate=NOTE, load_default="")

    @validates_schema
    def _school_named(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("evidence") == AbroadEvidence.NEW_SCHOOL and not data["new_school"].strip():
            raise ValidationError("Enter the name of the new school abroad", "new_school")


class MovedOtherAreaSchema(CaseFormSchema):
    area = fields.String(
        required=True,
        validate=validate.OneOf(list(AREAS), error="Choose the local authority from the list"),
        error_messages={"required": "Choose the local authority the child has moved to"},
    )
    effective_on = GovDate("the date the child moved", required=True, validate=_not_future)
    confirmed_by = fields.String(
        required=True,
        validate=validate.Length(min=1, max=300),
        error_messages={"required": "Say who confirmed it, how and when"},
    )
    note = fields.String(validate=NOTE, load_default="")
