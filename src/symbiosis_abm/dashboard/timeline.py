"""Calendar dates for ticks and the region's milestones as they pass.

A region may give ``[region] start = "YYYY-MM"`` (the month of tick 0) and
``[[milestones]]`` with a date and a text in English and Swedish. Both are read with
``getattr`` so regions without them (and older region loaders) work: the dashboard then
shows the month number instead of a date.

Examples
--------
>>> month_label("1982-03", 0, 1.0, "en"), month_label("1982-03", 13, 1.0, "sv")
('Mar 1982', 'apr 1983')
>>> month_label(None, 5, 1.0, "en") is None
True
>>> class M:
...     date, text, text_sv = "1983-01", "Heat to the grid", "Värme till nätet"
>>> [m for _, m in passed_milestones("1982-01", 12, 1.0, (M,), "sv")]
['Värme till nätet']
>>> passed_milestones("1982-01", 11, 1.0, (M,), "en")
[]
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["month_index", "month_label", "passed_milestones", "region_start",
           "region_milestones"]

_MONTHS = {"en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                  "Nov", "Dec"),
           "sv": ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt",
                  "nov", "dec")}


def region_start(region: Any) -> str | None:
    """The region's start month ``"YYYY-MM"`` or None."""
    start = getattr(region, "start", None)
    return start if isinstance(start, str) and len(start) >= 7 else None


def region_milestones(region: Any) -> tuple:
    """The region's milestones (objects with ``date``, ``text``, ``text_sv``)."""
    return tuple(getattr(region, "milestones", ()) or ())


def month_index(date: str) -> int:
    """Months since year 0 of ``"YYYY-MM"``: ``month_index("0001-02") == 13``."""
    year, month = date[:7].split("-")
    return int(year) * 12 + int(month) - 1


def _calendar_month(start: str, tick: int, tick_months: float) -> int:
    return month_index(start) + int(round(tick * tick_months))


def month_label(start: str | None, tick: int, tick_months: float, lang: str) -> str | None:
    """``"Mar 1984"`` for ``tick`` (ticks counted from 0 at ``start``), or None."""
    if start is None:
        return None
    m = _calendar_month(start, tick, tick_months)
    return f"{_MONTHS.get(lang, _MONTHS['en'])[m % 12]} {m // 12}"


def passed_milestones(start: str | None, tick: int, tick_months: float,
                      milestones: Iterable[Any], lang: str) -> list[tuple[str, str]]:
    """(date, text) of the milestones reached by ``tick``, newest first."""
    if start is None:
        return []
    now = _calendar_month(start, tick, tick_months)
    out = []
    for m in milestones:
        date = getattr(m, "date", None)
        if not isinstance(date, str) or month_index(date) > now:
            continue
        text = (getattr(m, "text_sv", None) if lang == "sv" else None) or getattr(m, "text", "")
        out.append((date, text))
    return sorted(out, reverse=True)
