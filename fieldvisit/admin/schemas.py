"""What admins may enter: users, schools, the LA's settings and calendar."""

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from fieldvisit.core.permissions import Role
from fieldvisit.core.schema import Schema
from fieldvisit.schools.models import PeriodUnit

ROLE_CHOICES = [role.value for role in Role]


Messages = dict[str, str | list[Any] | dict[Any, Any]]


def _required(message: str) -> Messages:
    return {"required": message}


class UserSchema(Schema):
    email = fields.Email(
        required=True,
        validate=validate.Length(max=254),
        error_messages={
            **_required("Enter an email address."),
            "invalid": "Enter an email address like name@school.org.uk.",
        },
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages=_required("Enter the person's name."),
    )
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLE_CHOICES)),
        required=True,
        validate=validate.Length(min=1),
        error_messages=_required("Choose at least one role."),
    )
    school_id = fields.Integer(
        allow_none=True,
        load_default=None,
        error_messages={"invalid": "Choose a school from the list."},
    )
    password = fields.String(
        validate=validate.Length(
            min=12, max=1000, error="The password must be at least 12 characters long."
        )
    )
    active = fields.Boolean(load_default=False, truthy={"yes"}, falsy={"no"})

    @validates_schema(skip_on_field_errors=False)
    def _school_for_school_users(self, data: dict, **_: object) -> None:
        if Role.SCHOOL.value in data.get("roles", []) and not data.get("school_id"):
            raise ValidationError("A school user needs a school.", "school_id")


class NewUserSchema(UserSchema):
    password = fields.String(
        required=True,
        validate=validate.Length(
            min=12, max=1000, error="The password must be at least 12 characters long."
        ),
        error_messages=_required("Enter a first password of at least 12 characters."),
    )


class SchoolSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages=_required("Enter the school's name."),
    )
    urn = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^\d{6,8}$", error="Enter the URN: 6 digits, for example 110001."
        ),
        error_messages=_required("Enter the school's URN."),
    )
    estab = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^\d{4}$", error="Enter the establishment number: 4 digits, for example 2001."
        ),
        error_messages=_required("Enter the establishment number."),
    )
    address = fields.String(load_default="", validate=validate.Length(max=500))
    postcode = fields.String(load_default="", validate=validate.Length(max=10))
    phone = fields.String(load_default="", validate=validate.Length(max=40))
    email = fields.Email(
        load_default="", error_messages={"invalid": "Enter a valid email address."}
    )
    dsl_name = fields.String(load_default="", validate=validate.Length(max=200))
    dsl_email = fields.Email(
        load_default="",
        error_messages={"invalid": "Enter the DSL's email address, for example dsl@school.org.uk."},
    )
    signatory_name = fields.String(load_default="", validate=validate.Length(max=200))
    signatory_role = fields.String(load_default="Headteacher", validate=validate.Length(max=200))


_WHOLE_MINUTES: Messages = {
    "invalid": "Enter a whole number.",
    "required": "Enter a number of minutes.",
}
_WHOLE_HOURS: Messages = {
    "invalid": "Enter a whole number.",
    "required": "Enter a number of hours.",
}


class SettingsSchema(Schema):
    la_code = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^\d{3}$", error="Enter the LA's 3-digit code, for example 873."),
    )
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        error_messages=_required("Enter the local authority's name."),
    )
    cme_team_email = fields.Email(
        load_default=None,
        allow_none=True,
        error_messages={"invalid": "Enter the CME team's email address."},
    )
    referral_school_day = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=60),
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a school day."},
    )
    vulnerable_referral_school_day = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=60),
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a school day."},
    )
    removal_after_days = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=365),
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a number of days."},
    )
    removal_after_unit = fields.Enum(
        PeriodUnit,
        by_value=True,
        load_default=None,  # left as it is when the form does not send it
        error_messages={"unknown": "Choose calendar days or school days."},
    )
    office_idle_minutes = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=5, max=8 * 60, error="Enter between 5 and 480 minutes."),
        error_messages={
            "invalid": "Enter a whole number.",
            "required": "Enter a number of minutes.",
        },
    )
    office_absolute_hours = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=1, max=24, error="Enter between 1 and 24 hours."),
        error_messages=_WHOLE_HOURS,
    )
    officer_idle_minutes = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=5, max=12 * 60, error="Enter between 5 and 720 minutes."),
        error_messages={
            "invalid": "Enter a whole number.",
            "required": "Enter a number of minutes.",
        },
    )
    officer_absolute_hours = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=1, max=24, error="Enter between 1 and 24 hours."),
        error_messages=_WHOLE_HOURS,
    )

    officer_access_days = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=0, max=90, error="Enter between 0 and 90 days."),
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a number of days."},
    )
    retention_years = fields.Integer(
        load_default=None,  # left as it is when the form does not send it
        validate=validate.Range(min=1, max=100, error="Enter between 1 and 100 years."),
        error_messages={"invalid": "Enter a whole number.", "required": "Enter a number of years."},
    )

    @validates_schema
    def _vulnerable_first(self, data: dict, **_: object) -> None:
        if data.get("vulnerable_referral_school_day", 0) > data.get("referral_school_day", 99):
            raise ValidationError(
                "The day for a vulnerable child cannot come after the usual referral day.",
                "vulnerable_referral_school_day",
            )


class TermSchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        error_messages=_required("Enter the term's name, like Autumn 1 2027/28."),
    )
    starts_on = fields.Date(
        required=True,
        error_messages={
            "required": "Enter the first day of term.",
            "invalid": "Enter a real date.",
        },
    )
    ends_on = fields.Date(
        required=True,
        error_messages={"required": "Enter the last day of term.", "invalid": "Enter a real date."},
    )
    # Blank: the LA's term, for every school; else one school's own (an academy's).
    school_id = fields.Integer(allow_none=True, load_default=None)

    @validates_schema
    def _in_order(self, data: dict, **_: object) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("The last day must be on or after the first day.", "ends_on")


class ClosureSchema(Schema):
    on = fields.Date(
        required=True,
        error_messages={
            "required": "Enter the date of the closure.",
            "invalid": "Enter a real date.",
        },
    )
    reason = fields.String(load_default="INSET day", validate=validate.Length(max=100))
    school_id = fields.Integer(allow_none=True, load_default=None)


class AuditFilterSchema(Schema):
    """The audit log's filters, from the address (no child's data is ever in them)."""

    who = fields.String(load_default="", validate=validate.Length(max=100))
    action = fields.String(load_default="", validate=validate.Length(max=50))
    object_type = fields.String(load_default="", validate=validate.Length(max=50))
    object_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=2**31 - 1, error="Enter a record number."),
        error_messages={"invalid": "Enter a record number, like 42."},
    )
    user_id = fields.Integer(load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    since = fields.Date(load_default=None, error_messages={"invalid": "Enter a real date."})
    until = fields.Date(load_default=None, error_messages={"invalid": "Enter a real date."})

    @validates_schema
    def _in_order(self, data: dict, **_: object) -> None:
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            raise ValidationError("The end date must be on or after the start date.", "until")
