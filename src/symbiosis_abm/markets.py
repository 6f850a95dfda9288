"""Price paths: virgin-input prices move over time, around their catalogue level.

Each resource's virgin price is multiplied by a level that follows a mean-reverting
random walk in logs (an Ornstein-Uhlenbeck process, the standard reduced form of
commodity and energy prices; Schwartz 1997):

    x' = x - reversion x x + volatility x z,   level = exp(x)

with ``reversion`` and ``volatility`` stated per year and converted to one tick. A
falling virgin price can make a contract signed at a higher price unprofitable for its
receiver, which then ends it ("unprofitable"): price moves are one of the internal
reasons exchanges end. A deterministic shock (a schedule, :mod:`symbiosis_abm.policy`)
multiplies on top.

Examples
--------
>>> x = price_step(np.array([0.0, 0.5]), np.array([1.0, 0.0]), 0.1, 0.2)
>>> np.round(x, 3)
array([0.2 , 0.45])
"""

from __future__ import annotations

import numpy as np

__all__ = ["price_step", "tick_volatility", "tick_reversion"]


def tick_volatility(per_year: float, tick_months: float) -> float:
    """Standard deviation of the log price change per tick (random-walk scaling).

    Examples
    --------
    >>> round(tick_volatility(0.2, 3.0), 3)
    0.1
    """
    return float(per_year * np.sqrt(tick_months / 12.0))


def tick_reversion(per_year: float, tick_months: float) -> float:
    """Share of the log deviation closed per tick.

    Examples
    --------
    >>> round(tick_reversion(0.5, 12.0), 3), round(tick_reversion(0.5, 6.0), 3)
    (0.5, 0.293)
    """
    return float(1.0 - (1.0 - per_year) ** (tick_months / 12.0))


def price_step(log_level: np.ndarray, z: np.ndarray, reversion: float,
               volatility: float) -> np.ndarray:
    """One tick of the log price level: revert toward 0, then a normal shock.

    Examples
    --------
    >>> price_step(np.array([1.0]), np.array([0.0]), 0.5, 0.1)
    array([0.5])
    """
    x = np.asarray(log_level, dtype=float)
    return x - reversion * x + volatility * np.asarray(z, dtype=float)
