"""Charts as SVG made on the server: no script to run (the Content-Security-Policy allows none
inline), colours from the stylesheet's classes, a ``<title>`` that names each chart for screen
readers (every chart also has its data table on the page). Drawn left to right whatever the
page's direction: a time line, like the digits on it, reads that way in Persian too. Numbers
are written in the reader's digits (``language``)."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from scheduler.adapters import local_dates

WIDTH = 640
HEIGHT = 220
LEFT = 44  # room for the values' axis
BOTTOM = 26  # room for the labels under the bars
TOP = 10
NAMES = 96  # room for a weekday's name before the heat map's rows
MAX_LABELS = 8  # under the bars: more would overlap at a phone's width
LABEL_CHAR = 7.5  # about the width of a character of a label, in the chart's units

Point = tuple[str, float]


def _svg(title: str, width: int, height: int, body: SafeString, css: str) -> SafeString:
    return format_html(
        '<svg class="chart {}" viewBox="0 0 {} {}" role="img" direction="ltr" '
        'preserveAspectRatio="xMidYMid meet"><title>{}</title>{}</svg>',
        css,
        width,
        height,
        title,
        body,
    )


def number(value: float | str | None, language: str) -> str:
    """'1234.5' / '۱۲۳۴٫۵': the reader's digits and decimal separator; '–' for none."""
    if value is None:
        return "–"
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if local_dates.is_persian(language):
        text = text.replace(".", "\u066b")  # Arabic decimal separator
    return local_dates.digits(text, language)


def isolated(label: str) -> str:
    """A label in its own direction inside the chart's left-to-right drawing: '۱۶ آذر' would
    otherwise be laid out as 'آذر ۱۶'."""
    return local_dates.bidi_isolated(label)


def percent(fraction: float | None, language: str) -> str:
    """'45%' / '۴۵٪'."""
    if fraction is None:
        return "–"
    whole = number(round(fraction * 100), language)
    return f"{whole}\u066a" if local_dates.is_persian(language) else f"{whole}%"


def _axis(top: float, plot_height: float, language: str) -> SafeString:
    """Grid lines at the top value, its half where that is a whole number (the half of 1 or of 3
    would be labelled with a count that is not there), and 0, labelled."""
    shares = (0, 0.5, 1) if top % 2 == 0 else (0, 1)
    lines = [(plot_height * share, number(round(top * (1 - share)), language)) for share in shares]
    return format_html_join(
        "",
        '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"></line>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
        ((LEFT, WIDTH, TOP + y, TOP + y, LEFT - 6, TOP + y + 4, value) for y, value in lines),
    )


def bars(title: str, points: Sequence[Point], css: str = "", *, language: str = "en") -> SafeString:
    """Vertical bars, one a label; every n-th label shown when there are many."""
    plot_height = HEIGHT - TOP - BOTTOM
    top = max((value for _, value in points), default=0) or 1
    step = (WIDTH - LEFT) / max(len(points), 1)
    every = _label_step([label for label, _ in points])
    shapes = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
        (
            (
                _at(LEFT + n * step + step * 0.15),
                _at(TOP + plot_height * (1 - value / top)),
                _at(step * 0.7),
                _at(plot_height * value / top),
                label,
                number(value, language),
            )
            for n, (label, value) in enumerate(points)
        ),
    )
    labels = format_html_join(
        "",
        '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (_at(LEFT + n * step + step / 2), HEIGHT - 8, isolated(label))
            for n, (label, _) in enumerate(points)
            if n % every == 0
        ),
    )
    body = format_html("{}{}{}", _axis(top, plot_height, language), shapes, labels)
    return _svg(title, WIDTH, HEIGHT, body, css)


