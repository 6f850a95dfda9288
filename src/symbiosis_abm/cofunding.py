"""Co-funding: one rule for what a deal can get from the facilitator's co-funder.

Search, negotiation, allocation and the broker all ask :func:`offer`, so a firm never
counts on money the allocation then refuses for a reason it could not see. The rule:

* the co-funder pays ``cofund_share`` of a deal's capex only if the deal is *additional*:
  its surplus without co-funding is not positive, and with it it is
  (surplus without <= 0 < surplus with);
* deals are served in the order given (the caller's priority) while the budget lasts:
  the total budget left and what is left of this year's ceiling, whichever is smaller.

Examples
--------
>>> additional(np.array([-5.0, 3.0, -1.0]), np.array([2.0, 9.0, -0.5])).tolist()
[True, False, False]
>>> fits_budget(np.array([40.0, 50.0, 20.0]), 70.0).tolist()
[True, False, True]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .kernels import cofund_shares

__all__ = ["additional", "fits_budget", "available", "offer"]


def additional(surplus_without: np.ndarray, surplus_with: np.ndarray) -> np.ndarray:
    """Whether co-funding makes the deal: surplus without <= 0 < surplus with."""
    return (np.asarray(surplus_without) <= 0) & (np.asarray(surplus_with) > 0)


def fits_budget(cost: np.ndarray, budget: float) -> np.ndarray:
    """Which costs, served in order, fit in ``budget`` (a cost that does not fit is
    skipped and later, smaller ones may still fit)."""
    ok = np.zeros(len(cost), dtype=bool)
    left = float(budget)
    for i, c in enumerate(np.asarray(cost, dtype=float)):
        if c <= left:
            ok[i] = True
            left -= c
    return ok


def available(facilitator: Any, params: Any, tick: int) -> float:
    """Co-funding the ``facilitator`` (None: there is none) can still give at ``tick``
    (0 if the role is off or the facilitator idle)."""
    if facilitator is None or not params.cofunder or not facilitator.is_active(max(tick, 0)):
        return 0.0
    return float(max(0.0, min(facilitator.cofund_budget_left,
                              facilitator.budget_left_this_year())))


def offer(budget: float, cofund_share: float, terms_of: Callable, edges: np.ndarray,
          volume: np.ndarray | None = None, surplus_without: np.ndarray | None = None,
          capex: np.ndarray | None = None,
          annual_capex: np.ndarray | None = None) -> np.ndarray:
    """Share of capex the co-funder offers each deal (0 or ``cofund_share``), in order,
    within ``budget`` (:func:`available`).

    ``terms_of(edges, volume=...)`` gives the deals' expected terms and their info
    (:meth:`~.terms.DealTerms.expected_terms`).

    ``surplus_without``, the deals' new ``capex`` and ``annual_capex`` (each deal's yearly
    capex: its mode's annuity factor x capex) may be passed when the caller has them;
    otherwise they are computed here. Co-funding a share of capex raises the yearly
    surplus by exactly the annuity of that share (:func:`~.economics.evaluate`). The rule
    is :func:`additional` and :func:`fits_budget`, applied in one compiled pass
    (:func:`~.kernels.cofund_shares`).

    Examples
    --------
    Only the first deal is additional and fits; the third would gain too little:

    >>> offer(30.0, 0.5, None, np.arange(3), surplus_without=np.array([-5.0, 3.0, -1.0]),
    ...       capex=np.array([40.0, 40.0, 40.0]),
    ...       annual_capex=np.array([20.0, 20.0, 1.0])).tolist()
    [0.5, 0.0, 0.0]
    """
    if budget <= 0 or len(edges) == 0:
        return np.zeros(len(edges))
    if surplus_without is None or capex is None or annual_capex is None:
        terms, info = terms_of(edges, volume=volume)
        surplus_without, capex = terms.surplus, info["capex"]
        annual_capex = info["capex"] * info["annuity_factor"]
    return cofund_shares(np.asarray(surplus_without, dtype=float),
                         np.asarray(annual_capex, dtype=float), np.asarray(capex, dtype=float),
                         float(cofund_share), float(budget))
