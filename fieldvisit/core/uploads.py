"""Check an uploaded document by its content, never its name; images keep only their pixels."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.images import pixels_only

MAX_BYTES = 10 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
# An email saved from a mail program (.eml) starts with its headers.
_EMAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"return-path:")


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str


def _refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _text(data: bytes, field: str) -> CheckedFile | None:
    """Return plain text or a saved email, or None if the bytes are not UTF-8 text."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 and c not in "\t\r\n\f" for c in text):
        return None
    if len(data) > MAX_TEXT_BYTES:
        raise _refuse("A text file or saved email must be smaller than 2 MB", field)
    first = text.lstrip().split("\n", 1)[0].lower().encode()
    if first.startswith(_EMAIL_HEADERS):
        return CheckedFile(data, "message/rfc822", "eml")
    return CheckedFile(data, "text/plain; charset=utf-8", "txt")


def check_document(data: bytes, field: str, *, allow_text: bool = False) -> CheckedFile:
    """Accept a PDF, JPEG or PNG (and, if allowed, plain text or a saved email) by content.

    Images are saved again from their pixels alone, which drops their metadata (EXIF with
    where a photo was taken, XMP, comments, ICC) and anything hidden after the picture.
    """
    kinds = (
        "a PDF, JPG, PNG, text file or saved email (.eml)" if allow_text else ("a PDF, JPG or PNG")
    )
    if not data:
        raise _refuse("The selected file is empty", field)
    if len(data) > MAX_BYTES:
        raise _refuse("The selected file must be smaller than 10 MB", field)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse("The selected PDF is damaged or incomplete", field)
        return CheckedFile(data, "application/pdf", "pdf")
    if allow_text and (text := _text(data, field)) is not None:
        return text
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                raise UnidentifiedImageError(image.format)
            if image.width * image.height > MAX_PIXELS:
                raise _refuse("The selected image is too large; save it at a lower size", field)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, SyntaxError):
        raise _refuse(f"The selected file must be {kinds}", field) from None
    content_type, extension = IMAGE_FORMATS[image.format]
    out = io.BytesIO()
    if image.format == "JPEG":
        pixels_only(image).save(out, "JPEG", quality=90)
    else:
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        pixels_only(image, "RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
    return CheckedFile(out.getvalue(), content_type, extension)
