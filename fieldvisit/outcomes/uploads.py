"""Check an uploaded notice by its content, re-encode images, and keep it in storage."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.images import pixels_only

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str


def _refuse(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def check_notice(data: bytes, field: str = "notice_file") -> CheckedFile:
    """Accept a PDF, JPEG or PNG by what it contains, never by its name.

    Images are saved again from their pixels alone, which drops their metadata (EXIF with
    where a photo was taken, XMP, comments, ICC) and anything hidden after the picture.
    """
    if not data:
        raise _refuse("The selected file is empty", field)
    if len(data) > MAX_BYTES:
        raise _refuse("The selected file must be smaller than 10 MB", field)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise _refuse("The selected PDF is damaged or incomplete", field)
        return CheckedFile(data, "application/pdf", "pdf")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in IMAGE_FORMATS:
                raise UnidentifiedImageError(image.format)
            if image.width * image.height > MAX_PIXELS:
                raise _refuse("The selected image is too large; scan it at a lower size", field)
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, SyntaxError):
        raise _refuse("The selected file must be a PDF, JPG or PNG", field) from None
    content_type, extension = IMAGE_FORMATS[image.format]
    out = io.BytesIO()
    if image.format == "JPEG":
        pixels_only(image).save(out, "JPEG", quality=90)
    else:
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        pixels_only(image, "RGBA" if alpha else "RGB").save(out, "PNG", optimize=True)
    return CheckedFile(out.getvalue(), content_type, extension)


def notice_key(case_id: int, checked: CheckedFile) -> str:
    """A storage key that names the case by id and nothing about the child."""
    return f"notices/case-{case_id}/{secrets.token_hex(16)}.{checked.extension}"
