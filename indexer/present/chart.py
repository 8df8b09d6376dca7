"""A small bar chart of a series, as inline SVG: drawn on the server, no script needed.

Bars of periods of one kind share a colour (the first half-years, the years …), since a
six-month figure and a year's figure are not the same measure; each bar carries its figure as
quoted and its period as a short label.
"""

from __future__ import annotations

from html import escape

from ..model import SeriesPoint

WIDTH, HEIGHT, TOP, BOTTOM, LEFT = 640, 230, 28, 46, 12
COLOURS = ("#9b1c1c", "#2f5f8a", "#6b7d2a", "#8a5a2f", "#5b3f8a")


def short_label(label: str) -> str:
    """"6 tháng đầu năm 2021" → "6T đầu 2021", "năm 2022" → "2022", "quý III/2023" → "QIII/2023"."""
    return (label.replace("6 tháng đầu năm ", "6T đầu ").replace("6 tháng cuối năm ", "6T cuối ")
            .replace("9 tháng năm ", "9T ").replace("quý ", "Q").replace("năm ", ""))  # fmt: skip


def series_svg(points: list[SeriesPoint], title: str = "") -> str:
    """SVG markup of the series' bars (points without a parsed figure are left out); "" when
    fewer than two figures parse.

    >>> "<svg" in series_svg([])
    False
    """
    drawn = [p for p in points if p.number is not None]
    if len(drawn) < 2:
        return ""
    top = max(p.number for p in drawn) or 1.0
    kinds = list(dict.fromkeys(p.period.kind for p in drawn))
    slot = (WIDTH - 2 * LEFT) / len(drawn)
    bar = min(56.0, slot * 0.6)
    usable = HEIGHT - TOP - BOTTOM
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title or "Biểu đồ số liệu qua các kỳ")}" '
             'class="series-chart">']  # fmt: skip
    base = HEIGHT - BOTTOM
    parts.append(f'<line x1="{LEFT}" y1="{base}" x2="{WIDTH - LEFT}" y2="{base}" '
                 'stroke="#999" stroke-width="1"/>')  # fmt: skip
    for i, p in enumerate(drawn):
        h = max(1.0, usable * max(p.number, 0.0) / top)
        x = LEFT + slot * i + (slot - bar) / 2
        colour = COLOURS[kinds.index(p.period.kind) % len(COLOURS)]
        centre = x + bar / 2
        parts.append(f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{colour}"><title>{escape(p.period.label)}: '
                     f'{escape(p.answer.answer or "")}</title></rect>')  # fmt: skip
        value = (p.answer.answer or "").split()[0]
        parts.append(f'<text x="{centre:.1f}" y="{base - h - 6:.1f}" text-anchor="middle" '
                     f'font-size="12">{escape(value)}</text>')  # fmt: skip
        parts.append(f'<text x="{centre:.1f}" y="{base + 18}" text-anchor="middle" '
                     f'font-size="11">{escape(short_label(p.period.label))}</text>')  # fmt: skip
    for j, kind in enumerate(kinds):  # legend: which colour is which kind of period
        x = LEFT + 150 * j
        parts.append(f'<rect x="{x}" y="{HEIGHT - 14}" width="10" height="10" '
                     f'fill="{COLOURS[j % len(COLOURS)]}"/>')  # fmt: skip
        parts.append(f'<text x="{x + 14}" y="{HEIGHT - 5}" font-size="11">{escape(kind)}</text>')
    parts.append("</svg>")
    return "".join(parts)
