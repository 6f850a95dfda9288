"""Search (phases 4-5): which candidates can open, discovery, budgeted evaluation.

A mixin of :class:`~.model.SymbiosisModel`; the pure rules are in :mod:`.search`.
"""

from __future__ import annotations

import numpy as np

from .assets import ROUNDING
from .codes import (
    IDLE,
    MIN_OPEN_SHARE,
    NEGOTIATING,
    OPEN,
)
from .draws import stream_address
from .kernels import (
    evaluated_outcome,
    open_edges_now,
    open_edges_split,
)
from .kernels_drawn import found_and_evaluated, search_month_held
from .negotiation import ROOM_ROUNDS
from .state import phase
from .terms import PIPE, WATCH_FROM_EDGES
from .world import SME

__all__ = ["PartnerSearch"]

#: Regions with fewer candidate edges than this search in one compiled call
#: (:meth:`PartnerSearch._search_in_one_call`), the negotiation book given room for every
#: open edge (at most some 2.4 MB); larger ones a pass at a time. The broker's month in
#: one call has the same bound (``terms.WATCH_FROM_EDGES``).
ONE_CALL_BELOW_EDGES = WATCH_FROM_EDGES

#: ``among`` not given: every firm (an empty mask, as open_edges_now reads it)
_NOBODY = np.zeros(0, dtype=bool)


