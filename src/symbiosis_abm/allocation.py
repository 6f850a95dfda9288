"""Allocation: no supply unit is sold twice and no need is over-filled.

Deals that concluded in the same tick may compete for the same stream or need. They are
served in order of expected surplus (best first); each gets what is left of its stream and
its need, and is dropped when too little is left to still be worth it.
"""

from __future__ import annotations

import numpy as np

from .codes import ACTIVE, CONCLUDED
from .contracts import allocation_reasons
from .kernels import DEAL_FLAGS, DEAL_ROWS, grant_in_order
from .kernels_tick import allocate_priced, allocate_start
from .state import phase
from .terms import PIPE

__all__ = ["allocate", "AllocationPhase", "MIN_SHARE"]

#: A deal granted less than this share of the volume it asked gets nothing (:func:`allocate`).
MIN_SHARE = 0.5

#: the rows of a pricing (DealTerms._price: kernels.DEAL_ROWS, DEAL_FLAGS) read here
_SUPPLIER_GAIN, _RECEIVER_GAIN = (DEAL_ROWS.index(name) for name in
                                  ("supplier_gain", "receiver_gain"))
_AFFORDABLE = DEAL_FLAGS.index("affordable")


def allocate(
    stream: np.ndarray,
    need: np.ndarray,
    volume: np.ndarray,
    surplus: np.ndarray,
    stream_free: np.ndarray,
    need_free: np.ndarray,
    min_share: float = MIN_SHARE,
) -> np.ndarray:
    """Volumes granted to competing deals (0 for a deal that gets nothing).

    Parameters
    ----------
    stream, need : int arrays
        Stream and need of each deal.
    volume : float array
        Volume each deal asks for (per year).
    surplus : float array
        Expected surplus, the order in which deals are served (highest first, ties by
        position).
    stream_free, need_free : float arrays
        Uncommitted volume of every stream and need; not modified.
    min_share : float
        A deal that would get less than this share of what it asked for is dropped
        (its fixed costs were priced for the full volume).

    Examples
    --------
    Two buyers want 80 each from a seller with 100: the better deal gets 80, the other
    gets 20 of its 80, less than half, and is dropped.

    >>> allocate(np.array([0, 0]), np.array([0, 1]), np.array([80.0, 80.0]),
    ...          np.array([5.0, 9.0]), np.array([100.0]), np.array([80.0, 80.0]))
    array([ 0., 80.])
    """
    # one compiled pass over the deals in surplus order (kernels.grant_in_order)
    return grant_in_order(np.argsort(-np.asarray(surplus), kind="stable"),
                          np.asarray(stream, dtype=np.int64), np.asarray(need, dtype=np.int64),
                          np.asarray(volume, dtype=float), np.asarray(stream_free, dtype=float),
                          np.asarray(need_free, dtype=float), float(min_share))


class AllocationPhase:
    """Phase 7: concluded deals get volume, co-funding and start.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("_capital", "disposal_now", "edge_slot_rs", "edge_slot_sr", "need_level",
                  "pairs", "params", "rates", "stream_level", "stream_made", "tick",
                  "virgin_now", "world"),
           writes=("assets", "cofund_wait", "counts", "edge_retry", "edge_status", "exchanges",
                   "facilitator", "firm_negotiations", "need_committed", "negotiations",
                   "stream_committed"),
           draws=())
    def _allocate(self, t: int, rows: np.ndarray) -> None:
        """Concluded deals get volume in surplus order; no unit is sold twice."""
        n = len(rows)
        if n == 0:
            return
        book, w = self.negotiations, self.world
        budget = self.cofunding_available()
        offered = budget > 0
        # the deals (the book's rows) and the rule's constants, as kernels_tick._allocated
        # reads them: several deals priced as expected_terms prices them (its rows kept as
        # rows, DealTerms._price) and served best first, one deal as it comes; allocate's
        # rule on the free volumes at their own streams and needs; the one co-funding rule
        # on the volumes granted, best deals first (without a budget it offers none:
        # cofunding_offer's answer); each deal priced at what it gets (the first pricing
        # where it priced just that: a pricing is element by element)
        deals = (rows, book["edge"], book["volume"], book["cofund"], book["trial"], MIN_SHARE,
                 float(budget), float(self.params.cofund_share))
        seasons, constants = self._deal_inputs()[3:]
        load, starting = self._start_inputs(n)
        # where every deal is allocated (most ticks), the rule, the talks' close and the
        # exchanges' start in one compiled pass (kernels_tick.allocate_start; the pricing
        # reads the asset book and exchange table with room for the new rows)
        subsidy, after, trials = self._kernels[allocate_start](
            *deals, book["status"], book["reason"], book["closed"], self.firm_negotiations,
            self.edge_status, self.edge_retry, CONCLUDED, ACTIVE, max(self.tick, 0),
            w.stream_volume, self.stream_level, self.stream_made, self.need_level,
            w.need_volume, w.catalogue.cost_per_unit_km, w.catalogue.cost_per_unit,
            self._edge_costs().risk_annuity, PIPE, self.edge_slot_sr, self.edge_slot_rs,
            self.pairs.trust, seasons[1], self._capital, *constants, t, *starting)
        if after >= 0:   # (their edges now exchange)
            self.counts["negotiations_concluded"] += n
            self._count_started(n, after, load, subsidy if offered else None, trials)
            return
        # some refused: the rule's rows, in serving order (nothing was written)
        rows, edges, granted, counted, cofund, out, mode, flags = self._kernels[allocate_priced](
            *deals, *self._price_inputs(self._free_inputs()))
        ok = self._refuse(t, rows, granted, out, flags, counted, cofund)
        self._close_talks(rows[ok], t, CONCLUDED)
        self.counts["negotiations_concluded"] += int(np.count_nonzero(ok))
        self._start_priced(t, edges[ok], out, mode, flags, cofund, ok, offered)

    def _refuse(self, t, rows, granted, out, flags, counted, cofund) -> np.ndarray:
        """The deals ``rows`` that fail at allocation fail, one reason after another (in
        the order of their names); returns which do not (``out``, ``flags``: their
        pricing's rows, DealTerms._price)."""
        gains_ok = (out[_SUPPLIER_GAIN] > 0) & (out[_RECEIVER_GAIN] > 0)
        # a deal refused the co-funding it counted on goes on as it would without a
        # co-funder: it fails for want of co-funding only if it does not pay on its own
        # (without co-funding ``out`` is its pricing alone)
        reasons = allocation_reasons(granted, gains_ok, flags[_AFFORDABLE],
                                     ~((counted > 0) & (cofund == 0) & ~gains_ok))
        ok = reasons == ""
        for reason in sorted(set(reasons[~ok].tolist())):
            self._fail(rows[reasons == reason], t, reason, volume=granted[reasons == reason])
        return ok

