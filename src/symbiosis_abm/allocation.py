"""Allocation: no supply unit is sold twice and no need is over-filled.

Deals that concluded in the same tick may compete for the same stream or need. They are
served in order of expected surplus (best first); each gets what is left of its stream and
its need, and is dropped when too little is left to still be worth it.
"""

from __future__ import annotations

import numpy as np

from .codes import CONCLUDED
from .contracts import allocation_reasons
from .kernels import DEAL_FLAGS, DEAL_ROWS, every_deal_allocated, grant_deals, grant_in_order
from .kernels_tick import cofund_priced
from .state import phase

__all__ = ["allocate", "AllocationPhase", "MIN_SHARE"]

#: A deal granted less than this share of the volume it asked gets nothing (:func:`allocate`).
MIN_SHARE = 0.5

#: the rows of a pricing (DealTerms._price: kernels.DEAL_ROWS, DEAL_FLAGS) read here
_SURPLUS, _SUPPLIER_GAIN, _RECEIVER_GAIN = (DEAL_ROWS.index(name) for name in
                                            ("surplus", "supplier_gain", "receiver_gain"))
_AFFORDABLE = DEAL_FLAGS.index("affordable")
#: the rows the co-funding rule reads (surplus, capex, annuity factor; kernels_tick.cofund_priced)
_COFUND_ROWS = np.array([DEAL_ROWS.index(name) for name in
                         ("surplus", "capex", "annuity_factor")], dtype=np.int64)


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
        if len(rows) == 0:
            return
        book, w = self.negotiations, self.world
        edges = book["edge"][rows]
        asked, counted = book["volume"][rows], book["cofund"][rows]
        # the deals are priced as expected_terms prices them, its rows kept as rows
        # (DealTerms._price: its terms and info are views of them)
        first = None   # one deal competes with none: it is priced once, at what it gets
        order = _ONE
        if len(rows) > 1:
            first = self._price(edges, asked, counted)
            order = (-first[0][_SURPLUS]).argsort(kind="stable")   # (np.argsort's)
        # allocate's rule, the free volumes read at the deals' own streams and needs
        granted = grant_deals(order, edges, asked, w.edges.stream, w.edges.need,
                              w.stream_volume, self.stream_level, self.stream_made,
                              self.stream_committed, w.need_volume, self.need_level,
                              self.need_committed, MIN_SHARE)
        if len(rows) > 1:
            rows, edges, granted = rows[order], edges[order], granted[order]
            asked, counted = asked[order], counted[order]
        trial = book["trial"][rows]
        # the one co-funding rule, on the granted volumes, best deals first (without a
        # budget it offers none: cofunding_offer's answer, without the call)
        cofund = np.zeros(len(rows))
        budget = self.cofunding_available()
        offered = budget > 0
        if offered:
            some = granted > 0
            if (first is not None and _same_bits(granted, asked)
                    and not counted.view(np.uint64).any()):   # (all +0.0: none counted)
                # the first pricing priced them as cofunding_offer would (at the volumes
                # granted, without co-funding: a pricing is element by element): its rule
                # on those rows (kernels_tick.cofund_priced), without pricing them again
                cofund[some] = cofund_priced(np.take(first[0], order[some], axis=1),
                                             _COFUND_ROWS, float(self.params.cofund_share),
                                             float(budget))
            else:
                cofund[some] = self.cofunding_offer(edges[some], granted[some])
        if (first is None or np.count_nonzero(trial) or not _same_bits(granted, asked)
                or not _same_bits(cofund, counted)):
            out, mode, flags = self._price(edges, granted, cofund, None, trial)
        else:   # each deal as first priced (a pricing is element by element): reordered
            out, mode, flags = (np.take(first[0], order, axis=1), first[1][order],
                                np.take(first[2], order, axis=1))
        if every_deal_allocated(granted, out[_SUPPLIER_GAIN], out[_RECEIVER_GAIN],
                                flags[_AFFORDABLE]):   # (most ticks: none fails)
            self._close_talks(rows, t, CONCLUDED)   # their edges now exchange
            self.counts["negotiations_concluded"] += len(rows)
            self._start_priced(t, edges, out, mode, flags, cofund, _every(len(rows)), offered)
            return
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


#: the order of one deal
_ONE = np.zeros(1, dtype=np.int64)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two float arrays hold the same numbers bit for bit (0.0 is not -0.0)."""
    return a.tobytes() == b.tobytes()   # (both of one length: cheaper than comparing views)


#: ``ok`` of up to 256 deals that all start (read only)
_ALL = np.ones(256, dtype=bool)


def _every(n: int) -> np.ndarray:
    """``np.ones(n, dtype=bool)`` (a view of :data:`_ALL` where it is long enough)."""
    return _ALL[:n] if n <= len(_ALL) else np.ones(n, dtype=bool)