def line(title: str, points: Sequence[Point], *, language: str = "en") -> SafeString:
    """A line through the points, each marked."""
    plot_height = HEIGHT - TOP - BOTTOM
    top = max((value for _, value in points), default=0) or 1
    step = (WIDTH - LEFT) / max(len(points), 1)
    where = [
        (_at(LEFT + n * step + step / 2), _at(TOP + plot_height * (1 - value / top)))
        for n, (_, value) in enumerate(points)
    ]
    every = _label_step([label for label, _ in points])
    body = format_html(
        '{}<polyline class="line" points="{}"></polyline>{}{}',
        _axis(top, plot_height, language),
        " ".join(f"{x},{y}" for x, y in where),
        format_html_join(
            "",
            '<circle class="dot" cx="{}" cy="{}" r="4"><title>{}: {}</title></circle>',
            (
                (x, y, label, number(value, language))
                for (x, y), (label, value) in zip(where, points, strict=True)
            ),
        ),
        format_html_join(
            "",
            '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
            (
                (x, HEIGHT - 8, isolated(label))
                for n, ((x, _), (label, _)) in enumerate(zip(where, points, strict=True))
                if n % every == 0
            ),
        ),
    )
    return _svg(title, WIDTH, HEIGHT, body, "")


def stacked(
    title: str, parts: Sequence[tuple[str, float, str]], *, language: str = "en"
) -> SafeString:
    """One bar split into parts (label, value, class), in order."""
    total = sum(value for _, value, _ in parts) or 1
    height = 36
    shapes = []
    x = 0.0
    for label, value, css in parts:
        width = WIDTH * value / total
        shapes.append((css, _at(x), _at(width), height, label, number(value, language)))
        x += width
    body = format_html_join(
        "",
        '<rect class="{}" x="{}" y="0" width="{}" height="{}"><title>{}: {}</title></rect>',
        shapes,
    )
    return _svg(title, WIDTH, height, body, "stacked")


def share(label: str, fraction: float | None) -> SafeString:
    """A small bar filled to ``fraction`` (0..1), for a row of a table; empty when unknown.
    Mirrored in a right-to-left page (the stylesheet's ``.share``), to fill from the start."""
    filled = 0.0 if fraction is None else max(0.0, min(fraction, 1.0))
    return format_html(
        '<svg class="share" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
        'aria-label="{}"><rect class="track" width="100" height="10"></rect>'
        '<rect class="fill" width="{}" height="10"></rect></svg>',
        label,
        _at(filled * 100),
    )


def heat_map(
    title: str,
    rows: Sequence[tuple[str, Sequence[int]]],
    hours: Sequence[int],
    *,
    language: str = "en",
) -> SafeString:
    """Rows (a weekday's name and its count per hour of ``hours``) as shaded cells: six
    shades from none to the busiest cell's count."""
    cell_width = (WIDTH - NAMES) / max(len(hours), 1)
    cell_height = 24
    top = max((count for _, counts in rows for count in counts), default=0) or 1
    cells = format_html_join(
        "",
        '<rect class="heat heat-{}" x="{}" y="{}" width="{}" height="{}">'
        "<title>{} {}: {}</title></rect>",
        (
            (
                ceil(5 * count / top),
                _at(NAMES + col * cell_width),
                TOP + 14 + row * cell_height,
                _at(cell_width - 2),
                cell_height - 2,
                name,
                number(f"{hour:02d}:00", language),
                number(count, language),
            )
            for row, (name, counts) in enumerate(rows)
            for col, (hour, count) in enumerate(zip(hours, counts, strict=True))
        ),
    )
    names = format_html_join(
        "",
        '<text class="label" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (NAMES - 6, _at(TOP + 14 + row * cell_height + cell_height / 2 + 4), isolated(name))
            for row, (name, _) in enumerate(rows)
        ),
    )
    every = ceil(len(hours) / 12) or 1
    hour_labels = format_html_join(
        "",
        '<text class="label" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (
                _at(NAMES + col * cell_width + cell_width / 2),
                TOP + 6,
                number(f"{hour:02d}", language),
            )
            for col, hour in enumerate(hours)
            if col % every == 0
        ),
    )
    height = TOP + 14 + len(rows) * cell_height + 4
    return _svg(title, WIDTH, height, format_html("{}{}{}", cells, names, hour_labels), "heat-map")


def _label_step(labels: Sequence[str]) -> int:
    """Every how many points a label is written under the chart: as many as fit side by side
    ('12 November' takes more room than '۱۲ آبان'), and never more than MAX_LABELS."""
    longest = max((len(label) for label in labels), default=0) + 2  # and a gap
    fit = max(int((WIDTH - LEFT) / (longest * LABEL_CHAR)), 1)
    return max(ceil(len(labels) / min(fit, MAX_LABELS)), 1)


def _at(coordinate: float) -> str:
    return f"{coordinate:.1f}"
