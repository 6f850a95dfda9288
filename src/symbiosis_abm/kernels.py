"""Compiled passes over the candidate edges (numba), for the checks made on every edge each tick.

At 10,000 firms and more a tick spends much of its time in a few passes over hundreds of
thousands of candidate edges that only test, gather and compare: which edges could open
talks now (:func:`open_edge_ids`, twice a tick, stream by stream), which remembered
surpluses are stale (:func:`refresh_inputs`, the broker's scan; in a large region
:func:`.kernels_tick.refresh_marked` on the edges :func:`mark_changed` marked), what
co-funding each deal gets (:func:`cofund_shares`),
who discovers whom and who evaluates (:func:`discover`), which candidates each firm's budget pays for
(:func:`first_in_groups`), and in pricing a deal: its cheapest transport mode
(:func:`cheapest_modes`, from the catalogue's rows and a small table of hazard-adjusted
annuities: no ``(edges, modes)`` table is held), the route's asset it may share
(:func:`route_asset_use`), its terms (:func:`deal_terms`: the need's room, the seasonal
utilisation, transaction costs and the Nash split) and whether both sides sign
(:func:`deal_signs`), and which talks fit the firms' room (:func:`room_rounds`). A deal
is priced hundreds of times a run, a few deals at a time, so there the cost is the calls,
not the loops: :func:`price_deals` runs the free volume, the route's asset, the mode and
the terms in one call and writes its results into arrays its caller gives (a returned
array is boxed, its type unpickled, on every call); :func:`free_volumes` reads a few
deals' free volumes from their own rows. In numpy
each step is a gather into a temporary array of the edges' length, so a pass reads memory
a dozen times; here each is one loop that reads an edge's inputs once and allocates only
its result (scattered reads that would stall a long loop get a short loop of their own).

At the end of the module, the book-keeping of a small region's tick, where a phase made a
dozen numpy calls on a few rows: talks opening within the firms' room
(:func:`open_within_room`), breaking down, timing out or coming due
(:func:`talk_deadlines`) and closing (:func:`close_talks`); an exchange ending
(:func:`end_contracts`); contracts moving onto or off their assets, the annuity split and
stranding (:func:`move_on_assets`, :func:`spread_annuity`, :func:`strand_assets`);
process changes (:func:`change_levels`) and fading (:func:`fade_pairs`).

The kernels do the numpy expressions' own IEEE operations in the same order (numba
without fast-math: no reassociation, no fused multiply-add) and sum a row as numpy's
``add.reduce`` does (:func:`pairwise_sum`), so their results are the numpy expressions
they replace bit for bit (``tests/test_kernels.py``, ``tests/test_mode_costs.py`` and
``tests/test_deal_path.py`` check each against its expression, ties of +0/-0 and NaN
included). The random draws stay
with numpy, in their order. Compiled functions are cached on disk (:func:`.compiled.kernel`, numba's
cache made safe for processes that compile at once): the first use in a fresh checkout
compiles them (a few seconds), later processes load them (a fraction of one).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .codes import IDLE
from .compiled import borrowing, kernel

__all__ = ["open_edge_ids", "refresh_inputs", "take_marked", "mark_changed", "cofund_shares", "cofund_one", "same_bits", "capped_months", "pairwise_sum",
           "seasonal_means", "seasonal_utilisation_of", "deal_terms", "discover", "first_in_groups", "edge_capex",
           "cheapest_modes", "route_asset_use", "deal_signs", "room_rounds", "price_deals", "free_volumes", "open_talks",
           "DEAL_ROWS", "DEAL_FLAGS"]


@kernel
def open_edge_ids(status, retry, tick, stream_edges, need, stream_ok, need_ok, cofund_wait,
                  available, sparse):  # pragma: no cover - compiled
    """Ids, ascending, of the edges ``e`` with ``status[e] == IDLE``, ``retry[e] <= tick``,
    ``stream_ok`` of its stream, ``need_ok[need[e]]`` and ``cofund_wait[e] != available``
    (NaN, not waiting, differs from any budget).

    Edges are sorted by stream: stream ``s``'s are ``stream_edges[s]`` up to
    ``stream_edges[s + 1]`` (``World.stream_edges``), so a stream that is not ok is
    skipped whole. ``stream_ok`` and ``need_ok`` hold what depends on the stream or need
    and its firm (open, and its firm able to talk). With ``sparse`` (few needs pass: the
    members' matches) an edge's other inputs are read only where its need passes.

    Examples
    --------
    Two streams with edges 0-1 and 2; edge 1 is negotiating, edge 2 waits until tick 9:

    >>> z = np.zeros(3, dtype=np.int64)
    >>> open_edge_ids(np.array([0, 1, 0], dtype=np.int8), np.array([0, 0, 9]), 5,
    ...               np.array([0, 2, 3]), z, np.ones(2, bool), np.ones(1, bool),
    ...               np.full(3, np.nan), 10.0, False)
    array([0])
    """
    out = np.empty(len(status), dtype=np.int64)
    k = 0
    for s in range(len(stream_ok)):
        if not stream_ok[s]:
            continue
        if sparse:
            for e in range(stream_edges[s], stream_edges[s + 1]):
                if need_ok[need[e]]:
                    out[k] = e
                    k += np.int64((status[e] == IDLE) & (retry[e] <= tick)
                                  & (cofund_wait[e] != available))
            continue
        for e in range(stream_edges[s], stream_edges[s + 1]):
            # without branches (& not `and`, a store every time): which edges pass is not
            # predictable, and a mispredicted branch costs more than the reads it saves
            ok = ((status[e] == IDLE) & (retry[e] <= tick) & need_ok[need[e]]
                  & (cofund_wait[e] != available))
            out[k] = e
            k += np.int64(ok)
    return out[:k]   # a view, not a copy: the ids live as long as the buffer


@njit(inline="always")
def _search_left(keys, value, lo, hi):  # pragma: no cover - compiled
    """The first position in ``keys[lo:hi]`` (sorted) whose key is not below ``value``."""
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if keys[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@borrowing
def _routed_row(e, routed):  # pragma: no cover - compiled
    """Row of edge ``e`` in ``routed`` (ascending), or -1 (``np.searchsorted`` there
    needs numba's runtime)."""
    j = _search_left(routed, e, 0, len(routed))
    return j if j < len(routed) and routed[j] == e else -1


@njit(inline="always")
def _capex_at(j, r, m, d, use, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
              routed_capex, routed_ok):  # pragma: no cover - compiled
    """Mode ``m``'s new capex of an edge of resource ``r`` over ``d`` km and whether the
    mode reaches it, as ``DealTerms``' table had them, operation for operation (``use``:
    1.0 where the need uses the resource as it comes, else 0.0); a routed edge (row
    ``j >= 0`` of the routes' rows) takes its row as given."""
    if j >= 0:
        return routed_capex[j, m], routed_ok[j, m]
    reach = max_distance[r, m]
    return ((capex_fixed[r, m] - heat_pump_capex[r, m] * use) + capex_per_km[r, m] * d,
            (reach > 0) & (d <= reach))


@njit(inline="always")
def _key_parts(key, n_class):  # pragma: no cover - compiled
    """An edge key's resource, risk row and ``use`` (see :func:`cheapest_modes`)."""
    risk = key >> 1
    return risk // (n_class * n_class), risk, 1.0 if key & 1 else 0.0


@kernel
def edge_capex(edges, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
               capex_per_km, max_distance, routed, routed_capex,
               routed_ok):  # pragma: no cover - compiled
    """New capex per mode of each of ``edges`` and whether each mode reaches it, shape
    ``(len(edges), modes)``: the catalogue's fixed capex (less the heat pump where the
    need uses the resource as it comes, :func:`.economics.direct_use_capex_fixed`) plus
    its cost per km x the route, and ``0 < distance <= max_distance``; an edge of
    ``routed`` (ascending) has its row in ``routed_capex`` / ``routed_ok`` (routes.py).
    ``edge_key`` gives each edge's resource and whether its need uses the resource as it
    comes (:func:`cheapest_modes`).

    Examples
    --------
    Resource 0, one class of firm, a need of direct use (key ``0 * 2 + 1``):

    >>> one = np.zeros(1, dtype=np.int64)
    >>> capex, ok = edge_capex(one, np.array([1]), 1, np.array([2.0]),
    ...     np.array([[1000.0, 0.0]]), np.array([[400.0, 0.0]]), np.array([[100.0, 0.0]]),
    ...     np.array([[5.0, 50.0]]), np.zeros(0, dtype=np.int64), np.zeros((0, 2)),
    ...     np.zeros((0, 2), dtype=np.bool_))
    >>> capex.tolist(), ok.tolist()
    ([[800.0, 0.0]], [[True, True]])
    """
    modes = capex_fixed.shape[1]
    capex = np.empty((len(edges), modes))
    ok = np.empty((len(edges), modes), dtype=np.bool_)
    for k in range(len(edges)):
        e = edges[k]
        r, _, use = _key_parts(edge_key[e], n_class)
        j, d = _routed_row(e, routed), distance[e]
        for m in range(modes):
            capex[k, m], ok[k, m] = _capex_at(j, r, m, d, use, capex_fixed, heat_pump_capex,
                                              capex_per_km, max_distance, routed_capex,
                                              routed_ok)
    return capex, ok


@njit(inline="always")
def _cheapest_mode(v, d, j, r, risk, use, served, no_pipe, pipe, modes, capex_fixed,
                   heat_pump_capex, capex_per_km, max_distance, routed_capex, routed_ok,
                   cost_per_unit_km, cost_per_unit, risk_annuity):  # pragma: no cover
    """One deal's cheapest feasible mode (:func:`cheapest_modes`' rule, for volume ``v``
    over distance ``d``; the mode ``served`` by the route's asset at no new capex; no
    ``pipe`` where ``no_pipe``): the mode, whether any is feasible, its transport and
    capex."""
    best, lowest, any_ok = 0, np.inf, False
    best_transport, best_capex = 0.0, 0.0
    for m in range(modes):
        c, ok = _capex_at(j, r, m, d, use, capex_fixed, heat_pump_capex, capex_per_km,
                          max_distance, routed_capex, routed_ok)
        if m == served:
            c = 0.0
        if m == pipe and no_pipe:
            ok = False
        t = v * d * cost_per_unit_km[r, m]
        t = t + v * cost_per_unit[r, m]
        yearly = t + risk_annuity[risk, m] * c if ok else np.inf
        any_ok = any_ok or ok
        # argmin: the first minimum, or the first NaN (numpy's rule)
        if m == 0 or (lowest == lowest and (yearly != yearly or yearly < lowest)):
            best, lowest, best_transport, best_capex = m, yearly, t, c
    return best, any_ok, best_transport, best_capex


@kernel
def cheapest_modes(edges, volume, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                   capex_per_km, max_distance, routed, routed_capex, routed_ok,
                   cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, asset_mode,
                   no_pipe, pipe):  # pragma: no cover - compiled
    """The cheapest feasible mode of each of ``edges`` and what it costs, in one pass:
    :func:`.economics.cheapest_mode` over the rows of :func:`edge_capex`, bit for bit.

    ``volume`` is the contract's per edge; a mode's yearly cost is its transport,
    ``volume x distance x cost_per_unit_km + volume x cost_per_unit`` of the edge's
    resource, plus its annuity factor x its capex, where the factor is the hazard-adjusted
    one of the edge's row of ``risk_annuity`` (:func:`.hazards.link_annuity_table`).
    An edge's key packs what its costs depend on besides its distance: ``edge_key = row
    x 2 + use``, with ``row = (resource x K + supplier's class) x K + receiver's class``
    (``K = n_class`` classes of firm) and ``use`` 1 where the need uses the resource as
    it comes (no heat pump). ``asset_mode[k] >= 0``: the route's asset serves that mode,
    at no new capex; ``no_pipe[k]``: mode ``pipe`` is not open (a trial).

    Returns ``mode`` (-1 where no mode is feasible), its ``transport``, ``capex``,
    ``feasible``, its risk annuity factor ``factor`` and its plain annuity factor
    ``booked`` (``plain_annuity[resource, mode]``), the last four 0 where infeasible.

    Examples
    --------
    Mode 0 costs 1 EUR/unit-km and no capex; mode 1 costs 0.5 EUR/unit-km and 1,200 of
    capex at 0.1 a year (:func:`.economics.cheapest_mode`'s example); without mode 1:

    >>> z = np.zeros(1, dtype=np.int64)
    >>> args = (z, 1, np.array([2.0]), np.array([[0.0, 1000.0]]), np.zeros((1, 2)),
    ...         np.array([[0.0, 100.0]]), np.array([[50.0, 5.0]]), np.zeros(0, np.int64),
    ...         np.zeros((0, 2)), np.zeros((0, 2), np.bool_), np.array([[1.0, 0.5]]),
    ...         np.zeros((1, 2)), np.full((1, 2), 0.1), np.ones((1, 2)), np.array([-1]))
    >>> out = cheapest_modes(z, np.array([1000.0]), *args, np.array([False]), 1)
    >>> [float(x[0]) for x in out]
    [1.0, 1000.0, 1200.0, 1.0, 0.1, 1.0]
    >>> int(cheapest_modes(z, np.array([1000.0]), *args, np.array([True]), 1)[0][0])
    0
    """
    n, modes = len(edges), capex_fixed.shape[1]
    mode = np.empty(n, dtype=np.int64)
    transport = np.empty(n)
    capex = np.empty(n)
    feasible = np.empty(n, dtype=np.bool_)
    factor = np.empty(n)
    booked = np.empty(n)
    for k in range(n):
        e = edges[k]
        r, risk, use = _key_parts(edge_key[e], n_class)
        best, any_ok, best_transport, best_capex = _cheapest_mode(
            volume[k], distance[e], _routed_row(e, routed), r, risk, use, asset_mode[k],
            no_pipe[k], pipe, modes, capex_fixed, heat_pump_capex, capex_per_km,
            max_distance, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
            risk_annuity)
        feasible[k] = any_ok
        if any_ok:
            mode[k], transport[k], capex[k] = best, best_transport, best_capex
            factor[k], booked[k] = risk_annuity[risk, best], plain_annuity[r, best]
        else:
            mode[k], transport[k], capex[k], factor[k], booked[k] = -1, 0.0, 0.0, 0.0, 0.0
    return mode, transport, capex, feasible, factor, booked


@kernel
def route_asset_use(edges, volume, season, season_row, tick, edge_route, route_asset, until,
                    edge_user, load, capacity, paid_off, annuity, asset_volume,
                    slack):  # pragma: no cover - compiled
    """The live asset of each edge's route, whether the edge's contract may run on it and
    the yearly share of its annuity it would pay, in one pass: what
    :meth:`.assets.AssetBook.live` and the numpy rule of
    :meth:`.assets.AssetBook.reusable` compute, operation for operation.

    An asset is live where its route's last asset (``route_asset[edge_route[e]]``) exists
    and ``until > tick``. The edge's own contract (``edge_user[e]``) may use it at no
    share; another fits where ``load + volume x season <= capacity x slack`` in every
    month (``season[season_row[k]]``) and pays ``annuity x volume / max(volume in
    service + volume, 1e-300)`` (0 once the asset is paid off).

    Returns ``ids`` (-1: no live asset), ``usable`` and ``share`` (0 where not usable or
    own).

    Examples
    --------
    One asset (capacity 100 a year, 60 in service, annuity 900) on route 0 of edges 0
    and 1; edge 1's 30 fits and pays 900 x 30 / 90, edge 0 runs on it already:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> ids, ok, share = route_asset_use(
    ...     i(1, 0), np.array([30.0, 80.0]), np.ones((1, 12)), i(0, 0), 5, i(0, 0), i(0),
    ...     i(9), i(0, -1), np.full((1, 12), 60.0), np.array([100.0]), np.array([False]),
    ...     np.array([900.0]), np.array([60.0]), 1.0)
    >>> ids.tolist(), ok.tolist(), share.tolist()
    ([0, 0], [True, True], [300.0, 0.0])
    """
    n, months = len(edges), season.shape[1]
    ids = np.empty(n, dtype=np.int64)
    usable = np.zeros(n, dtype=np.bool_)
    share = np.zeros(n)
    for k in range(n):
        e = edges[k]
        a = route_asset[edge_route[e]]
        if a < 0 or not until[a] > tick:
            ids[k] = -1
            continue
        ids[k] = a
        own = edge_user[e] == a
        v, cap, row = volume[k], capacity[a] * slack, season_row[k]
        fits = True
        for m in range(months):   # np.all(load + volume x season <= cap): NaN fails
            if not load[a, m] + v * season[row, m] <= cap:
                fits = False
                break
        usable[k] = own or fits
        if fits and not own:
            due = 0.0 if paid_off[a] else annuity[a]
            total = asset_volume[a] + v   # np.maximum(total, 1e-300): NaN stays NaN
            share[k] = due * v / (total if total != total or total >= 1e-300 else 1e-300)
    return ids, usable, share


@kernel
def deal_signs(edges, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust, holdup,
               mode, own_capex, receiver_gain, owned_from, tick, trial, pipe,
               mobile_specificity, payback_years, weight, trial_share):  # pragma: no cover
    """Whether both sides of each deal trust each other enough to sign, in one pass: the
    thresholds of :mod:`.holdup` and :func:`.negotiation.can_sign` as
    ``DealTerms._signs`` combines them, operation for operation.

    Each side needs its base ``min_trust``; with ``holdup`` the receiver needs
    ``clip(base + weight x specificity, 0, 1)`` more, where the specificity is its
    dedicated capex (all of a ``pipe``'s own capex, ``mobile_specificity`` of another
    mode's) against ``payback_years`` x its gain (0 where the two firms have one owner
    from ``owned_from <= tick``); a ``trial`` needs ``trial_share`` of each base.

    Examples
    --------
    A pipe of 5e5 against a gain of 1e5 over 5 years: specificity 0.5, the receiver
    needs 0.4 + 0.4 x 0.5 = 0.6 and trusts 0.5 (no); as a trial it needs 0.2:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> args = (i(0), i(0), i(1), np.array([0.4, 0.4]), i(0), i(1), np.array([0.9, 0.5]),
    ...         True, i(0), np.array([5e5]), np.array([1e5]), i(-1), 3)
    >>> deal_signs(*args, np.array([False]), 0, 0.25, 5.0, 0.4, 0.5).tolist()
    [False]
    >>> deal_signs(*args, np.array([True]), 0, 0.25, 5.0, 0.4, 0.5).tolist()
    [True]
    """
    n = len(edges)
    out = np.empty(n, dtype=np.bool_)
    for k in range(n):
        e = edges[k]
        need_sup, need_rec = min_trust[supplier[e]], min_trust[receiver[e]]
        if trial[k]:
            need_sup, need_rec = trial_share * need_sup, trial_share * need_rec
        elif holdup:
            c = own_capex[k]
            sunk = c if mode[k] == pipe else mobile_specificity * c
            g = receiver_gain[k]
            g = g if g >= 0.0 or g != g else 0.0   # np.maximum(gain, 0.0)
            stake = sunk + payback_years * g
            spec = sunk / (stake if stake > 0 else 1.0) if sunk > 0 else 0.0
            if owned_from[e] >= 0 and owned_from[e] <= tick:   # one owner: no hold-up
                spec = 0.0
            need = need_rec + weight * spec
            if need == need:   # np.clip(need, 0, 1): NaN stays NaN
                need = 0.0 if need < 0.0 else (1.0 if need > 1.0 else need)
            need_rec = need
        out[k] = (pair_trust[slot_sr[e]] >= need_sup) & (pair_trust[slot_rs[e]] >= need_rec)
    return out


@kernel
def room_rounds(supplier, receiver, room, rounds):  # pragma: no cover - compiled
    """Which talks (in priority order, firms ``supplier[k]`` and ``receiver[k]``) open
    within each firm's ``room``, in up to ``rounds`` rounds: what
    :func:`.negotiation.within_room` computes with :func:`.search.first_per_group`.

    In a round each talk not yet chosen takes the next place at its supplier, then at its
    receiver (a firm's talks in priority order, its supplier place first); it is chosen
    where both places are within what is left of the firms' rooms. The chosen talks' places
    are then taken, and the next round offers what the dropped ones freed.

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> room_rounds(i(1, 0, 2), i(0, 1, 3), i(2, 1, 1, 1), 4).tolist()
    [True, False, True]
    """
    n = len(supplier)
    left = room.copy()
    used = np.zeros(len(room), dtype=np.int64)
    chosen = np.zeros(n, dtype=np.bool_)
    keep = np.zeros(n, dtype=np.bool_)
    for _ in range(rounds):
        todo, kept = False, False
        for k in range(n):
            keep[k] = False
            if chosen[k]:
                continue
            todo = True
            s, r = supplier[k], receiver[k]
            at_s = used[s]
            used[s] += 1
            at_r = used[r]
            used[r] += 1
            if at_s < left[s] and at_r < left[r]:
                keep[k] = kept = True
        for k in range(n):   # the places counted this round, back to none
            used[supplier[k]] = 0
            used[receiver[k]] = 0
        if not todo or not kept:
            break
        for k in range(n):
            if keep[k]:
                chosen[k] = True
                left[supplier[k]] -= 1
                left[receiver[k]] -= 1
    return chosen


@njit(inline="always")
def same_bits(a: float, b: float) -> bool:  # pragma: no cover - compiled
    """Whether two floats have the same bits, for values without NaN payloads: equal and,
    if zero, of the same sign; two NaNs count as the same."""
    if a != a or b != b:
        return a != a and b != b
    return a == b and (a != 0.0 or math.copysign(1.0, a) == math.copysign(1.0, b))


@njit(inline="always")
def _free_volume(si, ni, stream_volume, stream_level, stream_made, stream_committed,
                 need_volume, need_level, need_committed):  # pragma: no cover - compiled
    """A deal's free volume (the smaller of its stream's and its need's, as
    ``np.minimum(stream_free, need_free)``) and its need's free volume (room)."""
    sf = stream_volume[si] * stream_level[si] * stream_made[si] - stream_committed[si]
    room = need_volume[ni] * need_level[ni] - need_committed[ni]
    # np.minimum(sf, room): a NaN wins, else the smaller, the second on a tie (+-0)
    return (sf if sf != sf or sf < room else room), room


@kernel
def refresh_inputs(edges, stream, need, stream_volume, stream_level, stream_made,
                   stream_committed, need_volume, need_level, need_committed, trust, slot_sr,
                   slot_rs, asset_key, seen):  # pragma: no cover - compiled
    """Which of ``edges`` have a remembered surplus whose inputs changed; their new inputs
    are written into ``seen`` (one row per edge, one column per input).

    An edge's inputs are its free volume (the smaller of its stream's and its need's free
    volume: ``DealTerms.stream_free`` and ``need_free``, from their terms, for the streams
    and needs of ``edges`` only), both trusts, the state of its route's asset (``asset_key``, one float per edge of
    ``edges``: ``AssetBook.state_key``) and its need's free volume, in that order: an
    edge's five in one row, read together. Returns a boolean mask over ``edges``.

    Examples
    --------
    >>> i, f, z = np.zeros(1, dtype=np.int64), np.ones(1), np.zeros(1)
    >>> free = (f, f, f, z, f, f, z)   # stream: volume, level, made, committed; need: ...
    >>> seen = np.full((1, 5), np.nan)
    >>> refresh_inputs(i, i, i, *free, f, i, i, np.full(1, -1.0), seen)
    array([ True])
    >>> refresh_inputs(i, i, i, *free, f, i, i, np.full(1, -1.0), seen), seen[:, 3]
    (array([False]), array([-1.]))
    """
    stale = np.zeros(len(edges), dtype=np.bool_)
    for k in range(np.uint64(len(edges))):   # (unsigned: see open_edges_split)
        e = np.uint64(edges[k])
        volume, room = _free_volume(np.uint64(stream[e]), np.uint64(need[e]), stream_volume,
                                    stream_level, stream_made, stream_committed,
                                    need_volume, need_level, need_committed)
        t_sr, t_rs = trust[np.uint64(slot_sr[e])], trust[np.uint64(slot_rs[e])]
        live = asset_key[k]
        if not (same_bits(seen[e, 0], volume) and same_bits(seen[e, 1], t_sr)
                and same_bits(seen[e, 2], t_rs) and same_bits(seen[e, 3], live)
                and same_bits(seen[e, 4], room)):
            stale[k] = True
            seen[e, 0], seen[e, 1], seen[e, 2] = volume, t_sr, t_rs
            seen[e, 3], seen[e, 4] = live, room
    return stale


@kernel
def take_marked(edges, marks, stream_marks):  # pragma: no cover - compiled
    """The ``edges`` marked in ``marks`` or ``stream_marks`` (ascending as given), and
    which of them ``marks`` holds; their marks are cleared.

    Examples
    --------
    >>> marks, by_stream = np.array([True, False, False]), np.array([False, True, False])
    >>> asked, moved = take_marked(np.array([0, 1, 2]), marks, by_stream)
    >>> asked.tolist(), moved.tolist(), bool(marks.any() or by_stream.any())
    ([0, 1], [True, False], False)
    """
    asked = np.empty(len(edges), dtype=np.int64)
    moved = np.empty(len(edges), dtype=np.bool_)
    k = 0
    for e in edges:
        if marks[e] or stream_marks[e]:
            asked[k], moved[k] = e, marks[e]
            marks[e] = stream_marks[e] = False
            k += 1
    return asked[:k], moved[:k]


@kernel
def mark_changed(items, now, seen, starts, members, dirty):  # pragma: no cover - compiled
    """Mark ``dirty`` the edges of every item whose value changed since it was last seen.

    ``now`` holds the items' values as bits (a float array viewed as ``int64``: any
    change of a float, its sign of zero included, is a change of its bits), ``items`` the
    item of each (empty: ``now`` holds every item in order). An item ``i`` whose bits
    differ from ``seen[i]`` is written into ``seen`` and its edges are marked: the edges
    ``members[starts[i]:starts[i + 1]]``, or ``starts[i]`` up to ``starts[i + 1]``
    themselves when ``members`` is empty (edges sorted by item), or edge ``i`` itself when
    ``starts`` is empty. Returns the number of items that changed.

    Examples
    --------
    Items 0 and 1 own edges [2] and [0, 1]; item 1 changes:

    >>> seen, dirty = np.array([5, 7]), np.zeros(3, dtype=np.bool_)
    >>> starts, members = np.array([0, 1, 3]), np.array([2, 0, 1], dtype=np.int32)
    >>> none = np.zeros(0, dtype=np.int64)
    >>> mark_changed(none, np.array([5, 8]), seen, starts, members, dirty), dirty.tolist()
    (1, [True, True, False])
    >>> seen.tolist()
    [5, 8]
    """
    changed = 0
    n = len(items) if len(items) else len(now)
    for k in range(n):
        i = items[k] if len(items) else k
        if now[k] == seen[i]:
            continue
        seen[i] = now[k]
        changed += 1
        if len(starts) == 0:
            dirty[i] = True
        elif len(members) == 0:
            dirty[starts[i]:starts[i + 1]] = True
        else:
            for j in range(starts[i], starts[i + 1]):
                dirty[members[j]] = True
    return changed


@kernel
def cofund_shares(surplus_without, annual_capex, capex, cofund_share,
                  budget):  # pragma: no cover - compiled
    """The co-funding rule (:mod:`.cofunding`) in one pass over the deals, in order: a
    deal gets ``cofund_share`` if it is additional (``surplus_without <= 0 <
    surplus_without + gain``, with ``gain = annual_capex x cofund_share > 0``) and its
    ``cofund_share x capex`` fits what is left of ``budget`` (then taken from it).

    Examples
    --------
    >>> cofund_shares(np.array([-5.0, 3.0, -1.0, -2.0]), np.array([20.0, 20.0, 1.0, 20.0]),
    ...               np.array([40.0, 40.0, 40.0, 50.0]), 0.5, 30.0).tolist()
    [0.5, 0.0, 0.0, 0.0]
    """
    share = np.zeros(len(surplus_without))
    left = budget
    for k in range(len(surplus_without)):
        share[k], left = cofund_one(surplus_without[k], annual_capex[k], capex[k],
                                    cofund_share, left)
    return share


@kernel
def cofund_one(surplus_without, annual_capex, capex, cofund_share,
               left):  # pragma: no cover - compiled
    """The co-funding rule for one deal (:func:`cofund_shares`, deal by deal): its share
    and what is left of the budget after it.

    Examples
    --------
    >>> cofund_one(-5.0, 20.0, 40.0, 0.5, 30.0)
    (0.5, 10.0)
    >>> cofund_one(-5.0, 20.0, 40.0, 0.5, 10.0)   # the cost does not fit
    (0.0, 10.0)
    """
    if not surplus_without <= 0:
        return 0.0, left
    gain = annual_capex * cofund_share
    if not (surplus_without + gain > 0 and gain > 0):
        return 0.0, left
    cost = cofund_share * capex
    if cost <= left:
        return cofund_share, left - cost
    return 0.0, left


@kernel
def capped_months(stream_season, need_season, stream, need, room):  # pragma: no cover
    """``np.minimum(stream_season[stream], need_season[need] * room[:, None])``, without
    the two gathered ``(len(stream), 12)`` temporaries (np.minimum's NaN rule kept)."""
    months = stream_season.shape[1]
    out = np.empty((len(stream), months))
    for k in range(len(stream)):
        s, n, r = stream[k], need[k], room[k]
        for m in range(months):
            a, b = stream_season[s, m], need_season[n, m] * r
            # np.minimum(a, b): a NaN wins, else the smaller, the second on a tie (+-0)
            out[k, m] = a if a != a or a < b else b
    return out


@njit(inline="always")
def pairwise_sum(values, n):  # pragma: no cover - compiled
    """The sum of ``values[:n]`` (``n <= 128``) in the order of numpy's ``add.reduce``
    over a contiguous row: from its identity 0, plus the row's pairwise sum
    (:func:`block_sum`), so it is ``values[:n].sum()`` bit for bit."""
    return 0.0 + block_sum(values, 0, n)


@njit(inline="always")
def block_sum(a, lo, n):  # pragma: no cover - compiled
    """numpy's pairwise sum of ``a[lo:lo + n]``, ``n <= 128`` (its ``pairwise_sum``,
    loops_utils.h): in order below 8 items, else eight running sums of every eighth
    value, added in pairs, then the rest one by one."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        j = lo + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@kernel
def seasonal_means(stream_season, need_season, stream, need, room):  # pragma: no cover
    """The yearly mean of each row of :func:`capped_months`, summed as numpy sums a row
    (:func:`pairwise_sum`), without the ``(len(stream), months)`` array."""
    months = stream_season.shape[1]
    out = np.empty(len(stream))
    row = np.empty(months)
    for k in range(len(stream)):
        s, n, r = stream[k], need[k], room[k]
        for m in range(months):
            a, b = stream_season[s, m], need_season[n, m] * r
            row[m] = a if a != a or a < b else b   # np.minimum, as capped_months
        out[k] = pairwise_sum(row, months) / months
    return out


def seasonal_utilisation_of(stream_season: np.ndarray, need_season: np.ndarray,
                            stream: np.ndarray, need: np.ndarray,
                            room: np.ndarray) -> np.ndarray:
    """:func:`.economics.seasonal_utilisation` of ``stream_season[stream]`` and
    ``need_season[need]`` at ``room``, bit for bit: the capped profile and its yearly
    mean in one compiled pass, summed in numpy's own order (:func:`pairwise_sum`; a
    profile of more than 128 months, which numpy sums by halves, goes by numpy itself).

    Examples
    --------
    >>> from symbiosis_abm.economics import seasonal_utilisation
    >>> season = np.array([[1.0] * 12, [0.0] * 6 + [2.0] * 6, [1.5] * 6 + [0.5] * 6])
    >>> i, j, room = np.array([0, 1, 1]), np.array([2, 2, 0]), np.array([1.0, 4.0, 1.0])
    >>> seasonal_utilisation_of(season, season, i, j, room).tolist()
    [0.75, 1.0, 0.5]
    >>> bool((seasonal_utilisation(season[i], season[j], room)
    ...       == seasonal_utilisation_of(season, season, i, j, room)).all())
    True
    """
    room = np.asarray(room, dtype=float)
    if stream_season.shape[1] <= 128:
        return seasonal_means(stream_season, need_season, stream, need, room)
    monthly = capped_months(stream_season, need_season, stream, need, room)
    return monthly.sum(axis=1) / monthly.shape[1]


@kernel
def deal_terms(edges, stream, need, volume, held, cofund, trial, trust_value, slot_sr, slot_rs,
               pair_trust, need_committed, need_volume, stream_season, need_season, virgin,
               disposal, capital, need_firm, transport, capex, factor, booked, half_cost,
               trial_share, distrust, beta):  # pragma: no cover - compiled
    """The expected yearly terms of deals ``edges`` (stream ``stream[k]``, need
    ``need[k]``) at the chosen mode's ``transport``, ``capex`` and annuity ``factor``,
    element for element what ``DealTerms.expected_terms`` computes in numpy, operation for
    operation: the need's room (:func:`.economics.need_room`, ``held``: what the edge's
    own contract holds of the need), the seasonal utilisation
    (:func:`seasonal_means`), each side's transaction cost
    (:func:`.economics.transaction_cost`: ``half_cost``, scaled by ``trial_share`` for a
    ``trial``, at its trust: the pair store's, or ``trust_value`` where that is not NaN)
    and :func:`.economics.evaluate` with a ``cofund`` share of capex paid.

    Returns the eight fields of :class:`.economics.ExchangeTerms` in their order, then
    ``utilisation``, ``own_capex``, ``affordable`` (``own_capex <= capital`` of the need's
    firm) and the booked annuity (``booked x own_capex``).
    """
    n, months = len(edges), stream_season.shape[1]
    surplus, supplier_gain, receiver_gain = np.empty(n), np.empty(n), np.empty(n)
    payment, moved, annual, tc_sup, tc_rec = (np.empty(n), np.empty(n), np.empty(n),
                                              np.empty(n), np.empty(n))
    utilisation, own_capex, booked_annuity = np.empty(n), np.empty(n), np.empty(n)
    affordable = np.empty(n, dtype=np.bool_)
    row = np.empty(months)
    given = trust_value == trust_value
    # the trusts first, in a tight loop of their own: scattered reads overlap there (the
    # long loop below would wait for each)
    trust_sr, trust_rs = np.empty(n), np.empty(n)
    for k in range(n):
        e = edges[k]
        trust_sr[k] = trust_value if given else pair_trust[slot_sr[e]]
        trust_rs[k] = trust_value if given else pair_trust[slot_rs[e]]
    for k in range(n):
        si, ni, v = stream[k], need[k], volume[k]
        # need_room: np.maximum(other, 0.0) + volume; a zero's sign there never shows
        other = need_committed[ni] - held[k]
        total = (other if other != other or other >= 0.0 else 0.0) + v
        room = need_volume[ni] / total if total > 0 else 1.0
        room = room if room != room or room >= 1.0 else 1.0   # np.maximum(room, 1.0)
        for m in range(months):
            a, b = stream_season[si, m], need_season[ni, m] * room
            row[m] = a if a != a or a < b else b
        u = pairwise_sum(row, months) / months
        half = half_cost * (trial_share if trial[k] else 1.0)
        c_sup = half * (1.0 + distrust * (1.0 - trust_sr[k]))
        c_rec = half * (1.0 + distrust * (1.0 - trust_rs[k]))
        # evaluate
        delivered = v * u
        avoided_virgin = delivered * virgin[ni]
        avoided_disposal = delivered * disposal[si]
        carried = transport[k] * u
        paid = 1.0 - cofund[k]
        capex_year = factor[k] * capex[k] * paid
        s_ = avoided_virgin + avoided_disposal - carried - capex_year - c_sup - c_rec
        gain = beta * s_
        surplus[k], supplier_gain[k], receiver_gain[k] = s_, gain, s_ - gain
        payment[k] = beta * s_ - avoided_disposal + c_sup
        moved[k], annual[k], tc_sup[k], tc_rec[k] = carried, capex_year, c_sup, c_rec
        utilisation[k] = u
        own = capex[k] * paid
        own_capex[k], affordable[k] = own, own <= capital[need_firm[ni]]
        booked_annuity[k] = booked[k] * own
    return (surplus, supplier_gain, receiver_gain, payment, moved, annual, tc_sup, tc_rec,
            utilisation, own_capex, affordable, booked_annuity)


@kernel
def discover(edges, slot_sr, slot_rs, aware, chance, find_draw, side_draw, supplier,
             receiver):  # pragma: no cover - compiled
    """Discovery over the open ``edges``, in place on ``aware`` (by pair slot).

    An edge neither side of which knows the other is found where ``find_draw <
    chance[edge]``, by the supplier where ``side_draw < 0.5``, else by the receiver
    (who then knows the other). Returns the edges one side knows now and, for each,
    the evaluator: the supplier if it knows the receiver, else the receiver.

    Examples
    --------
    >>> e, one = np.array([0, 1]), np.ones(2)
    >>> aware = np.array([False, False, True, False])
    >>> discover(e, np.array([0, 2]), np.array([1, 3]), aware, one, np.array([0.5, 0.5]),
    ...          np.array([0.7, 0.1]), np.array([10, 11]), np.array([20, 21]))
    (array([0, 1]), array([20, 11]))
    >>> aware.tolist()
    [False, True, True, False]
    """
    n = len(edges)
    kept = np.empty(n, dtype=edges.dtype)
    kept_sr = np.empty(n, dtype=slot_sr.dtype)   # the kept edge's supplier -> receiver slot
    finds = np.empty(n, dtype=slot_sr.dtype)     # slots that learn of the other this tick
    n_kept = n_found = 0
    for k in range(np.uint64(n)):   # (unsigned: see open_edges_split)
        # who knew whom before this tick's finds: the finds are written after the pass
        e = np.uint64(edges[k])
        sr, rs = np.uint64(slot_sr[e]), np.uint64(slot_rs[e])
        if aware[sr] or aware[rs]:
            kept[n_kept], kept_sr[n_kept] = e, sr
            n_kept += 1
        elif find_draw[k] < chance[e]:
            finds[n_found] = sr if side_draw[k] < 0.5 else rs
            n_found += 1
            kept[n_kept], kept_sr[n_kept] = e, sr
            n_kept += 1
    for i in range(n_found):
        aware[finds[i]] = True
    evaluator = np.empty(n_kept, dtype=supplier.dtype)
    for k in range(n_kept):   # after all finds: a pair's slot may serve several edges
        e = np.uint64(kept[k])
        evaluator[k] = supplier[e] if aware[np.uint64(kept_sr[k])] else receiver[e]
    return kept[:n_kept], evaluator   # a view (as open_edge_ids)


@kernel
def first_in_groups(group, key, limit):  # pragma: no cover - compiled
    """Mask of the first ``limit[g]`` items of each group ``g`` in ``key`` order, ties in
    the items' order (:func:`.search.first_per_group`; ``group`` values index ``limit``).

    Items are bucketed by group in one pass; only a group with more items than its limit
    is sorted (stably), and none where the keys ascend in the items' order already, so
    the cost is linear plus the sorts of the crowded groups.

    Examples
    --------
    >>> first_in_groups(np.array([0, 0, 0, 1]), np.array([3.0, 1.0, 2.0, 0.0]),
    ...                 np.array([2, 0])).tolist()
    [False, True, True, False]
    """
    n, g_count = len(group), len(limit)
    start = np.zeros(g_count + 1, dtype=np.int64)
    for i in range(n):
        start[group[i] + 1] += 1
    for g in range(g_count):
        start[g + 1] += start[g]
    fill = start[:-1].copy()
    members = np.empty(n, dtype=np.int64)   # item ids by group, in their order
    for i in range(n):
        g = group[i]
        members[fill[g]] = i
        fill[g] += 1
    # keys already ascending in the items' order (a rank): every group is in key order
    ordered = True
    for i in range(1, n):
        if not key[i] >= key[i - 1]:   # (a NaN counts as out of order)
            ordered = False
            break
    mask = np.zeros(n, dtype=np.bool_)
    for g in range(g_count):
        lo, hi, cap = start[g], start[g + 1], limit[g]
        if hi - lo <= cap or ordered:
            for j in range(lo, lo + min(hi - lo, max(cap, 0))):
                mask[members[j]] = True
        elif cap > 0:
            items = members[lo:hi]
            order = _stable_order(key[items])
            for j in range(cap):
                mask[items[order[j]]] = True
    return mask


@kernel
def _stable_order(keys):  # pragma: no cover - compiled
    """``np.argsort(keys, kind="stable")`` for keys without NaN: :func:`_lexsorted`'s
    bottom-up merge sort on the one key (numba's own stable argsort takes seconds to
    compile, this a fraction of one).

    Examples
    --------
    >>> _stable_order(np.array([2.0, 1.0, 2.0, 0.5, 1.0])).tolist()
    [3, 1, 4, 0, 2]
    """
    return _lexsorted(np.arange(len(keys)), keys, keys)


#: the float rows :func:`price_deals` writes, in order: the eight fields of
#: :class:`.economics.ExchangeTerms`, then what ``DealTerms.expected_terms`` gives in its
#: info (``transport_full`` is the mode's transport of the full volume, info's
#: ``"transport"``) and the route asset's annuity share the deal would pay (``route_share``)
DEAL_ROWS = ("surplus", "supplier_gain", "receiver_gain", "payment", "transport", "annuity",
             "tc_supplier", "tc_receiver", "utilisation", "own_capex", "booked_annuity",
             "capex", "transport_full", "annuity_factor", "volume", "route_share")
#: the flag rows of :func:`price_deals`, in order
DEAL_FLAGS = ("feasible", "affordable", "trial")


@njit(inline="always")
def _one_or_each(values, k):  # pragma: no cover - compiled
    """``values[k]``, or its only value (one for all deals)."""
    return values[0] if len(values) == 1 else values[k]


@kernel
def _edge_rows(edges, edge_stream, edge_need, edge_route, edge_user, edge_key, distance,
               slot_sr, slot_rs, routed, routed_capex, routed_ok):  # pragma: no cover
    """What :func:`price_deals` reads of each of ``edges``' own rows, gathered (by the
    deal's place): stream, need, route, the route asset it uses, key, distance, pair
    slots, and the routes' rows of the routed ones (``routed_at``: their places,
    ascending, as :func:`cheapest_modes` looks them up)."""
    n = len(edges)
    stream, need = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    route, user = np.empty(n, dtype=edge_route.dtype), np.empty(n, dtype=edge_user.dtype)
    key, dist = np.empty(n, dtype=edge_key.dtype), np.empty(n)
    sr, rs = np.empty(n, dtype=slot_sr.dtype), np.empty(n, dtype=slot_rs.dtype)
    for k in range(n):
        e = edges[k]
        stream[k], need[k], route[k], user[k] = edge_stream[e], edge_need[e], edge_route[e], edge_user[e]
        key[k], dist[k], sr[k], rs[k] = edge_key[e], distance[e], slot_sr[e], slot_rs[e]
    row_of = np.empty(n, dtype=np.int64)
    m = 0
    for k in range(n):
        row_of[k] = _routed_row(edges[k], routed)
        m += row_of[k] >= 0
    routed_at = np.empty(m, dtype=np.int64)
    capex = np.empty((m, routed_capex.shape[1]))
    ok = np.empty((m, routed_ok.shape[1]), dtype=np.bool_)
    i = 0
    for k in range(n):
        if row_of[k] >= 0:
            routed_at[i], capex[i], ok[i] = k, routed_capex[row_of[k]], routed_ok[row_of[k]]
            i += 1
    return stream, need, route, user, key, dist, sr, rs, routed_at, capex, ok


@kernel
def _need_rows(need, need_volume, need_level, need_committed, virgin, capital, need_firm,
               need_season):  # pragma: no cover - compiled
    """What :func:`price_deals` reads of each deal's need (``need``: one per deal),
    gathered by the deal's place: volume, level (none where ``need_level`` is empty: not
    read), committed volume, virgin price, its firm's capital and seasonal profile."""
    n, months = len(need), need_season.shape[1]
    volume, level, committed = np.empty(n), np.empty(n), np.empty(n)
    price, funds, season = np.empty(n), np.empty(n), np.empty((n, months))
    levels = len(need_level) > 0
    for k in range(n):
        i = need[k]
        volume[k], committed[k] = need_volume[i], need_committed[i]
        level[k] = need_level[i] if levels else 0.0
        price[k], funds[k] = virgin[i], capital[need_firm[i]]
        for m in range(months):
            season[k, m] = need_season[i, m]
    return volume, level, committed, price, funds, season


