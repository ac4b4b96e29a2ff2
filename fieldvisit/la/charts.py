"""Column charts drawn on the server as SVG: no script, styled by class (the CSP allows no
inline styles), named and described for screen readers, always shown beside a table."""

from __future__ import annotations

import math

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 16, 64


def nice_ceiling(value: int) -> int:
    """Round a maximum up to 1, 2 or 5 times a power of ten, so gridlines fall on round numbers."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def column_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: list[tuple[str, int]],
    axis_caption: str,
    label_every: int = 1,
) -> Markup:
    """Return an accessible SVG column chart of (label, value) points."""
    top = nice_ceiling(max((v for _, v in points), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    parts = [
        f'<svg class="fv-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    steps = 4 if top % 4 == 0 else 5 if top % 5 == 0 else 2 if top % 2 == 0 else 1
    for i in range(steps + 1):
        value = top * i // steps
        y = TOP + plot_h - plot_h * i / steps
        parts.append(
            f'<line class="fv-chart__grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="fv-chart__label" x="{LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{value}</text>'
        )
    for index, (label, value) in enumerate(points):
        height = plot_h * value / top
        x = LEFT + slot * index + (slot - bar_w) / 2
        y = TOP + plot_h - height
        parts.append(
            f'<rect class="fv-chart__bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{height:.1f}"><title>{escape(label)}: {value}</title></rect>'
        )
        if index % label_every == 0:
            cx = x + bar_w / 2
            parts.append(
                f'<text class="fv-chart__label" x="{cx:.1f}" y="{TOP + plot_h + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append(
        f'<text class="fv-chart__axis" x="{LEFT}" y="{HEIGHT - 8}">'
        f"{escape(axis_caption)}</text></svg>"
    )
    return Markup("".join(parts))
