"""Server-rendered SVG bar charts (no script, no external service); labels are escaped."""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe

COLOURS = {
    "open": "#4c78a8",
    "published": "#54a24b",
    "rejected": "#f58518",
    "spam": "#e45756",
    "misdirected": "#b279a2",
    "withdrawn": "#9d9d9d",
}
DEFAULT = "#4c78a8"


def bar_chart(title: str, data: dict[str, float | int | None], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per key; the value is written next to the bar."""
    rows = [(str(k), float(v or 0)) for k, v in data.items()]
    height = 30 + 22 * max(1, len(rows))
    width, label_w, bar_w = 520, 150, 300
    top = max((v for _, v in rows), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<title>{escape(title)}</title><text x="0" y="16" font-weight="bold" '
        f'font-size="14">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 28 + 22 * i
        w = round(bar_w * value / top, 1)
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 13}" font-size="12" text-anchor="end">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w}" height="16" fill="{DEFAULT}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
            f'<text x="{label_w + w + 4}" y="{y + 13}" font-size="12">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number


def stacked_months(title: str, per_month: dict[str, dict[str, int]]) -> SafeString:
    """Vertical stacked bars per month, coloured by outcome, with a legend."""
    months = list(per_month)
    width, height, base = 620, 260, 200
    col = (width - 40) / max(1, len(months))
    top = max((sum(v.values()) for v in per_month.values()), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<title>{escape(title)}</title><text x="0" y="16" font-weight="bold" '
        f'font-size="14">{escape(title)}</text>',
    ]
    for i, month in enumerate(months):
        x = 30 + i * col
        y = float(base)
        for outcome, colour in COLOURS.items():
            count = per_month[month].get(outcome, 0)
            if not count:
                continue
            h = round(160 * count / top, 1)
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{col * 0.7:.1f}" height="{h}" '
                f'fill="{colour}"><title>{escape(month)} {outcome}: {count}</title></rect>'
            )
        total = sum(per_month[month].values())
        parts.append(
            f'<text x="{x:.1f}" y="{base + 14}" font-size="10">{escape(month[2:])}</text>'
            f'<text x="{x:.1f}" y="{y - 3:.1f}" font-size="10">{total or ""}</text>'
        )
    for j, (outcome, colour) in enumerate(COLOURS.items()):
        lx = 30 + j * 95
        parts.append(
            f'<rect x="{lx}" y="{base + 30}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{lx + 14}" y="{base + 39}" font-size="11">{outcome}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped or a number
