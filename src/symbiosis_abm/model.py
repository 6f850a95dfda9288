"""``SymbiosisModel``: how an industrial symbiosis network emerges, one tick at a time.

The model orchestrates; the rules live in pure functions (:mod:`.economics`,
:mod:`.search`, :mod:`.negotiation`, :mod:`.allocation`, :mod:`.trust`,
:mod:`.targeting`). Hot state is kept in arrays; :class:`~.agents.Firm` agents are live
views of it. A run is a pure function of (region, parameters, seed).

Examples
--------
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(24)
>>> frame = model.timeseries()
>>> len(frame), "active_exchanges" in frame.columns
(24, True)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from tqdm.auto import tqdm

from ._arrays import unique_sorted
from .agents import Facilitator, Firm
from .allocation import allocate
from .catalogue import MODES, ResourceCatalogue, load_catalogue
from .columns import Columns
from .economics import annuity_factor, choose_mode, evaluate, transaction_cost
from .errors import RegionError
from .negotiation import can_sign, duration
from .params import Parameters
from .region import Region, load_region
from .search import discovery_chance, first_per_group
from .synthetic import generate_synthetic
from .timing import tick_rates
from .trust import PairStore, after_delivery, reputation_pull, toward
from .world import LARGE, SME, World, build_world

__all__ = ["SymbiosisModel", "REASONS"]

# Why negotiations fail and exchanges end (codes index this tuple).
REASONS = ("", "low trust", "no surplus", "timeout", "breakdown", "partner closed",
           "no capacity left", "no capital", "unprofitable", "expired")
_R = {name: code for code, name in enumerate(REASONS)}
IDLE, NEGOTIATING, ACTIVE = 0, 1, 2
OPEN, CONCLUDED, FAILED = 0, 1, 2
#: A stream or need is searched for while at least this share of it is not yet placed.
MIN_OPEN_SHARE = 0.05


class SymbiosisModel(mesa.Model):
    """Firms negotiate exchanges of waste, by-products and spare capacity; a facilitator
    lowers search costs and builds relationships.

    Parameters
    ----------
    region : str, path or Region
        A bundled region name (``symbiosis-abm regions``), ``"synthetic"`` (generated from
        the ``n_firms``, ``area_km``, ... parameters), a path to a region TOML file, or a
        loaded :class:`~.region.Region`.
    rng : int or numpy Generator, optional
        Seed of the run. Same region, parameters and seed give the same run, bit for bit.
    scenario : mesa Scenario, optional
        Mesa's parameter set for the run; its attributes that name model parameters are
        used as overrides (Mesa's SolaraViz passes one on Reset).
    catalogue : ResourceCatalogue, optional
        Resource catalogue (the bundled one by default).
    **overrides
        Any model parameter (see :class:`~.params.Parameters`), e.g. ``n_firms=2000`` or
        ``facilitator=False``.
    """

    def __init__(
        self,
        region: str | Path | Region = "kalundborg",
        *,
        rng: Any = None,
        scenario: Any = None,
        catalogue: ResourceCatalogue | None = None,
        **overrides: Any,
    ):
        super().__init__(rng=rng, scenario=scenario)
        overrides = {**_scenario_overrides(scenario), **overrides}
        catalogue = catalogue or load_catalogue()
        self.params, region = _resolve(region, overrides, catalogue, self.rng)
        self.world: World = build_world(region, catalogue, self.params)
        self.annuity = annuity_factor(self.params.discount_rate, self.params.lifetime_years)
        self.rates = tick_rates(self.params)  # calendar-time parameters, per tick
        self._init_state()
        self.firms = [Firm(self, i) for i in range(self.world.n_firms)]
        self._firm_by_id = {f.firm_id: f for f in self.firms}
        self.facilitator = self._make_facilitator()
        self.datacollector = mesa.DataCollector(
            model_reporters={k: (lambda m, k=k: m.stats[k]) for k in _STAT_NAMES})
        self.running = True

    # ------------------------------------------------------------------ one tick
    def step(self) -> None:
        """One tick, in the order of the ODD (docs/ODD.md, section 3)."""
        t = self.tick = self.steps - 1
        self._firm_traits(t)
        self._realise_streams(t)                    # 1. streams realise
        self._deliver(t)                            # 2. exchanges deliver, trust, endings
        if self.facilitator is not None:
            self.facilitator.act(t)                 # 3. facilitator's roles
        self._search(t)                             # 4-5. search and evaluate
        deals = self._negotiate(t)                  # 6. negotiate
        self._allocate(t, deals)                    # 7. allocate
        self._close_firms(t)                        # 8. closures, trust decay, reputation
        self._update_trust()
        self._measure(t)                            # 9. collect data
        self.datacollector.collect(self)

    def run(self, steps: int, *, progress: bool = False) -> None:
        """Advance ``steps`` ticks, with a progress bar if ``progress``."""
        for _ in tqdm(range(steps), disable=not progress, desc=self.world.region.name,
                      unit="tick", leave=False):
            self.step()

    # ------------------------------------------------------------------ state
    def _init_state(self) -> None:
        w, p = self.world, self.params
        n = w.n_firms
        self.tick = -1
        self.firm_open = np.ones(n, dtype=bool)
        self.firm_member = w.firm_member.copy()
        self.firm_savings = np.zeros(n)
        self.firm_costs = np.zeros(n)
        self.firm_paid_in = np.zeros(n)   # payments received as a supplier (EUR)
        self.firm_paid_out = np.zeros(n)  # payments made as a receiver (EUR)
        self.firm_negotiations = np.zeros(n, dtype=np.int64)
        self.stream_committed = np.zeros(len(w.stream_volume))
        self.need_committed = np.zeros(len(w.need_volume))
        self.stream_ratio = np.ones(len(w.stream_volume))
        self.need_ratio = np.ones(len(w.need_volume))
        e = len(w.edges)
        self.edge_status = np.zeros(e, dtype=np.int8)
        self.edge_retry = np.zeros(e, dtype=np.int64)
        self.pairs = PairStore(n, p.initial_trust, capacity=max(1024, 2 * e))
        self.edge_slot_sr = self.pairs.slots(w.edge_supplier, w.edge_receiver)
        self.edge_slot_rs = self.pairs.slots(w.edge_receiver, w.edge_supplier)
        knows = self.rng.random(e) < discovery_chance(
            w.edges.distance_km, p.initial_awareness, p.discovery_distance_km)
        self.pairs.aware[self.edge_slot_sr[knows]] = True
        self.pairs.aware[self.edge_slot_rs[knows]] = True
        self._seed_relationships()
        # chance per tick that one side of each candidate edge discovers the other
        self.edge_discovery = discovery_chance(w.edges.distance_km, self.rates.discovery,
                                               p.discovery_distance_km)
        self.negotiations = Columns({"edge": np.int64, "opened": np.int64, "due": np.int64,
                                     "volume": float, "via_broker": bool, "status": np.int8,
                                     "reason": np.int8, "closed": np.int64})
        self.exchanges = Columns(_EXCHANGE_COLUMNS)
        self.delivered_by_resource: list[np.ndarray] = []
        self.counts = Counter()
        self._diverted_total = 0.0  # tonnes, for the public cost per tonne
        units = np.array(w.catalogue.units)
        self._unit_masks = {u: units == u for u in ("t", "MWh", "m3")}
        self.stats: dict[str, float] = {}
        self._firm_traits(0)

    def _seed_relationships(self) -> None:
        index = {fid: i for i, fid in enumerate(self.world.firm_ids)}
        for rel in self.world.region.relationships:
            a, b = index[rel.firms[0]], index[rel.firms[1]]
            slots = self.pairs.slots(np.array([a, b]), np.array([b, a]))
            self.pairs.trust[slots] = rel.trust
            self.pairs.aware[slots] = True
            self.pairs.met[slots] = True

    def _make_facilitator(self) -> Facilitator | None:
        if not self.params.facilitator:
            return None
        spec = self.world.region.facilitator
        return Facilitator(self, spec.name if spec else "municipality")

    def _firm_traits(self, t: int) -> None:
        """Search budget, signing threshold and capital access of every firm this tick.

        An SME member of an active facilitator's registry gets expert support: it moves a
        share ``expert_support`` of the way toward a large firm on all three.
        """
        p, size = self.params, self.world.firm_size
        support = np.zeros(len(size))
        if self.facilitator_active(t) and p.expert_support > 0:
            support = np.where((size == SME) & self.firm_member, p.expert_support, 0.0)

        def trait(sme: float, large: float) -> np.ndarray:
            own = np.where(size == LARGE, large, sme)
            return own + support * (large - own)

        self.firm_search_budget = trait(p.search_budget_sme_eur, p.search_budget_large_eur)
        self._min_trust = trait(p.min_trust_sme, p.min_trust_large)
        self._capital = trait(p.capital_sme_eur, p.capital_large_eur)

    def facilitator_active(self, t: int | None = None) -> bool:
        """Whether the facilitator exists and is active at tick ``t`` (default: now)."""
        f = getattr(self, "facilitator", None)
        return f is not None and f.is_active(self.tick if t is None else t)

    def firm_min_trust(self) -> np.ndarray:
        return self._min_trust

    def firm_capital(self) -> np.ndarray:
        return self._capital

    # ------------------------------------------------------------------ 1. streams
    def _realise_streams(self, t: int) -> None:
        """Realised supply and demand this tick, relative to the yearly mean per tick."""
        w = self.world
        month = int((t * self.params.tick_months) // 1) % 12
        noise = 1.0 + w.stream_variability * self.rng.standard_normal(len(w.stream_volume))
        self.stream_ratio = w.stream_season[:, month] * np.maximum(noise, 0.0)
        self.need_ratio = w.need_season[:, month].copy()
        closed_s = ~self.firm_open[w.stream_firm]
        self.stream_ratio[closed_s] = 0.0
        self.need_ratio[~self.firm_open[w.need_firm]] = 0.0

    # ------------------------------------------------------------------ 2. delivery
    def _deliver(self, t: int) -> None:
        """Active exchanges deliver; trust follows reliability; losers and expired end."""
        ex, w, p = self.exchanges, self.world, self.params
        act = np.flatnonzero(ex["active"])
        tpy = p.ticks_per_year
        s, n = ex["stream"][act], ex["need"][act]
        share = np.minimum(1.0, np.minimum(self.stream_ratio[s], self.need_ratio[n]))
        delivered = ex["volume"][act] / tpy * share
        paid = ex["price"][act] * delivered
        gain_sup = delivered * w.stream_disposal_cost[s] + paid - ex["tc_supplier"][act] / tpy
        gain_rec = (delivered * (w.need_virgin_price[n] - ex["transport_unit"][act]) - paid
                    - (ex["annuity"][act] + ex["tc_receiver"][act]) / tpy)
        sup, rec = ex["supplier"][act], ex["receiver"][act]
        np.add.at(self.firm_savings, sup, gain_sup)
        np.add.at(self.firm_savings, rec, gain_rec)
        np.add.at(self.firm_paid_in, sup, paid)
        np.add.at(self.firm_paid_out, rec, paid)
        ex["delivered"][act] += delivered
        ex["paid"][act] += paid
        self.last_delivery = {"stream": s, "need": n, "delivered": delivered}
        self.delivered_by_resource.append(np.bincount(
            ex["resource"][act], weights=delivered, minlength=len(w.catalogue.names)))
        self._trust_after_delivery(act, 1.0 - np.minimum(1.0, self.stream_ratio[s]))
        self._track_profit(t, act, gain_sup, gain_rec)
        self._renew_or_expire(t)

    def _trust_after_delivery(self, act: np.ndarray, shortfall: np.ndarray) -> None:
        p, store, edge = self.params, self.pairs, self.exchanges["edge"][act]
        rs, sr = self.edge_slot_rs[edge], self.edge_slot_sr[edge]
        store.trust[rs] = after_delivery(store.trust[rs], shortfall, p.shortfall_tolerance,
                                         self.rates.gain_delivery, p.trust_loss_shortfall)
        store.trust[sr] = toward(store.trust[sr], 1.0, self.rates.gain_delivery)
        store.contact[rs] = True
        store.contact[sr] = True

    def _track_profit(self, t: int, act: np.ndarray, gain_sup: np.ndarray,
                      gain_rec: np.ndarray) -> None:
        """Running yearly average of each side's gain; sustained losses end the exchange."""
        ex = self.exchanges
        alpha = 1.0 / max(1.0, self.params.ticks_per_year)
        ex["avg_supplier"][act] += alpha * (gain_sup - ex["avg_supplier"][act])
        ex["avg_receiver"][act] += alpha * (gain_rec - ex["avg_receiver"][act])
        losing = (ex["avg_supplier"][act] < 0) | (ex["avg_receiver"][act] < 0)
        ex["losing_ticks"][act] = np.where(losing, ex["losing_ticks"][act] + 1, 0)
        over = act[ex["losing_ticks"][act] >= self.rates.patience]
        self._end_exchanges(over, t, "unprofitable")

    def _renew_or_expire(self, t: int) -> None:
        """At contract end, renew if both would still sign and it still pays; else end."""
        ex = self.exchanges
        due = np.flatnonzero(ex["active"] & (ex["end"] <= t))
        if len(due) == 0:
            return
        edges = ex["edge"][due]
        terms, _ = self.expected_terms(edges, volume=ex["volume"][due])
        keep = (terms.surplus > 0) & self._signs(edges)
        ex["end"][due[keep]] += int(round(self.params.contract_years * self.params.ticks_per_year))
        self._end_exchanges(due[~keep], t, "expired")

    # ------------------------------------------------------------------ 4-5. search
    def _search(self, t: int) -> None:
        """Firms with unplaced streams or unmet needs look for partners and evaluate them.

        A candidate is evaluated once one side knows the other (known before, or
        discovered this tick with a chance that decays with distance). Each evaluation
        costs the evaluating firm ``search_cost_eur``; a firm evaluates as many as its
        search budget for the tick pays for. Worthwhile candidates open negotiations; the
        others are not looked at again for ``reconsider_months``.
        """
        p, w, store = self.params, self.world, self.pairs
        edges = self.open_edges()
        if len(edges) == 0:
            return
        sr, rs = self.edge_slot_sr[edges], self.edge_slot_rs[edges]
        unknown = ~(store.aware[sr] | store.aware[rs])
        found = unknown & (self.rng.random(len(edges)) < self.edge_discovery[edges])
        by_supplier = self.rng.random(len(edges)) < 0.5
        store.aware[sr[found & by_supplier]] = True
        store.aware[rs[found & ~by_supplier]] = True
        known = ~unknown | found
        edges, sr = edges[known], sr[known]
        evaluator = np.where(store.aware[sr], w.edge_supplier[edges], w.edge_receiver[edges])
        cost = self._search_cost()
        per_tick = self.firm_search_budget / p.ticks_per_year
        limit = np.where(cost > 0, np.floor(per_tick / np.maximum(cost, 1e-12)), len(edges))
        pick = first_per_group(evaluator, self.rng.random(len(edges)), limit.astype(np.int64))
        edges, evaluator = edges[pick], evaluator[pick]
        np.add.at(self.firm_costs, evaluator, cost[evaluator])
        self.counts["evaluations"] += len(edges)
        terms, info = self.expected_terms(edges, cofund=self._cofund_hint(t))
        good = (terms.surplus > 0) & info["affordable"]
        self.edge_retry[edges[~good]] = t + self.rates.reconsider
        order = np.argsort(-terms.surplus[good], kind="stable")
        self.open_negotiations(edges[good][order])

    def _search_cost(self) -> np.ndarray:
        """Cost per evaluation for each firm (expert support lowers an SME member's)."""
        p, size = self.params, self.world.firm_size
        cost = np.full(len(size), p.search_cost_eur)
        if self.facilitator_active() and p.expert_support > 0:
            helped = (size == SME) & self.firm_member
            cost[helped] *= 1.0 - p.expert_support
        return cost

    def _cofund_hint(self, t: int) -> float:
        f = self.facilitator
        if f is None or not (self.params.cofunder and f.is_active(t)):
            return 0.0
        return self.params.cofund_share if f.cofund_budget_left > 0 else 0.0

    def open_edges(self) -> np.ndarray:
        """Candidate edges that could start a negotiation now."""
        w = self.world
        s, n = w.edges.stream, w.edges.need
        stream_open = self.stream_free() > MIN_OPEN_SHARE * w.stream_volume
        need_open = self.need_free() > MIN_OPEN_SHARE * w.need_volume
        ok = ((self.edge_status == IDLE) & (self.edge_retry <= max(self.tick, 0))
              & stream_open[s] & need_open[n]
              & self.firm_open[w.edge_supplier] & self.firm_open[w.edge_receiver])
        return np.flatnonzero(ok)

    def stream_free(self) -> np.ndarray:
        return self.world.stream_volume - self.stream_committed

    def need_free(self) -> np.ndarray:
        return self.world.need_volume - self.need_committed

    def expected_terms(self, edges: np.ndarray, volume: np.ndarray | None = None,
                       cofund: np.ndarray | float = 0.0):
        """Expected yearly economics of candidate edges at the current trust.

        ``volume`` defaults to what is still free on both sides; ``cofund`` is the share
        of capex the facilitator pays. Returns the :class:`~.economics.ExchangeTerms` and
        a dict with the chosen ``mode``, ``capex``, ``volume``, ``transport`` and whether
        the receiver can fund its part (``affordable``).
        """
        w, p, cat = self.world, self.params, self.world.catalogue
        s, n = w.edges.stream[edges], w.edges.need[edges]
        if volume is None:
            volume = np.minimum(self.stream_free()[s], self.need_free()[n])
        r = w.edge_resource[edges]
        mode, transport, capex, feasible = choose_mode(
            volume, w.edges.distance_km[edges], cat.cost_per_unit_km[r], cat.capex_fixed[r],
            cat.capex_per_km[r], cat.max_distance_km[r], self.annuity,
            cost_per_unit=cat.cost_per_unit[r])
        half = p.transaction_cost_eur / 2.0
        tc_sup = transaction_cost(self.pairs.trust[self.edge_slot_sr[edges]], half,
                                  p.distrust_cost_factor)
        tc_rec = transaction_cost(self.pairs.trust[self.edge_slot_rs[edges]], half,
                                  p.distrust_cost_factor)
        terms = evaluate(volume, w.edge_utilisation[edges], w.need_virgin_price[n],
                         w.stream_disposal_cost[s], transport, capex, self.annuity,
                         tc_sup, tc_rec, p.bargaining_power, cofund)
        terms.surplus[~feasible] = -np.inf
        own_capex = capex * (1.0 - np.asarray(cofund, dtype=float))
        affordable = own_capex <= self._capital[w.edge_receiver[edges]]
        return terms, {"mode": mode, "capex": capex, "volume": volume, "affordable": affordable,
                       "transport": transport}

    def expected_surplus(self, edges: np.ndarray) -> np.ndarray:
        """``expected_terms(edges)[0].surplus`` (free volume, no co-funding), remembered.

        The broker ranks every open match among members each tick, and most of them have
        not changed since it last looked. A surplus is a pure function of the edge, its
        free volume and the two trusts (the rest of its inputs are fixed for a run), so it
        is recomputed only for edges where one of those three changed (bit for bit) or the
        parameters did: the result is the same as computing every edge anew.
        """
        w, store = self.world, self.pairs
        now = (np.minimum(self.stream_free()[w.edges.stream[edges]],
                          self.need_free()[w.edges.need[edges]]),
               store.trust[self.edge_slot_sr[edges]], store.trust[self.edge_slot_rs[edges]])
        cache = getattr(self, "_surplus_cache", None)
        if cache is None or cache["params"] is not self.params:
            e = len(w.edges)
            cache = self._surplus_cache = {
                "params": self.params, "inputs": [np.full(e, np.nan) for _ in now],
                "surplus": np.zeros(e)}
        stale = np.zeros(len(edges), dtype=bool)
        for seen, value in zip(cache["inputs"], now):       # compare bits, not values
            stale |= seen[edges].view(np.int64) != value.view(np.int64)
        if stale.any():
            redo = edges[stale]
            cache["surplus"][redo] = self.expected_terms(redo)[0].surplus
            for seen, value in zip(cache["inputs"], now):
                seen[redo] = value[stale]
        return cache["surplus"][edges]

    def _signs(self, edges: np.ndarray) -> np.ndarray:
        w, store = self.world, self.pairs
        return can_sign(store.trust[self.edge_slot_sr[edges]],
                        store.trust[self.edge_slot_rs[edges]],
                        self._min_trust[w.edge_supplier[edges]],
                        self._min_trust[w.edge_receiver[edges]])

    def open_negotiations(self, edges: np.ndarray, *, via_broker: bool = False,
                          limit: int | None = None) -> np.ndarray:
        """Open talks on ``edges`` (in priority order) within each firm's capacity."""
        w, p, store = self.world, self.params, self.pairs
        edges = edges[self.edge_status[edges] == IDLE]
        # Drop repeats but keep the caller's priority order (np.unique alone sorts by id).
        edges = edges[np.sort(np.unique(edges, return_index=True)[1])] if len(edges) else edges
        rank = np.arange(len(edges), dtype=float)
        for side in (w.edge_supplier, w.edge_receiver):
            room = np.maximum(p.max_negotiations - self.firm_negotiations, 0)
            keep = first_per_group(side[edges], rank, room)
            edges, rank = edges[keep], rank[keep]
        edges = edges[np.argsort(rank, kind="stable")][:limit]
        if len(edges) == 0:
            return edges
        sr, rs = self.edge_slot_sr[edges], self.edge_slot_rs[edges]
        for slots in (sr, rs):
            store.aware[slots] = True
            store.met[slots] = True
        low = np.minimum(store.trust[sr], store.trust[rs])
        np.add.at(self.firm_negotiations, w.edge_supplier[edges], 1)
        np.add.at(self.firm_negotiations, w.edge_receiver[edges], 1)
        self.edge_status[edges] = NEGOTIATING
        t = max(self.tick, 0)
        volume = np.minimum(self.stream_free()[w.edges.stream[edges]],
                            self.need_free()[w.edges.need[edges]])
        self.negotiations.append(
            edge=edges, opened=t, due=t + duration(low, self.rates.negotiation), volume=volume,
            via_broker=via_broker, status=OPEN, reason=0, closed=-1)
        self.counts["negotiations_opened"] += len(edges)
        return edges

    # ------------------------------------------------------------------ 6. negotiation
    def _negotiate(self, t: int) -> np.ndarray:
        """A tick of talks: costs, contact, breakdowns, timeouts, and decisions when due.

        Returns the rows of negotiations that concluded (to be allocated).
        """
        book, w, store = self.negotiations, self.world, self.pairs
        rows = np.flatnonzero(book["status"] == OPEN)
        edges = book["edge"][rows]
        sup, rec = w.edge_supplier[edges], w.edge_receiver[edges]
        closed = ~(self.firm_open[sup] & self.firm_open[rec])
        self._fail(rows[closed], t, "partner closed")
        rows, edges, sup, rec = rows[~closed], edges[~closed], sup[~closed], rec[~closed]
        np.add.at(self.firm_costs, sup, self.rates.negotiation_cost)
        np.add.at(self.firm_costs, rec, self.rates.negotiation_cost)
        for slots in (self.edge_slot_sr[edges], self.edge_slot_rs[edges]):
            store.trust[slots] = toward(store.trust[slots], 1.0, self.rates.gain_contact)
            store.contact[slots] = True
        broke = self.rng.random(len(rows)) < self.rates.failure
        self._fail(rows[broke], t, "breakdown")
        rows = rows[~broke]
        age = t - book["opened"][rows]
        late = book["due"][rows] - book["opened"][rows] > self.rates.timeout
        timed_out = late & (age >= self.rates.timeout)
        self._fail(rows[timed_out], t, "timeout")
        rows = rows[~late & (t >= book["due"][rows])]
        return self._decide(rows, t)

    def _decide(self, rows: np.ndarray, t: int) -> np.ndarray:
        """Due negotiations conclude if both sign and the deal still pays."""
        book = self.negotiations
        edges = book["edge"][rows]
        s, n = self.world.edges.stream[edges], self.world.edges.need[edges]
        volume = np.minimum(book["volume"][rows],
                            np.minimum(self.stream_free()[s], self.need_free()[n]))
        terms, info = self.expected_terms(edges, volume=volume, cofund=self._cofund_hint(t))
        signs = self._signs(edges)
        pays = terms.surplus > 0
        ok = signs & pays & info["affordable"]
        reason = np.where(~pays, _R["no surplus"],
                          np.where(~signs, _R["low trust"], _R["no capital"]))
        for code in np.unique(reason[~ok]):
            self._fail(rows[~ok & (reason == code)], t, REASONS[code])
        book["volume"][rows[ok]] = volume[ok]
        return rows[ok]

    def _fail(self, rows: np.ndarray, t: int, reason: str) -> None:
        book = self.negotiations
        if len(rows) == 0:
            return
        book["status"][rows] = FAILED
        book["reason"][rows] = _R[reason]
        book["closed"][rows] = t
        self._release(book["edge"][rows])
        self.counts["negotiations_failed"] += len(rows)
        self.counts[f"failed: {reason}"] += len(rows)

    def _release(self, edges: np.ndarray, status: int = IDLE) -> None:
        w = self.world
        self.edge_status[edges] = status
        np.subtract.at(self.firm_negotiations, w.edge_supplier[edges], 1)
        np.subtract.at(self.firm_negotiations, w.edge_receiver[edges], 1)
        if status == IDLE:
            self.edge_retry[edges] = max(self.tick, 0) + self.rates.reconsider

    # ------------------------------------------------------------------ 7. allocation
    def _allocate(self, t: int, rows: np.ndarray) -> None:
        """Concluded deals get volume in surplus order; no unit is sold twice."""
        if len(rows) == 0:
            return
        book, w = self.negotiations, self.world
        edges = book["edge"][rows]
        s, n = w.edges.stream[edges], w.edges.need[edges]
        first, _ = self.expected_terms(edges, volume=book["volume"][rows])
        granted = allocate(s, n, book["volume"][rows], first.surplus,
                           self.stream_free(), self.need_free())
        order = np.argsort(-first.surplus, kind="stable")
        rows, edges, granted = rows[order], edges[order], granted[order]
        _, info = self.expected_terms(edges, volume=granted)
        cofund = (self.facilitator.offer_cofunding(info["capex"] * (granted > 0), t)
                  if self.facilitator is not None else np.zeros(len(rows)))
        terms, info = self.expected_terms(edges, volume=granted, cofund=cofund)
        ok = ((granted > 0) & (terms.supplier_gain > 0) & (terms.receiver_gain > 0)
              & info["affordable"])
        self._fail(rows[~ok], t, "no capacity left")
        book["status"][rows[ok]] = CONCLUDED
        book["closed"][rows[ok]] = t
        self._release(edges[ok], status=ACTIVE)
        self.counts["negotiations_concluded"] += int(ok.sum())
        self._start_exchanges(t, edges[ok], terms, info, cofund, ok)

    def _start_exchanges(self, t, edges, terms, info, cofund, ok) -> None:
        w, p = self.world, self.params
        s, n = w.edges.stream[edges], w.edges.need[edges]
        volume = info["volume"][ok]
        expected = volume * w.edge_utilisation[edges]
        subsidy = (cofund * info["capex"])[ok]
        self.stream_committed += np.bincount(s, weights=volume, minlength=len(w.stream_volume))
        self.need_committed += np.bincount(n, weights=volume, minlength=len(w.need_volume))
        tpy = p.ticks_per_year
        self.exchanges.append(
            edge=edges, stream=s, need=n, supplier=w.edge_supplier[edges],
            receiver=w.edge_receiver[edges], resource=w.edge_resource[edges], volume=volume,
            price=terms.payment[ok] / np.maximum(expected, 1e-12),
            distance_km=w.edges.distance_km[edges], mode=info["mode"][ok],
            capex=info["capex"][ok], subsidy=subsidy,
            transport_unit=info["transport"][ok] / np.maximum(volume, 1e-12),
            annuity=terms.annuity[ok], tc_supplier=terms.tc_supplier[ok],
            tc_receiver=terms.tc_receiver[ok],
            expected_supplier=terms.supplier_gain[ok], expected_receiver=terms.receiver_gain[ok],
            avg_supplier=terms.supplier_gain[ok] / tpy, avg_receiver=terms.receiver_gain[ok] / tpy,
            losing_ticks=0, start=t, end=t + int(round(p.contract_years * tpy)), ended=-1,
            reason=0, active=True, delivered=0.0, paid=0.0)
        if self.facilitator is not None and subsidy.sum() > 0:
            self.facilitator.pay_cofunding(float(subsidy.sum()))

    def _end_exchanges(self, rows: np.ndarray, t: int, reason: str) -> None:
        ex = self.exchanges
        rows = rows[ex["active"][rows]]
        if len(rows) == 0:
            return
        ex["active"][rows] = False
        ex["ended"][rows] = t
        ex["reason"][rows] = _R[reason]
        np.subtract.at(self.stream_committed, ex["stream"][rows], ex["volume"][rows])
        np.subtract.at(self.need_committed, ex["need"][rows], ex["volume"][rows])
        self.edge_status[ex["edge"][rows]] = IDLE
        self.edge_retry[ex["edge"][rows]] = t + self.rates.reconsider
        self.counts[f"ended: {reason}"] += len(rows)

    # ------------------------------------------------------------------ 8. closures, trust
    def _close_firms(self, t: int) -> None:
        """Firms close at their scheduled tick or by the closure hazard; they leave."""
        p, w = self.params, self.world
        closing = self.firm_open & (w.firm_close_tick == t)
        if p.closure_rate_per_year > 0:
            per_tick = 1.0 - (1.0 - p.closure_rate_per_year) ** (1.0 / p.ticks_per_year)
            closing |= self.firm_open & (self.rng.random(w.n_firms) < per_tick)
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

    def _update_trust(self) -> None:
        """Trust decays toward the baseline without contact; reputation passes via partners."""
        p, store = self.params, self.pairs
        idle = store.met & ~store.contact
        store.trust[idle] = toward(store.trust[idle], p.trust_baseline, self.rates.trust_decay)
        store.contact[:] = False
        if self.rates.reputation > 0:
            self._pass_reputation()

    def _pass_reputation(self) -> None:
        """i's trust in j moves toward trust(i,k) x trust(k,j) for common partners k."""
        ex = self.exchanges
        act = np.flatnonzero(ex["active"])
        if len(act) < 2:
            return
        a = np.concatenate([ex["supplier"][act], ex["receiver"][act]])
        b = np.concatenate([ex["receiver"][act], ex["supplier"][act]])
        links = unique_sorted(a * self.world.n_firms + b)
        hub, other = links // self.world.n_firms, links % self.world.n_firms
        ki, kj = _common_partner_links(hub)
        if len(ki) == 0:
            return
        store = self.pairs
        ij = store.find(other[ki], other[kj])
        has = ij >= 0
        ki, kj, ij = ki[has], kj[has], ij[has]
        # Trust along each link is looked up once per link, not once per triple.
        trust_in_hub, trust_of_hub = store.trust_of(other, hub), store.trust_of(hub, other)
        pulled = reputation_pull(store.trust[ij], trust_in_hub[ki], trust_of_hub[kj],
                                 self.rates.reputation)
        store.trust[ij] = pulled

    # ------------------------------------------------------------------ 9. data
    def _measure(self, t: int) -> None:
        ex, w = self.exchanges, self.world
        act = np.flatnonzero(ex["active"])
        sup, rec = ex["supplier"][act], ex["receiver"][act]
        participating = unique_sorted(np.concatenate([sup, rec]))
        delivered = self.delivered_by_resource[-1]
        units = self._unit_masks
        diverted_t = float(delivered[units["t"]].sum())
        self._diverted_total += diverted_t
        public = self.facilitator.spent_total if self.facilitator is not None else 0.0
        n_open = int(self.firm_open.sum())
        pair_keys = unique_sorted(np.minimum(sup, rec) * w.n_firms + np.maximum(sup, rec))
        store = self.pairs
        self.stats = {
            "tick": t,
            "active_exchanges": len(act),
            "participating_firms": len(participating),
            "largest_component": _largest_component(sup, rec, w.n_firms),
            "density": len(pair_keys) / max(1, n_open * (n_open - 1) / 2),
            "materials_diverted_t": diverted_t,
            "energy_recovered_mwh": float(delivered[units["MWh"]].sum()),
            "water_reused_m3": float(delivered[units["m3"]].sum()),
            "co2e_avoided_t": float(delivered @ w.catalogue.co2e_avoided),
            "firm_net_savings_eur": float(self.firm_savings.sum() - self.firm_costs.sum()),
            "public_cost_eur": public,
            "public_cost_per_t_diverted": (public / self._diverted_total
                                           if self._diverted_total > 0 else np.nan),
            "mean_trust": float(store.trust[store.met].mean()) if store.met.any()
            else self.params.initial_trust,
            "negotiations_open": int((self.negotiations["status"] == OPEN).sum()),
            "negotiations_opened": self.counts["negotiations_opened"],
            "negotiations_concluded": self.counts["negotiations_concluded"],
            "negotiations_failed": self.counts["negotiations_failed"],
            "registry_members": int((self.firm_member & self.firm_open).sum()),
            "open_firms": n_open,
        }

    # ------------------------------------------------------------------ outputs
    def timeseries(self) -> pd.DataFrame:
        """One row per tick: the time series of ``docs/ODD.md`` section 8."""
        return self.datacollector.get_model_vars_dataframe().set_index("tick")

    def exchanges_frame(self) -> pd.DataFrame:
        """The exchange log: one row per exchange that ever started."""
        ex, w = self.exchanges, self.world
        ids = np.array(w.firm_ids, dtype=object)
        return pd.DataFrame({
            "supplier": ids[ex["supplier"]], "receiver": ids[ex["receiver"]],
            "resource": np.array(w.catalogue.names, dtype=object)[ex["resource"]],
            "volume_per_year": ex["volume"].copy(), "price_eur_per_unit": ex["price"].copy(),
            "distance_km": ex["distance_km"].copy(),
            "mode": np.array(MODES, dtype=object)[ex["mode"]],
            "capex_eur": ex["capex"].copy(), "subsidy_eur": ex["subsidy"].copy(),
            "start": ex["start"].copy(), "end": np.where(ex["active"], -1, ex["ended"]),
            "status": np.where(ex["active"], "active", "ended"),
            "reason": np.array(REASONS, dtype=object)[ex["reason"]],
            "delivered": ex["delivered"].copy(), "paid_eur": ex["paid"].copy(),
        })

    def deliveries_frame(self) -> pd.DataFrame:
        """Delivered volume per tick and resource (waste diverted = virgin input replaced)."""
        names = self.world.catalogue.names
        data = np.array(self.delivered_by_resource).reshape(-1, len(names))
        frame = pd.DataFrame(data, columns=list(names))
        frame.index.name = "tick"
        long = frame.reset_index().melt(id_vars="tick", var_name="resource", value_name="delivered")
        long = long[long["delivered"] > 0].reset_index(drop=True)
        unit = dict(zip(names, self.world.catalogue.units))
        long["unit"] = long["resource"].map(unit)
        return long

    def network(self) -> nx.DiGraph:
        """Active exchanges as a directed graph (supplier -> receiver) over all firms."""
        w, ex = self.world, self.exchanges
        g = nx.DiGraph(region=w.region.name, tick=self.tick)
        for f in self.firms:
            x, y = f.location_km
            g.add_node(f.firm_id, name=f.name, sector=f.sector, size=f.size, x_km=x, y_km=y,
                       member=f.member, open=f.is_open)
        for row in np.flatnonzero(ex["active"]):
            a, b = w.firm_ids[ex["supplier"][row]], w.firm_ids[ex["receiver"][row]]
            resource = w.catalogue.names[ex["resource"][row]]
            if g.has_edge(a, b):
                data = g.edges[a, b]
                data["resources"] += f";{resource}"
                data["exchanges"] += 1
            else:
                g.add_edge(a, b, resources=resource, exchanges=1,
                           distance_km=float(ex["distance_km"][row]))
        return g

    def summary(self) -> dict[str, Any]:
        """Headline figures of the run so far (JSON-serialisable)."""
        ts = self.timeseries() if self.stats else pd.DataFrame()
        last = {k: (float(v) if isinstance(v, (float, np.floating)) else int(v))
                for k, v in self.stats.items()}
        total = lambda col: float(ts[col].sum()) if len(ts) else 0.0  # noqa: E731
        return {
            "region": self.world.region.name,
            "ticks": int(self.steps),
            "firms": self.world.n_firms,
            "candidate_pairs": len(self.world.edges),
            "facilitator": self.facilitator is not None,
            **{k: last.get(k) for k in ("active_exchanges", "participating_firms",
                                        "largest_component", "density", "mean_trust",
                                        "registry_members")},
            "exchanges_started": len(self.exchanges),
            "materials_diverted_t_total": total("materials_diverted_t"),
            "energy_recovered_mwh_total": total("energy_recovered_mwh"),
            "water_reused_m3_total": total("water_reused_m3"),
            "co2e_avoided_t_total": total("co2e_avoided_t"),
            "firm_net_savings_eur": last.get("firm_net_savings_eur", 0.0),
            "public_cost_eur": last.get("public_cost_eur", 0.0),
            "negotiations_opened": self.counts["negotiations_opened"],
            "negotiations_concluded": self.counts["negotiations_concluded"],
            "negotiations_failed": self.counts["negotiations_failed"],
            "failure_reasons": {k.removeprefix("failed: "): v for k, v in sorted(self.counts.items())
                                if k.startswith("failed: ")},
            "end_reasons": {k.removeprefix("ended: "): v for k, v in sorted(self.counts.items())
                            if k.startswith("ended: ")},
        }

    # ------------------------------------------------------------------ inspection
    def firm(self, firm_id: str) -> Firm:
        """The :class:`Firm` with id ``firm_id``."""
        try:
            return self._firm_by_id[firm_id]
        except KeyError:
            from .errors import did_you_mean
            raise KeyError(f"no firm {firm_id!r}{did_you_mean(firm_id, self._firm_by_id)}") from None

    def items_of(self, kind: str, firm: int) -> list[dict]:
        """Streams (``kind='stream'``) or needs of one firm, with what is still free."""
        w = self.world
        owner = w.stream_firm if kind == "stream" else w.need_firm
        resource = w.stream_resource if kind == "stream" else w.need_resource
        volume = w.stream_volume if kind == "stream" else w.need_volume
        free = self.stream_free() if kind == "stream" else self.need_free()
        return [{"resource": w.catalogue.names[resource[i]], "unit": w.catalogue.units[resource[i]],
                 "volume_per_year": float(volume[i]), "free_per_year": float(free[i])}
                for i in np.flatnonzero(owner == firm)]

    def partners_of(self, firm: int) -> list[str]:
        ex = self.exchanges
        act = ex["active"]
        others = np.concatenate([ex["receiver"][act & (ex["supplier"] == firm)],
                                 ex["supplier"][act & (ex["receiver"] == firm)]])
        return sorted({self.world.firm_ids[j] for j in others})

    def partner_counts(self) -> np.ndarray:
        """Number of active exchanges each firm takes part in."""
        ex, n = self.exchanges, self.world.n_firms
        act = ex["active"]
        return (np.bincount(ex["supplier"][act], minlength=n)
                + np.bincount(ex["receiver"][act], minlength=n))


_EXCHANGE_COLUMNS = {
    "edge": np.int64, "stream": np.int64, "need": np.int64, "supplier": np.int64,
    "receiver": np.int64, "resource": np.int64, "volume": float, "price": float,
    "distance_km": float, "mode": np.int64, "capex": float, "subsidy": float,
    "transport_unit": float, "annuity": float, "tc_supplier": float, "tc_receiver": float,
    "expected_supplier": float, "expected_receiver": float, "avg_supplier": float,
    "avg_receiver": float, "losing_ticks": np.int64, "start": np.int64, "end": np.int64,
    "ended": np.int64, "reason": np.int8, "active": bool, "delivered": float, "paid": float,
}
_STAT_NAMES = (
    "tick", "active_exchanges", "participating_firms", "largest_component", "density",
    "materials_diverted_t", "energy_recovered_mwh", "water_reused_m3", "co2e_avoided_t",
    "firm_net_savings_eur", "public_cost_eur", "public_cost_per_t_diverted", "mean_trust",
    "negotiations_open", "negotiations_opened", "negotiations_concluded",
    "negotiations_failed", "registry_members", "open_firms",
)


def _largest_component(sup: np.ndarray, rec: np.ndarray, n: int) -> int:
    """Firms in the largest weakly connected component of the exchange network."""
    if len(sup) == 0:
        return 0
    if len(sup) <= _SMALL_NETWORK:
        return _largest_component_small(sup.tolist(), rec.tolist())
    nodes, inverse = unique_sorted(np.concatenate([sup, rec]), return_inverse=True)
    m = len(nodes)
    graph = coo_matrix((np.ones(len(sup)), (inverse[: len(sup)], inverse[len(sup):])),
                       shape=(m, m))
    _, labels = connected_components(graph, directed=True, connection="weak")
    return int(np.bincount(labels).max())


#: Up to this many exchanges a union-find in Python beats building a sparse graph.
_SMALL_NETWORK = 512


def _largest_component_small(sup: list[int], rec: list[int]) -> int:
    """:func:`_largest_component` by union-find (regions of a few dozen firms)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = x = parent[parent[x]]
        return x

    for a, b in zip(sup, rec):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    return max(Counter(root(x) for x in list(parent)).values())


def _common_partner_links(hub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of links (k, i), (k, j) with i != j, from links sorted by hub k.

    Returns the two links' positions. Ordered by hub, then i, then j (the partners' order
    among the hub's links), all in array operations: a hub with d partners gives its d x d
    grid without the diagonal.

    Examples
    --------
    >>> ki, kj = _common_partner_links(np.array([0, 1, 1, 1]))
    >>> ki.tolist(), kj.tolist()
    ([1, 1, 2, 2, 3, 3], [2, 3, 1, 3, 1, 2])
    """
    starts = np.flatnonzero(np.concatenate(([True], hub[1:] != hub[:-1])))
    degree = np.diff(np.append(starts, len(hub)))
    many = degree >= 2
    starts, degree = starts[many], degree[many]
    if len(starts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    cells = degree * degree
    group = np.repeat(np.arange(len(starts)), cells)
    cell = np.arange(int(cells.sum())) - np.repeat(np.cumsum(cells) - cells, cells)
    d = degree[group]
    row, col = cell // d, cell % d
    off = row != col
    base = starts[group[off]]
    return base + row[off], base + col[off]


def _scenario_overrides(scenario: Any) -> dict[str, Any]:
    """Model parameters carried by a Mesa Scenario (its other attributes are ignored)."""
    if scenario is None:
        return {}
    names = set(Parameters.__dataclass_fields__)
    return {k: v for k, v in vars(scenario).items() if k in names}


def _resolve(region: Any, overrides: dict[str, Any], catalogue: ResourceCatalogue,
             rng: np.random.Generator) -> tuple[Parameters, Region]:
    """Parameters (defaults < region < overrides) and the region, generated if synthetic."""
    if isinstance(region, str) and region == "synthetic":
        params = Parameters().replace(**overrides)
        seed = params.region_seed
        region_rng = np.random.default_rng(
            seed if seed is not None else int(rng.integers(2**63)))
        return params, generate_synthetic(params, catalogue, region_rng)
    loaded = load_region(region, catalogue)
    missing = [f for f in loaded.firms if not f.streams and not f.needs]
    if len(missing) == len(loaded.firms):
        raise RegionError(f"{loaded.origin}: firms: no firm has a stream or a need; "
                          f"nothing could be exchanged")
    params = Parameters().replace(**loaded.parameter_defaults()).replace(**overrides)
    return params, loaded
