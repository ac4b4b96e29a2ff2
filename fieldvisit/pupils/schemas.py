"""One pupil record, whether typed in by hand or read from a roll file."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import (
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from fieldvisit.core.dates import today_in_uk
from fieldvisit.core.forms import GovDate
from fieldvisit.core.ncyear import InvalidYear, nc_year_code
from fieldvisit.core.schema import Schema
from fieldvisit.core.upn import InvalidUPN, validate_upn
from fieldvisit.pupils.characteristics import ETHNICITY, FIRST_LANGUAGE, SEN_PROVISION
from fieldvisit.pupils.models import ContactKind, Sex
from fieldvisit.pupils.year_groups import year_group_problem

POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")
SEXES = {"M": Sex.MALE, "MALE": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE}
YES = {"y", "yes", "true", "1", "on"}
NO = {"n", "no", "false", "0", "off"}

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
    "sen_provision": "SEN provision",
    "ethnicity": "Ethnicity",
    "first_language": "First language",
    "interpreter_needed": "Interpreter needed",
    "fsm_eligible": "FSM eligible",
    "service_child": "Service child",
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


class CodeField(fields.Field):
    """One of the DfE's codes for a characteristic, in any case."""

    def __init__(self, codes: dict[str, str], what: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.codes, self.what = codes, what

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        code = str(value).strip().upper()
        if not code:
            return None
        if code not in self.codes:
            raise ValidationError(
                f"{self.what} must be one of the DfE's codes: {', '.join(self.codes)}"
            )
        return code


class MaybeYesNoField(fields.Field):
    """Yes, no, or blank for "not recorded"."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool | None:
        answer = str(value).strip().lower()
        if not answer:
            return None
        if answer in YES:
            return True
        if answer in NO:
            return False
        raise ValidationError("Enter yes or no")


class CharacteristicFields(Schema):
    """What the LA triages on. Loaded from a roll file, a field not in the file stays as the
    pupil has it; on the school's form, a blank is "not recorded"."""

    sen_provision = CodeField(SEN_PROVISION, "SEN provision")
    ethnicity = CodeField(ETHNICITY, "Ethnicity")
    first_language = CodeField(FIRST_LANGUAGE, "First language")
    language_spoken = fields.String(validate=validate.Length(max=60))
    interpreter_needed = MaybeYesNoField()
    fsm_eligible = MaybeYesNoField()
    service_child = MaybeYesNoField()
    believed_country = fields.String(validate=validate.Length(max=100))

    @pre_load
    def _named_language(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """A file may name the language itself (POL): "other than English", and which."""
        code = str(data.get("first_language", "")).strip()
        if code and code.upper() not in FIRST_LANGUAGE and len(code) <= 4 and code.isalpha():
            data = {**data, "first_language": "OTH"}
            data.setdefault("language_spoken", code.upper())
        return data


class CharacteristicsSchema(CharacteristicFields):
    """The school's form: every field answered, a blank meaning "not recorded"."""

    @post_load
    def _blanks(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        for name in ("sen_provision", "ethnicity", "first_language"):
            data.setdefault(name, None)
        for name in ("interpreter_needed", "fsm_eligible", "service_child"):
            data.setdefault(name, None)
        data.setdefault("language_spoken", "")
        data.setdefault("believed_country", "")
        data["language_spoken"] = data["language_spoken"].strip()
        data["believed_country"] = data["believed_country"].strip()
        return data


class PupilSchema(CharacteristicFields):
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
