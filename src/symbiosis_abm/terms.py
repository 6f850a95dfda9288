"""What a deal is worth now: free volumes, expected terms, signing, co-funding left.

A mixin of :class:`~.model.SymbiosisModel` (it reads the model's state).
"""

from __future__ import annotations

import math
from dataclasses import fields

import numpy as np

from . import cofunding
from ._arrays import remembered
from .catalogue import MODES
from .economics import ExchangeTerms
from .input_watch import EdgeIndex, InputWatch
from .kernels import (
    DEAL_FLAGS,
    DEAL_ROWS,
    FEW_DEALS,
    deal_signs,
    free_volumes,
    price_deals,
    price_few_deals,
)
from .kernels_tick import SURPLUS_PARTS, cofund_priced, refresh_marked, refresh_surplus
from .mode_costs import ModeCosts
from .relations import OWNERSHIP_KINDS, common_owner_tick, tie_tick

PIPE = MODES.index("pipe")

#: regions with at least this many candidate edges watch what changed (input_watch.py);
#: in smaller ones comparing every edge asked about costs less: the watch's pass reads
#: every trust, stream and need each tick, the comparison only the edges asked about.
#: Measured (benchmarks/paired_ab.py, blocks of 10 ticks, 2026-12-05), a tick's CPU
#: compared / watched: 300 firms (5,700 edges) 0.95, 600 (13,500) 0.96 and 0.98, 1,000
#: (25,000) 0.95, 1,500 (37,000) 1.01, 2,000 (51,000) 1.02, 5,000 (129,000) 1.00;
#: Kalundborg's 102 edges ~4% slower watched
WATCH_FROM_EDGES = 30_000

#: remembered surpluses are recomputed this many edges at a time (bounds the temporaries)
RECOMPUTE_SLICE = 1 << 17

#: up to this many candidate edges each remembered surplus keeps its parts
#: (``kernels_tick.SURPLUS_PARTS``, 72 bytes an edge: 72 MB at most), so that a price move
#: makes it again without pricing; above, every surplus is priced again when the prices
#: move (100,000 firms: some 2.5 million edges, whose parts would take 180 MB)
PARTS_UP_TO_EDGES = 1_000_000

__all__ = ["DealTerms"]


#: no value given: :func:`.kernels.price_deals` computes each deal's (its free volume)
_EACH = np.zeros(0)
#: what :func:`.kernels.price_deals` reads only for free volumes, when volumes are given
_UNREAD = (_EACH,) * 5
#: one value for all deals, the defaults (read only)
_ZERO, _NO = np.zeros(1), np.zeros(1, dtype=bool)


#: the fields of :class:`~.economics.ExchangeTerms`, the first rows of kernels.DEAL_ROWS
_TERM_FIELDS = tuple(f.name for f in fields(ExchangeTerms))


#: the rows of kernels.DEAL_ROWS and DEAL_FLAGS as :meth:`DealTerms.expected_terms`
#: names them (info's ``"transport"`` is the mode's transport of the full volume,
#: ``transport_full``; the terms' fields are the first rows)
_N_ROWS, _N_FLAGS = len(DEAL_ROWS), len(DEAL_FLAGS)
(_SURPLUS, _SUPPLIER_GAIN, _RECEIVER_GAIN, _PAYMENT, _TRANSPORT, _ANNUITY, _TC_SUPPLIER,
 _TC_RECEIVER) = (DEAL_ROWS.index(name) for name in _TERM_FIELDS)
_CAPEX, _VOLUME, _TRANSPORT_FULL, _OWN_CAPEX, _UTILISATION, _FACTOR, _BOOKED = (
    DEAL_ROWS.index(name) for name in ("capex", "volume", "transport_full", "own_capex",
                                       "utilisation", "annuity_factor", "booked_annuity"))
_AFFORDABLE, _TRIAL = DEAL_FLAGS.index("affordable"), DEAL_FLAGS.index("trial")
#: the rows of a pricing the co-funding rule reads (surplus, capex, annuity factor:
#: kernels_tick.cofund_priced)
_KEPT_ROWS = np.array([_SURPLUS, _CAPEX, _FACTOR], dtype=np.int64)


