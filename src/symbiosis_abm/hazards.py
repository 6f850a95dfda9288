"""Investment that counts the model's own hazards (docs/ODD.md 7.2).

A firm that builds a dedicated connection expects the link to end early when one of
the two firms closes or when the stream or the need changes so much that the contract
ends -- under the same rules the model then applies. The yearly chance of that, from the
model's own parameters, is

* each firm's exit chance per year: ``exit_rate_sme`` or ``exit_rate_large`` by size
  where the firm may close at random (:mod:`.demography`), plus the uniform
  ``closure_rate_per_year`` of every firm;
* for the stream and for the need, the chance per year of a process change that ends
  the contract: ``process_change_rate`` x (``process_stop_share`` + the rest x the chance
  that the new level, ``min(1, exp(sigma z))``, falls below the contract's minimum
  volume ``min_volume_share``; :func:`.pace.process_change`, :func:`.contracts.within_band`),
  for a contract that holds the whole stream or need (the common case of a new link).

The four are independent draws in the model, so the link survives a year with the
product of their complements. Capex is then annualised at a hazard-adjusted rate: a
payment that survives a year with chance ``1 - h`` is worth ``(1 - h) / (1 + r)`` of
itself a year earlier, so the rate is ``(1 + r) / (1 - h) - 1``, over the asset's
economic life. This is the annuity of the asset's life and of the expected survival of
the link together (the shorter of the two dominates).

Price moves are not counted (an assumption): renewal re-prices at today's prices, so a
price move ends a link only where no price leaves both sides better off, and that
depends on each deal's margin, not on a rate of the model alone.
"""

from __future__ import annotations

import math

import numpy as np

from ._arrays import RowsByKey, unique_sorted
from .portable_math import power
from .world import SME

__all__ = ["process_end_chance", "firm_exit_chance", "link_end_chance", "risk_rate",
           "annuity_factor_at", "edge_end_chances", "hazard_classes", "link_annuity_table",
           "link_annuity"]


def process_end_chance(change_rate: float, stop_share: float, sigma: float,
                       min_share: float) -> float:
    """Chance per year that a process change ends a contract holding a whole stream (or
    need): the process changes (``change_rate``) and stops (``stop_share``) or draws a
    new level ``min(1, exp(sigma z))`` below the contract's minimum ``min_share``.

    Examples
    --------
    The defaults (5 % a year, a quarter stop, sigma 0.4, minimum half the volume):

    >>> round(process_end_chance(0.05, 0.25, 0.4, 0.5), 5)
    0.01406
    >>> process_end_chance(0.05, 1.0, 0.4, 0.5), process_end_chance(0.0, 0.25, 0.4, 0.5)
    (0.05, 0.0)
    """
    if min_share <= 0:
        below = 0.0
    elif sigma <= 0:
        below = float(min_share > 1.0)
    else:
        below = 0.5 * (1.0 + math.erf(math.log(min_share) / (sigma * math.sqrt(2.0))))
    return change_rate * (stop_share + (1.0 - stop_share) * below)


def firm_exit_chance(size: np.ndarray, random_exit: np.ndarray, sme_rate: float,
                     large_rate: float, closure_rate: float, sme_code: int = 0) -> np.ndarray:
    """Chance per year that each firm closes under the model's exit rules.

    Examples
    --------
    An SME and a large firm that may close at random, and an SME that may not:

    >>> firm_exit_chance(np.array([0, 1, 0]), np.array([True, True, False]),
    ...                  0.06, 0.015, 0.0).tolist()
    [0.06, 0.015, 0.0]
    """
    size = np.asarray(size)
    exit_ = np.where(np.asarray(random_exit, dtype=bool),
                     np.where(size == sme_code, sme_rate, large_rate), 0.0)
    if closure_rate <= 0:
        return exit_   # exact: 1 - (1 - x) is not x in floating point
    return 1.0 - (1.0 - exit_) * (1.0 - closure_rate)


def link_end_chance(supplier_exit: np.ndarray, receiver_exit: np.ndarray,
                    process_end: float) -> np.ndarray:
    """Chance per year that a new link ends early: either firm closes, or its stream or
    its need changes so that the contract ends (independent draws in the model).

    Examples
    --------
    Two SMEs at 6 % a year and the default process hazard; two firms that never close:

    >>> link_end_chance(np.array([0.06, 0.0]), np.array([0.06, 0.0]), 0.01406).round(4).tolist()
    [0.1411, 0.0279]
    """
    survive = ((1.0 - np.asarray(supplier_exit, dtype=float))
               * (1.0 - np.asarray(receiver_exit, dtype=float)) * (1.0 - process_end) ** 2)
    return 1.0 - survive


