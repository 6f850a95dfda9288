"""Denmark's surplus-heat tax by year and scope (issue 19): data, not a constant.

A country may list the tax it charges on industrial surplus heat sold for heating, by the
year each rule took effect (``[countries.XX] surplus_heat_tax_by_year``: a fixed rate per
MWh; ``surplus_heat_value_tax_by_year``: a share of the heat's value, taken as the
catalogue's price of the heat it replaces). The tax applies only to the resources the
catalogue marks ``surplus_heat = true`` and only to streams that are surplus heat: a
stream marked ``surplus_heat = false`` in its region (heat from combined heat and power,
which Danish rules do not count as surplus heat) pays none. Before the first listed year
no tax applies. The seller pays it on what it delivers (it lowers the seller's avoided
cost, as ``exchange_tax`` does).

Examples
--------
Denmark's schedule as the bundled catalogue gives it (EUR/MWh): nothing before 1996, a
third of the heat's value 1996-2019, 25 DKK/GJ from 2020, 25.80 DKK/GJ from 2022.

>>> fixed = ((1996, 0.0), (2020, 12.1), (2022, 12.5))
>>> share = ((1996, 0.33), (2020, 0.0))
>>> [float(tax_rate(fixed, share, y, 32.0)) for y in (1990, 2018, 2021, 2023)]
[0.0, 10.56, 12.1, 12.5]
"""

from __future__ import annotations

import numpy as np

from .dates import parse_month

__all__ = ["in_force", "tax_rate", "calendar_year", "stream_tax"]

Schedule = tuple[tuple[int, float], ...]


def in_force(schedule: Schedule, year: int | None) -> float:
    """The value of the latest entry not after ``year`` (0 before the first, and 0 for an
    empty schedule); ``year`` None: the latest entry (the catalogue's present level).

    Examples
    --------
    >>> in_force(((1996, 0.33), (2020, 0.0)), 2005), in_force(((1996, 0.33),), 1995)
    (0.33, 0.0)
    >>> in_force(((2020, 12.1), (2022, 12.5)), None), in_force((), 2020)
    (12.5, 0.0)
    """
    if not schedule:
        return 0.0
    if year is None:
        return float(schedule[-1][1])
    past = [v for y, v in schedule if y <= year]
    return float(past[-1]) if past else 0.0


def tax_rate(fixed: Schedule, share: Schedule, year: int | None,
             value: np.ndarray | float) -> np.ndarray:
    """Tax per unit in ``year``: the fixed rate plus the value share times ``value``.

    Examples
    --------
    >>> tax_rate(((2020, 12.1),), ((1996, 0.33), (2020, 0.0)), 2010, np.array([20.0, 32.0]))
    array([ 6.6 , 10.56])
    """
    return in_force(fixed, year) + in_force(share, year) * np.asarray(value, dtype=float)


def calendar_year(start: str | None, year: int | None, tick: int,
                  tick_months: float) -> int | None:
    """The calendar year of ``tick``: from the region's ``start`` month, else the single
    year the region depicts (None if it gives neither).

    Examples
    --------
    >>> calendar_year("1960-01", 2018, 431, 1.0), calendar_year("1960-01", 2018, 432, 1.0)
    (1995, 1996)
    >>> calendar_year(None, 2018, 500, 1.0)
    2018
    """
    if start is None:
        return year
    y0, m0 = parse_month(start)
    return y0 + int((m0 - 1 + tick * tick_months) // 12)


def stream_tax(taxed: np.ndarray, resource: np.ndarray, fixed: Schedule, share: Schedule,
               year: int | None, value: np.ndarray) -> np.ndarray:
    """Surplus-heat tax per unit of each stream in ``year``: 0 for streams not taxed.

    ``value[r]`` is the value per unit of resource ``r`` the share is taken of.

    Examples
    --------
    >>> stream_tax(np.array([True, False]), np.array([1, 1]), ((2022, 12.5),), (), 2023,
    ...            np.array([20.0, 32.0]))
    array([12.5,  0. ])
    """
    rate = tax_rate(fixed, share, year, np.asarray(value, dtype=float)[resource])
    return np.where(np.asarray(taxed, dtype=bool), rate, 0.0)
