from marshmallow import ValidationError, fields, validate, validates_schema

from fieldvisit.core.schema import Schema


class SignInSchema(Schema):
    email = fields.String(
        required=True,
        validate=validate.Length(max=254),
        error_messages={"required": "Enter your email address."},
    )
    password = fields.String(
        required=True,
        validate=validate.Length(max=1000),
        error_messages={"required": "Enter your password."},
    )


class CodeSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(max=20),
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
    )


class IdentitySchema(Schema):
    """The password and a current code, asked for before the second factor changes."""

    password = fields.String(
        required=True,
        validate=validate.Length(max=1000),
        error_messages={"required": "Enter your password."},
    )
    current_code = fields.String(load_default="", validate=validate.Length(max=20))


class PasswordChangeSchema(Schema):
    current_password = fields.String(
        required=True, error_messages={"required": "Enter your current password."}
    )
    new_password = fields.String(
        required=True,
        validate=validate.Length(
            min=12, max=1000, error="The new password must be at least 12 characters long."
        ),
        error_messages={"required": "Enter a new password."},
    )
    confirm_password = fields.String(
        required=True, error_messages={"required": "Enter the new password again."}
    )

    @validates_schema
    def _same(self, data: dict, **_: object) -> None:
        if data["new_password"] != data["confirm_password"]:
            raise ValidationError("The two new passwords are not the same.", "confirm_password")
