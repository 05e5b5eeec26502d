"""The quarterly trend drawn as charts: server-rendered SVG inside the page (no script, no
CDN, nothing the strict CSP forbids: presentation attributes and classes, no `style`).

One small chart per indicator: its share quarter by quarter as a line, its target as a
dashed line, the last figure written at the end; a quarter without data leaves a gap (no
data is never 0%). Colours come from the stylesheet by the indicator's last status.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from markupsafe import Markup

from survey.indicators import IndicatorValue

from . import i18n

WIDTH, HEIGHT = 300, 150  # the viewBox; the chart scales with its box
LEFT, RIGHT, TOP, BOTTOM = 34, 46, 12, 24  # room for the axis labels and the last figure


def _quarter(day: date, lang: str = "vi") -> str:
    return i18n.quarter_label(day, lang)


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - min(max(percent, 0.0), 100.0) / 100)


def chart(indicator: str, days: Sequence[date], values: Sequence[IndicatorValue], status: str, lang: str) -> str:
    """One indicator's chart as an `<svg>` element (text): `values[k]` is its figure as of
    `days[k]` (quarter ends, oldest first); `status` the last figure's (met, close, far,
    no_data, no_target), which colours the line."""
    label = i18n.label(lang, indicator)
    count = len(days)
    span = WIDTH - LEFT - RIGHT
    xs = [LEFT + (span * k / (count - 1) if count > 1 else span / 2) for k in range(count)]
    parts = [
        f'<svg class="chart {escape(status)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-{indicator}-t chart-{indicator}-d" data-indicator="{escape(indicator)}">',
        f'<title id="chart-{indicator}-t">{escape(label)}</title>',
    ]
    described = "; ".join(
        f"{_quarter(d, lang)}: {i18n.percent(v.percent, lang)}" for d, v in zip(days, values, strict=True)
    )
    parts.append(f'<desc id="chart-{indicator}-d">{escape(described)}</desc>')
    for tick in (0, 50, 100):  # the grid
        y = _y(tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{tick}%</text>')
    target = next((v.target for v in reversed(values) if v.target is not None), None)
    if target is not None:
        y = _y(target.min)
        parts.append(f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    runs: list[list[tuple[float, float]]] = [[]]
    for x, value in zip(xs, values, strict=True):
        if value.percent is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, _y(value.percent)))
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(f'<polyline class="line" points="{points}"/>')
        for x, y in run:
            parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="2.5"/>')
    last = next(((x, v) for x, v in zip(reversed(xs), reversed(values), strict=True) if v.percent is not None), None)
    if last is not None:
        x, value = last
        parts.append(
            f'<text class="last" x="{x + 5:.1f}" y="{_y(value.percent or 0) + 4:.1f}">'
            f"{escape(i18n.percent(value.percent, lang))}</text>"
        )
    if days:
        base = HEIGHT - 6
        parts.append(f'<text class="axis" x="{LEFT}" y="{base}">{_quarter(days[0], lang)}</text>')
        if count > 1:
            parts.append(
                f'<text class="axis" x="{WIDTH - RIGHT}" y="{base}" text-anchor="end">{_quarter(days[-1], lang)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def trend_charts(
    trend: Sequence[tuple[date, Sequence[IndicatorValue]]],
    indicators: Sequence[str],
    close_margin: float,
    lang: str,
) -> Markup:
    """A figure per indicator (`trend`: each quarter end with the values of `indicators`, in
    that order), each captioned with its name and target; empty when there is no quarter."""
    if not trend:
        return Markup("")
    days = [day for day, _ in trend]
    out = ['<div class="charts">']
    for k, indicator in enumerate(indicators):
        values = [row[k] for _, row in trend]
        last = values[-1]
        target = f" · {i18n.t(lang, 'target')} {last.target.describe()}" if last.target else ""
        out.append(
            f'<figure class="chart-box"><figcaption>{escape(i18n.short(lang, indicator))}'
            f"<small>{escape(target)}</small></figcaption>"
            f"{chart(indicator, days, values, last.status(close_margin), lang)}</figure>"
        )
    out.append("</div>")
    return Markup("".join(out))