@kernel
def _stream_rows(stream, stream_volume, stream_level, stream_made, stream_committed,
                 disposal, stream_season):  # pragma: no cover - compiled
    """What :func:`price_deals` reads of each deal's stream (``stream``: one per deal),
    gathered by the deal's place: volume, level, made share, committed volume (none where
    ``stream_level`` is empty: not read), disposal cost and seasonal profile."""
    n, months = len(stream), stream_season.shape[1]
    volume, level, made, committed = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    cost, season = np.empty(n), np.empty((n, months))
    levels = len(stream_level) > 0
    for k in range(n):
        i = stream[k]
        if levels:
            volume[k], level[k] = stream_volume[i], stream_level[i]
            made[k], committed[k] = stream_made[i], stream_committed[i]
        else:
            volume[k] = level[k] = made[k] = committed[k] = 0.0
        cost[k] = disposal[i]
        for m in range(months):
            season[k, m] = stream_season[i, m]
    return volume, level, made, committed, cost, season


@kernel
def price_deals(edges, volume, held, cofund, trial, trust_value, edge_stream, edge_need,
                stream_volume, stream_level, stream_made, stream_committed, need_level,
                need_volume, need_committed, tick, edge_route, route_asset, until, edge_user,
                load, capacity, paid_off, asset_annuity, asset_volume, slack, asset_mode,
                edge_key, n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
                max_distance, routed, routed_capex, routed_ok, cost_per_unit_km,
                cost_per_unit, risk_annuity, plain_annuity, pipe, slot_sr, slot_rs,
                pair_trust, stream_season, need_season, virgin, disposal, capital, need_firm,
                half_cost, trial_share, distrust, beta, out, mode,
                flags):  # pragma: no cover - compiled
    """Deals ``edges`` priced in one pass (``DealTerms.expected_terms``): their free
    volume where ``volume`` is empty (:func:`_free_volume`), the route's asset they may
    use (:func:`route_asset_use`, whose ``asset_mode`` serves at no new capex), the
    cheapest mode (:func:`cheapest_modes`), the terms (:func:`deal_terms`), a share of
    a joined asset's annuity charged as :func:`.assets.charge_share` does (to every deal
    of the batch where any deal has a share: the same bits), and ``-inf`` surplus where
    no mode is feasible. ``volume``, ``held``, ``cofund`` and ``trial`` have one value
    per deal or one for all; with a ``volume`` given, ``stream_volume`` to ``need_level``
    (what only the free volume reads) are not read and may be empty.

    Writes the rows :data:`DEAL_ROWS` of ``out``, each deal's ``mode`` and the rows
    :data:`DEAL_FLAGS` of ``flags``: nothing is returned, so no array is boxed (a
    call prices a few deals, hundreds of times a run).
    """
    n = len(edges)
    # the deals' scattered rows gathered first, in tight loops whose reads overlap (the
    # long passes below would wait for each, and a broker's few thousand stale edges of
    # some 250,000 are mostly out of cache by then); the passes read them by the deal's
    # place ``at``: the same values, so the same bits
    at = np.arange(n)
    (stream, need, route, user, key, dist, sr, rs, routed_at, routed_capex_, routed_ok_
     ) = _edge_rows(edges, edge_stream, edge_need, edge_route, edge_user, edge_key, distance,
                    slot_sr, slot_rs, routed, routed_capex, routed_ok)
    room_volume, room_level, room_committed, virgin_, capital_, need_season_ = _need_rows(
        need, need_volume, need_level, need_committed, virgin, capital, need_firm,
        need_season)
    made_volume, made_level, made_share, made_committed, disposal_, stream_season_ = (
        _stream_rows(stream, stream_volume, stream_level, stream_made, stream_committed,
                     disposal, stream_season))
    held_, cofund_ = np.empty(n), np.empty(n)
    trial_ = np.empty(n, dtype=np.bool_)
    given = len(volume) > 0
    volume_ = np.empty(n)
    for k in range(n):
        held_[k], cofund_[k] = _one_or_each(held, k), _one_or_each(cofund, k)
        trial_[k] = _one_or_each(trial, k)
        volume_[k] = _one_or_each(volume, k) if given else _free_volume(
            k, k, made_volume, made_level, made_share, made_committed, room_volume,
            room_level, room_committed)[0]
    ids, usable, share = route_asset_use(at, volume_, stream_season_, at, tick, route,
                                         route_asset, until, user, load, capacity, paid_off,
                                         asset_annuity, asset_volume, slack)
    served = np.empty(n, dtype=np.int64)
    charged = False
    for k in range(n):
        served[k] = asset_mode[ids[k]] if usable[k] else -1
        charged = charged or share[k] != 0.0   # share.any(): a NaN counts
    chosen, transport, capex, feasible, factor, booked = cheapest_modes(
        at, volume_, key, n_class, dist, capex_fixed, heat_pump_capex, capex_per_km,
        max_distance, routed_at, routed_capex_, routed_ok_, cost_per_unit_km, cost_per_unit,
        risk_annuity, plain_annuity, served, trial_, pipe)
    (surplus, supplier_gain, receiver_gain, payment, moved, annual, tc_sup, tc_rec,
     utilisation, own_capex, affordable, booked_annuity) = deal_terms(
        at, at, at, volume_, held_, cofund_, trial_, trust_value, sr, rs, pair_trust,
        room_committed, room_volume, stream_season_, need_season_, virgin_, disposal_,
        capital_, at, transport, capex, factor, booked, half_cost, trial_share, distrust,
        beta)
    for k in range(n):
        out[0, k], out[1, k], out[2, k] = surplus[k], supplier_gain[k], receiver_gain[k]
        out[3, k], out[4, k], out[5, k] = payment[k], moved[k], annual[k]
        out[6, k], out[7, k], out[8, k] = tc_sup[k], tc_rec[k], utilisation[k]
        out[9, k], out[10, k] = own_capex[k], booked_annuity[k]
        if charged:   # charge_share: surplus, gains and payment less the share, annuity
            part = share[k] if chosen[k] == served[k] else 0.0
            out[0, k] -= part
            out[1, k] -= beta * part
            out[2, k] -= (1.0 - beta) * part
            out[3, k] -= beta * part
            out[5, k] += part
        if not feasible[k]:
            out[0, k] = -np.inf
        out[11, k], out[12, k], out[13, k] = capex[k], transport[k], factor[k]
        out[14, k], out[15, k] = volume_[k], share[k]
        mode[k] = chosen[k]
        flags[0, k], flags[1, k], flags[2, k] = feasible[k], affordable[k], trial_[k]


