"""Brute-force reference for partner search: the definition of a correct search.

Every (stream, need) pair of the same resource is looked at, O(streams x needs), with
no spatial index and no candidate limit. A pair is a *candidate* when the two belong to
different firms and their straight-line distance is below the resource's longest
transport range divided by the detour factor (the route is ``detour_factor`` times
longer; the bound is strict, as in ``scipy.spatial.cKDTree``'s ``distance_upper_bound``).
A candidate is *feasible* when some transport mode can carry it (``choose_mode``), and
each stream's *best partner* is the feasible need with the highest expected surplus,
computed with the model's own economics functions at the run's start (initial trust,
full volumes, no co-funding); ties go to the lowest need index.

The fast model must agree: ``tests/test_search_reference.py`` checks it, and
``benchmarks/bench.py`` times the fast search against :func:`brute_force_best`.
"""

from __future__ import annotations

import numpy as np

from symbiosis_abm.economics import (
    asset_lives,
    choose_mode,
    evaluate,
    seasonal_utilisation,
    transaction_cost,
)
from symbiosis_abm.hazards import (
    annuity_factor_at,
    firm_exit_chance,
    link_end_chance,
    process_end_chance,
    risk_rate,
)

__all__ = ["brute_force_pairs", "brute_force_surplus", "brute_force_best", "best_per_stream"]


