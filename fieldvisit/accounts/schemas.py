from marshmallow import Schema, fields, validate


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
