"""Measures that can be read: tie strength, pace, endings by reason, cascades, persistence.

* **Strong ties** are unordered pairs of firms in an active exchange or in talks; **weak
  ties** are pairs that met (at an event, in talks that failed) with no strong tie.
  Granovetter's distinction; mixing them in one mean trust made it unreadable.
* **Pace**: ticks to the first exchange and to a share (half) of the final network.
* **Endings per year by reason**, and the **second-order endings** after a closure:
  exchanges that end within a window after a firm closes but do not involve it.
* **Persistence**: active exchanges N ticks after a facilitator withdraws over those at
  withdrawal.

Examples
--------
>>> time_to_share(np.array([0, 0, 2, 3, 4, 4]), 0.5)
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._arrays import unique_sorted

__all__ = ["sme_participation", "undirected_keys", "time_to_first", "time_to_share",
           "endings_per_year", "endings_after", "persistence", "largest_key_supplier"]


def sme_participation(firm_is_sme: np.ndarray, supplier: np.ndarray,
                      receiver: np.ndarray) -> float:
    """Share of SMEs in at least one exchange (any in the log), NaN without SMEs.

    Examples
    --------
    >>> sme_participation(np.array([True, True, False]), np.array([0]), np.array([2]))
    0.5
    """
    took_part = np.zeros(len(firm_is_sme), dtype=bool)
    took_part[supplier] = True
    took_part[receiver] = True
    return float(took_part[firm_is_sme].mean()) if firm_is_sme.any() else float("nan")


def undirected_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Sorted unique keys ``min * n + max`` of unordered pairs (self-pairs dropped).

    Examples
    --------
    >>> undirected_keys(np.array([0, 1, 2]), np.array([1, 0, 2]), 3).tolist()
    [1]
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    keep = a != b
    lo, hi = np.minimum(a, b)[keep], np.maximum(a, b)[keep]
    return unique_sorted(lo * n + hi)


def time_to_first(active: np.ndarray) -> float:
    """Index of the first tick with an active exchange (NaN if there is none).

    Examples
    --------
    >>> time_to_first(np.array([0, 0, 1])), time_to_first(np.array([0, 0]))
    (2, nan)
    """
    hit = np.flatnonzero(np.asarray(active) > 0)
    return int(hit[0]) if len(hit) else float("nan")


def time_to_share(active: np.ndarray, share: float) -> float:
    """First tick at which active exchanges reach ``share`` of their final count.

    Examples
    --------
    >>> time_to_share(np.array([1, 2, 4, 8]), 0.5), time_to_share(np.array([0, 0]), 0.5)
    (2, nan)
    """
    active = np.asarray(active, dtype=float)
    if len(active) == 0 or active[-1] <= 0:
        return float("nan")
    return int(np.flatnonzero(active >= share * active[-1])[0])


def endings_per_year(ended_tick: np.ndarray, reason: np.ndarray, ticks_per_year: float,
                     years: int | None = None) -> pd.DataFrame:
    """Exchanges ended per year (rows) and reason (columns); ``ended_tick < 0``: still active.

    Examples
    --------
    >>> endings_per_year(np.array([3, 14, 15, -1]), np.array(["a", "a", "b", ""]), 12, years=2)
    reason  a  b
    year        
    0       1  0
    1       1  1
    """
    ended_tick = np.asarray(ended_tick)
    done = ended_tick >= 0
    year = (ended_tick[done] // ticks_per_year).astype(int)
    frame = pd.crosstab(pd.Series(year, name="year"),
                        pd.Series(np.asarray(reason)[done], name="reason"))
    if years is not None:
        frame = frame.reindex(range(years), fill_value=0)
        frame.index.name = "year"
    return frame


def endings_after(closure_tick: np.ndarray, closed_firm: np.ndarray, ended_tick: np.ndarray,
                  supplier: np.ndarray, receiver: np.ndarray, window: int) -> np.ndarray:
    """Per closure, exchanges ending within ``window`` ticks after it that do not involve it.

    An upper bound of the second-order endings the closure caused (background endings in
    the window count too); the paired experiment with and without the closure isolates
    them.

    Examples
    --------
    Firm 0 closes at tick 5; exchange 1 (2 -> 3) ends at tick 8, exchange 0 involves firm 0:

    >>> endings_after(np.array([5]), np.array([0]), np.array([5, 8, -1]),
    ...               np.array([0, 2, 4]), np.array([1, 3, 5]), 12).tolist()
    [1]
    """
    ended_tick = np.asarray(ended_tick)
    out = np.zeros(len(closure_tick), dtype=np.int64)
    for k, (t, firm) in enumerate(zip(closure_tick, closed_firm)):
        inside = (ended_tick > t) & (ended_tick <= t + window)
        out[k] = int((inside & (supplier != firm) & (receiver != firm)).sum())
    return out


def persistence(active: np.ndarray, at: int, after: int) -> float:
    """Active exchanges ``after`` ticks past tick ``at`` over those at ``at`` (NaN if 0).

    Examples
    --------
    >>> persistence(np.array([4, 4, 2]), 0, 2)
    0.5
    """
    active = np.asarray(active, dtype=float)
    if at + after >= len(active) or active[at] <= 0:
        return float("nan")
    return float(active[at + after] / active[at])


def largest_key_supplier(region) -> str | None:
    """The firm with the largest stream of a *key input*: a resource some firm's streams
    are produced from (``produced_from``). Closing it is where cascades start.

    Examples
    --------
    >>> from types import SimpleNamespace as N
    >>> a = N(id="a", streams=[N(resource="sludge", volume_per_year=10.0)])
    >>> b = N(id="b", streams=[N(resource="biogas", volume_per_year=5.0,
    ...                          produced_from="sludge")])
    >>> largest_key_supplier(N(firms=[a, b]))
    'a'
    """
    key = {s.produced_from for f in region.firms for s in f.streams
           if getattr(s, "produced_from", None)}
    volume = {f.id: max((s.volume_per_year for s in f.streams if s.resource in key),
                        default=0.0) for f in region.firms}
    best = max(volume, key=volume.get, default=None)
    return best if best is not None and volume[best] > 0 else None
