"""The static part of a run: firms, streams, needs and candidate edges as arrays.

Built once per model from a :class:`~symbiosis_abm.region.Region`, the catalogue and the
parameters. Nothing here changes during a run, so the per-edge economics that do not
depend on trust or volume (distance, prices, seasonal utilisation) are computed once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .catalogue import ResourceCatalogue
from .economics import alternative_cost
from .params import Parameters
from .region import SIZES, Region
from .region_schema import NEVER_RANDOM_EXIT
from .routes import with_route_lengths
from .search import CandidateEdges, candidate_edges
from .synthetic import generate_synthetic

__all__ = ["World", "build_world", "shared_world", "shared_parameters", "random_exit", "SME",
           "LARGE", "stream_edge_starts", "shared_synthetic", "SHARED_SYNTHETIC_FIRMS"]

SME, LARGE = SIZES.index("sme"), SIZES.index("large")


@dataclass(frozen=True, eq=False)
class World:
    """Arrays describing firms (``firm_*``), streams (``stream_*``), needs (``need_*``)
    and candidate edges (``edge_*``). Volumes are per year."""

    region: Region
    catalogue: ResourceCatalogue
    firm_ids: tuple[str, ...]
    firm_xy: np.ndarray
    firm_size: np.ndarray
    firm_close_tick: np.ndarray      # -1: no scheduled closure
    firm_open_tick: np.ndarray       # first tick the firm exists (0: from the start)
    firm_random_exit: np.ndarray     # bool: may close at random (demography, 7.19)
    firm_member: np.ndarray
    stream_firm: np.ndarray
    stream_resource: np.ndarray
    stream_volume: np.ndarray
    stream_variability: np.ndarray
    stream_disposal_cost: np.ndarray  # seller's avoided cost per unit (negative: forgone sale)
    stream_alternative: np.ndarray    # what the seller does without an exchange (str)
    stream_season: np.ndarray        # (S, 12)
    stream_input: np.ndarray         # need the stream is produced from (-1: none)
    stream_yield: np.ndarray         # output per unit of that input (NaN: follows its share)
    need_firm: np.ndarray
    need_resource: np.ndarray
    need_volume: np.ndarray
    need_virgin_price: np.ndarray
    need_season: np.ndarray          # (D, 12)
    need_direct_use: np.ndarray      # bool: takes the resource as it comes (no heat pump)
    edges: CandidateEdges
    edge_supplier: np.ndarray
    edge_receiver: np.ndarray
    edge_resource: np.ndarray
    #: bool per stream: pays the country's surplus-heat tax (a surplus-heat resource of
    #: the catalogue, not marked ``surplus_heat = false`` in the region: surplus_heat.py)
    stream_surplus_heat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: the candidate edges of stream ``s`` are ``stream_edges[s]`` to ``stream_edges[s + 1]``
    #: (edges are sorted by stream: :func:`.search.candidate_edges`)
    stream_edges: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    def __post_init__(self):
        if len(self.stream_edges) != len(self.stream_volume) + 1:   # not given: derived
            object.__setattr__(self, "stream_edges", stream_edge_starts(
                self.edges.stream, len(self.stream_volume)))

    @property
    def n_firms(self) -> int:
        return len(self.firm_ids)

    def exists_at(self, tick: int) -> np.ndarray:
        """Which firms exist at ``tick``: opened (``firm_open_tick <= tick``) and not
        yet at their scheduled closure. Random closures are the model's, not included.

        A firm that does not exist does not search, trade or appear as a candidate.
        """
        closed = (self.firm_close_tick >= 0) & (self.firm_close_tick <= tick)
        return (self.firm_open_tick <= tick) & ~closed


#: Worlds built lately in this process, with the catalogue and parameters they came from.
_SHARED: deque[tuple[World, ResourceCatalogue, Parameters]] = deque(maxlen=4)


def shared_world(region: Region, catalogue: ResourceCatalogue, params: Parameters) -> World:
    """:func:`build_world`, shared by the models of one process built from the same region
    and catalogue objects (regions and catalogues are loaded once per file and process)
    with equal parameters: a sweep builds thousands of models from one file, and the
    candidate search need not run each time. A world is never modified; its arrays are
    read-only so that stays so.

    Examples
    --------
    >>> from symbiosis_abm.catalogue import load_catalogue
    >>> from symbiosis_abm.region import load_region
    >>> cat = load_catalogue()
    >>> region, params = load_region("kalundborg", cat), Parameters()
    >>> world = shared_world(region, cat, params)
    >>> shared_world(region, cat, Parameters()) is world, world.stream_volume.flags.writeable
    (True, False)
    """
    for world, cat, p in tuple(_SHARED):   # a snapshot: other threads may add to it
        if world.region is region and cat is catalogue and (p is params or p == params):
            return world
    world = build_world(region, catalogue, params)
    _SHARED.appendleft((world, catalogue, params))
    return world


#: Parameters resolved lately in this process: region, overrides, parameters.
_RESOLVED: deque[tuple[Region, dict, Parameters]] = deque(maxlen=8)


def shared_parameters(region: Region, overrides: dict) -> Parameters:
    """``region.resolve_parameters(overrides)``, shared by the runs of a process with the
    same loaded region and equal overrides (a sweep's replicates): validating a hundred
    parameters twice was a measurable share of a small region's run. Parameters are
    frozen, so sharing them is safe.

    Examples
    --------
    >>> from symbiosis_abm.region import load_region
    >>> region = load_region("kalundborg")
    >>> p = shared_parameters(region, {"broker_capacity": 2})
    >>> shared_parameters(region, {"broker_capacity": 2}) is p, p.broker_capacity
    (True, 2)
    """
    for seen, seen_overrides, params in tuple(_RESOLVED):   # a snapshot (threads)
        if seen is region and _same(seen_overrides, overrides):
            return params
    params = region.resolve_parameters(overrides)
    _RESOLVED.appendleft((region, dict(overrides), params))
    return params


#: A generated region of at most this many firms is remembered (:func:`shared_synthetic`):
#: a sweep's size; a larger one is built for a run or two, and its world is large.
SHARED_SYNTHETIC_FIRMS = 5_000

#: Synthetic runs' parameters lately resolved in this process: overrides, catalogue,
#: parameters, and the region their fixed ``region_seed`` gives (None: not remembered).
_SYNTHETIC: deque[tuple[dict, ResourceCatalogue, Parameters, Region | None]] = deque(maxlen=4)


def shared_synthetic(overrides: dict, catalogue: ResourceCatalogue
                     ) -> tuple[Parameters, Region | None]:
    """The parameters of a synthetic run (defaults < ``overrides``) and, where they fix
    its ``region_seed``, the region that seed generates: shared by the runs of a process
    with equal overrides and the same catalogue (a sweep's replicates of one generated
    region: generating its firms and finding their candidate edges was most of such a
    model's construction). A region is frozen, and so is the world made of it
    (:func:`shared_world`). None: the run draws its region from its own stream, or the
    region has more than :data:`SHARED_SYNTHETIC_FIRMS` firms.

    Examples
    --------
    >>> from symbiosis_abm.catalogue import load_catalogue
    >>> cat = load_catalogue()
    >>> p, region = shared_synthetic({"n_firms": 30, "region_seed": 4}, cat)
    >>> shared_synthetic({"n_firms": 30, "region_seed": 4}, cat) == (p, region), len(region.firms)
    (True, 30)
    >>> shared_synthetic({"n_firms": 30}, cat)[1] is None
    True
    """
    for seen, cat, params, region in tuple(_SYNTHETIC):   # a snapshot (threads)
        if cat is catalogue and _same(seen, overrides):
            return params, region
    params = Parameters().replace(**overrides)
    region = None
    if params.region_seed is not None and params.n_firms <= SHARED_SYNTHETIC_FIRMS:
        region = generate_synthetic(params, catalogue, np.random.default_rng(params.region_seed))
    _SYNTHETIC.appendleft((dict(overrides), catalogue, params, region))
    return params, region


def _same(a: dict, b: dict) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):   # values that do not compare as one bool (arrays)
        return False


def random_exit(region: Region) -> np.ndarray:
    """Which firms may close at random: plants, and only in a region that opts in
    (``random_exit``: the synthetic region, or a file giving its sourced hazard).

    Utilities, municipalities, public bodies and aggregates close only at a date the
    region gives; so does every firm of a real region that does not opt in.

    Examples
    --------
    >>> from symbiosis_abm.region import FirmSpec
    >>> firms = (FirmSpec("a", "x", "sme", 0, 0), FirmSpec("u", "x", "large", 0, 0, kind="utility"))
    >>> random_exit(Region("r", "R", firms, random_exit=True)).tolist()
    [True, False]
    >>> random_exit(Region("r", "R", firms)).tolist()
    [False, False]
    """
    return np.array([region.random_exit and f.kind not in NEVER_RANDOM_EXIT
                     for f in region.firms], dtype=bool).reshape(-1)


def build_world(region: Region, catalogue: ResourceCatalogue, params: Parameters) -> World:
    """Turn a region into arrays and find the candidate edges with KD-trees.

    Prices, taxes and CO2e factors are those of the region's country, and the landfill
    tax that of the region's year where the catalogue lists it by year
    (:meth:`ResourceCatalogue.for_country`); ``world.catalogue`` is that catalogue.
    A world is never modified: its arrays are read-only (:func:`_read_only`).
    """
    catalogue = catalogue.for_country(region.country, region.year)
    firms = region.firms
    index = {f.id: i for i, f in enumerate(firms)}
    streams = [(index[f.id], s) for f in firms for s in f.streams]
    needs = [(index[f.id], n) for f in firms for n in f.needs]
    s_res = _resource_rows(catalogue, [s.resource for _, s in streams])
    n_res = _resource_rows(catalogue, [n.resource for _, n in needs])
    firm_xy = np.array([[f.x_km, f.y_km] for f in firms], dtype=float).reshape(-1, 2)
    s_firm = np.array([i for i, _ in streams], dtype=np.int64)
    n_firm = np.array([i for i, _ in needs], dtype=np.int64)
    edges = candidate_edges(
        firm_xy[s_firm], s_res, s_firm, firm_xy[n_firm], n_res, n_firm,
        catalogue.max_range_km(), params.max_candidates, params.detour_factor)
    edges = with_route_lengths(edges, region.routes, [f.id for f in firms],
                               s_firm[edges.stream], n_firm[edges.need], s_res[edges.stream],
                               catalogue.names)
    s_season = _seasons([s.supply_seasonality for _, s in streams],
                        catalogue.supply_seasonality[s_res])
    n_season = _seasons([n.demand_seasonality for _, n in needs],
                        catalogue.demand_seasonality[n_res])
    return _read_only(World(
        region=region, catalogue=catalogue,
        firm_ids=tuple(f.id for f in firms),
        firm_xy=firm_xy,
        firm_size=np.array([SIZES.index(f.size) for f in firms], dtype=np.int64),
        firm_close_tick=_close_ticks(region, params.tick_months),
        firm_open_tick=np.array([f.open_tick(region.start, params.tick_months)
                                 for f in firms], dtype=np.int64),
        firm_random_exit=random_exit(region),
        firm_member=np.array([f.member for f in firms], dtype=bool),
        stream_firm=s_firm, stream_resource=s_res,
        stream_volume=np.array([s.volume_per_year for _, s in streams], dtype=float),
        stream_variability=np.array([s.variability for _, s in streams], dtype=float),
        stream_disposal_cost=_seller_avoided_cost(
            catalogue, [s for _, s in streams], s_res, params.disposal_cost_multiplier),
        stream_alternative=np.array(
            [s.alternative or catalogue.alternatives[r] for (_, s), r in zip(streams, s_res)],
            dtype=object),
        stream_season=s_season,
        stream_input=_inputs(streams, needs),
        stream_yield=np.array([np.nan if s.yield_per_unit is None else s.yield_per_unit
                               for _, s in streams], dtype=float),
        need_firm=n_firm, need_resource=n_res,
        need_volume=np.array([n.volume_per_year for _, n in needs], dtype=float),
        need_virgin_price=params.virgin_price_multiplier * np.array(
            [catalogue.virgin_price[r] if n.virgin_price is None else n.virgin_price
             for (_, n), r in zip(needs, n_res)], dtype=float),
        need_season=n_season,
        need_direct_use=np.array([n.direct_use for _, n in needs], dtype=bool),
        edges=edges,
        edge_supplier=s_firm[edges.stream],
        edge_receiver=n_firm[edges.need],
        edge_resource=s_res[edges.stream],
        stream_surplus_heat=catalogue.surplus_heat[s_res] & np.array(
            [s.surplus_heat for _, s in streams], dtype=bool),
    ))


def _read_only(world: World) -> World:
    """``world`` with its arrays (and its edges') made read-only. Every world's are,
    shared by a process's models or a run's own: a compiled kernel is compiled for the
    read-only arrays it is given, and would be compiled again, a minute on one core,
    for writable ones."""
    for value in [*vars(world).values(), *vars(world.edges).values()]:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False
    return world


def stream_edge_starts(edge_stream: np.ndarray, n_streams: int) -> np.ndarray:
    """Where each stream's edges start in ``edge_stream`` (sorted), and where the last
    ends: stream ``s``'s edges are ``starts[s]`` to ``starts[s + 1]``.

    Examples
    --------
    >>> stream_edge_starts(np.array([0, 0, 2]), 4).tolist()
    [0, 2, 2, 3, 3]
    """
    edge_stream = np.asarray(edge_stream)
    if np.any(edge_stream[1:] < edge_stream[:-1]):
        raise ValueError("candidate edges must be sorted by stream")
    return np.searchsorted(edge_stream, np.arange(n_streams + 1)).astype(np.int64)


def _seller_avoided_cost(catalogue: ResourceCatalogue, streams: list, rows: np.ndarray,
                         multiplier: float) -> np.ndarray:
    """Per stream: what its seller avoids per unit exchanged, less the tax it pays on what
    it delivers. A stream's own ``disposal_cost`` replaces the alternative's cost; its own
    ``alternative`` without a price costs only the country's tax (price 0)."""
    own_kind = [s.alternative for s in streams]
    kinds = np.array([k or catalogue.alternatives[r] for k, r in zip(own_kind, rows)])
    prices = np.array([
        s.alternative_price if s.alternative_price is not None
        else (catalogue.alternative_price[r] if s.alternative in (None, catalogue.alternatives[r])
              else 0.0) for s, r in zip(streams, rows)], dtype=float)
    taxed = np.array([catalogue.units[r] == "t" for r in rows], dtype=bool)
    cost = alternative_cost(kinds, prices, catalogue.landfill_tax, catalogue.incineration_tax,
                            taxed, cost_scale=multiplier)
    explicit = np.array([np.nan if s.disposal_cost is None else s.disposal_cost
                         for s in streams], dtype=float)
    cost = np.where(np.isnan(explicit), cost, multiplier * explicit)
    return cost - catalogue.exchange_tax[rows] if len(rows) else cost


def _close_ticks(region: Region, tick_months: float) -> np.ndarray:
    """Closing tick per firm (-1: none), from ``closes_at_tick`` or the ``closes`` date."""
    ticks = [f.close_tick(region.start, tick_months) for f in region.firms]
    return np.array([-1 if t is None else t for t in ticks], dtype=np.int64)


def _inputs(streams: list, needs: list) -> np.ndarray:
    """The need each stream is produced from (its firm's need of that resource), or -1."""
    need_of = {(i, n.resource): k for k, (i, n) in enumerate(needs)}
    return np.array([need_of.get((i, s.produced_from), -1) if s.produced_from else -1
                     for i, s in streams], dtype=np.int64)


def _resource_rows(catalogue: ResourceCatalogue, names: list[str]) -> np.ndarray:
    """Catalogue row of each resource name (one dict lookup each, not a tuple search)."""
    row = {name: r for r, name in enumerate(catalogue.names)}
    return np.array([row[n] if n in row else catalogue.index(n) for n in names],
                    dtype=np.int64)


def _seasons(overrides: list, defaults: np.ndarray) -> np.ndarray:
    """Monthly factors per item: the item's own (normalised to mean 1) or the resource's."""
    out = np.array(defaults, dtype=float).reshape(-1, 12)
    for i, own in enumerate(overrides):
        if own is not None:
            values = np.asarray(own, dtype=float)
            out[i] = values / values.mean() if values.mean() > 0 else 1.0
    return out
