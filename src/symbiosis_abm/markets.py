"""Price paths: virgin-input prices move over time, around their catalogue level.

Each resource's virgin price is multiplied by a level that follows a mean-reverting
random walk in logs (an Ornstein-Uhlenbeck process, the standard reduced form of
commodity and energy prices; Schwartz 1997):

    x' = x - reversion x x + volatility x z,   level = exp(x)

with ``reversion`` and ``volatility`` per year: prices are revised once a year (tariffs
and supply contracts), so the model takes one step at each new year. A
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

__all__ = ["price_step"]


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