def _values(value) -> np.ndarray:
    """``value`` (one for all deals, or one per deal) as a float array (one value or one
    per deal, as :func:`.kernels.price_deals` reads it)."""
    kind = type(value)   # (the common cases without a call)
    if kind is np.ndarray and value.dtype == np.float64 and value.ndim == 1:
        return value
    if kind is float and value == 0.0 and math.copysign(1.0, value) > 0:
        return _ZERO   # the default (-0.0 is another value)
    value = np.asarray(value, dtype=float)
    return value.reshape(1) if value.ndim == 0 else value


def _flags(value) -> np.ndarray:
    """``value`` (one flag for all deals, or one per deal) as a bool array."""
    if value is False:   # the default
        return _NO
    value = np.asarray(value, dtype=bool)
    return value.reshape(1) if value.ndim == 0 else value


class DealTerms:
    """What a deal is worth now: free volumes, expected terms, signing, co-funding available.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    def cofunding_offer(self, edges: np.ndarray, volume: np.ndarray | None = None,
                        **known) -> np.ndarray:
        """The co-funding share each deal gets now (:func:`.cofunding.offer`, with the
        budget left and this model's terms); ``known`` passes what the caller has. Deals
        it prices itself get the same shares from the priced rows in one compiled pass
        (:func:`.kernels_tick.cofund_priced`, the same rule)."""
        budget = self.cofunding_available()
        if budget <= 0 or len(edges) == 0:   # (offer's answer, without the call)
            return np.zeros(len(edges))
        if known:
            return cofunding.offer(budget, self.params.cofund_share, self.expected_terms,
                                   edges, volume, **known)
        # the deals priced here: the rule on the three rows it reads, where they were
        # priced (kernels_tick.cofund_priced), without the terms and info made of them
        return cofund_priced(self._price(edges, volume)[0], _KEPT_ROWS,
                             float(self.params.cofund_share), float(budget))

    def cofunding_available(self) -> float:
        """Co-funding the facilitator can still give now (:func:`.cofunding.available`)."""
        return cofunding.available(self.facilitator, self.params, self.tick)

    def stream_free(self, at: np.ndarray | None = None) -> np.ndarray:
        """Uncommitted volume of each stream: its level (process changes) and, for a stream
        made from an input, what that input receives (cascades) less contracts; with
        ``at``, of those streams only (the same values, without the others')."""
        if at is None:
            cap = self.world.stream_volume * self.stream_level * self.stream_made
            return cap - self.stream_committed
        cap = self.world.stream_volume[at] * self.stream_level[at] * self.stream_made[at]
        return cap - self.stream_committed[at]

    def need_free(self, at: np.ndarray | None = None) -> np.ndarray:
        """Uncommitted volume of each need (of needs ``at``): its level less contracts."""
        if at is None:
            return self.world.need_volume * self.need_level - self.need_committed
        return self.world.need_volume[at] * self.need_level[at] - self.need_committed[at]

    def free_volume(self, edges: np.ndarray) -> np.ndarray:
        """Each of ``edges``' free volume: the smaller of its stream's and its need's
        (``np.minimum(stream_free()[s], need_free()[n])``, from their own rows in one
        compiled pass, :func:`.kernels.free_volumes`)."""
        w = self.world
        return free_volumes(edges, w.edges.stream, w.edges.need, w.stream_volume,
                            self.stream_level, self.stream_made, self.stream_committed,
                            w.need_volume, self.need_level, self.need_committed)

    def expected_terms(self, edges: np.ndarray, volume: np.ndarray | None = None,
                       cofund: np.ndarray | float = 0.0, trust: float | None = None,
                       trial: np.ndarray | bool = False, held: np.ndarray | float = 0.0):
        """Expected yearly economics of candidate edges at the current trust (or at
        ``trust`` held by both sides, e.g. 1.0 for an opportunity map).

        ``volume`` defaults to what is still free on both sides; ``cofund`` is the share
        of capex the facilitator pays. Returns the :class:`~.economics.ExchangeTerms` and
        a dict with the chosen ``mode``, ``capex``, ``volume``, ``transport``, the
        expected delivered share ``utilisation`` (:func:`~.economics.seasonal_utilisation`:
        the contract follows the supply's profile, capped by the need's own volume shared
        with its other contracts; ``held`` is what the edge's own current contract already
        holds of the need's committed volume, on a renewal), the mode's ``annuity_factor``
        and whether the receiver can fund its part (``affordable``). A ``trial`` goes
        without a fixed line (docs/ODD.md 7.15) at a transaction cost scaled by
        ``trial_volume_share``. Prices are this tick's (policy levers and price path, 7.20).
        """
        out, mode, flags = self._price(edges, volume, cofund, trust, trial, held)
        # (a view of each row by its index, without iterating ``out``)
        info = {"capex": out[_CAPEX], "volume": out[_VOLUME], "transport": out[_TRANSPORT_FULL],
                "own_capex": out[_OWN_CAPEX], "utilisation": out[_UTILISATION],
                "annuity_factor": out[_FACTOR], "booked_annuity": out[_BOOKED], "mode": mode,
                "affordable": flags[_AFFORDABLE], "trial": flags[_TRIAL]}
        # the instance ExchangeTerms.__init__ makes (a frozen dataclass's sets its eight
        # fields one call at a time: a third of a pricing's Python time), its fields set
        # at once
        terms = object.__new__(ExchangeTerms)
        terms.__dict__.update(
            surplus=out[_SURPLUS], supplier_gain=out[_SUPPLIER_GAIN],
            receiver_gain=out[_RECEIVER_GAIN], payment=out[_PAYMENT],
            transport=out[_TRANSPORT], annuity=out[_ANNUITY], tc_supplier=out[_TC_SUPPLIER],
            tc_receiver=out[_TC_RECEIVER])
        return terms, info

    def _price(self, edges: np.ndarray, volume: np.ndarray | None = None,
               cofund: np.ndarray | float = 0.0, trust: float | None = None,
               trial: np.ndarray | bool = False, held: np.ndarray | float = 0.0) -> tuple:
        """:meth:`expected_terms`' compiled pass: the rows of kernels.DEAL_ROWS and
        DEAL_FLAGS and the chosen modes of ``edges``, as arrays (``out``, ``mode``,
        ``flags``), without the terms and info made of them (the broker keeps three rows)."""
        edges = np.asarray(edges, dtype=np.int64)
        k = len(edges)
        out, mode = np.empty((_N_ROWS, k)), np.empty(k, dtype=np.int64)
        flags = np.empty((_N_FLAGS, k), dtype=bool)
        # one compiled pass (kernels.price_deals; up to FEW_DEALS deals, most pricings,
        # deal by deal without its temporaries: kernels.price_few_deals): the free
        # volume, the route's asset (no new capex, a share of its annuity), the cheapest
        # mode at the annuity that counts the link's hazards (hazards.py; the asset is
        # booked at its plain annuity; a trial goes without a fixed line), the need's
        # room, utilisation, transaction costs and the terms (economics.py), element for
        # element
        edge_rows, need_volume, modes, seasons, constants = self._deal_inputs()
        if volume is None:   # each deal's free volume, from these
            volume, free = _EACH, self._free_inputs()
        else:   # (not read: a phase that gives the volumes reads no process levels)
            volume, free = _values(volume), _UNREAD
        (price_few_deals if k <= FEW_DEALS else price_deals)(
            edges, volume, _values(held), _values(cofund), _flags(trial),
            np.nan if trust is None else float(trust), *edge_rows, *free, need_volume,
            self.need_committed, *self.assets.use_inputs(max(self.tick, 0)), *modes,
            self.pairs.trust, *seasons, self.virgin_now, self.disposal_now, self._capital,
            *constants, out, mode, flags)   # (:meth:`_price_inputs`, written out: faster)
        return out, mode, flags

    def _price_inputs(self, free: tuple) -> tuple:
        """What :func:`.kernels.price_deals` reads after the deals' own values (``edges``
        ... ``trust_value``), in its order: the world's rows, ``free`` (what the free
        volume reads: the streams' volume, level, share made and committed volume and the
        needs' level), the needs' room, the route assets at this tick, the mode costs,
        the trusts, the seasons, this tick's prices and capital and the constants."""
        edge_rows, need_volume, modes, seasons, constants = self._deal_inputs()
        return (*edge_rows, *free, need_volume, self.need_committed,
                *self.assets.use_inputs(max(self.tick, 0)), *modes, self.pairs.trust,
                *seasons, self.virgin_now, self.disposal_now, self._capital, *constants)

    def _price_inputs_at_volumes(self) -> tuple:
        """:meth:`_price_inputs` for deals whose volumes are given (no free volume read)."""
        return self._price_inputs(_UNREAD)

    def _free_inputs(self) -> tuple:
        """The ``free`` of :meth:`_price_inputs` that a free volume reads."""
        return (self.world.stream_volume, self.stream_level, self.stream_made,
                self.stream_committed, self.need_level)

    def _deal_inputs(self) -> tuple:
        """What :func:`.kernels.price_deals` reads that is fixed for a run (the world's
        rows, the mode costs, the parameters' constants), in the groups it reads them,
        gathered once per :meth:`_edge_costs` and parameters (both fixed for a run; a
        pricing is made hundreds of times a run)."""
        w, p = self.world, self.params
        last = self.__dict__.get("_deal_inputs_of")
        if last is None or last[0] is not w or last[1] is not p:   # (what _edge_costs keys)
            costs = self._edge_costs()
            last = self.__dict__["_deal_inputs_of"] = (w, p, (
                (w.edges.stream, w.edges.need), w.need_volume,
                (*costs.mode_inputs, PIPE, self.edge_slot_sr, self.edge_slot_rs),
                (w.stream_season, w.need_season),
                (w.need_firm, p.transaction_cost_eur / 2.0, p.trial_volume_share,
                 p.distrust_cost_factor, p.bargaining_power)))
        return last[2]

    def _deal_scalars(self) -> tuple:
        """The scalars of :meth:`_deal_inputs` (the mode costs' number of classes, then
        the constants after the needs' firms), for a kernel that reads its arrays from the
        run's record (:mod:`.held`)."""
        _, _, modes, _, constants = self._deal_inputs()
        return (modes[1], *constants[1:])   # (mode_inputs' n_class; need_firm is an array)

    def _edge_costs(self) -> ModeCosts:
        """Each candidate edge's mode costs (:class:`.mode_costs.ModeCosts`: capex, reach,
        plain and hazard-adjusted annuities; ``["capex"]`` reads like an ``(edges, modes)``
        table), fixed for a run, so set up once rather than on each of the hundreds of
        :meth:`expected_terms` calls: element for element what :func:`.choose_mode`
        computes (a sunk asset's capex, 0 + 0 x distance there, is set to 0 afterwards).
        Shared, as the world is, by the models of one process built on the same world with
        equal parameters and annuities (:func:`.world.shared_world`; setting it up is
        some 0.3-0.6 ms, a few percent of a ``kalundborg`` run of a sweep).
        """
        return remembered(self, "_edge_cost_table", (self.world, self.params),
                          self._world_edge_costs)

    def _world_edge_costs(self) -> ModeCosts:
        """:meth:`_edge_costs` as held by the world for the parameters and annuities it
        was last set up with (computed anew for others: the same values)."""
        w, p = self.world, self.params
        key = tuple((a.dtype.str, a.shape, a.tobytes())
                    for a in (np.asarray(self.mode_annuity), np.asarray(self.asset_life_years)))
        held = w.__dict__.get("_edge_costs_of")
        if held is None or held[1] != key or not (held[0] is p or held[0] == p):
            held = (p, key, ModeCosts(w, p, self.mode_annuity, self.asset_life_years))
            w.__dict__["_edge_costs_of"] = held   # (a frozen dataclass: not by setattr)
        return held[2]

    def expected_surplus(self, edges: np.ndarray, cofund: float = 0.0,
                         with_capex: bool = False):
        """``expected_terms(edges, cofund=cofund)[0].surplus`` (free volume), remembered;
        with ``with_capex`` also the new capex each deal needs (``info["capex"]``).

        The broker ranks every open match among members each tick, and most of them have
        not changed since it last looked. A surplus is a pure function of the edge, its
        free volume, the two trusts, its asset and the prices (the rest of its inputs are
        fixed for a run), so it is recomputed only for edges where one of those changed
        (bit for bit), and for all when the parameters did: the result is the same as
        computing every edge anew. The prices enter a surplus only as its need's avoided
        virgin cost and its stream's avoided disposal cost per unit, each times the volume
        delivered, so an edge whose prices alone moved (once a year) gets its surplus
        from the parts it was made of (``kernels_tick.SURPLUS_PARTS``: the same
        operations on the same operands, so the same bits) without being priced again
        (above ``PARTS_UP_TO_EDGES`` edges no parts are kept, and every edge is priced
        again when the prices, ``price_version``, move). In a large region only
        the edges an :class:`~.input_watch.InputWatch` marked (a stream, need, trust or
        route asset of theirs moved) are looked at; of those whose stream alone moved,
        only those whose free volume did. Without a watch all five inputs of each edge
        (free volume, the two trusts, the route asset's state, the need's room) are
        compared bit for bit.
        """
        cache = self._surplus_cache(cofund)
        # one compiled pass (kernels_tick.refresh_surplus, refresh_marked): the stale
        # edges found (with a watch its marks made first: InputWatch.mark_terms' pass on
        # the asset book's route_state), priced in slices (when the prices move
        # every edge is stale at once, and the terms of two million edges at a time held
        # some 300 MB of temporaries at 100,000 firms; an edge's terms do not depend on the
        # other edges priced with it: the same bits), their surplus, capex and annuity
        # factor rows kept, and the remembered values of ``edges`` gathered
        book, watch = self.assets, cache["watch"]
        kept = (cache["inputs"], cache["surplus"], cache["capex"], cache["annual"])
        edges = np.asarray(edges, dtype=np.int64)
        if watch is None:
            got = refresh_surplus(edges, float(cofund), book.table["changes"], *kept,
                                  cache["parts"], RECOMPUTE_SLICE,
                                  *self._price_inputs(self._free_inputs()))
        else:
            got = refresh_marked(edges, float(cofund), book.table["route"],
                                 book.table["changes"], *kept, cache["parts"],
                                 *cache["prices"], RECOMPUTE_SLICE, *watch.held,
                                 *self._price_inputs(self._free_inputs()))
        return got if with_capex else got[0]

    def _surplus_cache(self, cofund: float) -> dict:
        """What :meth:`expected_surplus` remembers at co-funding share ``cofund`` (made
        anew, for every share, when the parameters changed, and when the prices moved in
        a region of more than ``PARTS_UP_TO_EDGES`` edges): the inputs last seen (all
        five per edge, or a volume per edge and the watch's), each edge's surplus, capex
        and annuity factor, its parts (``kernels_tick.SURPLUS_PARTS``; no rows above
        ``PARTS_UP_TO_EDGES``), the :class:`~.input_watch.InputWatch` (None: without one)
        and, with a watch, the needs' and streams' prices last seen (bits) and the edges
        whose prices moved since their surplus was made."""
        caches = getattr(self, "_surplus_caches", None)
        e = len(self.world.edges)
        if (caches is None or caches["params"] is not self.params
                or (e > PARTS_UP_TO_EDGES and caches["prices"] != self.price_version)):
            index = caches["index"] if caches else None   # fixed for a run
            caches = self._surplus_caches = {"params": self.params,
                                             "prices": self.price_version, "index": index}
        cache = caches.get(cofund)
        if cache is None:
            watch = self._input_watch()
            kept = e if e <= PARTS_UP_TO_EDGES else 0   # (edges whose parts are kept)
            cache = caches[cofund] = {
                "inputs": np.full((e, 5) if watch is None else e, np.nan),
                "surplus": np.zeros(e), "capex": np.zeros(e), "annual": np.zeros(e),
                "parts": np.full((kept, len(SURPLUS_PARTS)), np.nan), "watch": watch,
                "prices": None if watch is None else (
                    self.virgin_now.view(np.int64).copy(),
                    self.disposal_now.view(np.int64).copy(), np.zeros(kept, dtype=np.bool_))}
        return cache

    def _input_watch(self) -> InputWatch | None:
        """A new watch over the remembered surpluses' inputs (None: a region with fewer
        than ``WATCH_FROM_EDGES`` candidate edges, where comparing every edge asked about
        costs less than watching)."""
        w, caches = self.world, self._surplus_caches
        if len(w.edges) < WATCH_FROM_EDGES:
            return None
        if caches["index"] is None:
            caches["index"] = EdgeIndex(w.stream_edges, w.edges.need, len(w.need_volume),
                                        self.edge_slot_sr, self.edge_slot_rs,
                                        self.assets.edge_route)
        return InputWatch(caches["index"], self.stream_free(), self.need_free(),
                          self.pairs.trust)

    def expected_annual_capex(self, edges: np.ndarray, cofund: float = 0.0) -> np.ndarray:
        """Yearly capex (the chosen mode's annuity factor x new capex) of each deal as
        :meth:`expected_surplus` sees it now: co-funding a share of capex raises the
        surplus by that share of it."""
        self.expected_surplus(edges, cofund=cofund)
        return self.remembered_annual_capex(edges, cofund)

    def remembered_annual_capex(self, edges: np.ndarray | None = None,
                                cofund: float = 0.0) -> np.ndarray:
        """:meth:`expected_annual_capex` as remembered by the last :meth:`expected_surplus`
        on ``edges`` (no new check of what changed: call it right after that); without
        ``edges``, the remembered values of every edge (those asked about are current)."""
        annual = self._surplus_caches[cofund]["annual"]
        return annual if edges is None else annual[edges]

    def _signs(self, edges: np.ndarray, terms=None, info=None) -> np.ndarray:
        """Both sides trust each other enough to sign (docs/ODD.md 7.15).

        With the deal's ``terms`` and ``info`` the receiver, who pays the connection, needs
        more trust the more dedicated capex it risks against what it gains (hold-up,
        :mod:`.holdup`); a trial needs only ``trial_trust_share`` of each side's threshold
        (:func:`.negotiation.can_sign` on those thresholds, in one compiled pass,
        :func:`.kernels.deal_signs`).
        """
        w, p = self.world, self.params
        edges = np.asarray(edges, dtype=np.int64)
        if info is None:   # the base thresholds only
            mode = own = gain = np.zeros(0)
            trial = np.zeros(len(edges), dtype=bool)
        else:
            mode, own, gain, trial = info["mode"], info["own_capex"], terms.receiver_gain, info["trial"]
        return deal_signs(edges, w.edge_supplier, w.edge_receiver, self._min_trust,
                          self.edge_slot_sr, self.edge_slot_rs, self.pairs.trust,
                          info is not None and p.holdup_weight > 0, np.asarray(mode, np.int64),
                          own, gain, self._edge_owned_from(), max(self.tick, 0), trial, PIPE,
                          p.mobile_specificity, p.holdup_payback_years, p.holdup_weight,
                          p.trial_trust_share)

    def _edge_owned_from(self) -> np.ndarray:
        """The tick from which each candidate edge's firms have one owner (-1: never),
        from the region's documented ownership ties (``documented_ties``)."""
        w, p = self.world, self.params

        def compute() -> np.ndarray:
            index = {fid: i for i, fid in enumerate(w.firm_ids)}
            groups = [(np.array([index[f] for f in rel.firms]),
                       tie_tick(w.region.start, rel.since, p.tick_months))
                      for rel in w.region.relationships
                      if p.documented_ties and rel.kind in OWNERSHIP_KINDS]
            return common_owner_tick(w.edge_supplier, w.edge_receiver, groups)

        return remembered(self, "_owned_from", (w, p), compute)

    def _trial(self, edges: np.ndarray, volume: np.ndarray, candidates: np.ndarray) -> np.ndarray:
        """Where the full deal pays but is not signed for want of trust, would a small trial
        without a fixed line pay for both sides and be signed? (docs/ODD.md 7.15)"""
        out = np.zeros(len(edges), dtype=bool)
        share = self.params.trial_volume_share
        if share <= 0 or not np.count_nonzero(candidates):
            return out
        e = edges[candidates]
        terms, info = self.expected_terms(e, volume=volume[candidates] * share, trial=True)
        out[candidates] = ((terms.surplus > 0) & (terms.supplier_gain > 0)
                           & (terms.receiver_gain > 0) & info["affordable"]
                           & self._signs(e, terms, info))
        return out
