"""Firm demography: firms leave the region and new firms take over their sites.

* **Exit**: each open firm closes with a yearly hazard by size class
  (``exit_rate_sme``, ``exit_rate_large``). Eurostat's business demography statistics put
  enterprise death rates in the EU business economy at around 9 % a year, mostly among
  the smallest firms; employer firms and above all large firms close far less often.
* **Entry**: the site of a firm that exited is taken over by a newcomer of the same
  sector (same streams and needs: the plant, the permits and the process stay) with a
  yearly chance ``site_reuse_rate``. The newcomer has no relationships: its pairs start
  again at the initial trust, unaware. Eurostat reports birth rates close to death rates
  (both about 9 %), so over decades the population stays about constant while its
  members turn over.

Only hazard exits are re-occupied: closures a region file schedules are history.

Examples
--------
>>> h = exit_hazard(np.array([0, 1]), sme_rate=0.06, large_rate=0.015, tick_months=12.0)
>>> h.tolist()
[0.06, 0.015]
"""

from __future__ import annotations

import numpy as np

from .pace import hazard_per_tick

__all__ = ["exit_hazard", "exits", "entries", "pairs_of"]


def exit_hazard(size: np.ndarray, sme_rate: float, large_rate: float,
                tick_months: float, sme_code: int = 0) -> np.ndarray:
    """Chance per tick that each firm closes, by size class (``size == sme_code``: SME).

    Examples
    --------
    >>> np.round(exit_hazard(np.array([0, 1]), 0.06, 0.015, 1.0), 5)
    array([0.00514, 0.00126])
    """
    yearly = np.where(np.asarray(size) == sme_code, sme_rate, large_rate)
    return hazard_per_tick(yearly, tick_months)


def exits(is_open: np.ndarray, u: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Open firms that close this tick.

    Examples
    --------
    >>> exits(np.array([True, True, False]), np.array([0.1, 0.9, 0.0]), np.array([0.5] * 3))
    array([ True, False, False])
    """
    return np.asarray(is_open, dtype=bool) & (np.asarray(u) < hazard)


def entries(vacant: np.ndarray, u: np.ndarray, reuse_per_tick: float) -> np.ndarray:
    """Vacant sites a newcomer takes over this tick.

    Examples
    --------
    >>> entries(np.array([True, True, False]), np.array([0.1, 0.9, 0.0]), 0.5)
    array([ True, False, False])
    """
    return np.asarray(vacant, dtype=bool) & (np.asarray(u) < reuse_per_tick)


def pairs_of(src: np.ndarray, dst: np.ndarray, firms: np.ndarray) -> np.ndarray:
    """Pair slots that involve any of ``firms`` (their relationships restart).

    Examples
    --------
    >>> pairs_of(np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0])).tolist()
    [0, 2]
    """
    hit = np.zeros(max(int(np.max(src, initial=-1)), int(np.max(dst, initial=-1)),
                       int(np.max(firms, initial=-1))) + 1, dtype=bool)
    hit[np.asarray(firms, dtype=np.int64)] = True
    return np.flatnonzero(hit[src] | hit[dst])
