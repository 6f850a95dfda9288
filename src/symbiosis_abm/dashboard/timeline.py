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

import math
from collections.abc import Iterable
from typing import Any

__all__ = ["month_index", "month_label", "passed_milestones", "region_start",
           "region_milestones", "milestone_steps", "next_chapter"]

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


def milestone_steps(region: Any, tick_months: float) -> list[int]:
    """For each milestone of ``region``, in date order, the number of steps after which
    the page shows it (a guided replay's chapter ends); empty without a start date.

    >>> class M:
    ...     date = "1983-01"
    >>> class R:
    ...     start, milestones = "1982-01", (M,)
    >>> milestone_steps(R, 1.0)
    [13]
    >>> passed_milestones("1982-01", 13 - 1, 1.0, (M,), "en")[0][0]
    '1983-01'
    """
    start = region_start(region)
    if start is None:
        return []
    out = []
    for m in region_milestones(region):
        date = getattr(m, "date", None)
        if not isinstance(date, str):
            continue
        tick = max(0, math.ceil((month_index(date) - month_index(start)) / tick_months))
        while tick > 0 and _calendar_month(start, tick - 1, tick_months) >= month_index(date):
            tick -= 1
        out.append(tick + 1)
    return sorted(set(out))


def next_chapter(steps: int, chapters: list[int]) -> int | None:
    """The first chapter end after ``steps`` (None when the replay is through).

    >>> next_chapter(0, [13, 40]), next_chapter(13, [13, 40]), next_chapter(40, [13, 40])
    (13, 40, None)
    """
    return next((c for c in chapters if c > steps), None)
