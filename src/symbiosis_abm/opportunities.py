"""The opportunity map: every feasible exchange in a region before any dynamics.

What a regional actor does first (Kronoberg/Kalmar's *kartläggning*): list which firm
could supply which other firm with what, how far, what it would be worth to each side,
what it would cost to build, what it would save in CO2e, and how much trust the two
would need. The map uses the model's own rules: it builds a
:class:`~symbiosis_abm.model.SymbiosisModel` and evaluates every candidate edge with
:meth:`~symbiosis_abm.model.SymbiosisModel.expected_terms` (mode choice, transport,
capex, trust-dependent transaction costs, Nash split), at tick 0, before anything has
happened.

Examples
--------
>>> table = opportunities("kalundborg")
>>> len(table) > 10
True
>>> bool((table["surplus_full_trust_eur_per_year"] > 0).all())
True
>>> list(table.columns[:4])
['supplier', 'receiver', 'resource', 'unit']
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import MODES
from .region import SIZES, Region

__all__ = ["opportunities", "OPPORTUNITY_COLUMNS", "format_opportunities", "link_census",
           "viable_links"]

#: The largest ``max_candidates`` the parameters allow; the map uses it so that the
#: nearest-partner bound of the run's search does not hide feasible pairs.
MAP_MAX_CANDIDATES = 1000

OPPORTUNITY_COLUMNS = (
    "supplier", "receiver", "resource", "unit", "supplier_size", "receiver_size",
    "distance_km", "mode", "volume_per_year", "utilisation",
    "surplus_eur_per_year", "supplier_gain_eur_per_year", "receiver_gain_eur_per_year",
    "surplus_full_trust_eur_per_year", "capex_eur", "affordable", "co2e_avoided_t_per_year",
    "trust_for_surplus", "min_trust_supplier", "min_trust_receiver",
    "trust_needed_supplier", "trust_needed_receiver",
)

#: Bisection steps for the break-even trust (2**-40 is far below any meaningful trust).
_BISECT_STEPS = 40


def opportunities(region: str | Path | Region, **overrides: Any) -> pd.DataFrame:
    """Every feasible exchange of a region at the start, best first.

    A pair (a stream of one firm, a need of another firm, same resource) is *feasible*
    when some transport mode reaches it and its joint surplus is positive at full trust
    (so the deal could pay once the firms trust each other enough). Each pair is
    evaluated on its own, for the whole of the smaller of stream and need: pairs that
    share a stream or a need compete for it, so their volumes and surpluses do not add up.

    The run's partner search only looks at the ``max_candidates`` nearest partners of each
    stream and need (a KD-tree bound that keeps ticks O(N)). The map is meant to list
    every feasible pair, so it builds the world with ``max_candidates=1000`` (the largest
    the parameters allow) unless ``max_candidates`` is given in ``overrides``; only a
    region with more than 1000 streams or needs of one resource within range of each
    other could still have pairs left out.

    Parameters
    ----------
    region : str, path or Region
        As for :class:`~symbiosis_abm.model.SymbiosisModel` (a bundled name,
        ``"synthetic"``, a TOML path or a loaded region).
    **overrides
        Model parameters, e.g. ``transaction_cost_eur=2000`` or, for ``"synthetic"``,
        ``n_firms=300, region_seed=1``.

    Returns
    -------
    pandas.DataFrame
        One row per feasible pair, columns :data:`OPPORTUNITY_COLUMNS`, sorted by
        ``surplus_eur_per_year`` (the joint surplus at the trust the two firms have at the
        start), highest first. Money in EUR per year unless named otherwise:

        - ``supplier_gain_eur_per_year``, ``receiver_gain_eur_per_year``: each side's
          share of that surplus under the Nash split (``bargaining_power``); negative
          where the firms do not yet trust each other enough for the deal to pay;
        - ``surplus_full_trust_eur_per_year``: the joint surplus at full trust;
        - ``capex_eur``: investment of the cheapest feasible mode, borne by the receiver;
          ``affordable``: whether it is within the receiver's access to capital (without
          co-funding or expert support);
        - ``co2e_avoided_t_per_year``: expected delivered volume x the resource's CO2e
          factor;
        - ``trust_for_surplus``: the lowest trust, held by both sides in each other, at
          which the joint surplus is still positive (transaction costs rise as trust
          falls); 0 if the deal pays even between strangers;
        - ``min_trust_supplier``, ``min_trust_receiver``: each side's signing threshold
          (its size class's ``min_trust_*``);
        - ``trust_needed_supplier``, ``trust_needed_receiver``: the larger of the two
          above, i.e. the trust each side must have in the other for the deal to be
          signed and pay.

    Examples
    --------
    >>> table = opportunities("synthetic", n_firms=40, region_seed=2)
    >>> bool(table["surplus_eur_per_year"].is_monotonic_decreasing)
    True
    >>> bool((table["trust_needed_supplier"] >= table["trust_for_surplus"]).all())
    True
    """
    from .model import SymbiosisModel

    settings = {"max_candidates": MAP_MAX_CANDIDATES, **overrides}
    # The seed only matters for random initial awareness and a synthetic region drawn
    # without region_seed; the economics of a pair do not depend on it.
    model = SymbiosisModel(region, rng=0, **settings)
    return _evaluate_all(model)


def _evaluate_all(model: Any) -> pd.DataFrame:
    """Evaluate every candidate edge of a freshly built model (see :func:`opportunities`)."""
    w = model.world
    edges = np.arange(len(w.edges))
    terms, info = model.expected_terms(edges)
    full = _surplus_at_trust(model, edges, 1.0)
    keep = np.isfinite(full) & (full > 0)
    edges, full = edges[keep], full[keep]
    frame = _frame(model, edges, terms, info, keep, full)
    return (frame.sort_values("surplus_eur_per_year", ascending=False, kind="stable")
            .reset_index(drop=True))


def _frame(model: Any, edges: np.ndarray, terms: Any, info: dict, keep: np.ndarray,
           full: np.ndarray) -> pd.DataFrame:
    w, cat = model.world, model.world.catalogue
    ids = np.array(w.firm_ids, dtype=object)
    sup, rec, res = w.edge_supplier[edges], w.edge_receiver[edges], w.edge_resource[edges]
    volume = info["volume"][keep]
    sizes = np.array(SIZES, dtype=object)
    breakeven = _breakeven_trust(model, edges)
    min_sup = model.firm_min_trust()[sup]
    min_rec = model.firm_min_trust()[rec]
    return pd.DataFrame({
        "supplier": ids[sup], "receiver": ids[rec],
        "resource": np.array(cat.names, dtype=object)[res],
        "unit": np.array(cat.units, dtype=object)[res],
        "supplier_size": sizes[w.firm_size[sup]], "receiver_size": sizes[w.firm_size[rec]],
        "distance_km": w.edges.distance_km[edges],
        "mode": np.array(MODES, dtype=object)[info["mode"][keep]],
        "volume_per_year": volume,
        "utilisation": info["utilisation"][keep],
        "surplus_eur_per_year": terms.surplus[keep],
        "supplier_gain_eur_per_year": terms.supplier_gain[keep],
        "receiver_gain_eur_per_year": terms.receiver_gain[keep],
        "surplus_full_trust_eur_per_year": full,
        "capex_eur": info["capex"][keep],
        "affordable": info["affordable"][keep],
        "co2e_avoided_t_per_year": volume * info["utilisation"][keep] * cat.co2e_avoided[res],
        "trust_for_surplus": breakeven,
        "min_trust_supplier": min_sup, "min_trust_receiver": min_rec,
        "trust_needed_supplier": np.maximum(breakeven, min_sup),
        "trust_needed_receiver": np.maximum(breakeven, min_rec),
    }, columns=list(OPPORTUNITY_COLUMNS))


def _surplus_at_trust(model: Any, edges: np.ndarray, trust: float | np.ndarray) -> np.ndarray:
    """Joint surplus of ``edges`` if both sides trusted each other at ``trust``.

    Sets the pair trust in the model's own store, evaluates with the model's rules and
    puts the trust back, so no formula is copied here. Each edge is priced at what its
    stream and need offer, including what the exchanges running at the start
    (``[[initial_exchanges]]``) hold: the map is of links, not of what is left.
    """
    store = model.pairs
    slots = np.concatenate([model.edge_slot_sr[edges], model.edge_slot_rs[edges]])
    saved = store.trust[slots].copy()
    level = np.broadcast_to(np.asarray(trust, dtype=float), len(edges))
    try:
        store.trust[model.edge_slot_sr[edges]] = level
        store.trust[model.edge_slot_rs[edges]] = level
        s, n = model.world.edges.stream[edges], model.world.edges.need[edges]
        volume = np.minimum((model.stream_free() + model.stream_committed)[s],
                            (model.need_free() + model.need_committed)[n])
        terms, _ = model.expected_terms(edges, volume=volume)
    finally:
        store.trust[slots] = saved
    return terms.surplus


def _breakeven_trust(model: Any, edges: np.ndarray) -> np.ndarray:
    """Lowest common trust with a positive surplus (0 if positive at zero trust).

    Surplus rises with trust (transaction costs fall), so a vectorised bisection between
    0 and 1 finds the threshold; every edge passed in has a positive surplus at trust 1.
    Edges of the same firm pair share trust slots, so they are bisected in separate
    groups (each edge's trial level must not overwrite another's).
    """
    result = np.zeros(len(edges))
    for group in _distinct_pair_groups(model, edges):
        result[group] = _bisect(model, edges[group])
    return result


def _bisect(model: Any, edges: np.ndarray) -> np.ndarray:
    low, high = np.zeros(len(edges)), np.ones(len(edges))
    pays_at_zero = _surplus_at_trust(model, edges, 0.0) > 0
    for _ in range(_BISECT_STEPS):
        mid = (low + high) / 2.0
        pays = _surplus_at_trust(model, edges, mid) > 0
        high = np.where(pays, mid, high)
        low = np.where(pays, low, mid)
    return np.where(pays_at_zero, 0.0, high)


def _distinct_pair_groups(model: Any, edges: np.ndarray) -> list[np.ndarray]:
    """Split edge positions into groups in which no two edges share a firm pair.

    Edges between the same two firms (say, heat one way and sludge the other) share
    trust slots, so they cannot be set to different trial levels in one evaluation.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> world = SimpleNamespace(n_firms=3, edge_supplier=np.array([0, 1, 0, 2]),
    ...                         edge_receiver=np.array([1, 0, 2, 1]))
    >>> groups = _distinct_pair_groups(SimpleNamespace(world=world), np.arange(4))
    >>> [g.tolist() for g in groups]
    [[0, 2, 3], [1]]
    """
    w = model.world
    a, b = w.edge_supplier[edges], w.edge_receiver[edges]
    pair = np.minimum(a, b) * w.n_firms + np.maximum(a, b)
    order = np.argsort(pair, kind="stable")
    sorted_pair = pair[order]
    starts = np.r_[True, sorted_pair[1:] != sorted_pair[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(pair)), 0))
    rank = np.empty(len(pair), dtype=np.int64)
    rank[order] = np.arange(len(pair)) - run_start
    return [np.flatnonzero(rank == k) for k in range(int(rank.max(initial=-1)) + 1)]


def format_opportunities(table: pd.DataFrame, top: int | None = None) -> str:
    """A compact, readable text table of the map (for the command line).

    Examples
    --------
    >>> table = opportunities("kalundborg")
    >>> lines = format_opportunities(table, top=2).splitlines()
    >>> len(lines), lines[1].split()[:3] == table.loc[0, ["supplier", "receiver", "resource"]].tolist()
    (3, True)
    """
    shown = table if top is None else table.head(top)
    view = pd.DataFrame({
        "supplier": shown["supplier"], "receiver": shown["receiver"],
        "resource": shown["resource"],
        "km": shown["distance_km"].map(lambda v: f"{v:.1f}"), "mode": shown["mode"],
        "volume/yr": [f"{v:,.0f} {u}" for v, u in zip(shown["volume_per_year"], shown["unit"])],
        "surplus EUR/yr": shown["surplus_eur_per_year"].map(lambda v: f"{v:,.0f}"),
        "supplier EUR/yr": shown["supplier_gain_eur_per_year"].map(lambda v: f"{v:,.0f}"),
        "receiver EUR/yr": shown["receiver_gain_eur_per_year"].map(lambda v: f"{v:,.0f}"),
        "capex EUR": shown["capex_eur"].map(lambda v: f"{v:,.0f}"),
        "CO2e t/yr": shown["co2e_avoided_t_per_year"].map(lambda v: f"{v:,.1f}"),
        "trust needed": [f"{a:.2f}/{b:.2f}" for a, b in zip(shown["trust_needed_supplier"],
                                                             shown["trust_needed_receiver"])],
    })
    return view.to_string(index=False)


def link_census(region: str | Path | Region,
                documented: set[tuple[str, str, str]] | None = None,
                catalogue: Any = None, **overrides: Any) -> dict[str, Any]:
    """How many links a region offers, how many could pay, and how many are documented.

    A *candidate* is a (stream, need) pair of one resource at two different firms that a
    transport mode reaches (the pairs the partner search can consider) and whose firms
    both exist at some time of the run (a firm that closes before the other opens is no
    partner). A candidate is *viable* when its joint surplus at full trust is positive
    (the model's own terms at tick 0, as :func:`opportunities`). A *viable distractor*
    is a viable candidate that is not documented: a link a run could form that sources
    do not report, so that a model forming links at random among viable candidates
    would be wrong for it. A stream made from an input (``produced_from``: a biogas
    plant's gas and digestate) counts at its full volume, as if its input were supplied
    (``cascade=False`` unless ``overrides`` say otherwise): at tick 0 the model holds it
    empty until its input arrives, which would make every such link look unable to pay.
    Each candidate is priced at what its stream and need offer, including what the
    exchanges running at the start (``[[initial_exchanges]]``) hold.

    Parameters
    ----------
    region : str, path or Region
        As for :func:`opportunities`.
    documented : set of (supplier, receiver, resource), optional
        The documented links (an observed-links list); None when the region has none.
    catalogue : ResourceCatalogue, optional
        The resource catalogue (the bundled one by default).
    **overrides
        Model parameters, as for :func:`opportunities`.

    Returns
    -------
    dict
        ``candidate_links``, ``viable_at_full_trust``, ``documented_links``,
        ``documented_among_candidates``, ``documented_viable``, ``viable_distractors``
        and ``viable_distractors_per_documented_link`` (None without documented links);
        ``never_coexist`` counts the pairs left out because their firms never exist at
        the same time.

    Examples
    --------
    >>> census = link_census("vastra_malardalen", {("yara", "vme", "waste_heat_high")})
    >>> census["documented_links"], census["documented_among_candidates"]
    (1, 1)
    >>> census["viable_at_full_trust"] <= census["candidate_links"]
    True
    """
    n_edges, links, viable = _census_links(region, catalogue, overrides)
    viable_links = {link for link, ok in zip(links, viable) if ok}
    docs = set(documented or ())
    distractors = len(viable_links - docs)
    return {
        "candidate_links": len(set(links)),
        "never_coexist": int(n_edges - len(links)),
        "viable_at_full_trust": len(viable_links),
        "documented_links": len(docs) if documented is not None else None,
        "documented_among_candidates": len(docs & set(links)),
        "documented_viable": len(docs & viable_links),
        "viable_distractors": distractors,
        "viable_distractors_per_documented_link":
            round(distractors / len(docs), 2) if docs else None,
    }


def _coexist(open_tick: np.ndarray, close_tick: np.ndarray, a: np.ndarray,
             b: np.ndarray) -> np.ndarray:
    """Whether firms ``a[i]`` and ``b[i]`` both exist in some tick (close -1: never).

    Examples
    --------
    >>> _coexist(np.array([0, 10, 0]), np.array([5, -1, -1]), np.array([0, 0]),
    ...          np.array([1, 2])).tolist()
    [False, True]
    """
    end = np.where(close_tick < 0, np.iinfo(np.int64).max, close_tick)
    return np.maximum(open_tick[a], open_tick[b]) < np.minimum(end[a], end[b])


def viable_links(region: str | Path | Region, catalogue: Any = None,
                 **overrides: Any) -> set[tuple[str, str, str]]:
    """The (supplier, receiver, resource) links that are viable at full trust, as counted
    by :func:`link_census` (the pool a model forming links at random among the links that
    could pay would draw from).

    Examples
    --------
    >>> links = viable_links("vastra_malardalen")
    >>> len(links) == link_census("vastra_malardalen")["viable_at_full_trust"]
    True
    """
    _, links, viable = _census_links(region, catalogue, overrides)
    return {link for link, ok in zip(links, viable) if ok}


def _census_links(region: str | Path | Region, catalogue: Any, overrides: dict[str, Any]
                  ) -> tuple[int, list[tuple[str, str, str]], np.ndarray]:
    """All candidate edges' count, and the links of those whose firms coexist with
    whether each is viable at full trust (the census's rules, :func:`link_census`)."""
    from .model import SymbiosisModel

    settings = {"max_candidates": MAP_MAX_CANDIDATES, "cascade": False, **overrides}
    model = SymbiosisModel(region, rng=0, catalogue=catalogue, **settings)
    w = model.world
    edges = np.flatnonzero(_coexist(w.firm_open_tick, w.firm_close_tick,
                                    w.edge_supplier, w.edge_receiver))
    full = _surplus_at_trust(model, edges, 1.0)
    ids, names = w.firm_ids, w.catalogue.names
    links = [(ids[w.edge_supplier[e]], ids[w.edge_receiver[e]], names[w.edge_resource[e]])
             for e in edges]
    return len(w.edge_supplier), links, np.isfinite(full) & (full > 0)
