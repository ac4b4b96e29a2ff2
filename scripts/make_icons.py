"""Draw the phone app's icons (a house on GOV.UK blue) into fieldvisit/static/pwa/icons/.

Run after changing the drawing; the PNGs are committed. The maskable icon keeps the house
inside the central safe zone (a circle of 80% of the width) and fills the whole square.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "fieldvisit" / "static" / "pwa" / "icons"
BLUE = "#1d70b8"
WHITE = "#ffffff"
SCALE = 4  # draw large, then shrink: smooth edges without anti-aliasing support


def house(draw: ImageDraw.ImageDraw, size: int, extent: float) -> None:
    """Draw a white house with a blue door, `extent` of the icon wide, centred."""
    width = size * extent
    left = (size - width) / 2
    top = (size - width) / 2
    roof_bottom = top + width * 0.45
    draw.polygon([(left, roof_bottom), (size / 2, top), (left + width, roof_bottom)], fill=WHITE)
    wall = width * 0.14
    draw.rectangle([left + wall, roof_bottom - 1, left + width - wall, top + width], fill=WHITE)
    door = width * 0.2
    draw.rectangle(
        [size / 2 - door / 2, top + width * 0.68, size / 2 + door / 2, top + width], fill=BLUE
    )


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle([0, 0, big, big], fill=BLUE)
        house(draw, big, 0.5)
    else:
        draw.rounded_rectangle([0, 0, big - 1, big - 1], radius=big // 6, fill=BLUE)
        house(draw, big, 0.64)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
    ):
        # Two colours and their anti-aliased edges fit a 64-colour palette: the 192 px icon,
        # precached in the phone app's shell, is 1.4 KB instead of 5.4 KB, and looks the same.
        palette = icon(size, maskable=maskable).quantize(64, method=Image.Quantize.FASTOCTREE)
        palette.save(ICONS / name, optimize=True)


if __name__ == "__main__":
    main()
