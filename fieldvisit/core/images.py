"""Images kept from their pixels alone: no metadata of any kind survives re-encoding."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

_SRGB = ImageCms.createProfile("sRGB")


def pixels_only(image: Image.Image, mode: str = "RGB") -> Image.Image:
    """Return a new image holding only the pixels, in sRGB.

    Pillow carries `image.info` (EXIF, XMP, the JPEG comment, the ICC profile) through
    convert(), thumbnail() and copy(), and writes some of it back when saving; a new image
    built from the pixels has none. An embedded colour profile is applied first, so that a
    phone's wide-gamut photo keeps its colours without carrying the profile.
    """
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode) or image
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are
    converted = image.convert(mode)
    clean = Image.new(mode, converted.size)
    clean.frombytes(converted.tobytes())
    return clean
