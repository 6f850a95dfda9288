"""``SymbiosisModel``: how an industrial symbiosis network emerges, one tick at a time.

This module keeps the constructor, :meth:`SymbiosisModel.step` (the whole tick) and the
public outputs. Each phase of the tick lives in a module named for its concept, as a mixin
working on the model's array state: :mod:`.contracts` (streams, delivery, renewal, start
and end of exchanges), :mod:`.partner_search`, :mod:`.negotiation_book`, :mod:`.allocation`,
:mod:`.trust` (trust upkeep), :mod:`.demography` (closures), :mod:`.measurement`, with
:mod:`.terms` (what a deal is worth now), :mod:`.assets` (sunk infrastructure),
:mod:`.cofunding` (the one co-funding rule) and :mod:`.randomness` (one random stream per
process). The rules themselves are pure functions (:mod:`.economics`, :mod:`.search`,
:mod:`.negotiation`, :mod:`.targeting`, ...). :class:`~.agents.Firm` agents are live views
of the arrays. A run is a pure function of (region, parameters, seed).

The run's state is declared in :mod:`.state` (:data:`~.state.STATE`: what a run changes;
:data:`~.state.CONTEXT`: what it holds fixed). :data:`SymbiosisModel.PHASES` lists the
tick's phases in order; each phase function declares what it reads, writes and draws
(:func:`.state.phase`), a test holds every phase to its declaration, and docs/ODD.md
section 3 lists them (:mod:`.schedule`).

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
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import networkx as nx
import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ._arrays import remembered
from .agents import Facilitator, Firm
from .allocation import AllocationPhase
from .assets import AssetBook, AssetUse, route_keys, sites
from .catalogue import MODES, ResourceCatalogue, load_catalogue
from .codes import REASONS
from .columns import Columns
from .contracts import (
    _EXCHANGE_COLUMNS,
    ContractBook,
)
from .demography import Demography
from .economics import annuity_factors, asset_lives
from .entry_points import BoundKernels
from .errors import RegionError
from .held import HeldArrays, RunArrays, run_anchors, run_arrays
from .initial_network import open_initial_network
from .kernels_tick import firm_traits, hold_run
from .lifecycle import Lifecycle, fixed_lifecycle
from .measurement import _STAT_NAMES, Measurement, TickRecord
from .negotiation_book import NegotiationBook
from .params import Parameters
from .partner_search import PartnerSearch
from .randomness import random_streams
from .region import Region, load_region
from .relations import group_pairs, tie_tick
from .search import discovery_chance
from .state import phase
from .stepping import advance_until, interleavable
from .synthetic import generate_synthetic
from .terms import DealTerms
from .timing import in_ticks, tick_rates
from .trust import PairStore, TrustUpkeep
from .world import (
    LARGE,
    SME,
    World,
    build_world,
    shared_parameters,
    shared_synthetic,
    shared_world,
)

__all__ = ["SymbiosisModel", "REASONS"]

class SymbiosisModel(ContractBook, AssetUse, DealTerms, PartnerSearch, NegotiationBook,
                     AllocationPhase, TrustUpkeep, Demography, Lifecycle, Measurement, mesa.Model):
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

    #: The tick's phases in the order :meth:`step` runs them: (label, function's path from
    #: the model). Each function declares what it reads, writes and draws
    #: (:func:`.state.phase`; docs/ODD.md section 3 lists the declarations).
    PHASES: tuple[tuple[str, str], ...] = (
        ("0 firms open", "_open_firms"),
        ("0 firm traits", "_firm_traits"),
        ("1 prices and streams", "_realise_streams"),
        ("2 delivery", "_deliver"),
        ("3 facilitator", "facilitator.act"),
        ("4-5 search", "_search"),
        ("6 negotiate", "_negotiate"),
        ("7 allocate", "_allocate"),
        ("8 closures and entries", "_close_firms"),
        ("8 region changes", "_change"),
        ("8 trust upkeep", "_update_trust"),
        ("9 measure", "_measure"),
        ("9 record", "datacollector.collect"),
    )
    #: Classes of the phases carried out by the model's parts.
    PHASE_OWNERS: dict[str, type] = {"facilitator": Facilitator, "datacollector": TickRecord}

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
        # each kernel the run calls, bound at its first call to its compiled entry point
        self._kernels = BoundKernels()
        # common random numbers: one stream per random process (randomness.py)
        self.streams = random_streams(self.rng if isinstance(rng, np.random.Generator) else rng)
        overrides = {**_scenario_overrides(scenario), **overrides}
        catalogue = catalogue or load_catalogue()
        self.params, region, own = _resolve(region, overrides, catalogue, self.streams.region)
        # a region generated for this run is its own; a loaded one (or one generated from
        # a fixed seed) is shared, and so is its world
        make = build_world if own else shared_world
        self.world: World = make(region, catalogue, self.params)
        # what the world and the parameters alone give: once per shared world, whose
        # models take copies; a run's own start is taken as it is (at 100,000 firms its
        # pair store and edge arrays are hundreds of MB: no second copy at once)
        start = (_Start(self.world, self.params) if own else
                 remembered(self.world, "_model_start", self.params,
                            lambda: _Start(self.world, self.params)))
        take = _as_is if own else np.copy
        self.asset_life_years = take(start.asset_life_years)
        self.mode_annuity = take(start.mode_annuity)
        self.rates = start.rates  # calendar-time parameters, per tick (frozen)
        self._init_state(start, take)
        self.firms = [Firm(self, i) for i in range(self.world.n_firms)]
        self._firm_by_id = {f.firm_id: f for f in self.firms}
        self.facilitator = self._make_facilitator()
        # exchanges documented as running at the region's start run from tick 0
        open_initial_network(self)
        self.datacollector = TickRecord(_STAT_NAMES)   # Mesa's interface, cheaper per tick
        self.running = True

    # ------------------------------------------------------------------ one tick
    @interleavable
    def step(self) -> None:
        """One tick, in the order of the ODD (docs/ODD.md, section 3): the phases of
        :meth:`tick_phases`, one after another."""
        for _ in self.tick_phases():
            pass

    def tick_phases(self) -> Iterator[None]:
        """One tick, pausing after each phase of :data:`PHASES`: :meth:`step` runs it
        through; :func:`.stepping.advance_together` runs a phase for several models
        before the next."""
        t = self.tick = self.steps - 1
        self._open_firms(t)                         # 0. firms due to open this month enter
        yield
        self._firm_traits(t)
        yield
        self._realise_streams(t)                    # 1. streams realise
        yield
        self._deliver(t)                            # 2. exchanges deliver, trust, endings
        yield
        if self.facilitator is not None:
            self.facilitator.act(t)                 # 3. facilitator's roles
        yield
        self._search(t)                             # 4-5. search and evaluate
        yield
        deals = self._negotiate(t)                  # 6. negotiate
        yield
        self._allocate(t, deals)                    # 7. allocate
        yield
        self._close_firms(t)                        # 8. exits and entries, process
        yield
        self._change(t)                             #    changes, cascades, fading,
        yield
        self._update_trust()                        #    trust decay, reputation
        yield
        self._measure(t)                            # 9. collect data
        yield
        self.datacollector.collect(self)

    def run(self, steps: int, *, progress: bool = False) -> None:
        """Advance ``steps`` ticks, with a progress bar if ``progress``: Mesa's
        ``run_for``, without a new step event a tick while nothing else is scheduled
        (:mod:`.stepping`)."""
        if not progress:
            if steps > 0:
                advance_until(self, self.time + steps)
            return
        for _ in tqdm(range(steps), desc=self.world.region.name, unit="tick", leave=False):
            advance_until(self, self.time + 1)

    # ------------------------------------------------------------------ state
    def _run_record(self) -> RunArrays:
        """The run's arrays held in one record for the compiled calls that read it
        (:mod:`.held`): made at the first call, and again when a table grew."""
        held = self.__dict__.get("_held")
        if held is None:
            held = self._held = HeldArrays(RunArrays, partial(run_arrays, self),
                                           partial(run_anchors, self), build=hold_run)
        return held.record()

    def _init_state(self, start: _Start, take: Callable[[np.ndarray], np.ndarray]) -> None:
        """The run's state at tick -1, from ``start`` (its arrays held through ``take``:
        copies of a shared start)."""
        w = self.world
        n = w.n_firms
        self.tick = -1
        self.firm_open = take(start.firm_open)  # planned plants enter at their date
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
        self.edge_retry = np.zeros(e, dtype=np.int32)   # a tick (int32: 10 MB at 100,000 firms)
        # co-funding a negotiation counted on when it opened, and the budget seen when a
        # deal failed for want of it (it waits until the budget changes; NaN: not waiting)
        self.edge_counted = np.zeros(e)
        self.cofund_wait = np.full(e, np.nan)
        self.assets = AssetBook(e, take(start.life_ticks), edge_route=take(start.edge_route))
        self.firm_stranded = np.zeros(n)  # remaining annuity of assets left early (EUR)
        # the candidate pairs and the documented ties in force hold slots from the start
        self.pairs = start.pairs if take is _as_is else _copied_pairs(start.pairs)
        self.edge_slot_sr = take(start.edge_slot_sr)
        self.edge_slot_rs = take(start.edge_slot_rs)
        self.tie_schedule = {t: list(ties) for t, ties in start.tie_schedule.items()}
        # who knows whom at the start (after the ties, which only set awareness too)
        knows = self.streams.awareness.random(e) < start.initial_awareness
        self.pairs.aware[self.edge_slot_sr[knows]] = True
        self.pairs.aware[self.edge_slot_rs[knows]] = True
        # chance per tick that one side of each candidate edge discovers the other
        self.edge_discovery = take(start.edge_discovery)
        self.negotiations = Columns({"edge": np.int64, "opened": np.int64, "due": np.int64,
                                     "volume": float, "via_broker": bool, "cofund": float, "trial": bool,
                                     "status": np.int8,
                                     "reason": np.int8, "closed": np.int64})
        self.exchanges = Columns(_EXCHANGE_COLUMNS)
        self.delivered_by_resource: list[np.ndarray] = []
        self.counts = Counter()
        self._diverted_total = 0.0  # tonnes, for the public cost per tonne
        self._unit_masks = {u: take(mask) for u, mask in start.unit_masks.items()}
        self.stats: dict[str, float] = {}
        self._init_lifecycle(start.lifecycle, take)
        self._firm_traits(0)

    def _make_facilitator(self) -> Facilitator | None:
        if not self.params.facilitator:
            return None
        spec = self.world.region.facilitator
        return Facilitator(self, spec.name if spec else "municipality")

    @phase(reads=("facilitator", "firm_member", "params", "world"),
           writes=("_capital", "firm_search_budget", "_min_trust"),
           draws=())
    def _firm_traits(self, t: int) -> None:
        """Search budget, signing threshold and capital access of every firm this tick.

        An SME member of an active facilitator's registry gets expert support: it moves a
        share ``expert_support`` of the way toward a large firm on all three.
        """
        p, f = self.params, getattr(self, "facilitator", None)   # (none yet at construction)
        helped = f is not None and p.expert_support > 0 and f.is_active(t)
        # the same until the registry or the facilitator's activity changes: remembered
        # (as remembered() would, without a call and a closure a tick)
        member = self.firm_member.tobytes() if helped else None
        last = self.__dict__.get("_traits")
        if last is None or last[0][0] is not p or last[0][1] != member:
            last = self._traits = ((p, member), _traits(
                p, self.world.firm_size, self.firm_member if helped else None))
        self.firm_search_budget, self._min_trust, self._capital = last[1]

    def facilitator_active(self, t: int | None = None) -> bool:
        """Whether the facilitator exists and is active at tick ``t`` (default: now)."""
        f = getattr(self, "facilitator", None)
        return f is not None and f.is_active(self.tick if t is None else t)

    def firm_min_trust(self) -> np.ndarray:
        return self._min_trust

    def firm_capital(self) -> np.ndarray:
        return self._capital

    # ------------------------------------------------------------------ 2. delivery
    # ------------------------------------------------------------------ 6. negotiation
    # ------------------------------------------------------------------ 8. closures, trust
    # ------------------------------------------------------------------ outputs
    def timeseries(self) -> pd.DataFrame:
        """One row per tick: the time series of ``docs/ODD.md`` Appendix A."""
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
            "asset_id": ex["asset"].copy(),
        })

    def assets_frame(self) -> pd.DataFrame:
        """Infrastructure built for exchanges: one row per asset, one asset per route and
        build (docs/ODD.md 7.15)."""
        a, w = self.assets.table, self.world
        ids = np.array(w.firm_ids, dtype=object)
        return pd.DataFrame({
            "asset_id": np.arange(len(a)), "supplier": ids[a["supplier"]],
            "receiver": ids[a["receiver"]],
            "resource": np.array(w.catalogue.names, dtype=object)[a["resource"]],
            "mode": np.array(MODES, dtype=object)[a["mode"]], "capex_eur": a["capex"].copy(),
            "public_eur": a["public"].copy(), "owner": ids[a["owner"]],
            "built": a["built"].copy(), "last_used": a["last_used"].copy(),
            "lifetime_end": a["until"].copy(), "uses": a["uses"].copy(),
            "stranded_eur": a["stranded"].copy(), "route": a["route"].copy(),
            "capacity_per_year": a["capacity"].copy(),
            "annuity_eur_per_year": a["annuity"].copy(),
            "users": self._asset_users(),
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
        record = self.datacollector
        last = {k: (float(v) if isinstance(v, (float, np.floating)) else int(v))
                for k, v in self.stats.items()}

        def total(col: str) -> float:   # as the time series column's pandas sum (NaN: 0)
            values = record.column(col) if self.stats else np.zeros(0)
            return float(np.where(np.isnan(values), 0.0, values).sum()) if len(values) else 0.0
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
            "stranded_capex_eur": float(self.firm_stranded.sum()),
            "assets_built": len(self.assets),
            "renewals": self.counts["renewals"],
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



class _Start:
    """What building a model computes from its world and parameters alone.

    The same for every model of a shared world with equal parameters (a sweep's
    replicates), so computed once per such world (:func:`~._arrays.remembered` on the
    world) and never changed: each model takes copies of what it holds.
    """

    def __init__(self, w: World, p: Parameters):
        self.rates = tick_rates(p)
        # economic life per (resource, mode): the catalogue's where it gives one (pipes of
        # district heat), else the parameter; its annuity factor and its length in ticks
        self.asset_life_years = asset_lives(w.catalogue.lifetime_years, p.lifetime_years)
        self.mode_annuity = annuity_factors(p.discount_rate, self.asset_life_years)
        self.life_ticks = np.array([in_ticks(12 * y, p.tick_months)
                                    for y in self.asset_life_years.flat],
                                   dtype=np.int64).reshape(self.asset_life_years.shape)
        site = sites(w.firm_xy)   # one asset per route: a line between two sites (7.15)
        self.edge_route = route_keys(site[w.edge_supplier], site[w.edge_receiver],
                                     w.edge_resource)
        self.firm_open = w.exists_at(0)
        self.initial_awareness = discovery_chance(w.edges.distance_km, p.initial_awareness,
                                                  p.discovery_distance_km)
        self.edge_discovery = discovery_chance(w.edges.distance_km, self.rates.discovery,
                                               p.discovery_distance_km)
        self.pairs = PairStore(w.n_firms, p.initial_trust, capacity=max(1024, 2 * len(w.edges)))
        self.edge_slot_sr = self.pairs.slots(w.edge_supplier, w.edge_receiver)
        self.edge_slot_rs = self.pairs.slots(w.edge_receiver, w.edge_supplier)
        self.tie_schedule = _seed_relationships(w, p, self.pairs)
        self.lifecycle = fixed_lifecycle(w, p)
        units = np.array(w.catalogue.units)
        self.unit_masks = {u: units == u for u in ("t", "MWh", "m3")}


def _seed_relationships(w: World, p: Parameters, pairs: PairStore
                        ) -> dict[int, list[tuple[np.ndarray, np.ndarray, float]]]:
    """Documented ties in force at the start set trust, awareness and met in ``pairs``;
    a tie dated after the start waits in the schedule returned, by its tick (phase 0)."""
    index = {fid: i for i, fid in enumerate(w.firm_ids)}
    region = w.region
    schedule: dict[int, list[tuple[np.ndarray, np.ndarray, float]]] = {}
    for rel in region.relationships if p.documented_ties else ():
        i, j = group_pairs(np.array([index[f] for f in rel.firms], dtype=np.int64))
        due = tie_tick(region.start, rel.since, p.tick_months)
        if due > 0:
            i.flags.writeable = j.flags.writeable = False   # shared by the models
            schedule.setdefault(due, []).append((i, j, rel.trust))
            continue
        slots = pairs.slots(i, j)
        pairs.trust[slots] = rel.trust
        pairs.aware[slots] = True
        pairs.met[slots] = True
    return schedule


def _as_is(array: np.ndarray) -> np.ndarray:
    """``array`` itself (what a model takes of a start that is its own)."""
    return array


def _copied_pairs(store: PairStore) -> PairStore:
    """A copy of ``store`` with arrays of its own (by its pickling protocol)."""
    copy = PairStore.__new__(PairStore)
    copy.__setstate__({k: v.copy() if isinstance(v, np.ndarray) else v
                       for k, v in store.__getstate__().items()})
    return copy


def _traits(p: Parameters, size: np.ndarray, member: np.ndarray | None) -> tuple:
    """Search budget, signing threshold and capital access of every firm; SME ``member``s
    (None: nobody is helped) move ``expert_support`` of the way toward a large firm (one
    compiled pass, :func:`.kernels_tick.firm_traits`)."""
    helped = member is not None
    return firm_traits(size, member if helped else _NOBODY, helped, p.expert_support, SME,
                       LARGE, p.search_budget_sme_eur, p.search_budget_large_eur,
                       p.min_trust_sme, p.min_trust_large, p.capital_sme_eur,
                       p.capital_large_eur)


#: No firm is a member (:func:`_traits` when nobody is helped).
_NOBODY = np.zeros(0, dtype=bool)


def _scenario_overrides(scenario: Any) -> dict[str, Any]:
    """Model parameters carried by a Mesa Scenario (its other attributes are ignored)."""
    if scenario is None:
        return {}
    names = set(Parameters.__dataclass_fields__)
    return {k: v for k, v in vars(scenario).items() if k in names}


def _resolve(region: Any, overrides: dict[str, Any], catalogue: ResourceCatalogue,
             rng: np.random.Generator) -> tuple[Parameters, Region, bool]:
    """Parameters (defaults < region < overrides), the region (generated if synthetic)
    and whether it is the run's own (generated for it, or given as a generated region)."""
    if isinstance(region, str) and region == "synthetic":
        params, shared = shared_synthetic(overrides, catalogue)
        if shared is not None:
            return params, shared, False
        seed = params.region_seed
        region_rng = np.random.default_rng(
            seed if seed is not None else int(rng.integers(2**63)))
        return params, generate_synthetic(params, catalogue, region_rng), True
    loaded = load_region(region, catalogue)
    missing = [f for f in loaded.firms if not f.streams and not f.needs]
    if len(missing) == len(loaded.firms):
        raise RegionError(f"{loaded.origin}: firms: no firm has a stream or a need; "
                          f"nothing could be exchanged")
    return shared_parameters(loaded, overrides), loaded, loaded.origin == "synthetic"