@kernel
def free_volumes(edges, edge_stream, edge_need, stream_volume, stream_level, stream_made,
                 stream_committed, need_volume, need_level,
                 need_committed):  # pragma: no cover - compiled
    """Each edge's free volume, the smaller of its stream's and its need's
    (:func:`_free_volume`): ``np.minimum(stream_free[s], need_free[n])`` of
    ``DealTerms.stream_free`` and ``need_free``, bit for bit, from the rows of the
    edges' streams and needs only.

    Examples
    --------
    >>> i, f = np.array([0, 1]), np.array([10.0, 4.0])
    >>> free_volumes(i, i, i, f, np.ones(2), np.ones(2), np.array([1.0, 0.0]), f,
    ...              np.array([0.5, 1.0]), np.zeros(2)).tolist()
    [5.0, 4.0]
    """
    out = np.empty(len(edges))
    for k in range(len(edges)):
        e = edges[k]
        out[k] = _free_volume(edge_stream[e], edge_need[e], stream_volume, stream_level,
                              stream_made, stream_committed, need_volume, need_level,
                              need_committed)[0]
    return out


@kernel
def open_talks(edges, supplier, receiver, slot_sr, slot_rs, aware, met, trust,
               firm_negotiations, edge_status, negotiating):  # pragma: no cover - compiled
    """Talks open on ``edges`` in one pass, as ``NegotiationBook.open_negotiations``
    wrote it in numpy: both sides of each pair are aware of and have met each other, each
    firm counts one more negotiation per talk (``np.add.at``: repeats add up), the edges
    are ``negotiating``. Returns the lower of the two trusts of each pair
    (``np.minimum``: a NaN wins, else the smaller, the second on a tie).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> aware, met, count = np.zeros(2, np.bool_), np.zeros(2, np.bool_), np.zeros(2, np.int64)
    >>> status = np.zeros(1, np.int8)
    >>> low = open_talks(i(0), i(0), i(1), i(0), i(1), aware, met, np.array([0.4, 0.3]),
    ...                  count, status, 1)
    >>> low.tolist(), aware.tolist(), count.tolist(), status.tolist()
    ([0.3], [True, True], [1, 1], [1])
    """
    low = np.empty(len(edges))
    for k in range(len(edges)):
        e = edges[k]
        sr, rs = slot_sr[e], slot_rs[e]
        aware[sr], aware[rs], met[sr], met[rs] = True, True, True, True
        a, b = trust[sr], trust[rs]
        low[k] = a if a != a or a < b else b
        firm_negotiations[supplier[e]] += 1
        firm_negotiations[receiver[e]] += 1
        edge_status[e] = negotiating
    return low


@kernel
def move_on_assets(ids, volume, profile, sign, asset_volume, load, changes,
                   rounding):  # pragma: no cover - compiled
    """Contracts move ``sign`` x their yearly ``volume`` and monthly ``profile`` onto (or,
    with ``sign`` -1, off) assets ``ids``, in one pass: what the numpy rule of
    :meth:`.assets.AssetBook._move` does, operation for operation.

    Each contract adds to its asset's volume and monthly load and counts a change
    (``np.add.at``: repeats add up, in order); then an asset whose volume is at most
    ``rounding`` x ``max(volume, 1)`` of a contract on it is emptied (volume and load 0:
    the rounding left by contracts that left).

    Examples
    --------
    >>> vol, load, changes = np.array([50.0]), np.full((1, 12), 50.0), np.zeros(1, np.int64)
    >>> move_on_assets(np.array([0]), np.array([50.0]), np.full((1, 12), 50.0), -1.0, vol,
    ...                load, changes, 1e-9)
    >>> vol.tolist(), float(load.max()), changes.tolist()
    ([0.0], 0.0, [1])
    """
    months = load.shape[1]
    for k in range(len(ids)):
        a = ids[k]
        asset_volume[a] += sign * volume[k]
        for m in range(months):
            load[a, m] += sign * profile[k, m]
        changes[a] += 1
    for k in range(len(ids)):   # once every contract moved, as the numpy rule reads them
        v = volume[k]
        floor = v if v != v or v > 1.0 else 1.0   # np.maximum(v, 1.0): NaN stays NaN
        a = ids[k]
        if asset_volume[a] <= rounding * floor:
            asset_volume[a] = 0.0
            load[a, :] = 0.0


