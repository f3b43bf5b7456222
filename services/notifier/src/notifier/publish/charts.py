"""Small charts drawn on the server as inline SVG: bars, stacked columns, a line.

No script draws them, so they show without JavaScript and print as they are.
Each chart comes with the table of its data (for screen readers, and for anyone
who wants the figures), and each series has a pattern as well as a colour
(Okabe–Ito, told apart by colour-blind readers), named in a legend, so no
figure is told by colour alone. Only presentation attributes are used, never
``style``, so a Content-Security-Policy without inline styles draws them.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

from markupsafe import Markup

WIDTH = 560
INK, MUTED, GRID = "#1b1f24", "#4b5563", "#d6d9de"
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Row:
    """One row of a chart's data table: its header, cells and where it leads."""

    header: str
    cells: list[str]
    href: str | None = None


@dataclass(frozen=True)
class Chart:
    """A drawn chart and its data as a table."""

    key: str
    title: str
    svg: Markup
    columns: list[str]
    rows: list[Row] = field(default_factory=list)
    note: str = ""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _patterns(key: str, count: int) -> str:
    """One fill per series: a colour under white marks that differ (none, /, dots, #, -)."""
    marks = (
        "",
        '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#fff" stroke-width="1.6"/>',
        '<circle cx="4" cy="4" r="1.5" fill="#fff"/>',
        '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#fff" stroke-width="1.2"/>',
        '<path d="M0,2 H8 M0,6 H8" stroke="#fff" stroke-width="1.2"/>',
        '<path d="M2,0 V8 M6,0 V8" stroke="#fff" stroke-width="1.2"/>',
    )
    defs = []
    for i in range(count):
        colour = COLOURS[i % len(COLOURS)]
        defs.append(
            f'<pattern id="{key}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
            f'<rect width="8" height="8" fill="{colour}"/>{marks[i % len(marks)]}</pattern>'
        )
    return f"<defs>{''.join(defs)}</defs>"


def _svg(key: str, title: str, height: float, body: str) -> Markup:
    # Every text and attribute value put into ``body`` went through ``_e``.
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
        f'{height:.0f}" role="img" aria-labelledby="{key}-title" {FONT} '
        f'font-size="14" fill="{INK}"><title id="{key}-title">{_e(title)}</title>{body}</svg>'
    )


def nice_top(value: float) -> tuple[float, float]:
    """A round upper bound for an axis over ``value``, and its step (1, 2 or 5 × 10^k)."""
    if value <= 0:
        return 1.0, 0.25
    raw = value / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return step * math.ceil(value / step), step


def bars(
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    shown: Sequence[str],
    hrefs: Sequence[str | None] | None = None,
    columns: tuple[str, str] = ("", ""),
) -> Chart:
    """Horizontal bars, each with its label above it and its value at its end."""
    top = max(values, default=0) or 1
    widest = max((len(t) for t in shown), default=0)
    row_height, left, span = 42, 4, WIDTH - 16 - 8.5 * widest
    parts = []
    for i, (label, value, text) in enumerate(zip(labels, values, shown, strict=True)):
        y = i * row_height
        length = max(span * value / top, 2 if value else 0)
        bar = (
            f'<text x="{left}" y="{y + 14}">{_e(label)}</text>'
            f'<rect x="{left}" y="{y + 20}" width="{length:.1f}" height="16" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{left + length + 6:.1f}" y="{y + 33}" font-weight="600">{_e(text)}</text>'
        )
        href = hrefs[i] if hrefs else None
        parts.append(f'<a href="{_e(href)}">{bar}</a>' if href else bar)
    height = max(len(values), 1) * row_height + 4
    rows = [
        Row(label, [text], hrefs[i] if hrefs else None)
        for i, (label, text) in enumerate(zip(labels, shown, strict=True))
    ]
    return Chart(key, title, _svg(key, title, height, "".join(parts)), list(columns), rows)


def _legend(key: str, names: Sequence[str]) -> tuple[str, float]:
    """Swatches and names across the top, wrapping; the height they take."""
    parts, x, y = [], 0.0, 0.0
    for i, name in enumerate(names):
        width = 22 + 7.6 * len(name) + 18
        if x and x + width > WIDTH:
            x, y = 0.0, y + 22
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 2}" width="16" height="14" fill="url(#{key}-p{i})" '
            f'stroke="{INK}" stroke-width=".5"/><text x="{x + 22:.1f}" y="{y + 14}">'
            f"{_e(name)}</text>"
        )
        x += width
    return "".join(parts), y + 30


