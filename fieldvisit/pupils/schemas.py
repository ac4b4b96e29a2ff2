"""One pupil record, whether typed in by hand or read from a roll file."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate, validates, validates_schema

from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.forms import GovDate
from fieldvisit.core.ncyear import InvalidYear, nc_year_code
from fieldvisit.core.schema import Schema
from fieldvisit.core.upn import InvalidUPN, validate_upn
from fieldvisit.pupils.models import ContactKind, Sex
from fieldvisit.pupils.year_groups import year_group_problem

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
SEXES = {"M": Sex.MALE, "MALE": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE}
YES = {"y", "yes", "true", "1", "on"}

# How each field is named in messages about an imported row.
LABELS = {
    "upn": "UPN",
    "forename": "Forename",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "year_group": "Year group",
    "address_lines": "Address",
    "postcode": "Postcode",
    "expected_start_on": "Expected start date",
    "admitted_on": "Admission date",
    "contacts": "Contact",
}


class UpnField(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        try:
            return validate_upn(str(value))
        except InvalidUPN as error:
            raise ValidationError(str(error)) from None


class YearGroupField(fields.Field):
    """A national-curriculum year code (N1, N2, R, 1-14, X); "Year 5" or "Reception" also do."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not str(value).strip():
            return ""
        try:
            return nc_year_code(str(value))
        except InvalidYear as error:
            raise ValidationError(str(error)) from None


class SexField(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Sex:
        sex = SEXES.get(str(value).strip().upper())
        if sex is None:
            raise ValidationError("Sex must be M or F")
        return sex


class PostcodeField(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        match = POSTCODE.match(str(value).strip().upper())
        if not match:
            raise ValidationError("Enter a real postcode, like CB1 2AB")
        return f"{match.group(1)} {match.group(2)}"


class PhonesField(fields.Field):
    """One or more phone numbers, separated by semicolons in a file."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[str]:
        items = value if isinstance(value, list) else str(value).split(";")
        phones = [" ".join(str(item).split()) for item in items if str(item).strip()]
        for phone in phones:
            if not PHONE.match(phone):
                raise ValidationError(f"'{phone}' is not a phone number, like 07700 900123")
        return phones


class YesNoField(fields.Field):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        return str(value).strip().lower() in YES


class ContactSchema(Schema):
    kind = fields.String(validate=validate.OneOf([k.value for k in ContactKind]))
    title = fields.String(validate=validate.Length(max=20), load_default="")
    forename = fields.String(validate=validate.Length(max=100), load_default="")
    surname = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100, error="Enter the contact's last name"),
        error_messages={"required": "Enter the contact's last name"},
    )
    relationship = fields.String(validate=validate.Length(max=50), load_default="")
    parental_responsibility = YesNoField(load_default=False)
    phones = PhonesField(load_default=list)
    email = fields.Email(
        load_default="", error_messages={"invalid": "Enter an email address like name@example.com"}
    )


class PupilSchema(Schema):
    upn = UpnField(required=True, error_messages={"required": "Enter the UPN"})
    forename = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        error_messages={"required": "Enter the pupil's first name"},
    )
    surname = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        error_messages={"required": "Enter the pupil's last name"},
    )
    date_of_birth = GovDate("the date of birth", required=True)
    sex = SexField(required=True, error_messages={"required": "Select the pupil's sex"})
    year_group = YearGroupField(load_default="")
    address_lines = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)
    postcode = PostcodeField(load_default="")
    expected_start_on = GovDate("the expected start date", load_default=None)
    admitted_on = GovDate("the admission date", load_default=None)
    contacts = fields.List(fields.Nested(ContactSchema), load_default=list)

    @validates_schema(skip_on_field_errors=True)
    def _year_fits_birth(self, data: dict[str, Any], **kwargs: Any) -> None:
        problem = year_group_problem(
            data.get("year_group", ""), data["date_of_birth"], today_in_uk()
        )
        if problem:
            raise ValidationError(problem, field_name="year_group")

    @validates("date_of_birth")
    def _born(self, value: Any, **kwargs: Any) -> None:
        today = today_in_uk()
        if value >= today:
            raise ValidationError("The date of birth must be in the past")
        if today.year - value.year > 25:
            raise ValidationError("The date of birth must be within the last 25 years")