@kernel
def spread_annuity(ids, n_assets, active, asset, volume, annuity, asset_annuity,
                   asset_volume):  # pragma: no cover - compiled
    """The active contracts on assets ``ids`` (-1: none, skipped) pay each asset's
    annuity pro rata of their volume, written into ``annuity``: what the numpy rule of
    :meth:`.assets.AssetUse._share_annuity` does, operation for operation
    (``asset_annuity x (volume / max(asset volume, 1e-300))``).

    Examples
    --------
    >>> annuity = np.zeros(3)
    >>> spread_annuity(np.array([0, -1]), 1, np.array([True, True, False]),
    ...                np.array([0, 0, 0]), np.array([10.0, 30.0, 5.0]), annuity,
    ...                np.array([800.0]), np.array([40.0]))
    >>> annuity.tolist()
    [200.0, 600.0, 0.0]
    """
    chosen = np.zeros(n_assets, dtype=np.bool_)
    for a in ids:
        if a >= 0:
            chosen[a] = True
    for r in range(len(active)):
        a = asset[r]
        if active[r] and a >= 0 and chosen[a]:
            total = asset_volume[a]
            floor = total if total != total or total > 1e-300 else 1e-300
            annuity[r] = asset_annuity[a] * (volume[r] / floor)


@kernel
def end_contracts(rows, tick, code, active, ended, reason, edge, stream, need, volume,
                  stream_committed, need_committed, edge_status, edge_retry, idle,
                  retry):  # pragma: no cover - compiled
    """The contracts ``rows`` that are still active end at ``tick`` for reason ``code``,
    in one pass: what the numpy rule of :meth:`.contracts.ContractBook._end_exchanges`
    does to the exchange log, the commitments and the edges, operation for operation.

    The rows active now (repeats kept, as ``rows[active[rows]]``) become inactive with
    their end tick and reason; their volumes leave their streams' and needs' commitments
    (``np.subtract.at``: in order), a commitment left within 1e-9 of 0 is 0 (rounding);
    their edges are ``idle`` and may be reconsidered from tick ``retry``. Returns the
    rows that ended.

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> active, committed = np.array([True, False]), np.array([30.0, 5.0])
    >>> ended, why, status, retry = i(-1, -1), np.zeros(2, np.int8), np.ones(2, np.int8), i(0, 0)
    >>> end_contracts(i(0, 1), 7, 3, active, ended, why, i(1, 0), i(0, 0), i(1, 1),
    ...               np.array([30.0, 5.0]), committed, np.array([0.0, 40.0]), status,
    ...               retry, 0, 13).tolist()
    [0]
    >>> active.tolist(), ended.tolist(), committed.tolist(), status.tolist(), retry.tolist()
    ([False, False], [7, -1], [0.0, 5.0], [1, 0], [0, 13])
    """
    keep = np.empty(len(rows), dtype=np.int64)
    n = 0
    for r in rows:   # selected before any ends: a repeated row ends twice, as in numpy
        if active[r]:
            keep[n] = r
            n += 1
    keep = keep[:n]
    for r in keep:
        active[r] = False
        ended[r] = tick
        reason[r] = code
    for r in keep:
        stream_committed[stream[r]] -= volume[r]
    for r in keep:
        need_committed[need[r]] -= volume[r]
    for r in keep:   # once every contract left, as the numpy rule reads them
        if abs(stream_committed[stream[r]]) < 1e-9:
            stream_committed[stream[r]] = 0.0
    for r in keep:
        if abs(need_committed[need[r]]) < 1e-9:
            need_committed[need[r]] = 0.0
    for r in keep:
        edge_status[edge[r]] = idle
        edge_retry[edge[r]] = retry
    return keep


@kernel
def talk_deadlines(rows, u, failure, opened, due, tick, timeout):  # pragma: no cover
    """Which of the open talks ``rows`` break down, time out or are due to decide at
    ``tick``, in one pass: the numpy selections of
    :meth:`.negotiation_book.NegotiationBook._negotiate`.

    A talk breaks down where its draw ``u < failure``; of the others, one planned to last
    longer than ``timeout`` (``due - opened > timeout``) times out once it has run that
    long, and one within it is due from its ``due`` tick on. Returns the rows that break
    down, time out and are due, each in the order of ``rows``.

    Examples
    --------
    Talk 0 breaks down, 1 and 2 were planned too long and 2 has run that long, 3 is due:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> broke, late, ready = talk_deadlines(i(0, 1, 2, 3), np.array([0.01, 0.5, 0.5, 0.5]),
    ...                                     0.05, i(0, 1, 0, 2), i(3, 9, 9, 5), 6, 6.0)
    >>> broke.tolist(), late.tolist(), ready.tolist()
    ([0], [2], [3])
    """
    n = len(rows)
    broke = np.empty(n, dtype=np.int64)
    late = np.empty(n, dtype=np.int64)
    ready = np.empty(n, dtype=np.int64)
    n_broke = n_late = n_ready = 0
    for k in range(n):
        if u[k] < failure:
            broke[n_broke] = rows[k]
            n_broke += 1
            continue
        r = rows[k]
        start = opened[r]
        if due[r] - start > timeout:
            if tick - start >= timeout:
                late[n_late] = r
                n_late += 1
        elif tick >= due[r]:
            ready[n_ready] = r
            n_ready += 1
    return broke[:n_broke], late[:n_late], ready[:n_ready]


@kernel
def open_within_room(edges, limit, edge_status, idle, supplier, receiver, negotiations,
                     building, max_negotiations, rounds, slot_sr, slot_rs, aware, met, trust,
                     negotiating):  # pragma: no cover - compiled
    """Talks open on ``edges`` (in priority order) within each firm's room, in one pass:
    what :meth:`.negotiation_book.NegotiationBook.open_negotiations` did in numpy.

    The ``idle`` edges, each once (its first place), are offered to the firms' rooms
    (``max(max_negotiations - negotiations - building, 0)``, :func:`.pace.project_room`)
    in ``rounds`` rounds (:func:`room_rounds`); the first ``limit`` chosen (-1: all) open
    (:func:`open_talks`). Returns the edges opened and the lower trust of each pair.

    Examples
    --------
    Edge 0 is already in talks; edge 1 comes twice and opens once; firm 0 (one talk of
    two) has room for it, and edge 2 opens too:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> status, count = np.array([1, 0, 0], np.int8), i(1, 0, 0)
    >>> aware, met = np.zeros(4, np.bool_), np.zeros(4, np.bool_)
    >>> edges, low = open_within_room(i(0, 1, 1, 2), -1, status, 0, i(0, 0, 2), i(1, 2, 1),
    ...                               count, i(0, 0, 0), 2, 4, i(0, 0, 2), i(1, 1, 3),
    ...                               aware, met, np.array([0.5, 0.4, 0.9, 0.2]), 1)
    >>> edges.tolist(), low.tolist(), status.tolist(), count.tolist()
    ([1, 2], [0.4, 0.2], [1, 1, 1], [2, 1, 2])
    """
    n = len(edges)
    offered = np.empty(n, dtype=np.int64)
    m = 0
    for k in range(n):   # the idle edges, a repeat dropped (marked while they are listed)
        e = edges[k]
        if edge_status[e] == idle:
            edge_status[e] = -1
            offered[m] = e
            m += 1
    offered = offered[:m]
    for e in offered:
        edge_status[e] = idle
    room = np.empty(len(negotiations), dtype=np.int64)
    for f in range(len(negotiations)):
        room[f] = max(max_negotiations - negotiations[f] - building[f], 0)
    chosen = room_rounds(supplier[offered], receiver[offered], room, rounds)
    opened = offered[chosen]
    if limit >= 0:
        opened = opened[:limit]
    low = open_talks(opened, supplier, receiver, slot_sr, slot_rs, aware, met, trust,
                     negotiations, edge_status, negotiating)
    return opened, low


@kernel
def change_levels(items, u_stop, drawn, stop_share, level, item_firm, firm_open, committed,
                  volume):  # pragma: no cover - compiled
    """This tick's process changes on the ``items`` whose event came (their draws
    ``u_stop`` and levels ``drawn``), in place, in one pass: :func:`.pace.process_change`
    as :meth:`.lifecycle.Lifecycle._process_changes` applies it, operation for operation.

    At an open firm a dormant item (level <= 0) appears at level 1, an active one stops
    where ``u_stop < stop_share``, else takes its ``drawn`` level (at most 1: the caller
    may pass ``exp(sigma z)`` uncapped); an item of a closed
    firm keeps its level. Returns the items whose level fell below what is contracted on
    them (``committed > volume x level x (1 + 1e-9)``).

    Examples
    --------
    Item 0 appears, 1 stops (its contracts no longer fit), 2 is at a closed firm:

    >>> level = np.array([0.0, 1.0, 1.0])
    >>> change_levels(np.array([0, 1, 2]), np.array([0.5, 0.1, 0.1]), np.full(3, 0.5), 0.2,
    ...               level, np.array([0, 0, 1]), np.array([True, False]),
    ...               np.array([0.0, 10.0, 10.0]), np.full(3, 100.0)).tolist()
    [1]
    >>> level.tolist()
    [1.0, 0.0, 1.0]
    """
    fell = np.empty(len(items), dtype=np.int64)
    n = 0
    for k in range(len(items)):
        i = items[k]
        if not firm_open[item_firm[i]]:
            continue
        old = level[i]
        if old <= 0:
            new = 1.0
        elif u_stop[k] < stop_share:
            new = 0.0
        else:
            new = drawn[k]
            if new > 1.0:   # np.minimum(drawn, 1.0) (a NaN stays)
                new = 1.0
        level[i] = new
        if new < old and committed[i] > volume[i] * new * (1.0 + 1e-9):
            fell[n] = i
            n += 1
    return fell[:n]


@kernel
def close_talks(rows, status, reason, tick, book_status, book_reason, book_closed, book_edge,
                supplier, receiver, firm_negotiations, edge_status, edge_state,
                edge_retry, retry):  # pragma: no cover - compiled
    """Negotiations ``rows`` close at ``tick`` with ``status`` (and ``reason``; -1: none
    set), in one pass: what ``NegotiationBook._fail`` and ``_release`` (and
    ``AllocationPhase._allocate`` for the concluded) did in numpy. Their edges take
    ``edge_state``, each firm counts one talk less per row (``np.subtract.at``) and, with
    ``retry`` >= 0, the edges may be reconsidered from that tick.

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> status, why, closed = np.zeros(2, np.int8), np.zeros(2, np.int8), i(-1, -1)
    >>> talks, edge_status, retry = i(1, 1, 0), np.ones(1, np.int8), i(0)
    >>> close_talks(i(1), 2, 4, 9, status, why, closed, i(0, 0), i(0), i(1), talks,
    ...             edge_status, 0, retry, 12)
    >>> status.tolist(), why.tolist(), closed.tolist(), talks.tolist(), retry.tolist()
    ([0, 2], [0, 4], [-1, 9], [0, 0, 0], [12])
    """
    for r in rows:
        book_status[r] = status
        if reason >= 0:
            book_reason[r] = reason
        book_closed[r] = tick
    for r in rows:
        e = book_edge[r]
        edge_status[e] = edge_state
        firm_negotiations[supplier[e]] -= 1
        firm_negotiations[receiver[e]] -= 1
        if retry >= 0:
            edge_retry[e] = retry