class PartnerSearch:
    """Phase 4-5: open candidates, discovery, budgeted evaluation.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("asset_life_years", "assets", "_capital", "cofund_wait", "disposal_now", "edge_discovery",
                  "edge_slot_rs", "edge_slot_sr", "exchanges", "facilitator", "firm_member",
                  "firm_open", "firm_search_budget", "mode_annuity", "need_committed",
                  "need_level", "params", "rates", "stream_committed", "stream_level",
                  "stream_made", "streams", "tick", "virgin_now", "world"),
           writes=("counts", "edge_counted", "edge_retry", "edge_status", "firm_costs",
                   "firm_negotiations", "negotiations", "pairs"),
           draws=("discovery", "search"))
    def _search(self, t: int) -> None:
        """Firms with unplaced streams or unmet needs look for partners and evaluate them.

        A candidate is evaluated once one side knows the other (known before, or
        discovered this tick with a chance that decays with distance). Each evaluation
        costs the evaluating firm ``search_cost_eur``; a firm evaluates as many as its
        search budget for the tick pays for. Worthwhile candidates open negotiations; the
        others are not looked at again for ``reconsider_months``.
        """
        p, w = self.params, self.world
        # the broker's pass this tick found them already (Facilitator._broker), else one
        fac = self.facilitator
        edges = self.open_edges() if fac is None or fac.open_now is None else fac.open_now
        if len(edges) == 0:
            return
        # unknown candidates are discovered (by one side: a find draw and a side draw
        # each); the known ones are evaluated, each evaluator paying for as many as its
        # budget for the tick allows (expert support lowers an SME member's cost), in a
        # random order (a search draw each): one compiled pass that draws them
        # (kernels_drawn.found_and_evaluated); then their terms, co-funding, outcome and
        # talks (facilitator_active(), with the facilitator at hand)
        supported = fac is not None and fac.is_active(t) and p.expert_support > 0
        # in a region of fewer than ONE_CALL_BELOW_EDGES candidate edges, the month in
        # one compiled call (the book given room for every open edge: a few MB at most)
        if len(w.edges) < ONE_CALL_BELOW_EDGES:
            self._search_in_one_call(edges, supported, t)
        else:
            self._search_step_by_step(edges, supported, t)

    def _search_step_by_step(self, edges: np.ndarray, supported: bool, t: int) -> None:
        """:meth:`_search` on the open ``edges`` (``supported``: expert support applies),
        a pass at a time."""
        p, w, store = self.params, self.world, self.pairs
        edges = self._kernels[found_and_evaluated](
            edges, stream_address(self.streams.discovery),
            stream_address(self.streams.search), self.edge_slot_sr, self.edge_slot_rs,
            store.aware, self.edge_discovery, w.edge_supplier, w.edge_receiver,
            w.firm_size, self.firm_member, SME, supported, float(p.search_cost_eur),
            float(p.expert_support), self.firm_search_budget, float(p.ticks_per_year),
            self.firm_costs)
        self.counts["evaluations"] += len(edges)
        if len(edges) == 0:   # no budget left for any: nothing to evaluate
            return
        terms, info = self.expected_terms(edges)
        if self.cofunding_available() <= 0:   # no budget, no shares (cofunding_offer's
            share = np.zeros(len(edges))      # answer, without its arguments made)
        else:
            share = self.cofunding_offer(edges, surplus_without=terms.surplus,
                                         capex=info["capex"],
                                         annual_capex=info["capex"] * info["annuity_factor"])
        if np.count_nonzero(share):   # (share.any(), without numpy's Python wrapper)
            # the co-funded deals' surplus and affordability, merged in (the only terms
            # read below)
            helped = (share > 0).nonzero()[0]
            more, more_info = self.expected_terms(edges[helped], cofund=share[helped])
            terms.surplus[helped] = more.surplus
            info["affordable"][helped] = more_info["affordable"]
        # the worthwhile ones open talks, best first; the others wait to be reconsidered
        # (one compiled pass, kernels.evaluated_outcome)
        self.open_negotiations(evaluated_outcome(edges, terms.surplus, info["affordable"],
                                                 share, self.edge_retry,
                                                 t + self.rates.reconsider,
                                                 self.edge_counted))

    def _search_in_one_call(self, edges: np.ndarray, supported: bool, t: int) -> None:
        """:meth:`_search_step_by_step` in one compiled call
        (:func:`.kernels_drawn.search_month`, the run's arrays held in one record:
        :mod:`.held`): the discovery and budgeted evaluation, the
        terms, the co-funding rule, the outcome and the talks opened into the book's
        spare rows (room for every open edge)."""
        p, book = self.params, self.negotiations
        size = len(book)
        book.spare(len(edges))   # (room first: a book that grows replaces its columns)
        n_class, half_cost, trial_share, distrust, beta = self._deal_scalars()
        n_evaluated, n_opened = self._kernels[search_month_held](
            self._run_record(), edges, stream_address(self.streams.discovery),
            stream_address(self.streams.search), self.edge_discovery,
            self.firm_search_budget, self.assets.load, self.virgin_now, self.disposal_now,
            self._capital, SME, supported, float(p.search_cost_eur),
            float(p.expert_support), float(p.ticks_per_year),
            float(self.cofunding_available()), float(p.cofund_share),
            t + self.rates.reconsider, IDLE, int(p.max_negotiations), ROOM_ROUNDS,
            NEGOTIATING, float(self.rates.negotiation), OPEN, size, max(self.tick, 0),
            1.0 + ROUNDING, n_class, PIPE, half_cost, trial_share, distrust, beta,
            len(self.exchanges), len(self.assets.table), self.pairs.size)
        self.counts["evaluations"] += n_evaluated
        if n_opened:
            book.extend(n_opened)
            self.counts["negotiations_opened"] += n_opened

    def open_edges(self, among: np.ndarray | None = None) -> np.ndarray:
        """Candidate edges that could start a negotiation now (ascending); with ``among``
        (a mask over firms), only those between two such firms."""
        w, ex = self.world, self.exchanges
        # one compiled pass (kernels.open_edges_now): streams and needs with free volume
        # (above MIN_OPEN_SHARE of their volume) whose firm is open and able to talk (a
        # firm whose room for projects, talks and lines being built, is full cannot open
        # talks: its candidates wait, and are not evaluated, so not paid for, until a
        # negotiation closes; the lines being built counted in the pass, as firm_building
        # counts them); then their idle edges, not waiting to be reconsidered, and not
        # waiting for a co-funding budget other than this one; stream by stream, the
        # sparse pass where under ~30% of needs pass (measured at 10,000 firms)
        return open_edges_now(self.edge_status, self.edge_retry, max(self.tick, 0),
                              w.stream_edges, w.edges.need, w.stream_volume, self.stream_level,
                              self.stream_made, self.stream_committed, w.need_volume,
                              self.need_level, self.need_committed, w.stream_firm, w.need_firm,
                              self.firm_open, self.firm_negotiations, ex["active"], ex["first"],
                              ex["supplier"], ex["receiver"], self.params.max_negotiations,
                              _NOBODY if among is None else among, self.cofund_wait,
                              self.cofunding_available(), MIN_OPEN_SHARE)

    def open_edges_split(self, building: np.ndarray, sizes: np.ndarray,
                         available: float) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`open_edges` and ``open_edges(among=self.firm_member)`` from one pass
        (kernels.open_edges_split, at co-funding ``available``: the
        :meth:`cofunding_available` now); ``building`` (per firm) and ``sizes`` (two) are
        its buffers, ``building`` left with each firm's lines being built."""
        w, ex = self.world, self.exchanges
        out = open_edges_split(self.edge_status, self.edge_retry, max(self.tick, 0),
                               w.stream_edges, w.edges.need, w.stream_volume, self.stream_level,
                               self.stream_made, self.stream_committed, w.need_volume,
                               self.need_level, self.need_committed, w.stream_firm, w.need_firm,
                               self.firm_open, self.firm_negotiations, ex["active"],
                               ex["first"], ex["supplier"], ex["receiver"],
                               self.params.max_negotiations, self.firm_member, self.cofund_wait,
                               available, MIN_OPEN_SHARE, building, sizes)
        n_all, n_among = sizes.tolist()
        n = len(self.edge_status)
        return out[:n_all], out[n:n + n_among]
