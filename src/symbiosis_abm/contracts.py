"""Contract rules: the agreed seasonal profile, delivery shortfall, profit against plan.

A contract agrees a monthly profile: in calendar month ``m`` both sides expect
``min(1, supply season[m], demand season[m])`` of the contract's mean monthly volume (the
same profile the deal's expected economics use, :func:`~.economics.seasonal_utilisation`).
A planned trough is then neither a delivery failure nor a loss:

* the shortfall of a delivery is measured against what the contract expected that tick,
  after the stream's uncommitted supply has covered what it can;
* profit tracking compares each side's actual gain with its expected gain for the tick.

Examples
--------
>>> season = np.array([[1.0] * 6 + [0.4] * 6])
>>> season_at(season, tick=6, tick_months=1.0).tolist(), season_at(season, 1, 3.0).tolist()
([0.4], [1.0])
>>> season_at(season, tick=1, tick_months=6.0).round(2).tolist()
[0.4]
"""

from __future__ import annotations

import numpy as np

__all__ = ["season_at", "supply_for_contracts", "shortfall", "allocation_reasons"]


def season_at(season: np.ndarray, tick: int, tick_months: float) -> np.ndarray:
    """Each row's seasonal factor over the months a tick covers (their mean).

    A tick of ``tick_months`` months starting at month ``tick * tick_months`` covers the
    calendar months it overlaps; a tick shorter than a month reads its month.
    """
    start = tick * tick_months
    if tick_months <= 1.0:
        return season[:, int(start // 1) % 12]
    months = (int(start // 1) + np.arange(int(round(tick_months)))) % 12
    return season[:, months].mean(axis=1)


def supply_for_contracts(ratio: np.ndarray, volume: np.ndarray,
                         committed: np.ndarray) -> np.ndarray:
    """A stream's realised supply per unit of committed volume (the contracts' ratio).

    The stream's uncommitted volume is used first to cover a shortfall of the committed
    part: contracts of a stream that is half placed get up to twice its ratio (each is
    still capped at what it agreed).

    Examples
    --------
    >>> supply_for_contracts(np.array([0.8, 0.8]), np.array([100.0, 100.0]),
    ...                      np.array([50.0, 100.0])).tolist()
    [1.6, 0.8]
    """
    placed = committed > 1e-9 * volume   # ignore rounding left by ended contracts
    out = np.array(ratio, dtype=float)
    out[placed] = ratio[placed] * volume[placed] / committed[placed]
    return out


def shortfall(delivered_share: np.ndarray, expected_share: np.ndarray) -> np.ndarray:
    """Share of what the contract expected this tick that was not delivered (0 if none was
    expected).

    Examples
    --------
    >>> shortfall(np.array([0.4, 0.2, 0.0]), np.array([0.4, 0.4, 0.0])).tolist()
    [0.0, 0.5, 0.0]
    """
    gap = np.maximum(expected_share - delivered_share, 0.0)
    return np.where(expected_share > 0, gap / np.maximum(expected_share, 1e-300), 0.0)


def allocation_reasons(granted: np.ndarray, gains_ok: np.ndarray, affordable: np.ndarray,
                       funded: np.ndarray) -> np.ndarray:
    """Why each concluded deal fails at allocation ("" if it does not): one code per cause.

    ``granted`` is the volume allocation gave (0: the supply or need was taken by better
    deals); ``gains_ok`` whether both sides still gain at that volume; ``affordable``
    whether the receiver can fund its part of the capex; ``funded`` whether the deal gets
    the co-funding it counted on.
    """
    return np.select(
        [granted <= 0, ~funded, ~gains_ok, ~affordable],
        ["no capacity left", "no co-funding", "no gain at granted volume", "no capital"],
        default="").astype(object)