@kernel
def fade_pairs(aware, met, contact, trust, u_forget, forget_below, baseline,
               epsilon):  # pragma: no cover - compiled
    """Unkept awareness is forgotten and weak ties back at the baseline dissolve, in one
    call over the pair slots: what :meth:`.lifecycle.Lifecycle._fade` did in numpy.

    ``u_forget`` holds one draw per slot that is aware and without contact, in slot order
    (empty: nobody forgets); a slot whose draw is below ``forget_below`` is no longer
    aware. The comparison is in the type of ``forget_below``: numpy compares float32
    draws with a Python float in single precision, so the caller passes the chance as
    the type numpy's comparison would use (:func:`numpy.result_type`). A slot that met,
    without contact, whose trust is within ``epsilon`` of the ``baseline``
    (:func:`.fading.dissolved`) no longer counts as met.

    The forgetting slots are found as the quiet slots are counted: slot by slot in a
    small store, else by jumping from one forgetting draw to the next (few of the quiet
    pairs forget in a quarter), the quiet slots counted eight at a time (a word of the
    masks' bytes) up to the word that holds the next.

    Examples
    --------
    >>> aware, met = np.array([True, True, False]), np.array([True, True, True])
    >>> fade_pairs(aware, met, np.array([False, True, False]), np.array([0.3, 0.3, 0.6]),
    ...            np.array([0.1], dtype=np.float32), np.float32(0.5), 0.3, 0.01)
    >>> aware.tolist(), met.tolist()
    ([False, True, False], [False, True, True])
    """
    n = len(met)
    for i in range(n):   # (a NaN trust is not near the baseline: the tie stays)
        met[i] = met[i] & (contact[i] | (not (abs(trust[i] - baseline) <= epsilon)))
    m = len(u_forget)
    if m == 0:
        return
    k = 0
    if n <= FADE_SLOT_BY_SLOT:
        last = m - 1
        for i in range(n):
            quiet = aware[i] & (not contact[i])
            forgets = u_forget[min(k, last)] < forget_below
            aware[i] = aware[i] & (not (quiet & forgets))
            k += quiet
        return
    due = _next_below(u_forget, 0, forget_below)
    if due == m:
        return
    # eight slots a word: the quiet ones counted in one step (their bytes' sum, in the top
    # byte of the product), the slots visited only in a word that holds the next to forget
    whole = n - n % 8
    aware_words, contact_words = aware[:whole].view(np.uint64), contact[:whole].view(np.uint64)
    ones, top = np.uint64(0x0101010101010101), np.uint64(56)
    for w in range(whole // 8):
        quiet_here = np.int64(((aware_words[w] & ~contact_words[w]) * ones) >> top)
        if k + quiet_here <= due:
            k += quiet_here
            continue
        for i in range(8 * w, 8 * w + 8):
            quiet = aware[i] & (not contact[i])
            if quiet & (k == due):
                aware[i] = False
                due = _next_below(u_forget, due + 1, forget_below)
                if due == m:
                    return
            k += quiet
    for i in range(whole, n):
        quiet = aware[i] & (not contact[i])
        if quiet & (k == due):
            aware[i] = False
            due = _next_below(u_forget, due + 1, forget_below)
            if due == m:
                return
        k += quiet


#: Pair stores of up to this many slots find their forgetting slots slot by slot
#: (:func:`fade_pairs`); larger ones jump from one forgetting draw to the next.
FADE_SLOT_BY_SLOT = 4096


@njit(inline="always")
def _next_below(u, k, below):  # pragma: no cover - compiled
    """The first position from ``k`` on whose draw ``u`` is below ``below`` (``len(u)``:
    none)."""
    m = len(u)
    while k < m and not (u[k] < below):
        k += 1
    return k


@kernel
def strand_assets(ids, annuity_per_tick, tick, until, asset_volume, paid_off, stranded,
                  last_used):  # pragma: no cover - compiled
    """The annuity still to come on assets ``ids`` that their last contracts leave at
    ``tick``, in one pass, operation for operation as the numpy rule it replaced
    (``tests/test_asset_kernels.py`` keeps it; docs/ODD.md 7.15).

    Each leaving contract (repeats allowed) is charged its ``annuity_per_tick`` for the
    ticks left of its asset's life, unless the asset is still used (volume above 0) or
    paid off, as the book stood before any of them; the charges add to the assets'
    ``stranded`` (in order), unused assets are paid off and all were last used now.
    Returns each contract's charge.

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> paid, stranded, used = np.array([False, False]), np.zeros(2), i(0, 0)
    >>> strand_assets(i(0, 1), np.array([10.0, 10.0]), 5, i(9, 9), np.array([0.0, 3.0]),
    ...               paid, stranded, used).tolist()
    [30.0, 0.0]
    >>> paid.tolist(), stranded.tolist(), used.tolist()
    ([True, False], [30.0, 0.0], [5, 5])
    """
    n = len(ids)
    amount = np.zeros(n)
    unused = np.empty(n, dtype=np.bool_)
    for k in range(n):   # every charge from the book as it stood
        a = ids[k]
        left = max(until[a] - (tick + 1), 0)
        unused[k] = asset_volume[a] <= 0.0
        if unused[k] and not paid_off[a]:
            amount[k] = annuity_per_tick[k] * left
    for k in range(n):
        stranded[ids[k]] += amount[k]
    for k in range(n):
        if unused[k]:
            paid_off[ids[k]] = True
        last_used[ids[k]] = tick
    return amount


# --- The facilitator's and the search's phases in few compiled calls ----------
# (issue 17: the open candidates, recruitment, the broker's ranking and the search's
# budgeted evaluation, each one call where they were a dozen numpy steps)

__all__ += ["open_edges_now", "recruit_members", "budgeted_evaluations", "evaluated_outcome",
            "lexsort_prefix", "stream_values"]


@njit(inline="always")
def _able_to_talk(firm_open, negotiations, ex_active, ex_first, ex_supplier, ex_receiver,
                  tick, max_negotiations, building):  # pragma: no cover - compiled
    """Which firms can open talks: open, with their talks and lines being built (the
    active exchanges whose first delivery is after ``tick``, counted at both firms into
    ``building``, zero on entry) below ``max_negotiations``."""
    for r in range(len(ex_active)):
        if ex_active[r] and ex_first[r] > tick:
            building[ex_supplier[r]] += 1
            building[ex_receiver[r]] += 1
    able = np.empty(len(firm_open), dtype=np.bool_)
    for f in range(len(firm_open)):
        able[f] = firm_open[f] & (negotiations[f] + building[f] < max_negotiations)
    return able


@kernel
def open_edges_now(status, retry, tick, stream_edges, need, stream_volume, stream_level,
                   stream_made, stream_committed, need_volume, need_level, need_committed,
                   stream_firm, need_firm, firm_open, negotiations, ex_active, ex_first,
                   ex_supplier, ex_receiver, max_negotiations, among, cofund_wait, available,
                   min_share):  # pragma: no cover - compiled
    """:meth:`.partner_search.PartnerSearch.open_edges` in one call: the per-item flags
    its numpy steps made, then :func:`open_edge_ids` on them.

    A stream is open where its free volume (``volume x level x made - committed``) is
    above ``min_share x volume``, a need where ``volume x level - committed`` is; a firm
    is able where it is open, its talks and lines being built (the active exchanges whose
    ``ex_first`` delivery is after ``tick``, counted at both firms:
    ``ContractBook.firm_building``) are below ``max_negotiations`` and (``among`` not
    empty) ``among`` holds it. The sparse pass is taken where under 30% of needs pass (as
    ``open_edges`` chose it).

    Examples
    --------
    One stream with two edges to needs 0 and 1; need 1 is full:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> one, two = np.ones(1), np.ones(2)
    >>> open_edges_now(np.zeros(2, np.int8), i(0, 0), 0, i(0, 2), i(0, 1), one, one, one,
    ...                np.zeros(1), two, two, np.array([0.0, 1.0]), i(0), i(1, 1),
    ...                np.ones(2, np.bool_), i(0, 0), np.zeros(0, np.bool_), i(), i(), i(), 3,
    ...                np.zeros(0, np.bool_), np.full(2, np.nan), 0.0, 0.05)
    array([0])
    """
    building = np.zeros(len(firm_open), dtype=np.int64)
    able = _able_to_talk(firm_open, negotiations, ex_active, ex_first, ex_supplier,
                         ex_receiver, tick, max_negotiations, building)
    if len(among):
        able &= among
    n_needs = len(need_volume)
    need_ok = np.empty(n_needs, dtype=np.bool_)
    passing = 0
    for j in range(n_needs):
        free = need_volume[j] * need_level[j] - need_committed[j]
        need_ok[j] = (free > min_share * need_volume[j]) & able[need_firm[j]]
        passing += np.int64(need_ok[j])
    stream_ok = np.empty(len(stream_volume), dtype=np.bool_)
    for s in range(len(stream_volume)):
        free = stream_volume[s] * stream_level[s] * stream_made[s] - stream_committed[s]
        stream_ok[s] = (free > min_share * stream_volume[s]) & able[stream_firm[s]]
    return open_edge_ids(status, retry, tick, stream_edges, need, stream_ok, need_ok,
                         cofund_wait, available, 10 * passing < 3 * n_needs)


@kernel
def recruit_members(member, firm_open, draws, join, network_effect):  # pragma: no cover
    """:meth:`.agents.Facilitator._recruit` in one pass, in place on ``member``: an open
    non-member joins where its draw is below ``join + network_effect x share``, the
    share being the open firms' members over the open firms (0 if none is open), counted
    before anyone joins.

    Examples
    --------
    >>> member, firm_open = np.array([True, False, False]), np.array([True, True, False])
    >>> recruit_members(member, firm_open, np.array([0.9, 0.4, 0.0]), 0.1, 0.8)
    >>> member.tolist()
    [True, True, False]
    """
    n_open = n_both = 0
    for f in range(len(firm_open)):
        n_open += np.int64(firm_open[f])
        n_both += np.int64(member[f] & firm_open[f])
    share = n_both / n_open if n_open else 0.0
    chance = join + network_effect * share
    for f in range(len(firm_open)):
        member[f] |= (not member[f]) & firm_open[f] & (draws[f] < chance)


#: A firm with more candidates than its budget pays for picks up to this many by repeated
#: minimum (no sort, no temporaries); more by a stable sort of its draws
FEW_PICKS = 16


@borrowing   # (called per evaluating firm: see compiled.borrowing)
def _evaluation_budget(f, firm_size, member, sme, helped, search_cost, expert_support,
                       budget, ticks_per_year, n):  # pragma: no cover - compiled
    """Firm ``f``'s cost per evaluation and how many it pays for (see
    :func:`budgeted_evaluations`), operation for operation as its firm-by-firm pass."""
    c = search_cost
    if helped and firm_size[f] == sme and member[f]:
        c *= 1.0 - expert_support
    # numpy's where: a float, then cast (floor of the budget's count, or all)
    count = np.floor(budget[f] / ticks_per_year / max(c, 1e-12)) if c > 0 else float(n)
    return c, np.int64(count)


@kernel
def budgeted_evaluations(edges, evaluator, draws, firm_size, member, sme, helped, search_cost,
                         expert_support, budget, ticks_per_year,
                         firm_costs):  # pragma: no cover - compiled
    """The search's budgeted evaluation in one pass (``PartnerSearch._search``): which of
    the found ``edges`` their ``evaluator`` pays to evaluate, paid into ``firm_costs``.

    A firm's cost per evaluation is ``search_cost``, times ``1 - expert_support`` for an
    SME ``member`` where ``helped`` (expert support); it evaluates at most
    ``floor(budget / ticks_per_year / cost)`` candidates (all where the cost is not
    positive), the first in ``draws`` order, ties in the edges' order (as
    :func:`first_in_groups`; ``draws`` without NaN). Each evaluation's cost is added to
    its evaluator's ``firm_costs`` (as ``np.add.at``: one addition each, and a firm's
    are all of one value). Returns the edges evaluated, in their order.

    Only the evaluators' costs and limits are computed; each evaluator's candidates are
    found through a list (no pass over all firms), and a crowded one (more candidates
    than it pays for) picks its first few by repeated minimum (:data:`FEW_PICKS`).

    Examples
    --------
    Firm 0 pays for one evaluation, firm 1 (an SME member, helped to half the cost) two:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> costs = np.zeros(2)
    >>> budgeted_evaluations(i(4, 5, 6, 7), i(0, 0, 1, 1), np.array([0.5, 0.2, 0.1, 0.3]),
    ...                      i(1, 0), np.array([False, True]), 0, True, 10.0, 0.5,
    ...                      np.array([120.0, 120.0]), 12.0, costs).tolist()
    [5, 6, 7]
    >>> costs.tolist()
    [10.0, 10.0]
    """
    n = len(edges)
    # each evaluator's candidates as a list in the edges' order (its head, then after)
    head = np.full(len(budget), -1, dtype=np.int64)
    after = np.empty(n, dtype=np.int64)
    for k in range(n - 1, -1, -1):
        g = np.uint64(evaluator[k])   # (unsigned: see open_edges_split)
        after[k], head[g] = head[g], k
    pick = np.zeros(n, dtype=np.bool_)
    for k in range(n):
        g = np.uint64(evaluator[k])
        first = head[g]
        if first < 0:   # this evaluator's candidates are decided
            continue
        head[g] = -1
        cost, cap = _evaluation_budget(g, firm_size, member, sme, helped, search_cost,
                                       expert_support, budget, ticks_per_year, n)
        size, j = 0, first
        while j >= 0:
            size, j = size + 1, after[j]
        if size <= cap:
            j = first
            while j >= 0:
                pick[j], j = True, after[j]
        elif cap > FEW_PICKS:   # many of many: a stable sort of its draws
            items, j = np.empty(size, dtype=np.int64), first
            for i in range(size):
                items[i], j = j, after[j]
            order = _stable_order(draws[items])
            for i in range(cap):
                pick[items[order[i]]] = True
        else:   # the first cap by (draw, position): repeated minimum (none if cap <= 0)
            for _ in range(cap):
                best, j = -1, first
                while j >= 0:
                    if not pick[j] and (best < 0 or _sorts_before(draws[j], draws[best])):
                        best = j
                    j = after[j]
                pick[best] = True
        for _ in range(min(size, max(cap, 0))):   # its evaluations, one addition each
            firm_costs[g] += cost
    kept = np.empty(n, dtype=edges.dtype)
    m = 0
    for k in range(n):
        kept[m] = edges[k]
        m += np.int64(pick[k])
    return kept[:m]   # a view (as open_edge_ids)


@kernel
def evaluated_outcome(edges, surplus, affordable, share, retry, reconsider_at,
                      counted):  # pragma: no cover - compiled
    """The end of the search's evaluation in one pass (``PartnerSearch._search``): the
    edges that pay (``surplus > 0``) and whose receiver can fund its part, best surplus
    first (a stable sort of ``-surplus``: ties in the edges' order); the others wait
    until ``reconsider_at`` (``retry``); every edge's co-funding ``share`` is counted on
    (``counted``).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> retry, counted = np.zeros(4, np.int64), np.zeros(4)
    >>> evaluated_outcome(i(0, 1, 2, 3), np.array([1.0, -1.0, 3.0, 1.0]),
    ...                   np.array([True, True, True, True]), np.array([0.0, 0.5, 0.0, 0.0]),
    ...                   retry, 9, counted).tolist()
    [2, 0, 3]
    >>> retry.tolist(), counted.tolist()
    ([0, 9, 0, 0], [0.0, 0.5, 0.0, 0.0])
    """
    n = len(edges)
    good = np.empty(n, dtype=edges.dtype)
    keys = np.empty(n)
    m = 0
    for k in range(n):
        e = edges[k]
        if (surplus[k] > 0) & affordable[k]:
            good[m], keys[m] = e, -surplus[k]
            m += 1
        else:
            retry[e] = reconsider_at
    for k in range(n):
        counted[edges[k]] = share[k]
    order = _stable_order(keys[:m])
    out = np.empty(m, dtype=edges.dtype)
    for k in range(m):
        out[k] = good[order[k]]
    return out


@njit(inline="always")
def _sorts_before(a, b):  # pragma: no cover - compiled
    """``a`` before ``b`` in numpy's sort order (a NaN after every number)."""
    return a < b or (b != b and a == a)


@njit(inline="always")
def _keys_before(primary, secondary, i, j):  # pragma: no cover - compiled
    """Item ``i`` strictly before item ``j`` by ``primary``, then ``secondary``."""
    if _sorts_before(primary[i], primary[j]):
        return True
    if _sorts_before(primary[j], primary[i]):
        return False
    return _sorts_before(secondary[i], secondary[j])


@kernel
def _lexsorted(items, primary, secondary):  # pragma: no cover - compiled
    """``items`` (ascending) in ``(primary, secondary)`` order, ties in their order: a
    bottom-up merge sort, so ``np.lexsort`` of the items."""
    m = len(items)
    idx, tmp = items.copy(), np.empty(m, dtype=np.int64)
    width = 1
    while width < m:
        for lo in range(0, m, 2 * width):
            mid, hi = min(lo + width, m), min(lo + 2 * width, m)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:   # the left one first unless the right goes before
                if _keys_before(primary, secondary, idx[j], idx[i]):
                    tmp[k] = idx[j]
                    j += 1
                else:
                    tmp[k] = idx[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = idx[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = idx[j]
                j += 1
                k += 1
        idx, tmp = tmp, idx
        width *= 2
    return idx


@kernel
def _kth_smallest(values, k):  # pragma: no cover - compiled
    """The ``k``-th smallest (from 0) of ``values`` (no NaN; the array is reordered), by
    quickselect: ``np.partition(values, k)[k]`` up to the sign of a zero (numba's own
    ``np.partition`` takes seconds to compile, this a fraction of one).

    Examples
    --------
    >>> _kth_smallest(np.array([3.0, 1.0, 2.0, 1.0]), 2)
    2.0
    """
    lo, hi = 0, len(values) - 1
    while lo < hi:
        pivot = values[(lo + hi) // 2]
        i, j = lo, hi
        while i <= j:   # Hoare's partition: equal values stop both scans (duplicates)
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                values[i], values[j] = values[j], values[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return values[k]
    return values[k]


@kernel
def lexsort_prefix(primary, secondary, first):  # pragma: no cover - compiled
    """``np.lexsort((secondary, primary))[:first]`` (float keys, NaN last), sorting only
    the items whose primary key is at most the ``first``-th smallest: the others cannot
    come first (:func:`.targeting.lexsort_first`).

    Examples
    --------
    >>> lexsort_prefix(np.array([2.0, 1.0, 1.0, 0.0]), np.array([0.0, 3.0, 2.0, 1.0]),
    ...                3).tolist()
    [3, 2, 1]
    """
    n = len(primary)
    if first <= 0:
        return np.zeros(0, dtype=np.int64)
    if first < n:
        values = np.empty(n)
        m = 0
        for i in range(n):
            if primary[i] == primary[i]:
                values[m] = primary[i]
                m += 1
        if m >= first:   # the first-th smallest is a number (NaN: sort all)
            kth = _kth_smallest(values[:m], first - 1)
            near = np.empty(n, dtype=np.int64)
            k = 0
            for i in range(n):
                if primary[i] <= kth:
                    near[k] = i
                    k += 1
            return _lexsorted(near[:k], primary, secondary)[:first]
    return _lexsorted(np.arange(n), primary, secondary)[:first]


@kernel
def stream_values(edges, stream, need, stream_volume, disposal_cost,
                  virgin_price):  # pragma: no cover - compiled
    """Each edge's stream value, ``volume x (disposal cost + virgin price)`` of its
    stream and need (the broker's ``largest_streams`` key), in one pass.

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> stream_values(i(1, 0), i(0, 1), i(1, 0), np.array([2.0, 3.0]), np.array([1.0, 4.0]),
    ...               np.array([5.0, 6.0])).tolist()
    [27.0, 14.0]
    """
    out = np.empty(len(edges))
    for k in range(len(edges)):
        s, n = stream[edges[k]], need[edges[k]]
        out[k] = stream_volume[s] * (disposal_cost[s] + virgin_price[n])
    return out


# --- The deal path's small passes (pricing caches, asset keys) -------------------


@kernel
def asset_state_keys(edges, tick, edge_route, route_asset, until, changes,
                     edge_user):  # pragma: no cover - compiled
    """:meth:`.assets.AssetBook.state_key` of ``edges`` in one pass, operation for
    operation: the live asset of each edge's route (``AssetBook.live``: -1 where none,
    or its life is over at ``tick``), then ``ids x 4e9 + changes x 2 + own use`` (-1.0
    where none is live).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> asset_state_keys(i(0, 1, 2), 5, i(0, 0, 1), i(0, -1), i(9), i(3), i(0, -1, -1)).tolist()
    [7.0, 6.0, -1.0]
    """
    out = np.empty(len(edges))
    for k in range(np.uint64(len(edges))):   # (unsigned: see open_edges_split)
        e = np.uint64(edges[k])
        a = route_asset[np.uint64(edge_route[e])]
        if a < 0 or len(until) == 0 or until[a] <= tick:
            out[k] = -1.0
        else:
            own = 1.0 if edge_user[e] == a else 0.0
            out[k] = a * 4.0e9 + changes[a] * 2.0 + own
    return out


#: :func:`price_few_deals` prices batches up to this size; larger ones (a broker's stale
#: edges when prices move), whose scattered reads :func:`price_deals` gathers first, go
#: there (paired ticks: 1024 is 2-3 % faster at 600 firms than 64, the same at 10,000)
FEW_DEALS = 1024


@kernel
def price_few_deals(edges, volume, held, cofund, trial, trust_value, edge_stream, edge_need,
                    stream_volume, stream_level, stream_made, stream_committed, need_level,
                    need_volume, need_committed, tick, edge_route, route_asset, until,
                    edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack,
                    asset_mode, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                    capex_per_km, max_distance, routed, routed_capex, routed_ok,
                    cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
                    slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin,
                    disposal, capital, need_firm, half_cost, trial_share, distrust, beta,
                    out, mode, flags):  # pragma: no cover - compiled
    """:func:`price_deals` (the same arguments, the same bits written) deal by deal,
    without its temporaries: for the few deals of most pricings, where allocating some
    fifty small arrays costs more than the pricing itself (and up to a thousand or so
    deals, whose rows stay in cache, about a quarter faster). Each deal goes through
    :func:`route_asset_use`, :func:`cheapest_modes` and :func:`deal_terms`' operations in
    their order, on the same values; the route asset's share is charged afterwards to
    every deal where any deal has one (as :func:`price_deals` does).
    """
    n, months, modes = len(edges), stream_season.shape[1], capex_fixed.shape[1]
    given = len(volume) > 0
    trust_given = trust_value == trust_value
    row, served_ = np.empty(months), np.empty(n, dtype=np.int64)
    charged = False
    for k in range(n):
        e = edges[k]
        si, ni = edge_stream[e], edge_need[e]
        held_k, cofund_k, trial_k = (_one_or_each(held, k), _one_or_each(cofund, k),
                                     _one_or_each(trial, k))
        v = _one_or_each(volume, k) if given else _free_volume(
            si, ni, stream_volume, stream_level, stream_made, stream_committed, need_volume,
            need_level, need_committed)[0]
        # route_asset_use
        a = route_asset[edge_route[e]]
        usable, share = False, 0.0
        if a >= 0 and until[a] > tick:
            own = edge_user[e] == a
            cap = capacity[a] * slack
            fits = True
            for m in range(months):
                if not load[a, m] + v * stream_season[si, m] <= cap:
                    fits = False
                    break
            usable = own or fits
            if fits and not own:
                due = 0.0 if paid_off[a] else asset_annuity[a]
                total = asset_volume[a] + v
                share = due * v / (total if total != total or total >= 1e-300 else 1e-300)
        served = asset_mode[a] if usable else -1
        charged = charged or share != 0.0
        # cheapest_modes
        r, risk, use = _key_parts(edge_key[e], n_class)
        best, any_ok, best_transport, best_capex = _cheapest_mode(
            v, distance[e], _routed_row(e, routed), r, risk, use, served, trial_k, pipe,
            modes, capex_fixed, heat_pump_capex, capex_per_km, max_distance, routed_capex,
            routed_ok, cost_per_unit_km, cost_per_unit, risk_annuity)
        if any_ok:
            chosen, transport, capex = best, best_transport, best_capex
            factor, booked = risk_annuity[risk, best], plain_annuity[r, best]
        else:
            chosen, transport, capex, factor, booked = -1, 0.0, 0.0, 0.0, 0.0
        # deal_terms
        t_sr = trust_value if trust_given else pair_trust[slot_sr[e]]
        t_rs = trust_value if trust_given else pair_trust[slot_rs[e]]
        other = need_committed[ni] - held_k
        total = (other if other != other or other >= 0.0 else 0.0) + v
        room = need_volume[ni] / total if total > 0 else 1.0
        room = room if room != room or room >= 1.0 else 1.0
        for m in range(months):
            x, y = stream_season[si, m], need_season[ni, m] * room
            row[m] = x if x != x or x < y else y
        u = pairwise_sum(row, months) / months
        half = half_cost * (trial_share if trial_k else 1.0)
        c_sup = half * (1.0 + distrust * (1.0 - t_sr))
        c_rec = half * (1.0 + distrust * (1.0 - t_rs))
        delivered = v * u
        avoided_virgin = delivered * virgin[ni]
        avoided_disposal = delivered * disposal[si]
        carried = transport * u
        paid = 1.0 - cofund_k
        capex_year = factor * capex * paid
        s_ = avoided_virgin + avoided_disposal - carried - capex_year - c_sup - c_rec
        gain = beta * s_
        own_capex = capex * paid
        out[0, k], out[1, k], out[2, k] = s_, gain, s_ - gain
        out[3, k], out[4, k], out[5, k] = beta * s_ - avoided_disposal + c_sup, carried, capex_year
        out[6, k], out[7, k], out[8, k] = c_sup, c_rec, u
        out[9, k], out[10, k] = own_capex, booked * own_capex
        out[11, k], out[12, k], out[13, k] = capex, transport, factor
        out[14, k], out[15, k] = v, share
        mode[k], served_[k] = chosen, served
        flags[0, k], flags[1, k] = any_ok, own_capex <= capital[need_firm[ni]]
        flags[2, k] = trial_k
    for k in range(n):
        if charged:   # charge_share: surplus, gains and payment less the share, annuity
            part = out[15, k] if mode[k] == served_[k] else 0.0
            out[0, k] -= part
            out[1, k] -= beta * part
            out[2, k] -= (1.0 - beta) * part
            out[3, k] -= beta * part
            out[5, k] += part
        if not flags[0, k]:
            out[0, k] = -np.inf


@njit(inline="always")
def _at_least(x, low):  # pragma: no cover - compiled
    """``np.maximum(x, low)`` for a float ``x`` (a NaN stays NaN)."""
    return x if x != x or x >= low else low


@kernel
def start_exchange_rows(t, size, edges, volume, utilisation, payment, transport_full, mode,
                        capex, subsidy, annuity, priced_annuity, tc_supplier, tc_receiver,
                        supplier_gain, receiver_gain, asset, ready, trial, lengths, asset_ready,
                        edge_stream, edge_need, edge_supplier, edge_receiver, edge_resource,
                        distance, virgin, disposal, stream_committed, need_committed, c_edge,
                        c_stream, c_need, c_supplier, c_receiver, c_resource, c_volume,
                        c_price, c_distance_km, c_mode, c_capex, c_subsidy, c_transport_unit,
                        c_annuity, c_tc_supplier, c_tc_receiver, c_expected_supplier,
                        c_expected_receiver, c_avg_supplier, c_avg_receiver, c_losing_ticks,
                        c_asset, c_start, c_first, c_end, c_ended, c_reason, c_active,
                        c_delivered, c_paid, c_trial, c_virgin_unit, c_disposal_unit,
                        c_priced_annuity, c_planned,
                        c_max_volume):  # pragma: no cover - compiled
    """The rows of exchanges starting on ``edges`` (``ContractBook._start_exchanges``),
    written from row ``size`` on into the exchange table's columns ``c_*`` (every column
    of each row; the table has room), operation for operation as its numpy was: the
    edge's stream, need, firms, resource and distance; the volume each is expected to
    deliver (``planned = volume x utilisation``), its price per unit (``payment /
    max(planned, 1e-12)``) and transport per unit of volume; its first delivery (``t +
    1``, or ``ready`` where it builds, or its line's ``ready`` where it joins one not yet
    built) and the tick its term ends (``lengths[1]`` ticks for a trial, else
    ``lengths[0]``); today's prices per unit; the deal's terms as priced. Their volumes
    are added to the stream's and need's commitments (``np.bincount``'s sums, then added
    to every row, as ``+=`` of those sums does).
    """
    for k in range(len(edges)):
        e, i = edges[k], size + k
        si, ni = edge_stream[e], edge_need[e]
        c_edge[i], c_stream[i], c_need[i] = e, si, ni
        c_supplier[i], c_receiver[i] = edge_supplier[e], edge_receiver[e]
        c_resource[i], c_distance_km[i] = edge_resource[e], distance[e]
        planned = volume[k] * utilisation[k]
        c_volume[i], c_planned[i], c_max_volume[i] = volume[k], planned, volume[k]
        c_price[i] = payment[k] / _at_least(planned, 1e-12)
        c_transport_unit[i] = transport_full[k] / _at_least(volume[k], 1e-12)
        c_mode[i], c_capex[i], c_subsidy[i], c_annuity[i] = mode[k], capex[k], subsidy[k], annuity[k]
        c_priced_annuity[i], c_tc_supplier[i], c_tc_receiver[i] = (priced_annuity[k],
                                                                    tc_supplier[k], tc_receiver[k])
        c_expected_supplier[i], c_expected_receiver[i] = supplier_gain[k], receiver_gain[k]
        c_avg_supplier[i], c_avg_receiver[i], c_losing_ticks[i] = 0.0, 0.0, 0
        first = ready[k] if capex[k] > 0 else t + 1
        if asset[k] >= 0 and capex[k] <= 0:   # joins a line: not before it is ready
            first = max(first, asset_ready[asset[k]])
        c_asset[i], c_start[i], c_first[i] = asset[k], t, first
        c_end[i] = first - 1 + (lengths[1] if trial[k] else lengths[0])
        c_ended[i], c_reason[i], c_active[i] = -1, 0, True
        c_delivered[i], c_paid[i], c_trial[i] = 0.0, 0.0, trial[k]
        c_virgin_unit[i], c_disposal_unit[i] = virgin[ni], disposal[si]
    _add_bincount(stream_committed, edge_stream, edges, volume)
    _add_bincount(need_committed, edge_need, edges, volume)


@njit(inline="always")
def _add_bincount(total, item_of, edges, weights):  # pragma: no cover - compiled
    """``total += np.bincount(item_of[edges], weights=weights, minlength=len(total))``:
    the sums first (each item's weights in order, from 0.0), then added to every row."""
    sums = np.zeros(len(total))
    for k in range(len(edges)):
        sums[item_of[edges[k]]] += weights[k]
    for i in range(len(total)):
        total[i] += sums[i]


@kernel
def place_on_routes(edges, mode, capex, subsidy, annuity, volume, stream, profile, capacity,
                    ready, built, signed, edge_route, route_asset, edge_user, load, slack,
                    rounding, size, col_edge, col_supplier, col_receiver, col_resource,
                    col_mode, col_capex, col_public, col_owner, col_built, col_last_used,
                    col_until, col_stranded, col_paid_off, col_uses, col_route, col_annuity,
                    col_capacity, col_volume, col_ready, col_changes, edge_supplier,
                    edge_receiver, edge_resource, stream_season, life, one_life, edge_key,
                    n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
                    max_distance, routed, routed_capex, routed_ok,
                    plain_annuity):  # pragma: no cover - compiled
    """New contracts placed on their routes' assets (``AssetUse._attach_assets``) in one
    pass: what its rounds of numpy did (the contracts of distinct routes at once, a
    route's next contract in the next round), contract by contract in the order of those
    rounds (the contracts of a round touch distinct routes and assets, so one after
    another they read and write what the round did).

    Each contract joins its route's live asset (:func:`route_asset_use`'s ``usable``,
    at ``built``) where the asset is of its mode: no capex, no subsidy, the asset last
    used at ``signed``. One priced as joining (no capex) whose asset has no room pays
    the catalogue's capex of its mode at its plain annuity, without subsidy. One with
    capex builds a new asset: its row written at ``size`` on (the columns ``col_*``
    have room: every column written), the route's asset, a life of ``life[resource,
    mode]`` (``life[0, 0]`` for all where ``one_life``), its ``capacity`` and ``ready``;
    ``load`` has zero rows for it. A contract on an asset then uses it
    (:func:`move_on_assets`' rule, one contract at a time). ``capex``, ``subsidy`` and
    ``annuity`` are updated in place.

    Returns each contract's asset (-1: none) and the size of the book afterwards.
    """
    n, months = len(edges), load.shape[1]
    route_of = np.empty(n, dtype=np.int64)
    for k in range(n):
        route_of[k] = edge_route[edges[k]]
    # the round: how many earlier contracts are on its route (its place in its route's
    # group, in a stable sort)
    rank = np.zeros(n, dtype=np.int64)
    by_route = np.argsort(route_of, kind="mergesort")
    for i in range(1, n):
        k, j = by_route[i], by_route[i - 1]
        if route_of[k] == route_of[j]:
            rank[k] = rank[j] + 1
    ids = np.full(n, -1, dtype=np.int64)
    for k in np.argsort(rank, kind="mergesort"):
        e, m = edges[k], mode[k]
        route = edge_route[e]
        a = route_asset[route]
        same = usable = False
        if a >= 0 and col_until[a] > built:   # live: route_asset_use's usable
            fits = True
            cap, v, row = col_capacity[a] * slack, volume[k], stream[k]
            for month in range(months):
                if not load[a, month] + v * stream_season[row, month] <= cap:
                    fits = False
                    break
            usable = edge_user[e] == a or fits
            same = col_mode[a] == m
        if same and usable:
            ids[k], capex[k], subsidy[k] = a, 0.0, 0.0
        elif same and capex[k] <= 0:   # priced as joining, no room: the catalogue's line
            r, _, use = _key_parts(edge_key[e], n_class)
            capex[k] = _capex_at(_routed_row(e, routed), r, m, distance[e], use, capex_fixed,
                                 heat_pump_capex, capex_per_km, max_distance, routed_capex,
                                 routed_ok)[0]
            annuity[k] = capex[k] * plain_annuity[edge_resource[e], m]
            subsidy[k] = 0.0
        if not (same and usable) and capex[k] > 0:   # a new asset
            a = size
            size += 1
            col_edge[a], col_supplier[a] = e, edge_supplier[e]
            col_receiver[a], col_owner[a] = edge_receiver[e], edge_receiver[e]
            col_resource[a], col_mode[a] = edge_resource[e], m
            col_capex[a], col_public[a] = capex[k], subsidy[k]
            col_built[a], col_last_used[a] = built, built
            col_until[a] = built + (life[0, 0] if one_life else life[edge_resource[e], m])
            col_stranded[a], col_paid_off[a], col_uses[a] = 0.0, False, 0
            col_route[a], col_annuity[a], col_capacity[a] = route, annuity[k], capacity[k]
            col_volume[a], col_ready[a], col_changes[a] = 0.0, ready[k], 0
            route_asset[route] = a
            ids[k] = a
        elif same and usable:
            col_last_used[a] = signed
        if ids[k] >= 0:   # AssetBook.join: one use more, its volume and load, its user
            a, v = ids[k], volume[k]
            col_uses[a] += 1
            col_volume[a] += 1.0 * v
            for month in range(months):
                load[a, month] += 1.0 * profile[k, month]
            col_changes[a] += 1
            if col_volume[a] <= rounding * _at_least(v, 1.0):
                col_volume[a] = 0.0
                load[a, :] = 0.0
            edge_user[e] = a
    return ids, size


@kernel
def open_talk_rows(edges, limit, edge_status, idle, supplier, receiver, negotiations,
                   building, max_negotiations, rounds, slot_sr, slot_rs, aware, met, trust,
                   negotiating, tick, base_ticks, via_broker, edge_counted, edge_stream,
                   edge_need, stream_volume, stream_level, stream_made, stream_committed,
                   need_volume, need_level, need_committed, open_status, size, c_edge,
                   c_opened, c_due, c_volume, c_via_broker, c_cofund, c_trial, c_status,
                   c_reason, c_closed):  # pragma: no cover - compiled
    """Talks opened on ``edges`` within the firms' room (:func:`open_within_room`, its
    arguments first) and their rows in the book of negotiations, written from row
    ``size`` on into its columns ``c_*`` (every column of each row; the book has room):
    opened at ``tick``, due after :func:`.negotiation.duration` of the pair's lower trust
    (``ceil(base_ticks x (1 + 2 x (1 - trust)))``), at the edge's free volume
    (:func:`_free_volume`) and the co-funding share counted on it, open. Returns the
    edges opened."""
    opened, low = open_within_room(edges, limit, edge_status, idle, supplier, receiver,
                                   negotiations, building, max_negotiations, rounds, slot_sr,
                                   slot_rs, aware, met, trust, negotiating)
    for k in range(len(opened)):
        e, i = opened[k], size + k
        c_edge[i], c_opened[i] = e, tick
        c_due[i] = tick + np.int64(np.ceil(base_ticks * (1.0 + 2.0 * (1.0 - low[k]))))
        c_volume[i] = _free_volume(edge_stream[e], edge_need[e], stream_volume, stream_level,
                                   stream_made, stream_committed, need_volume, need_level,
                                   need_committed)[0]
        c_via_broker[i], c_cofund[i], c_trial[i] = via_broker, edge_counted[e], False
        c_status[i], c_reason[i], c_closed[i] = open_status, 0, -1
    return opened


@njit(inline="always")
def _first_of_group(items):  # pragma: no cover - compiled
    """Each item's first place among ``items`` with its value (a stable sort groups
    them; the first of a group is its lowest place)."""
    n = len(items)
    first = np.empty(n, dtype=np.int64)
    order = np.argsort(items, kind="mergesort")
    for i in range(n):
        k = order[i]
        first[k] = k if i == 0 or items[order[i - 1]] != items[k] else first[order[i - 1]]
    return first


@kernel
def grant_in_order(order, stream, need, volume, stream_free, need_free,
                   min_share):  # pragma: no cover - compiled
    """Volumes granted to competing deals served in ``order`` (:func:`.allocation.allocate`'s
    rule, as its Python loop did it): each gets ``min(volume, its stream's left, its
    need's left)`` (Python's ``min``: the first of the smallest), nothing where that is
    not positive or below ``min_share`` of what it asked, and what it gets leaves its
    stream and need."""
    n = len(order)
    at_stream, at_need = _first_of_group(stream), _first_of_group(need)
    stream_left, need_left = np.empty(n), np.empty(n)
    for k in range(n):   # what is left, kept at each stream's (need's) first deal
        stream_left[k], need_left[k] = stream_free[stream[k]], need_free[need[k]]
    granted = np.zeros(n)
    for d in order:
        s, m, v = at_stream[d], at_need[d], volume[d]
        give = v
        if stream_left[s] < give:
            give = stream_left[s]
        if need_left[m] < give:
            give = need_left[m]
        if give <= 0 or give < min_share * v:
            continue
        granted[d] = give
        stream_left[s] -= give
        need_left[m] -= give
    return granted


@kernel
def route_state_keys(routes, tick, route_asset, until, changes):  # pragma: no cover - compiled
    """:meth:`.assets.AssetBook.route_state`'s numbers in one pass, operation for
    operation: for each asset's route, its live asset ``x 4e9 + its changes x 2`` (-1.0
    where the route's asset's life is over at ``tick``).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> route_state_keys(i(0, 1), 5, i(0, 1), i(9, 7), i(2, 1)).tolist()
    [4.0, 4000000002.0]
    >>> route_state_keys(i(0, 1), 8, i(0, 1), i(9, 7), i(2, 1)).tolist()
    [4.0, -1.0]
    """
    out = np.empty(len(routes))
    for k in range(len(routes)):
        a = route_asset[routes[k]]
        out[k] = a * 4.0e9 + changes[a] * 2.0 if until[a] > tick else -1.0
    return out


# --- Contract upkeep: endings, refitting, re-pricing, failed talks ---------------
# (issue 17: the numpy chains of ContractBook's endings and stranding, _fit_to_capacity,
# _resize, _settle_early_end, _reprice and firm_building, and of
# NegotiationBook._fail_decided, each one compiled call around the kernels above)

__all__ += ["strand_rows", "fit_within_band", "resize_rows", "settle_rows",
            "reprice_rows", "failure_groups",
            "end_rows", "building_counts"]


@kernel
def strand_rows(rows, tick, ticks_per_year, asset, edge, volume, stream, annuity, receiver,
                active, stream_season, asset_volume, load, changes, rounding, edge_user,
                until, paid_off, stranded, last_used, asset_annuity, firm_stranded,
                retire):  # pragma: no cover - compiled
    """Ended contracts ``rows`` leave their assets, in one pass: what
    :meth:`.contracts.ContractBook._strand` did in numpy, operation for operation.

    The rows on an asset leave it (:func:`move_on_assets` with ``sign`` -1, their flow
    ``volume x stream_season``; an edge's user is cleared where it was their asset); the
    annuity still to come on the assets left unused is stranded (:func:`strand_assets`,
    each row's ``annuity / ticks_per_year``) and charged to their receivers
    (``np.add.at``, in order); the contracts still on those assets share their annuity
    again (:func:`spread_annuity`). With ``retire`` (a partner's site closed), the assets
    left unused end their life at ``tick`` (:meth:`.assets.AssetBook.retire`).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> vol, load, firm = np.array([10.0]), np.full((1, 12), 10.0), np.zeros(2)
    >>> paid, stranded, used, user = np.array([False]), np.zeros(1), i(0), i(0)
    >>> strand_rows(i(0), 5, 12.0, i(0), i(0), np.array([10.0]), i(0), np.array([120.0]),
    ...             i(1), np.array([False]), np.ones((1, 12)), vol, load, i(0), 1e-9, user,
    ...             i(9), paid, stranded, used, np.array([120.0]), firm, False)
    >>> firm.tolist(), paid.tolist(), user.tolist(), vol.tolist()
    ([0.0, 30.0], [True], [-1], [0.0])
    """
    n = 0
    on = np.empty(len(rows), dtype=np.int64)
    for r in rows:
        if asset[r] >= 0:
            on[n] = r
            n += 1
    if n == 0:
        return
    on = on[:n]
    ids = np.empty(n, dtype=np.int64)
    leaving = np.empty(n)
    flow = np.empty((n, stream_season.shape[1]))
    for k in range(n):
        r = on[k]
        ids[k] = asset[r]
        leaving[k] = volume[r]
        for m in range(stream_season.shape[1]):
            flow[k, m] = volume[r] * stream_season[stream[r], m]
    move_on_assets(ids, leaving, flow, -1.0, asset_volume, load, changes, rounding)
    for k in range(n):
        e = edge[on[k]]
        if edge_user[e] == ids[k]:
            edge_user[e] = -1
    per_tick = np.empty(n)
    for k in range(n):
        per_tick[k] = annuity[on[k]] / ticks_per_year
    amount = strand_assets(ids, per_tick, tick, until, asset_volume, paid_off, stranded,
                           last_used)
    for k in range(n):
        firm_stranded[receiver[on[k]]] += amount[k]
    spread_annuity(ids, len(until), active, asset, volume, annuity, asset_annuity,
                   asset_volume)
    if retire:
        for a in ids:
            if asset_volume[a] <= 0 and until[a] > tick:
                until[a] = tick


@kernel
def _band_share(capacity, committed):  # pragma: no cover - compiled
    """:func:`.contracts.within_band`'s share of an item: ``min(capacity / committed, 1)``
    where something is committed, else 1 (NaN stays NaN, as ``np.minimum``)."""
    if committed > 0:
        share = capacity / committed
        return 1.0 if share > 1.0 else share
    return 1.0


@kernel
def fit_within_band(fell, item, active, item_volume, level, volume, max_volume,
                    min_share):  # pragma: no cover - compiled
    """The active contracts on items (streams or needs) that ``fell``, refitted to the
    items' capacity (``item_volume x level``), in one pass: what
    :meth:`.contracts.ContractBook._fit_to_capacity` does with
    :func:`.contracts.within_band`, operation for operation. Returns the rows, which of
    them end below their minimum and each one's new volume (0 for those).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> rows, below, new = fit_within_band(np.array([True]), i(0, 0, 0),
    ...     np.array([True, True, False]), np.array([100.0]), np.array([0.5]),
    ...     np.array([60.0, 40.0, 9.0]), np.array([60.0, 100.0, 9.0]), 0.3)
    >>> rows.tolist(), below.tolist(), new.tolist()
    ([0, 1], [False, True], [50.0, 0.0])
    """
    n = 0
    rows = np.empty(len(active), dtype=np.int64)
    for r in range(len(active)):
        if active[r] and fell[item[r]]:
            rows[n] = r
            n += 1
    rows = rows[:n]
    committed = np.zeros(len(item_volume))
    for r in rows:   # np.bincount: in order, from 0
        committed[item[r]] += volume[r]
    below = np.empty(n, dtype=np.bool_)
    for k in range(n):
        i = item[rows[k]]
        share = _band_share(item_volume[i] * level[i], committed[i])
        below[k] = volume[rows[k]] * share < min_share * max_volume[rows[k]] * (1.0 - 1e-9)
    committed[:] = 0.0
    for k in range(n):
        if not below[k]:
            committed[item[rows[k]]] += volume[rows[k]]
    new = np.zeros(n)
    for k in range(n):
        if not below[k]:
            i = item[rows[k]]
            new[k] = volume[rows[k]] * _band_share(item_volume[i] * level[i], committed[i])
    return rows, below, new


@kernel
def _add_by_item(rows, item, delta, committed):  # pragma: no cover - compiled
    """``committed += np.bincount(item[rows], weights=delta)`` on the items of ``rows``
    only (the others would add 0): each item's sum from 0, in order, added once."""
    total = np.zeros(len(committed))
    done = np.zeros(len(committed), dtype=np.bool_)
    for k in range(len(rows)):
        total[item[rows[k]]] += delta[k]
    for k in range(len(rows)):
        i = item[rows[k]]
        if not done[i]:
            committed[i] += total[i]
            done[i] = True


@kernel
def resize_rows(rows, new_volume, stream, need, volume, planned, price, disposal_unit,
                virgin_unit, transport_unit, expected_supplier, expected_receiver,
                stream_committed, need_committed, active, asset, annuity, stream_season,
                asset_volume, load, changes, rounding, asset_annuity
                ):  # pragma: no cover - compiled
    """Contracts ``rows`` (distinct) now run at ``new_volume``, in one pass: what
    :meth:`.contracts.ContractBook._resize` and ``AssetUse._resize_on_assets``
    did in numpy, operation for operation: the commitments (``np.bincount`` of the
    changes, added), the plan and expected gains, the volume, the assets' load
    (:func:`move_on_assets`) and the annuity split (:func:`spread_annuity`).

    Examples
    --------
    >>> i, f = (lambda *v: np.array(v, dtype=np.int64)), (lambda *v: np.array(v, float))
    >>> vol, planned, committed = f(40.0), f(40.0), f(40.0)
    >>> sup, rec, avol, load = f(100.0), f(50.0), f(40.0), np.full((1, 12), 40.0)
    >>> resize_rows(i(0), f(20.0), i(0), i(0), vol, planned, f(2.0), f(1.0), f(5.0),
    ...             f(0.5), sup, rec, committed, f(40.0), np.array([True]), i(0), f(0.0),
    ...             np.ones((1, 12)), avol, load, i(0), 1e-9, f(800.0))
    >>> vol.tolist(), planned.tolist(), sup.tolist(), rec.tolist(), committed.tolist()
    ([20.0], [20.0], [40.0], [0.0], [20.0])
    """
    n = len(rows)
    delta = np.empty(n)
    for k in range(n):
        delta[k] = new_volume[k] - volume[rows[k]]
    _add_by_item(rows, stream, delta, stream_committed)
    _add_by_item(rows, need, delta, need_committed)
    old = np.empty(n)
    for k in range(n):
        r = rows[k]
        v = volume[r]
        ratio = new_volume[k] / (v if v != v or v > 1e-300 else 1e-300)
        d_planned = planned[r] * (ratio - 1.0)
        expected_supplier[r] += d_planned * (disposal_unit[r] + price[r])
        expected_receiver[r] += d_planned * (virgin_unit[r] - transport_unit[r] - price[r])
        planned[r] += d_planned
        old[k] = v
        volume[r] = new_volume[k]
    m = 0
    for k in range(n):
        if asset[rows[k]] >= 0:
            m += 1
    if m == 0:
        return
    ids = np.empty(m, dtype=np.int64)
    moved = np.empty(m)
    flow = np.empty((m, stream_season.shape[1]))
    j = 0
    for k in range(n):
        r = rows[k]
        if asset[r] >= 0:
            ids[j] = asset[r]
            moved[j] = volume[r] - old[k]
            for mo in range(stream_season.shape[1]):
                flow[j, mo] = moved[j] * stream_season[stream[r], mo]
            j += 1
    move_on_assets(ids, moved, flow, 1.0, asset_volume, load, changes, rounding)
    spread_annuity(ids, len(asset_annuity), active, asset, volume, annuity, asset_annuity,
                   asset_volume)


@kernel
def settle_rows(rows, by_supplier, tick, ticks_per_year, notice_months, compensation_share,
                asset, annuity, expected_supplier, expected_receiver, supplier, receiver,
                until, paid_off, firm_savings):  # pragma: no cover - compiled
    """The side ending contracts ``rows`` early pays the other, in one pass: what
    :meth:`.contracts.ContractBook._settle_early_end` did in numpy with
    :func:`.termination.early_end_payment`, operation for operation. The payers' savings
    fall (``np.subtract.at``, in order), then the payees' rise (``np.add.at``). Returns
    each contract's payment.

    Examples
    --------
    >>> i, f = (lambda *v: np.array(v, dtype=np.int64)), (lambda *v: np.array(v, float))
    >>> savings = f(0.0, 0.0)
    >>> settle_rows(i(0), np.array([True]), 5, 12.0, 3.0, 0.5, i(0), f(1200.0), f(8000.0),
    ...             f(12000.0), i(0), i(1), i(16), np.array([False]), savings).tolist()
    [3500.0]
    >>> savings.tolist()
    [-3500.0, 3500.0]
    """
    n = len(rows)
    paid = np.empty(n)
    for k in range(n):
        r = rows[k]
        left = 0.0
        a = asset[r]
        if a >= 0 and not paid_off[a]:
            left = annuity[r] / ticks_per_year * max(until[a] - (tick + 1), 0)
        other = expected_receiver[r] if by_supplier[k] else expected_supplier[r]
        floor = other if other != other or other > 0.0 else 0.0   # np.maximum(other, 0)
        notice = floor * notice_months / 12.0
        paid[k] = notice + (compensation_share * left if by_supplier[k] else 0.0)
    for k in range(n):
        r = rows[k]
        firm_savings[supplier[r] if by_supplier[k] else receiver[r]] -= paid[k]
    for k in range(n):
        r = rows[k]
        firm_savings[receiver[r] if by_supplier[k] else supplier[r]] += paid[k]
    return paid


@kernel
def reprice_rows(rows, sel, renewing, trial, term, end, volume, utilisation, transport,
                 payment, supplier_gain, receiver_gain, annuity, tc_supplier, tc_receiver,
                 need, stream, virgin_now, disposal_now, planned, price, expected_supplier,
                 expected_receiver, priced_annuity, ex_tc_supplier, ex_tc_receiver,
                 transport_unit, virgin_unit, disposal_unit, avg_supplier, avg_receiver,
                 losing_ticks):  # pragma: no cover - compiled
    """Contracts ``rows`` take the new terms of the deals ``sel`` selects (one row per
    selected deal, in order), in one pass: what :meth:`.contracts.ContractBook._reprice`
    did in numpy, operation for operation (with ``renewing``, first what
    ``_renew_or_expire`` did: each one's end moves on by ``term[1]`` for a ``trial``, else
    ``term[0]``). The plan is volume x utilisation, the price per unit of it, the
    expected gains, annuity and transaction costs those of the deal, the units' avoided
    costs today's; the running averages start afresh.

    Examples
    --------
    >>> i, f = (lambda *v: np.array(v, dtype=np.int64)), (lambda *v: np.array(v, float))
    >>> end, planned, price = i(10), f(0.0), f(0.0)
    >>> cols = [f(0.0) for _ in range(10)]
    >>> reprice_rows(i(0), np.array([False, True]), True, np.array([False, False]),
    ...              i(24, 3), end, f(1.0, 50.0), f(1.0, 0.8), f(0.0, 400.0), f(0.0, 200.0),
    ...              f(0.0, 9.0), f(0.0, 8.0), f(0.0, 7.0), f(0.0, 1.0), f(0.0, 2.0), i(0),
    ...              i(0), f(30.0), f(5.0), planned, price, *cols, i(4))
    >>> end.tolist(), planned.tolist(), price.tolist(), cols[5].tolist()
    ([34], [40.0], [5.0], [8.0])
    """
    j = 0
    for k in range(len(sel)):
        if not sel[k]:
            continue
        r = rows[j]
        j += 1
        if renewing:
            end[r] += term[1 if trial[k] else 0]
        plan = volume[k] * utilisation[k]
        planned[r] = plan
        price[r] = payment[k] / (plan if plan != plan or plan > 1e-12 else 1e-12)
        expected_supplier[r] = supplier_gain[k]
        expected_receiver[r] = receiver_gain[k]
        priced_annuity[r] = annuity[k]
        ex_tc_supplier[r] = tc_supplier[k]
        ex_tc_receiver[r] = tc_receiver[k]
        v = volume[k]
        transport_unit[r] = transport[k] / (v if v != v or v > 1e-12 else 1e-12)
        virgin_unit[r] = virgin_now[need[r]]
        disposal_unit[r] = disposal_now[stream[r]]
        avg_supplier[r] = 0.0
        avg_receiver[r] = 0.0
        losing_ticks[r] = 0


@kernel
def failure_groups(rows, ok, pays, signs, cofund, share, no_surplus, no_cofunding,
                   low_trust, no_capital):  # pragma: no cover - compiled
    """The due negotiations ``rows`` that did not conclude (``~ok``), grouped by their
    first reason, in one pass: what ``NegotiationBook._fail_decided`` did in numpy (the
    reason codes, then each code's rows in order, codes ascending as ``np.unique`` gives
    them). A deal that counted on co-funding (``cofund`` of its row > 0) and was offered
    none (``share`` 0) fails for want of it rather than for no surplus.

    Returns one array: the number of groups ``g``, then each group's code and the end of
    its positions, then the positions (into ``rows``) of every group, one after another.

    Examples
    --------
    >>> i, b = (lambda *v: np.array(v, dtype=np.int64)), (lambda *v: np.array(v, bool))
    >>> failure_groups(i(5, 6, 7), b(False, True, False), b(False, True, True),
    ...                b(True, True, False), np.zeros(8), np.zeros(3), 2, 10, 1, 7).tolist()
    [2, 1, 1, 2, 2, 2, 0]
    """
    n = len(rows)
    code = np.empty(n, dtype=np.int64)
    top = max(max(no_surplus, no_cofunding), max(low_trust, no_capital))
    count = np.zeros(top + 1, dtype=np.int64)
    for k in range(n):
        if not pays[k]:
            funded = not (cofund[rows[k]] > 0 and share[k] == 0)
            code[k] = no_surplus if funded else no_cofunding
        else:
            code[k] = low_trust if not signs[k] else no_capital
        if not ok[k]:
            count[code[k]] += 1
    groups = 0
    for c in range(top + 1):
        if count[c]:
            groups += 1
    out = np.empty(1 + 2 * groups + n, dtype=np.int64)
    out[0] = groups
    start = np.empty(top + 1, dtype=np.int64)
    g, end = 0, 0
    for c in range(top + 1):
        if count[c]:
            start[c] = end
            end += count[c]
            out[1 + 2 * g] = c
            out[2 + 2 * g] = end
            g += 1
    base = 1 + 2 * groups
    for k in range(n):   # each code's rows in their order
        if not ok[k]:
            out[base + start[code[k]]] = k
            start[code[k]] += 1
    return out[:base + end]


@kernel
def end_rows(rows, tick, code, active, ended, reason, edge, stream, need, volume,
             stream_committed, need_committed, edge_status, edge_retry, idle, retry,
             ticks_per_year, asset, annuity, receiver, stream_season, asset_volume, load,
             changes, rounding, edge_user, until, paid_off, stranded, last_used,
             asset_annuity, firm_stranded, retire):  # pragma: no cover - compiled
    """Contracts ``rows`` end: :func:`end_contracts`, then :func:`strand_rows` on the
    rows that ended, in one call (``ContractBook._end_exchanges``). Returns how many
    ended."""
    keep = end_contracts(rows, tick, code, active, ended, reason, edge, stream, need,
                         volume, stream_committed, need_committed, edge_status, edge_retry,
                         idle, retry)
    if len(keep):
        strand_rows(keep, tick, ticks_per_year, asset, edge, volume, stream, annuity,
                    receiver, active, stream_season, asset_volume, load, changes, rounding,
                    edge_user, until, paid_off, stranded, last_used, asset_annuity,
                    firm_stranded, retire)
    return len(keep)


@kernel
def building_counts(active, first, tick, supplier, receiver,
                    n_firms):  # pragma: no cover - compiled
    """Connections each firm has under construction at ``tick`` (active, first delivery
    later), in one pass: ``np.bincount`` of their suppliers plus that of their receivers
    (``ContractBook.firm_building``).

    Examples
    --------
    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> building_counts(np.array([True, True, False]), i(9, 3, 9), 5, i(0, 0, 0), i(1, 2, 2),
    ...                 3).tolist()
    [1, 1, 0]
    """
    out = np.zeros(n_firms, dtype=np.int64)
    for r in range(len(active)):
        if active[r] and first[r] > tick:
            out[supplier[r]] += 1
            out[receiver[r]] += 1
    return out


# --- Allocation: the grant, and a new exchange's start, in one call each -------------


@kernel
def start_on_routes(t, ok, edges, volume, utilisation, payment, transport_full, mode,
                    capex, cofund, booked_annuity, priced_annuity, tc_supplier, tc_receiver,
                    supplier_gain, receiver_gain, trial, lead, lengths, line, edge_route,
                    route_asset, edge_user, load, slack, rounding, asset_size, col_edge,
                    col_supplier, col_receiver, col_resource, col_mode, col_capex, col_public,
                    col_owner, col_built, col_last_used, col_until, col_stranded, col_paid_off,
                    col_uses, col_route, col_annuity, col_capacity, col_volume, col_ready,
                    col_changes, edge_supplier, edge_receiver, edge_resource, stream_season,
                    life, one_life, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                    capex_per_km, max_distance, routed, routed_capex, routed_ok,
                    plain_annuity, edge_stream, edge_need, virgin, disposal, stream_committed,
                    need_committed, size, c_edge, c_stream, c_need, c_supplier, c_receiver,
                    c_resource, c_volume, c_price, c_distance_km, c_mode, c_capex, c_subsidy,
                    c_transport_unit, c_annuity, c_tc_supplier, c_tc_receiver,
                    c_expected_supplier, c_expected_receiver, c_avg_supplier, c_avg_receiver,
                    c_losing_ticks, c_asset, c_start, c_first, c_end, c_ended, c_reason,
                    c_active, c_delivered, c_paid, c_trial, c_virgin_unit, c_disposal_unit,
                    c_priced_annuity, c_planned,
                    c_max_volume):  # pragma: no cover - compiled
    """New exchanges on ``edges`` started at tick ``t`` (``ContractBook._start_exchanges``)
    in one call: the priced deals' columns (``volume`` to ``trial``, one entry per priced
    deal) taken where ``ok``, their co-funding (``cofund x capex``) and the tick their new
    line is ready (``t + 1 + lead[mode]``); placed on their routes' assets
    (``AssetUse._attach_assets``: each contract's monthly profile ``volume x season`` of
    its stream, a line's capacity its peak, other modes' unlimited; then
    :func:`place_on_routes`, whose arguments follow ``line`` in its order, with the asset
    table's room from row ``asset_size`` on); their rows written from row ``size`` on
    (:func:`start_exchange_rows`, the exchange table has room); the annuity of the assets
    they use split anew among the contracts on them (:func:`spread_annuity` over the
    table's rows with the new ones).

    Returns the subsidy booked for each new exchange, the size of the asset book
    afterwards and the number of trials started.
    """
    picked = np.flatnonzero(ok)
    n, months = len(picked), stream_season.shape[1]
    v, util, pay, transport = (np.empty(n), np.empty(n), np.empty(n), np.empty(n))
    m, ready, is_trial = (np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64),
                          np.empty(n, dtype=np.bool_))
    cap, sub, ann, priced = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    tc_s, tc_r, gain_s, gain_r = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    stream, profile, capacity = (np.empty(n, dtype=np.int64), np.empty((n, months)),
                                 np.empty(n))
    trials = 0
    for k in range(n):
        j = picked[k]
        v[k], util[k], pay[k], transport[k] = (volume[j], utilisation[j], payment[j],
                                               transport_full[j])
        m[k], ready[k], is_trial[k] = mode[j], t + 1 + lead[mode[j]], trial[j]
        cap[k], sub[k], ann[k] = capex[j], cofund[j] * capex[j], booked_annuity[j]
        priced[k], tc_s[k], tc_r[k] = priced_annuity[j], tc_supplier[j], tc_receiver[j]
        gain_s[k], gain_r[k] = supplier_gain[j], receiver_gain[j]
        trials += 1 if trial[j] else 0
        stream[k] = edge_stream[edges[k]]
        peak = v[k] * stream_season[stream[k], 0]
        for month in range(months):   # numpy's max: a NaN is the maximum
            profile[k, month] = v[k] * stream_season[stream[k], month]
            if profile[k, month] > peak or profile[k, month] != profile[k, month]:
                peak = profile[k, month]
        capacity[k] = peak if m[k] == line else np.inf
    asset, after = place_on_routes(
        edges, m, cap, sub, ann, v, stream, profile, capacity, ready, t + 1, t, edge_route,
        route_asset, edge_user, load, slack, rounding, asset_size, col_edge, col_supplier,
        col_receiver, col_resource, col_mode, col_capex, col_public, col_owner, col_built,
        col_last_used, col_until, col_stranded, col_paid_off, col_uses, col_route,
        col_annuity, col_capacity, col_volume, col_ready, col_changes, edge_supplier,
        edge_receiver, edge_resource, stream_season, life, one_life, edge_key, n_class,
        distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance, routed,
        routed_capex, routed_ok, plain_annuity)
    start_exchange_rows(
        t, size, edges, v, util, pay, transport, m, cap, sub, ann, priced, tc_s, tc_r, gain_s,
        gain_r, asset, ready, is_trial, lengths, col_ready, edge_stream, edge_need,
        edge_supplier, edge_receiver, edge_resource, distance, virgin, disposal,
        stream_committed, need_committed, c_edge, c_stream, c_need, c_supplier, c_receiver,
        c_resource, c_volume, c_price, c_distance_km, c_mode, c_capex, c_subsidy,
        c_transport_unit, c_annuity, c_tc_supplier, c_tc_receiver, c_expected_supplier,
        c_expected_receiver, c_avg_supplier, c_avg_receiver, c_losing_ticks, c_asset,
        c_start, c_first, c_end, c_ended, c_reason, c_active, c_delivered, c_paid, c_trial,
        c_virgin_unit, c_disposal_unit, c_priced_annuity, c_planned, c_max_volume)
    used = size + n
    spread_annuity(asset, after, c_active[:used], c_asset[:used], c_volume[:used],
                   c_annuity[:used], col_annuity, col_volume)
    return sub, after, trials


@kernel
def grant_deals(order, edges, volume, edge_stream, edge_need, stream_volume, stream_level,
                stream_made, stream_committed, need_volume, need_level, need_committed,
                min_share):  # pragma: no cover - compiled
    """:func:`grant_in_order` for deals on ``edges`` (``AllocationPhase._allocate``), the
    free volumes read at the deals' own streams and needs: a stream's ``volume x level x
    made - committed``, a need's ``volume x level - committed`` (``stream_free`` and
    ``need_free``'s numpy, operation for operation). The deals are grouped by the first
    deal of their stream (need), which holds its free volume: the same groups, and the
    same first places, as their ids give."""
    n = len(edges)
    stream, need = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for k in range(n):
        stream[k], need[k] = edge_stream[edges[k]], edge_need[edges[k]]
    at_stream, at_need = _first_of_group(stream), _first_of_group(need)
    stream_free, need_free = np.empty(n), np.empty(n)
    for k in range(n):
        s, m = stream[k], need[k]
        stream_free[k] = stream_volume[s] * stream_level[s] * stream_made[s] - stream_committed[s]
        need_free[k] = need_volume[m] * need_level[m] - need_committed[m]
    return grant_in_order(order, at_stream, at_need, volume, stream_free, need_free, min_share)


@kernel
def every_deal_allocated(granted, supplier_gain, receiver_gain,
                         affordable):  # pragma: no cover - compiled
    """Whether each concluded deal got volume (``> 0``), both its sides gain and its
    receiver can pay: then ``contracts.allocation_reasons`` is "" for each (a deal whose
    sides gain is never refused for want of co-funding). False where any is not so,
    including a NaN volume: the caller then applies the rule itself."""
    for k in range(len(granted)):
        if not (granted[k] > 0 and supplier_gain[k] > 0 and receiver_gain[k] > 0
                and affordable[k]):
            return False
    return True



# --- Fading: the aware pairs without contact -----------------------------------------


@kernel
def quiet_pairs(aware, contact):  # pragma: no cover - compiled
    """How many pair slots are aware without contact: the quiet pairs, one draw each, of
    :meth:`.lifecycle.Lifecycle._fade` (``np.count_nonzero(aware & ~contact)``).

    Examples
    --------
    >>> quiet_pairs(np.array([True, True, False]), np.array([False, True, False]))
    1
    """
    n = 0
    for i in range(len(aware)):   # without a branch: the loop vectorises (large stores)
        n += aware[i] & (not contact[i])
    return n



# ---- eighth pass: pass8-alloc
# A concluded deal's priced rows (price_deals' ``out``, ``mode`` and ``flags``) go to the
# start as three arrays, not as seventeen of terms and info (fewer arguments, and no
# terms or info made of them in Python).

#: the rows of price_deals' ``out`` and ``flags`` that start_on_routes reads
(_P_VOLUME, _P_UTILISATION, _P_PAYMENT, _P_TRANSPORT_FULL, _P_CAPEX, _P_BOOKED, _P_ANNUITY,
 _P_TC_SUPPLIER, _P_TC_RECEIVER, _P_SUPPLIER_GAIN, _P_RECEIVER_GAIN) = (
    DEAL_ROWS.index(name) for name in (
        "volume", "utilisation", "payment", "transport_full", "capex", "booked_annuity",
        "annuity", "tc_supplier", "tc_receiver", "supplier_gain", "receiver_gain"))
_P_TRIAL = DEAL_FLAGS.index("trial")


@kernel
def start_priced(t, ok, edges, out, mode, flags, cofund, lead, lengths, line, edge_route,
                 route_asset, edge_user, load, slack, rounding, asset_size, col_edge,
                 col_supplier, col_receiver, col_resource, col_mode, col_capex, col_public,
                 col_owner, col_built, col_last_used, col_until, col_stranded, col_paid_off,
                 col_uses, col_route, col_annuity, col_capacity, col_volume, col_ready,
                 col_changes, edge_supplier, edge_receiver, edge_resource, stream_season,
                 life, one_life, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                 capex_per_km, max_distance, routed, routed_capex, routed_ok,
                 plain_annuity, edge_stream, edge_need, virgin, disposal, stream_committed,
                 need_committed, size, c_edge, c_stream, c_need, c_supplier, c_receiver,
                 c_resource, c_volume, c_price, c_distance_km, c_mode, c_capex, c_subsidy,
                 c_transport_unit, c_annuity, c_tc_supplier, c_tc_receiver,
                 c_expected_supplier, c_expected_receiver, c_avg_supplier, c_avg_receiver,
                 c_losing_ticks, c_asset, c_start, c_first, c_end, c_ended, c_reason,
                 c_active, c_delivered, c_paid, c_trial, c_virgin_unit, c_disposal_unit,
                 c_priced_annuity, c_planned,
                 c_max_volume):  # pragma: no cover - compiled
    """:func:`start_on_routes` of deals as :func:`price_deals` priced them: its terms' and
    info's columns read as the rows of ``out`` (``DEAL_ROWS``) and ``flags``
    (``DEAL_FLAGS``) they are views of, ``mode`` the chosen modes (what
    ``DealTerms.expected_terms`` names them); its other arguments as it takes them."""
    return start_on_routes(
        t, ok, edges, out[_P_VOLUME], out[_P_UTILISATION], out[_P_PAYMENT],
        out[_P_TRANSPORT_FULL], mode, out[_P_CAPEX], cofund, out[_P_BOOKED], out[_P_ANNUITY],
        out[_P_TC_SUPPLIER], out[_P_TC_RECEIVER], out[_P_SUPPLIER_GAIN],
        out[_P_RECEIVER_GAIN], flags[_P_TRIAL], lead, lengths, line, edge_route,
        route_asset, edge_user, load, slack, rounding, asset_size, col_edge, col_supplier,
        col_receiver, col_resource, col_mode, col_capex, col_public, col_owner, col_built,
        col_last_used, col_until, col_stranded, col_paid_off, col_uses, col_route,
        col_annuity, col_capacity, col_volume, col_ready, col_changes, edge_supplier,
        edge_receiver, edge_resource, stream_season, life, one_life, edge_key, n_class,
        distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance, routed,
        routed_capex, routed_ok, plain_annuity, edge_stream, edge_need, virgin, disposal,
        stream_committed, need_committed, size, c_edge, c_stream, c_need, c_supplier,
        c_receiver, c_resource, c_volume, c_price, c_distance_km, c_mode, c_capex,
        c_subsidy, c_transport_unit, c_annuity, c_tc_supplier, c_tc_receiver,
        c_expected_supplier, c_expected_receiver, c_avg_supplier, c_avg_receiver,
        c_losing_ticks, c_asset, c_start, c_first, c_end, c_ended, c_reason, c_active,
        c_delivered, c_paid, c_trial, c_virgin_unit, c_disposal_unit, c_priced_annuity,
        c_planned, c_max_volume)


# ---- ninth pass: pass9-constr

#: numpy's SeedSequence constants (numpy/random/bit_generator.pyx), as uint64 words that
#: the 32-bit arithmetic below masks (numba would make a float of uint64 with int64)
_SS_INIT_A, _SS_MULT_A = np.uint64(0x43b0d7e5), np.uint64(0x931e8875)
_SS_INIT_B, _SS_MULT_B = np.uint64(0x8b51f9dd), np.uint64(0x58f38ded)
_SS_MIX_L, _SS_MIX_R = np.uint64(0xca01f9dd), np.uint64(0x4973f715)
_SS_MASK, _SS_SHIFT = np.uint64(0xFFFFFFFF), np.uint64(16)


@kernel
def spawned_seed_states(entropy, n_children, pool_size):  # pragma: no cover - compiled
    """``SeedSequence.generate_state(4, np.uint64)`` of each of the ``n_children``
    children that ``spawn`` gives, whose assembled entropy is ``entropy`` (uint32 words:
    the run's entropy padded to ``pool_size``, the parent's spawn key) followed by the
    child's number (one word): numpy's hash and mix, 32-bit words, in its order.

    Returns the ``(n_children, 4)`` uint64 states (a PCG64 seeds from a row).
    """
    n = len(entropy) + 1
    words = np.empty(n, dtype=np.uint64)
    for i in range(n - 1):
        words[i] = entropy[i]
    mixer = np.empty(pool_size, dtype=np.uint64)
    out = np.empty((n_children, 4), dtype=np.uint64)
    for k in range(n_children):
        words[n - 1] = k
        h = _SS_INIT_A   # mix_entropy: the entropy into the pool, then all of it mixed
        for i in range(pool_size):
            value = words[i] if i < n else np.uint64(0)
            value, h = _ss_hashmix(value, h)
            mixer[i] = value
        for i_src in range(pool_size):
            for i_dst in range(pool_size):
                if i_src != i_dst:
                    value, h = _ss_hashmix(mixer[i_src], h)
                    mixer[i_dst] = _ss_mix(mixer[i_dst], value)
        for i_src in range(pool_size, n):
            for i_dst in range(pool_size):
                value, h = _ss_hashmix(words[i_src], h)
                mixer[i_dst] = _ss_mix(mixer[i_dst], value)
        h = _SS_INIT_B   # generate_state: 8 words of 32 bits, little-endian pairs
        for i in range(8):
            value = mixer[i % pool_size] ^ h
            h = (h * _SS_MULT_B) & _SS_MASK
            value = (value * h) & _SS_MASK
            value ^= value >> _SS_SHIFT
            if i % 2 == 0:
                out[k, i // 2] = value
            else:
                out[k, i // 2] |= value << np.uint64(32)
    return out


@njit(inline="always")
def _ss_hashmix(value, h):  # pragma: no cover - compiled
    """numpy's ``hashmix``: ``value`` hashed with the running constant ``h`` (returned
    moved on)."""
    value ^= h
    h = (h * _SS_MULT_A) & _SS_MASK
    value = (value * h) & _SS_MASK
    value ^= value >> _SS_SHIFT
    return value, h


@njit(inline="always")
def _ss_mix(x, y):  # pragma: no cover - compiled
    """numpy's ``mix`` of two 32-bit words."""
    result = (_SS_MIX_L * x - _SS_MIX_R * y) & _SS_MASK
    return result ^ (result >> _SS_SHIFT)


# ---- ninth pass: pass9-edges
# One pass over the candidate edges a tick: the broker's (between members) and the
# search's (every firm's, after the broker's talks) open edges from the same pass.

__all__ += ["open_edges_split", "still_open"]


@kernel
def open_edges_split(status, retry, tick, stream_edges, need, stream_volume, stream_level,
                     stream_made, stream_committed, need_volume, need_level, need_committed,
                     stream_firm, need_firm, firm_open, negotiations, ex_active, ex_first,
                     ex_supplier, ex_receiver, max_negotiations, member, cofund_wait,
                     available, min_share, building, sizes):  # pragma: no cover - compiled
    """:func:`open_edges_now` for every firm and for the ``member`` firms in one pass.

    Returns ``out``: every firm's open edges (``open_edges_now`` with no ``among``) in
    ``out[:sizes[0]]``, those between two members (with ``among=member``) in
    ``out[len(status):len(status) + sizes[1]]``, both ascending. The lines being built per
    firm are left in ``building`` (length: the firms), so that :func:`still_open` can
    tell which of these edges are open once talks have opened. The sparse pass is taken
    as ``open_edges_now`` takes it for every firm (the edges found are the same in
    either).
    """
    n = len(status)
    building[:] = 0
    able = _able_to_talk(firm_open, negotiations, ex_active, ex_first, ex_supplier,
                         ex_receiver, tick, max_negotiations, building)
    n_needs = len(need_volume)
    # bit 0: the need is open (its firm able); bit 1: and its firm is a member
    need_code = np.empty(n_needs, dtype=np.uint8)
    passing = 0
    for j in range(n_needs):
        free = need_volume[j] * need_level[j] - need_committed[j]
        ok = (free > min_share * need_volume[j]) & able[need_firm[j]]
        need_code[j] = np.uint8(ok) | (np.uint8(ok & member[need_firm[j]]) << 1)
        passing += np.int64(ok)
    sparse = 10 * passing < 3 * n_needs
    out = np.empty(2 * n, dtype=np.int64)
    # the edges, the needs and the two places written as unsigned integers: numba then
    # indexes without testing for a negative index (this loop takes about a quarter less)
    k, m = np.uint64(0), np.uint64(n)
    for s in range(len(stream_volume)):
        free = stream_volume[s] * stream_level[s] * stream_made[s] - stream_committed[s]
        if not ((free > min_share * stream_volume[s]) & able[stream_firm[s]]):
            continue
        mine = member[stream_firm[s]]
        for e in range(np.uint64(stream_edges[s]), np.uint64(stream_edges[s + 1])):
            code = need_code[np.uint64(need[e])]
            if sparse and code == 0:
                continue
            # without branches (as open_edge_ids): a store every time
            idle = (status[e] == IDLE) & (retry[e] <= tick) & (cofund_wait[e] != available)
            out[k] = e
            k += np.uint64(idle & (code & 1 != 0))
            out[m] = e
            m += np.uint64(idle & mine & (code > 1))
    sizes[0], sizes[1] = np.int64(k), np.int64(m) - n
    return out


@kernel
def still_open(edges, chosen, supplier, receiver, negotiations, building, max_negotiations,
               supplier_starts, supplier_edges, receiver_starts,
               receiver_edges):  # pragma: no cover - compiled
    """Of ``edges`` (ascending, open before the talks on ``chosen`` opened:
    :func:`open_edges_split`'s), those open still: as :func:`open_edges_now` would find
    them now. Opening the talks changed only the ``chosen`` edges (no longer idle) and
    their firms' talks, so the edges left out are the chosen ones and every edge of a
    firm of theirs whose talks and lines being built (``building``, as counted then) have
    reached ``max_negotiations``. A firm's edges as supplier are
    ``supplier_edges[supplier_starts[f]:supplier_starts[f + 1]]``, as receiver likewise.

    Examples
    --------
    Edge 3 was chosen; firm 1, the receiver of edge 2, has reached its two talks:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> still_open(i(1, 2, 3), i(3), i(0, 0, 0, 0), i(2, 2, 1, 1), i(1, 2, 1), i(0, 0, 0),
    ...            2, i(0, 4, 4, 4), i(0, 1, 2, 3), i(0, 0, 2, 4), i(2, 3, 0, 1)).tolist()
    [1]
    """
    left_out = np.zeros(len(supplier), dtype=np.bool_)
    for c in chosen:
        left_out[c] = True
        for f in (supplier[c], receiver[c]):
            if negotiations[f] + building[f] >= max_negotiations:
                for e in supplier_edges[supplier_starts[f]:supplier_starts[f + 1]]:
                    left_out[e] = True
                for e in receiver_edges[receiver_starts[f]:receiver_starts[f + 1]]:
                    left_out[e] = True
    out = np.empty(len(edges), dtype=np.int64)
    k = np.uint64(0)   # (unsigned, as the edges: see open_edges_split)
    for i in range(len(edges)):   # (ascending: the marks are read in order)
        e = np.uint64(edges[i])
        out[k] = e
        k += np.uint64(not left_out[e])
    return out[:k]


__all__ += ["group_by_item"]


@kernel
def group_by_item(item, edge, n_items):  # pragma: no cover - compiled
    """``starts, members`` (both int32): item ``i``'s entries of ``edge`` are
    ``members[starts[i]:starts[i + 1]]``, in the order given. A counting sort, so the
    same arrays as ``np.argsort(item, kind="stable")`` with ``np.bincount``'s starts
    (tests/reference_kernels.py keeps that), in one pass of linear time instead of a
    comparison sort: at 600 firms the four indexes a run builds (each firm's edges as
    supplier and as receiver, each need's, slot's and route's) took 3 ms of a 25-tick
    run's 19. Every ``item`` must lie in ``[0, n_items)``.

    Examples
    --------
    >>> starts, members = group_by_item(np.array([2, 0, 2, 1]), np.array([10, 11, 12, 13]), 3)
    >>> starts.tolist(), members.tolist()
    ([0, 1, 2, 4], [11, 13, 10, 12])
    """
    starts = np.zeros(n_items + 1, dtype=np.int32)
    for k in range(len(item)):
        starts[item[k] + 1] += 1
    for i in range(n_items):
        starts[i + 1] += starts[i]
    at = starts[:n_items].astype(np.int64)   # the next free place of each item
    members = np.empty(len(item), dtype=np.int32)
    for k in range(len(item)):
        i = item[k]
        members[at[i]] = edge[k]
        at[i] += 1
    return starts, members


# --- The C library's exp and pow, element by element -----------------------------------
# numpy's own float64 exp and power (and log, log1p) differ in the last bit from the C
# library's on machines with AVX512 (some 0.3-7 % of values), and equal it elsewhere; a
# compiled call of numpy's functions is the C library's on every machine. These loops
# give the model's results the same bits everywhere (:mod:`.portable_math`).
__all__ += ["exp_each", "power_each"]


@kernel
def exp_each(x):  # pragma: no cover - compiled
    """``exp`` of each of ``x`` (1-D), as the C library makes it.

    Examples
    --------
    >>> exp_each(np.array([0.0, 1.0])).tolist()
    [1.0, 2.718281828459045]
    """
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i] = np.exp(x[i])
    return out


@kernel
def power_each(x, y):  # pragma: no cover - compiled
    """``x[i] ** y[i]`` for each ``i`` (1-D, the same length), the C library's ``pow``.

    Examples
    --------
    >>> power_each(np.array([2.0, 9.0]), np.array([10.0, 0.5])).tolist()
    [1024.0, 3.0]
    """
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i] = x[i] ** y[i]
    return out
