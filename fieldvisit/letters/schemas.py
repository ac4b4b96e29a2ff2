"""What the letter forms accept."""

from marshmallow import fields, validate

from fieldvisit.core.schema import Schema
from fieldvisit.letters.kinds import KINDS
from fieldvisit.letters.models import Delivery
from fieldvisit.letters.wording import MAX_WORDING_CHARS

_KIND = fields.String(
    required=True,
    validate=validate.OneOf(list(KINDS), error="Choose a kind of letter."),
    error_messages={"required": "Choose a kind of letter."},
)
_DELIVERY = fields.Enum(
    Delivery,
    by_value=True,
    load_default=Delivery.POST,
    error_messages={"unknown": "Choose how the letter will be delivered."},
)


class MakeLetterSchema(Schema):
    letter_kind = _KIND
    letter_delivery = _DELIVERY
    return_to = fields.String(validate=validate.OneOf(["case", "letters"]), load_default="letters")


class BatchSchema(Schema):
    letter_kind = _KIND
    letter_delivery = _DELIVERY
    which = fields.String(validate=validate.OneOf(["selected", "due"]), load_default="selected")
    case_ids = fields.List(fields.Integer(), load_default=list)


class WordingSchema(Schema):
    body = fields.String(
        required=True,
        validate=validate.Length(
            max=MAX_WORDING_CHARS,
            error=f"The wording must be {MAX_WORDING_CHARS} characters or fewer.",
        ),
        error_messages={"required": "Enter the wording of the letter."},
    )