def _axis(top: float, step: float, tick: Callable[[float], str], y0: float, h: float) -> str:
    parts, value = [], 0.0
    while value <= top + step / 2:
        y = y0 + h - h * value / top
        parts.append(
            f'<line x1="70" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="64" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{_e(tick(value))}'
            "</text>"
        )
        value += step
    return "".join(parts)


def stacked(
    key: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    tick: Callable[[float], str],
    shown: Callable[[float], str],
    total_label: str,
    exact: Callable[[float], str] | None = None,
    first: str = "",
) -> Chart:
    """Columns of stacked series (a legend names each), their totals written on top.

    ``shown`` writes the figures on the drawing, ``exact`` (else ``shown``) in the table,
    whose first column (the categories) is headed ``first``.
    """
    exact = exact or shown
    names = [name for name, _ in series]
    legend, legend_height = _legend(key, names)
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top, step = nice_top(max(totals, default=0))
    y0, h = legend_height + 10, 220.0
    slot = (WIDTH - 80) / max(len(categories), 1)
    width = min(slot * 0.6, 90)
    parts = [_patterns(key, len(series)), legend, _axis(top, step, tick, y0, h)]
    for i, category in enumerate(categories):
        x, base = 80 + slot * i + (slot - width) / 2, y0 + h
        for s, (name, values) in enumerate(series):
            height = h * values[i] / top
            if height > 0:
                base -= height
                parts.append(
                    f'<rect x="{x:.1f}" y="{base:.1f}" width="{width:.1f}" height="{height:.1f}" '
                    f'fill="url(#{key}-p{s})" stroke="#fff" stroke-width=".5">'
                    f"<title>{_e(category)}, {_e(name)}: {_e(shown(values[i]))}</title></rect>"
                )
        parts.append(
            f'<text x="{x + width / 2:.1f}" y="{base - 6:.1f}" text-anchor="middle" '
            f'font-weight="600">{_e(shown(totals[i]))}</text>'
            f'<text x="{x + width / 2:.1f}" y="{y0 + h + 18:.1f}" text-anchor="middle">'
            f"{_e(category)}</text>"
        )
    rows = [
        Row(category, [exact(values[i]) for _, values in series] + [exact(totals[i])])
        for i, category in enumerate(categories)
    ]
    svg = _svg(key, title, y0 + h + 28, "".join(parts))
    return Chart(key, title, svg, [first, *names, total_label], rows)


def line(
    key: str,
    title: str,
    categories: Sequence[str],
    values: Sequence[float | None],
    shown: Callable[[float], str],
    reference: tuple[float, str] | None = None,
    columns: tuple[str, str] = ("", ""),
) -> Chart:
    """A line through the known points, each marked and labelled, and a dashed reference."""
    known = [v for v in values if v is not None]
    low = min([0.0, *known, *([reference[0]] if reference else [])])
    high = max([*known, *([reference[0]] if reference else []), 1.0])
    top, step = nice_top(high - low)
    y0, h = 40.0 if reference else 16.0, 220.0
    slot = (WIDTH - 90) / max(len(categories), 1)

    def y_of(value: float) -> float:
        return y0 + h - h * (value - low) / top

    parts = [_axis(top, step, lambda v: shown(v + low), y0, h)]
    if reference is not None:
        y = y_of(reference[0])
        dashed = f'stroke="{COLOURS[4]}" stroke-width="2" stroke-dasharray="6 4"'
        parts.append(
            f'<line x1="70" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" {dashed}/>'
            f'<line x1="0" x2="28" y1="8" y2="8" {dashed}/>'
            f'<text x="36" y="13">{_e(reference[1])}</text>'
        )
    points = [(90 + slot * i + slot / 2, y_of(v), v) for i, v in enumerate(values) if v is not None]
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{COLOURS[0]}" stroke-width="2.5"/>'
        )
    for x, y, v in points:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{COLOURS[0]}" stroke="#fff"/>'
            f'<text x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" font-weight="600">'
            f"{_e(shown(v))}</text>"
        )
    every = max(1, math.ceil(len(categories) / 8))
    for i, category in enumerate(categories):
        if i % every == 0:
            parts.append(
                f'<text x="{90 + slot * i + slot / 2:.1f}" y="{y0 + h + 18:.1f}" '
                f'text-anchor="middle">{_e(category)}</text>'
            )
    rows = [
        Row(category, [shown(v) if v is not None else "—"])
        for category, v in zip(categories, values, strict=True)
    ]
    svg = _svg(key, title, y0 + h + 28, "".join(parts))
    return Chart(key, title, svg, list(columns), rows)
