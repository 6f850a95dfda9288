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

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import SymbiosisModel

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


def available(model: SymbiosisModel, tick: int | None = None) -> float:
    """Co-funding the facilitator can still give now (0 if the role is off or idle)."""
    f, p = model.facilitator, model.params
    t = model.tick if tick is None else tick
    if f is None or not p.cofunder or not f.is_active(max(t, 0)):
        return 0.0
    return float(max(0.0, min(f.cofund_budget_left, f.budget_left_this_year())))


def offer(model: SymbiosisModel, edges: np.ndarray, volume: np.ndarray | None = None,
          surplus_without: np.ndarray | None = None, capex: np.ndarray | None = None,
          surplus_with: np.ndarray | None = None,
          annual_capex: np.ndarray | None = None) -> np.ndarray:
    """Share of capex the co-funder offers each deal (0 or ``cofund_share``), in order.

    ``surplus_without`` and the deals' new ``capex`` (or ``surplus_with``, the surplus at
    the full ``cofund_share``) may be passed when the caller has them; otherwise they are
    computed here. Co-funding a share of capex raises the yearly surplus by exactly the
    annuity of that share (:func:`~.economics.evaluate`); ``annual_capex`` is each deal's
    yearly capex (its mode's annuity factor x capex), computed here when not passed.
    """
    share = np.zeros(len(edges))
    budget = available(model)
    if budget <= 0 or len(edges) == 0:
        return share
    p = model.params
    if surplus_without is None or (capex is None and surplus_with is None) or (
            surplus_with is None and annual_capex is None):
        terms, info = model.expected_terms(edges, volume=volume)
        surplus_without, capex = terms.surplus, info["capex"]
        annual_capex = info["capex"] * info["annuity_factor"]
    need = np.flatnonzero(surplus_without <= 0)
    if surplus_with is None:
        gain = annual_capex[need] * p.cofund_share
        ok = additional(surplus_without[need], surplus_without[need] + gain) & (gain > 0)
    else:   # co-funding raises the surplus only where there is capex
        ok = (additional(surplus_without[need], surplus_with[need])
              & (surplus_with[need] > surplus_without[need]))
    need = need[ok]
    if len(need) == 0:
        return share
    if capex is None:
        vol = None if volume is None else np.asarray(volume)[need]
        capex_need = model.expected_terms(edges[need], volume=vol)[1]["capex"]
    else:
        capex_need = capex[need]
    fits = fits_budget(p.cofund_share * capex_need, budget)
    share[need[fits]] = p.cofund_share
    return share
