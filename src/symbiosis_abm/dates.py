"""Calendar months of a region: ``"YYYY-MM"`` texts and the ticks they fall in.

A region may state the calendar month of tick 0 (``[region] start``); a tick then lasts
``tick_months`` calendar months, so a date falls in tick ``floor(months since start /
tick_months)``. Dates before the start fall in tick 0 where that makes sense (a firm that
opened before the region's start is open from the first tick).

Examples
--------
>>> months_between("2013-01", "2017-04")
51
>>> tick_of("2013-01", "2017-04", 1.0), tick_of("2013-01", "2017-04", 3.0)
(51, 17)
>>> month_label("2013-01", 51)
'2017-04'
"""

from __future__ import annotations

import math
import re

__all__ = ["parse_month", "months_between", "tick_of", "month_label", "date_problem",
           "MONTH_FORMAT"]

MONTH_FORMAT = '"YYYY-MM", e.g. "2013-04"'
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def date_problem(value: object) -> str | None:
    """What is wrong with a ``"YYYY-MM"`` value (None if it is a valid month).

    Examples
    --------
    >>> date_problem("2013-04") is None
    True
    >>> print(date_problem("2013-13"))
    '2013-13' is not a calendar month; write "YYYY-MM", e.g. "2013-04" (month 01 to 12)
    >>> print(date_problem("April 2013"))
    'April 2013' is not a calendar month; write "YYYY-MM", e.g. "2013-04"
    """
    if not isinstance(value, str):
        return f"must be text {MONTH_FORMAT}, got {value!r}"
    match = _MONTH.match(value.strip())
    if not match:
        return f"{value!r} is not a calendar month; write {MONTH_FORMAT}"
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        return f"{value!r} is not a calendar month; write {MONTH_FORMAT} (month 01 to 12)"
    if not 1800 <= year <= 2200:
        return f"{value!r}: year out of range; allowed 1800 to 2200"
    return None


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) of a ``"YYYY-MM"`` text; raises ``ValueError`` if it is not one.

    Examples
    --------
    >>> parse_month("1982-10")
    (1982, 10)
    """
    problem = date_problem(text)
    if problem:
        raise ValueError(problem)
    year, month = text.strip().split("-")
    return int(year), int(month)


def months_between(start: str, date: str) -> int:
    """Whole calendar months from ``start`` to ``date`` (negative if ``date`` is earlier).

    Examples
    --------
    >>> months_between("2017-04", "2017-04"), months_between("2017-04", "2016-12")
    (0, -4)
    """
    (y0, m0), (y1, m1) = parse_month(start), parse_month(date)
    return (y1 - y0) * 12 + (m1 - m0)


def tick_of(start: str, date: str, tick_months: float = 1.0) -> int:
    """The tick whose months contain ``date``, tick 0 holding ``start``.

    Negative for dates before the start (callers decide what that means).

    Examples
    --------
    >>> tick_of("2000-01", "2000-02", 3.0), tick_of("2000-01", "2000-04", 3.0)
    (0, 1)
    >>> tick_of("2000-01", "1999-12", 1.0)
    -1
    """
    return math.floor(months_between(start, date) / tick_months)


def month_label(start: str, months: int) -> str:
    """The ``"YYYY-MM"`` that lies ``months`` calendar months after ``start``.

    Examples
    --------
    >>> month_label("1999-11", 3)
    '2000-02'
    """
    year, month = parse_month(start)
    index = year * 12 + (month - 1) + int(months)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
