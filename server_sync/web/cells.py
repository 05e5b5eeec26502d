"""Table cells drawn in Python: a 1,000-hamlet overview has 9,000 of them, and a Jinja macro
call per cell costs more than the rest of the page (bench/dashboard.py)."""

from __future__ import annotations

from markupsafe import Markup

from survey.indicators import IndicatorValue

from . import i18n


def cell(value: IndicatorValue, status: str, lang: str) -> str:
    """`<td>` with the percentage, `n/d` beneath, and the status as class (colour, tint bar)."""
    percent = value.percent
    bar = "" if percent is None else f" p{percent:.0f}"
    return (
        f'<td class="c {status}{bar}">{i18n.percent(percent, lang)}'
        f"<small>{value.numerator}/{value.denominator}</small></td>"
    )


def cells(values: tuple[IndicatorValue, ...], statuses: tuple[str, ...], lang: str) -> Markup:
    return Markup("".join(cell(v, s, lang) for v, s in zip(values, statuses, strict=False)))
