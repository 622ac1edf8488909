"""The click-to-call's statistics drawn on the server as standalone SVG 1.1 images: a stacked bar
per day (or hour) of a period (completed, failed calling to the visitor, failed calling to the
company, other) and grouped bars of the main figures of two periods. Each image has a fixed
size, axis labels, a legend and a ``<title>`` per bar (what a screen reader and a pointer
hovering it tell); it holds no script, no link and nothing fetched from elsewhere, and every
text in it is escaped (a campaign's name may hold ``<`` or ``&``). Pure: imports the product's
statistics and the standard library only.
"""

from __future__ import annotations

import math
import re
from xml.sax.saxutils import escape

from chalicelib.click2call.stats import Bucket, Comparison, Summary

WIDTH = 640
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 44, 30
"""The plot's margins: the y axis' labels, the title and legend, the x axis' labels."""
FONT = 'font-family="sans-serif" font-size="11" fill="#333333"'
HEADING = 'font-family="sans-serif" font-size="13" font-weight="bold" fill="#222222"'
SERIES = (
    ("completed", "Completed", "#0072B2"),
    ("failed_user", "Failed calling to user", "#E69F00"),
    ("failed_company", "Failed calling to company", "#CC79A7"),
    ("other", "In progress or waiting", "#999999"),
)
"""Each stacked part: its field, its label, its colour (the Okabe-Ito palette: told apart with
a colour vision deficiency too), bottom to top."""
PERIOD_COLOURS = ("#999999", "#0072B2")
COMPARED = (
    ("requests", "Requests"),
    ("completed", "Completed"),
    ("failed_user", "Failed: user"),
    ("failed_company", "Failed: company"),
    ("pending", "Pending"),
)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: object) -> str:
    """``value`` as XML text or attribute value: escaped, characters XML cannot hold dropped."""
    return escape(_NOT_XML.sub("", str(value)), {'"': "&quot;", "'": "&#39;"})


def _cut(title: str, longest: int = 50) -> str:
    """A title short enough for the chart's width."""
    return title if len(title) <= longest else title[: longest - 1] + "\u2026"


def _top(largest: int) -> int:
    """A round top for the y axis at or above ``largest`` (at least 1)."""
    if largest <= 5:
        return max(largest, 1)
    magnitude = 10 ** math.floor(math.log10(largest))
    for step in (1, 2, 5, 10):
        top = math.ceil(largest / (step * magnitude)) * step * magnitude
        if top / (step * magnitude) <= 6:
            return int(top)
    return largest  # pragma: no cover - step 10 always fits


def _ticks(top: int) -> list[int]:
    if top <= 5:
        return list(range(top + 1))
    step = top // 5 if top % 5 == 0 else top // 4 if top % 4 == 0 else top // 2
    return list(range(0, top + 1, max(step, 1)))


def _open(title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{text(title)}</title>',
        f'<desc id="chart-desc">{text(description)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="16" {HEADING}>{text(title)}</text>',
    ]


def _legend(entries: list[tuple[str, str]], y: int = 32) -> list[str]:
    parts = ['<g class="legend">']
    x = float(LEFT)
    for label, colour in entries:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14:.1f}" y="{y}" {FONT}>{text(label)}</text>')
        x += 22 + 5.8 * len(label)
    parts.append("</g>")
    return parts


def _y_axis(top: int) -> list[str]:
    bottom = HEIGHT - BOTTOM
    height = bottom - TOP
    parts = ['<g class="y-axis">']
    for tick in _ticks(top):
        y = bottom - height * tick / top
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            'stroke="#e0e0e0" stroke-width="1"/>'
        )
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {FONT}>{tick}</text>')
    parts.append(
        f'<line x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#333333"/>'
    )
    parts.append("</g>")
    return parts


def _bucket_label(bucket: Bucket, granularity: str) -> str:
    if granularity == "hour":
        return bucket.start.strftime("%d %H:00")
    return bucket.start.strftime("%Y-%m-%d")


def _short_label(bucket: Bucket, granularity: str) -> str:
    return bucket.start.strftime("%H:00" if granularity == "hour" else "%m-%d")