def risk_rate(rate: float, end_chance: np.ndarray) -> np.ndarray:
    """The discount rate that counts a yearly chance ``end_chance`` that the link ends:
    ``(1 + rate) / (1 - end_chance) - 1``.

    Examples
    --------
    >>> risk_rate(0.06, np.array([0.0, 0.1])).round(4).tolist()
    [0.06, 0.1778]
    """
    keep = np.maximum(1.0 - np.asarray(end_chance, dtype=float), 1e-9)
    return (1.0 + rate) / keep - 1.0


def annuity_factor_at(rate: np.ndarray, years: np.ndarray) -> np.ndarray:
    """:func:`.economics.annuity_factor` element by element, for arrays of rates and
    lives (broadcast together): the yearly payment that repays 1 EUR over ``years``.

    Examples
    --------
    >>> annuity_factor_at(np.array([[0.06], [0.0]]), np.array([[20.0, 10.0]])).round(5).tolist()
    [[0.08718, 0.13587], [0.05, 0.1]]
    """
    rate, years = np.broadcast_arrays(np.asarray(rate, dtype=float),
                                      np.asarray(years, dtype=float))
    out = 1.0 / years
    pos = rate > 0
    out[pos] = rate[pos] / (1.0 - power(1.0 + rate[pos], -years[pos]))
    return out


def edge_end_chances(world, p) -> np.ndarray:
    """:func:`link_end_chance` of every candidate edge of ``world`` under parameters ``p``."""
    firm_exit = firm_exit_chance(world.firm_size, world.firm_random_exit, p.exit_rate_sme,
                                 p.exit_rate_large, p.closure_rate_per_year, SME)
    process = process_end_chance(p.process_change_rate, p.process_stop_share,
                                 p.process_change_sigma, p.min_volume_share)
    return link_end_chance(firm_exit[world.edge_supplier], firm_exit[world.edge_receiver],
                           process)


def hazard_classes(size: np.ndarray, random_exit: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Firms grouped by what their exit chance depends on, their size and whether they
    may close at random: each firm's class, and each class's size and ``random_exit``.

    Examples
    --------
    >>> cls, size, rand = hazard_classes(np.array([0, 1, 0, 1]),
    ...                                  np.array([True, True, True, False]))
    >>> cls.tolist(), size.tolist(), rand.tolist()
    ([0, 2, 0, 1], [0, 1, 1], [True, False, True])
    """
    key = np.asarray(size, dtype=np.int64) * 2 + np.asarray(random_exit, dtype=bool)
    classes, firm_class = unique_sorted(key, return_inverse=True)
    return firm_class, classes // 2, classes % 2 == 1


def link_annuity_table(world, p, life_years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The annuity factor per mode at the rate that counts a link's hazards, for each
    (resource, supplier's class, receiver's class), and each firm's class
    (:func:`hazard_classes`).

    A link's hazard depends on its two firms only through their classes, so the factors
    of all candidate edges are a table of resources x K x K rows: the edge of resource
    ``r`` between firms ``i`` and ``j`` has row ``(r * K + c[i]) * K + c[j]`` (``K``
    classes, ``c`` the firm's class); ``life_years`` is each (resource, mode)'s economic
    life. Each value is computed by the same operations as for the edge itself, so it is
    the edge's own factor bit for bit (a few hundred values instead of edges x modes).
    """
    firm_class, size, random_ = hazard_classes(world.firm_size, world.firm_random_exit)
    k = len(size)
    exit_ = firm_exit_chance(size, random_, p.exit_rate_sme, p.exit_rate_large,
                             p.closure_rate_per_year, SME)
    process = process_end_chance(p.process_change_rate, p.process_stop_share,
                                 p.process_change_sigma, p.min_volume_share)
    sup, rec = np.divmod(np.arange(k * k), k)   # pair (sup, rec) at row sup * K + rec
    rate = risk_rate(p.discount_rate, link_end_chance(exit_[sup], exit_[rec], process))
    life = np.asarray(life_years, dtype=float)
    table = annuity_factor_at(np.tile(rate, len(life))[:, None],
                              np.repeat(life, k * k, axis=0))
    return table, firm_class


def link_annuity(model, resource: np.ndarray) -> RowsByKey:
    """Each candidate edge's annuity factor per mode, shape ``(edges, modes)``, at the
    rate that counts its link's hazards (:func:`edge_end_chances` from ``model``'s
    parameters and firms) over each mode's economic life (``model.asset_life_years``
    of the edge's ``resource``): rows of :func:`link_annuity_table`, gathered only for
    the edges asked for (:class:`~._arrays.RowsByKey`)."""
    w = model.world
    table, firm_class = link_annuity_table(w, model.params, model.asset_life_years)
    k = int(firm_class.max()) + 1 if len(firm_class) else 0
    key = ((np.asarray(resource) * k + firm_class[w.edge_supplier]) * k
           + firm_class[w.edge_receiver])
    return RowsByKey(table, key)