def brute_force_pairs(
    stream_xy: np.ndarray, stream_resource: np.ndarray, stream_firm: np.ndarray,
    need_xy: np.ndarray, need_resource: np.ndarray, need_firm: np.ndarray,
    max_range_km: np.ndarray, detour_factor: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All candidate pairs as (stream, need, route distance km), sorted by (stream, need).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [50.0, 0.0]])
    >>> s, n, d = brute_force_pairs(xy[:1], np.array([0]), np.array([0]), xy[1:],
    ...     np.array([0, 0]), np.array([1, 2]), np.array([10.0]))
    >>> s.tolist(), n.tolist(), d.tolist()
    ([0], [0], [1.0])
    """
    parts = [_candidates(s, n, stream_xy, stream_firm, need_xy, need_firm,
                         max_range_km[r] / detour_factor, detour_factor)
             for r, s, n in same_resource_blocks(stream_resource, need_resource)]
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    stream, need, dist = (np.concatenate(c) for c in zip(*parts))
    order = np.lexsort((need, stream))
    return stream[order], need[order], dist[order]


def same_resource_blocks(stream_resource: np.ndarray, need_resource: np.ndarray,
                         max_pairs: int = 2_000_000):
    """Yield (resource, streams, needs): every same-resource pair once, in blocks.

    Streams of a resource are split so that no block holds more than ``max_pairs`` pairs
    (memory stays bounded on large regions; every pair is still evaluated).
    """
    for r in np.intersect1d(stream_resource, need_resource):
        streams = np.flatnonzero(stream_resource == r)
        needs = np.flatnonzero(need_resource == r)
        per_block = max(1, max_pairs // len(needs))
        for a in range(0, len(streams), per_block):
            yield r, streams[a: a + per_block], needs


def _candidates(streams, needs, stream_xy, stream_firm, need_xy, need_firm, reach, detour):
    """Pairs of one block within ``reach`` (straight line, strict) and of two firms."""
    s, n = np.repeat(streams, len(needs)), np.tile(needs, len(streams))
    straight = np.hypot(*(stream_xy[s] - need_xy[n]).T)
    keep = (straight < reach) & (stream_firm[s] != need_firm[n])
    return s[keep], n[keep], straight[keep] * detour


def brute_force_surplus(world, params, stream: np.ndarray, need: np.ndarray,
                        distance_km: np.ndarray) -> np.ndarray:
    """Expected yearly surplus of (stream, need) pairs at the start of a run.

    ``-inf`` where no transport mode is feasible. Uses only the world's item arrays (not
    its edges) and the economics functions.
    """
    cat = world.catalogue
    r = world.stream_resource[stream]
    # each (resource, mode) asset's own economic life: the catalogue's, else the parameter
    # priced at the rate that counts the link's hazards (docs/ODD.md 7.2)
    firm = np.asarray(world.stream_firm)[stream], np.asarray(world.need_firm)[need]
    exits = firm_exit_chance(world.firm_size, world.firm_random_exit, params.exit_rate_sme,
                             params.exit_rate_large, params.closure_rate_per_year)
    end = link_end_chance(exits[firm[0]], exits[firm[1]], process_end_chance(
        params.process_change_rate, params.process_stop_share, params.process_change_sigma,
        params.min_volume_share))
    annuity = annuity_factor_at(risk_rate(params.discount_rate, end)[:, None],
                                asset_lives(cat.lifetime_years, params.lifetime_years)[r])
    volume = np.minimum(world.stream_volume[stream], world.need_volume[need])
    mode, transport, capex, feasible = choose_mode(
        volume, distance_km, cat.cost_per_unit_km[r], cat.capex_fixed[r],
        cat.capex_per_km[r], cat.max_distance_km[r], annuity, cost_per_unit=cat.cost_per_unit[r])
    factor = np.where(feasible, annuity[np.arange(len(stream)), mode], 0.0)
    tc = transaction_cost(np.full(len(stream), params.initial_trust),
                          params.transaction_cost_eur / 2.0, params.distrust_cost_factor)
    # nothing is contracted yet: the need's room is its volume over this contract's
    room = world.need_volume[need] / volume
    utilisation = seasonal_utilisation(world.stream_season[stream], world.need_season[need],
                                       room)
    terms = evaluate(volume, utilisation, world.need_virgin_price[need],
                     world.stream_disposal_cost[stream], transport, capex, factor, tc, tc,
                     params.bargaining_power)
    return np.where(feasible, terms.surplus, -np.inf)


def best_per_stream(n_streams: int, stream: np.ndarray, need: np.ndarray,
                    surplus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each stream's best feasible need and its surplus (-1 and -inf where none).

    Examples
    --------
    >>> best_per_stream(3, np.array([0, 0, 2]), np.array([4, 5, 1]),
    ...                 np.array([1.0, 2.0, -np.inf]))
    (array([ 5, -1, -1]), array([  2., -inf, -inf]))
    """
    best = np.full(n_streams, -1, dtype=np.int64)
    value = np.full(n_streams, -np.inf)
    ok = np.isfinite(surplus)
    # Highest surplus last within each stream; ties: the lowest need index last.
    order = np.lexsort((-need[ok], surplus[ok], stream[ok]))
    s, n, v = stream[ok][order], need[ok][order], surplus[ok][order]
    last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)
    best[s[last]], value[s[last]] = n[last], v[last]
    return best, value


def brute_force_best(world, params) -> tuple[np.ndarray, np.ndarray, int]:
    """Best partner of every stream by brute force: (best need, its surplus, pairs evaluated).

    Every same-resource (stream, need) pair gets its distance, mode and surplus evaluated;
    the best is taken over the pairs that are candidates (see the module docstring).
    """
    s_xy, n_xy = world.firm_xy[world.stream_firm], world.firm_xy[world.need_firm]
    reach = world.catalogue.max_range_km() / params.detour_factor
    best = np.full(len(world.stream_volume), -1, dtype=np.int64)
    value = np.full(len(world.stream_volume), -np.inf)
    evaluated = 0
    for r, streams, needs in same_resource_blocks(world.stream_resource, world.need_resource):
        s, n = np.repeat(streams, len(needs)), np.tile(needs, len(streams))
        straight = np.hypot(*(s_xy[s] - n_xy[n]).T)
        surplus = brute_force_surplus(world, params, s, n, straight * params.detour_factor)
        candidate = (straight < reach[r]) & (world.stream_firm[s] != world.need_firm[n])
        surplus = np.where(candidate, surplus, -np.inf)
        b, v = best_per_stream(len(best), s, n, surplus)
        best[streams], value[streams] = b[streams], v[streams]
        evaluated += len(s)
    return best, value, evaluated
