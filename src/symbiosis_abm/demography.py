"""Demography: firms open at their scheduled tick; they close at theirs or by the hazard.

A mixin of :class:`~.model.SymbiosisModel`.
"""

from __future__ import annotations

import numpy as np

from .codes import (
    OPEN,
)

__all__ = ["Demography"]


class Demography:
    """Firms enter at their opening tick (phase 0) and close, scheduled or by hazard
    (phase 8).

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    def _open_firms(self, t: int) -> None:
        """Firms whose opening tick is ``t`` enter: from now on they search and trade.

        A firm that has not opened yet is not open, so it is no candidate, is not
        recruited and does not attend events (every phase checks ``firm_open``).
        """
        if t == 0:
            return  # the firms that exist at tick 0 are open from the constructor on
        opening = (self.world.firm_open_tick == t) & ~self.firm_open
        if opening.any():
            self.firm_open |= opening
            self.counts["firms_opened"] += int(opening.sum())

    def _close_firms(self, t: int) -> None:
        """Firms close at their scheduled tick or by the closure hazard; they leave."""
        p, w = self.params, self.world
        closing = self.firm_open & (w.firm_close_tick == t)
        if p.closure_rate_per_year > 0:
            per_tick = 1.0 - (1.0 - p.closure_rate_per_year) ** (1.0 / p.ticks_per_year)
            closing |= self.firm_open & (self.streams.closures.random(w.n_firms) < per_tick)
        if not closing.any():
            return
        self.firm_open &= ~closing
        ex = self.exchanges
        hit = ex["active"] & (closing[ex["supplier"]] | closing[ex["receiver"]])
        self._end_exchanges(np.flatnonzero(hit), t, "partner closed")
        book = self.negotiations
        edges = book["edge"]
        talks = (book["status"] == OPEN) & (closing[w.edge_supplier[edges]]
                                            | closing[w.edge_receiver[edges]])
        self._fail(np.flatnonzero(talks), t, "partner closed")
        self.counts["firms_closed"] += int(closing.sum())
