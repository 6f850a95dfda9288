"""The pace of a network: lead times, a few projects at once, opportunities over time.

* **Lead time**: between signing and first delivery a connection is designed, permitted
  and built. Each transport mode has a lead time in months (parameters
  ``lead_time_<mode>_months``); a pair that already owns the asset (a renewal, a
  re-signed link) needs none.
* **Projects at once**: a firm pursues at most ``max_negotiations`` IS projects at a
  time, counting negotiations and connections under construction.
* **Process changes**: each stream and need changes at a hazard per year (a new process,
  a new product, an investment). A change draws a new level, lognormal around the
  declared volume and at most it (the declared volume is the stream's capacity), or, with
  chance ``stop_share``, ends the stream or need; a dormant one (level 0) appears at level
  1 -- new opportunities appear over time. Contracts on a stream or need whose level fell
  below what is contracted on it are cut pro rata within their volume band, or end below
  its minimum ("below minimum volume", :func:`.contracts.within_band`).

Examples
--------
>>> lead_ticks(np.array([0, 1]), np.array([18.0, 1.0]), 1.0, np.array([False, False]))
array([18,  1])
"""

from __future__ import annotations

import numpy as np

from .portable_math import exp, power

__all__ = ["lead_ticks", "project_room", "process_change", "hazard_per_tick"]


def hazard_per_tick(per_year: float | np.ndarray, tick_months: float) -> np.ndarray:
    """Chance per tick of an event with chance ``per_year`` per year.

    Examples
    --------
    >>> round(float(hazard_per_tick(0.12, 1.0)), 5)
    0.0106
    >>> float(hazard_per_tick(0.5, 12.0))
    0.5
    """
    rate = np.asarray(per_year, dtype=float)
    if tick_months == 12.0:
        return rate  # exact: 1 - (1 - x) is not x in floating point
    return 1.0 - power(1.0 - rate, tick_months / 12.0)


def lead_ticks(mode: np.ndarray, lead_months_by_mode: np.ndarray, tick_months: float,
               has_asset: np.ndarray) -> np.ndarray:
    """Ticks of building between signing and first delivery, for each new exchange.

    ``lead_months_by_mode[m]`` is mode ``m``'s lead time in months, rounded to whole ticks
    (a lead time under half a tick is none); an exchange whose pair already owns the
    connection needs none. Without a lead time a deal signed in tick t delivers from t + 1.

    Examples
    --------
    >>> lead_ticks(np.array([0, 0, 1]), np.array([18.0, 1.0]), 3.0,
    ...            np.array([False, True, False]))
    array([6, 0, 0])
    """
    months = np.asarray(lead_months_by_mode, dtype=float)[np.asarray(mode)]
    ticks = np.round(months / tick_months).astype(np.int64)
    return np.where(np.asarray(has_asset, dtype=bool), 0, ticks)


def project_room(negotiating: np.ndarray, building: np.ndarray, max_projects: int) -> np.ndarray:
    """How many more projects each firm can take on now.

    Examples
    --------
    >>> project_room(np.array([0, 2, 1]), np.array([0, 1, 3]), 3)
    array([3, 0, 0])
    """
    return np.maximum(max_projects - np.asarray(negotiating) - np.asarray(building), 0)


def process_change(
    level: np.ndarray, u_event: np.ndarray, u_stop: np.ndarray, z: np.ndarray,
    hazard: float, stop_share: float, sigma: float,
) -> tuple[np.ndarray, np.ndarray]:
    """New levels of streams (or needs) after this tick's process changes.

    ``level`` is each item's current size relative to its declared volume (0: dormant or
    stopped). Where ``u_event < hazard`` the process changes: a dormant item appears at
    level 1; an active one stops where ``u_stop < stop_share``, else it takes the level
    ``min(1, exp(sigma x z))``. Returns the new levels and where the level fell.

    The tick applies this rule, element for element, in one compiled pass over the items
    whose event came (:func:`.kernels.change_levels`); this is its readable statement,
    which the kernel's tests hold it to.

    Examples
    --------
    Item 0 is dormant and appears, item 1 stops, item 2 halves, item 3 has no event, item
    4 changes back to its full volume:

    >>> new, fell = process_change(np.array([0.0, 1.0, 1.0, 1.0, 0.5]),
    ...     np.array([0.0, 0.0, 0.0, 0.9, 0.0]), np.array([0.9, 0.1, 0.9, 0.9, 0.9]),
    ...     np.array([0.0, 0.0, -1.0, 0.0, 2.0]), 0.5, 0.2, np.log(2.0))
    >>> new.tolist(), fell.tolist()
    ([1.0, 0.0, 0.5, 1.0, 1.0], [False, True, True, False, False])
    """
    level = np.asarray(level, dtype=float)
    event = np.asarray(u_event) < hazard
    dormant = level <= 0
    stop = event & ~dormant & (np.asarray(u_stop) < stop_share)
    drawn = np.minimum(exp(sigma * np.asarray(z)), 1.0)
    new = np.where(event & dormant, 1.0, np.where(stop, 0.0, np.where(event, drawn, level)))
    return new, new < level