def series_svg(summary: Summary, title: str = "") -> str:
    """A stacked bar per day (or hour) of ``summary``'s period, with ``title`` (default: the
    period) over it."""
    span = f"{summary.since:%Y-%m-%d %H:%M} to {summary.until:%Y-%m-%d %H:%M}"
    heading = f"{_cut(title)}: {span}" if title else f"Click-to-call requests, {span}"
    buckets = summary.series
    top = _top(max((bucket.total for bucket in buckets), default=0))
    parts = _open(
        heading,
        f"{summary.requests} requests: {summary.completed} completed, "
        f"{summary.failed_user} failed calling to user, {summary.failed_company} failed "
        f"calling to company, {summary.pending} in progress or waiting; one bar per "
        f"{summary.granularity}.",
    )
    parts += _legend([(label, colour) for _, label, colour in SERIES])
    parts += _y_axis(top)
    bottom = HEIGHT - BOTTOM
    height = bottom - TOP
    slot = (WIDTH - LEFT - RIGHT) / max(len(buckets), 1)
    bar = max(slot * 0.7, 0.5)
    every = max(1, math.ceil(len(buckets) / 10))
    parts.append('<g class="bars">')
    for index, bucket in enumerate(buckets):
        x = LEFT + index * slot + (slot - bar) / 2
        label = _bucket_label(bucket, summary.granularity)
        described = ", ".join(
            f"{getattr(bucket, field)} {name.lower()}" for field, name, _ in SERIES
        )
        parts.append(f'<g class="bar"><title>{text(label)}: {text(described)}</title>')
        y = float(bottom)
        for field, _, colour in SERIES:
            count: int = getattr(bucket, field)
            if count:
                tall = height * count / top
                y -= tall
                parts.append(
                    f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar:.2f}" height="{tall:.2f}" '
                    f'fill="{colour}"/>'
                )
        parts.append("</g>")
    parts.append("</g>")
    parts.append('<g class="x-axis">')
    for index, bucket in enumerate(buckets):
        if index % every == 0:
            x = LEFT + index * slot + slot / 2
            parts.append(
                f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" {FONT}>'
                f"{text(_short_label(bucket, summary.granularity))}</text>"
            )
    unit = "hour (UTC)" if summary.granularity == "hour" else "day (UTC)"
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{HEIGHT - 3}" text-anchor="middle" '
        f"{FONT}>{unit}</text>"
    )
    parts.append(
        f'<text x="12" y="{(TOP + bottom) / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(TOP + bottom) / 2:.1f})" {FONT}>requests</text>'
    )
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _period(summary: Summary) -> str:
    return f"{summary.since:%Y-%m-%d %H:%M} to {summary.until:%Y-%m-%d %H:%M}"


def comparison_svg(comparison: Comparison, title: str = "") -> str:
    """Grouped bars of the main counts of the two periods (``a`` then ``b``), with ``title``."""
    heading = f"{_cut(title)}: two periods" if title else "Click-to-call requests: two periods"
    periods = (comparison.a, comparison.b)
    values = [[int(period.figure(name) or 0) for period in periods] for name, _ in COMPARED]
    top = _top(max((max(pair) for pair in values), default=0))
    parts = _open(
        heading,
        "; ".join(
            f"{label}: {pair[0]} then {pair[1]}"
            for (_, label), pair in zip(COMPARED, values, strict=True)
        ),
    )
    parts += _legend(
        [(_period(period), colour) for period, colour in zip(periods, PERIOD_COLOURS, strict=True)]
    )
    parts += _y_axis(top)
    bottom = HEIGHT - BOTTOM
    height = bottom - TOP
    slot = (WIDTH - LEFT - RIGHT) / len(COMPARED)
    bar = slot * 0.32
    parts.append('<g class="bars">')
    for index, ((_, label), pair) in enumerate(zip(COMPARED, values, strict=True)):
        left = LEFT + index * slot + (slot - 2 * bar) / 2
        parts.append(f'<g class="group"><title>{text(label)}</title>')
        for which, (period, value, colour) in enumerate(
            zip(periods, pair, PERIOD_COLOURS, strict=True)
        ):
            tall = height * value / top
            x = left + which * bar
            parts.append(
                f'<g class="bar"><title>{text(label)}, {text(_period(period))}: {value}</title>'
                f'<rect x="{x:.2f}" y="{bottom - tall:.2f}" width="{bar - 2:.2f}" '
                f'height="{tall:.2f}" fill="{colour}"/>'
                f'<text x="{x + (bar - 2) / 2:.1f}" y="{bottom - tall - 3:.1f}" '
                f'text-anchor="middle" {FONT}>{value}</text></g>'
            )
        parts.append("</g>")
    parts.append("</g>")
    parts.append('<g class="x-axis">')
    for index, (_, label) in enumerate(COMPARED):
        x = LEFT + index * slot + slot / 2
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle" {FONT}>{text(label)}</text>'
        )
    parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
