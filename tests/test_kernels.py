"""The compiled passes (kernels.py) give the numpy expressions they replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.codes import IDLE, MIN_OPEN_SHARE
from symbiosis_abm.economics import seasonal_utilisation
from symbiosis_abm.kernels import (
    discover,
    first_in_groups,
    open_edge_ids,
    pairwise_sum,
    refresh_inputs,
    seasonal_means,
    seasonal_utilisation_of,
)
from symbiosis_abm.world import stream_edge_starts


def _open_edges_numpy(status, retry, tick, stream, need, supplier, receiver, stream_open,
                      need_open, able, cofund_wait, available):
    """open_edges as it was written in numpy before the kernel."""
    edges = ((status == IDLE) & (retry <= tick)).nonzero()[0]
    edges = edges[stream_open[stream[edges]] & need_open[need[edges]]
                  & able[supplier[edges]] & able[receiver[edges]]]
    return edges[cofund_wait[edges] != available]


@pytest.mark.parametrize("seed", range(5))
def test_open_edge_ids_is_the_numpy_selection(seed):
    rng = np.random.default_rng(seed)
    e, s, d, f = 5000, 300, 200, 100
    status = rng.integers(0, 3, e).astype(np.int8)
    retry = rng.integers(0, 20, e)
    stream, need = np.sort(rng.integers(0, s, e)), rng.integers(0, d, e)   # by stream
    stream_firm, need_firm = rng.integers(0, f, s), rng.integers(0, f, d)
    supplier, receiver = stream_firm[stream], need_firm[need]   # an edge's firms
    starts = stream_edge_starts(stream, s)
    wait = np.where(rng.random(e) < 0.7, np.nan, rng.choice([5.0, 10.0], e))
    for share in (0.8, 0.3):   # most streams, needs and firms pass; few do (members)
        stream_open, need_open, able = [rng.random(n) < share for n in (s, d, f)]
        found = []
        for tick, available in [(10, 5.0), (0, np.inf), (25, 10.0)]:
            want = _open_edges_numpy(status, retry, tick, stream, need, supplier, receiver,
                                     stream_open, need_open, able, wait, available)
            for sparse in (False, True):
                got = open_edge_ids(status, retry, tick, starts, need,
                                    stream_open & able[stream_firm],
                                    need_open & able[need_firm], wait, available, sparse)
                assert got.dtype == want.dtype and np.array_equal(got, want)
            found.append(len(want))
        assert 0 < max(found) and min(found) < e   # the draws exercise both outcomes


def test_refresh_inputs_marks_exactly_the_edges_whose_inputs_changed():
    rng = np.random.default_rng(3)
    e, s, d = 400, 50, 40
    stream, need = rng.integers(0, s, e), rng.integers(0, d, e)
    slot_sr, slot_rs = rng.permutation(2 * e)[:e], rng.permutation(2 * e)[:e]
    edge_asset = np.where(rng.random(e) < 0.3, rng.integers(0, 20, e), -1)
    until = rng.integers(0, 10, 20)
    free_s, free_d = rng.random(s), rng.random(d)
    free_s[:5] = free_d[:5] = 0.0   # ties and zeros
    trust = rng.random(2 * e)
    seen = np.full((e, 5), np.nan)   # an edge's five inputs in its row
    edges = np.sort(rng.choice(e, 300, replace=False))

    def inputs(tick):
        ids = np.where((edge_asset >= 0) & (until[np.maximum(edge_asset, 0)] > tick),
                       edge_asset, -1)
        room = free_d[need[edges]]
        return [np.minimum(free_s[stream[edges]], room), trust[slot_sr[edges]],
                trust[slot_rs[edges]], ids[edges].astype(float), room]

    def refresh(tick):
        asset_key = inputs(tick)[3]   # AssetBook.state_key's role: any float per edge
        # free volumes as volume x level (x made) less committed: 1s and 0s keep the bits
        free = (free_s, np.ones(s), np.ones(s), np.zeros(s), free_d, np.ones(d), np.zeros(d))
        return refresh_inputs(edges, stream, need, *free, trust, slot_sr, slot_rs,
                              asset_key, seen)

    assert refresh(4).all()                      # nothing seen yet
    for got, want in zip(seen.T, inputs(4)):
        assert np.array_equal(got[edges].view(np.int64), want.view(np.int64))
    assert not refresh(4).any()                  # nothing changed
    before = inputs(4)
    trust[slot_sr[edges[::7]]] += 0.1
    free_d[3] = -0.0                             # the sign of a zero is a change of bits
    changed = refresh(6)                         # and some assets end their life
    want = np.zeros(len(edges), dtype=bool)
    for old, new in zip(before, inputs(6)):
        want |= old.view(np.int64) != new.view(np.int64)
    assert want.any() and np.array_equal(changed, want)
    for got, new in zip(seen.T, inputs(6)):
        assert np.array_equal(got[edges].view(np.int64), new.view(np.int64))


@pytest.mark.parametrize("rows", [1, 2, 7, 1000])
def test_seasonal_utilisation_of_is_the_numpy_mean_bit_for_bit(rows):
    rng = np.random.default_rng(rows)
    season = rng.gamma(2.0, 0.5, (60, 12))
    season[:5] = 1.0
    season[5, :6] = 0.0
    season[6, :6] = -0.0   # np.minimum's pick on a tie of zeros, and NaN, kept
    season[7, 3] = np.nan
    i, j = rng.integers(0, 60, rows), rng.integers(0, 60, rows)
    room = 1.0 + rng.exponential(1.0, rows)
    room[::3] = 1.0
    got = seasonal_utilisation_of(season, season, i, j, room)
    want = seasonal_utilisation(season[i], season[j], room)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize("n", [1, 5, 7, 8, 9, 12, 16, 23, 100, 128])
def test_pairwise_sum_is_numpys_sum_bit_for_bit(n):
    rng = np.random.default_rng(n)
    for _ in range(200):   # magnitudes over many orders: the order of additions shows
        row = rng.random(n) * np.exp(rng.normal(0.0, 8.0, n)) * rng.choice([-1.0, 1.0], n)
        assert pairwise_sum(row, n) == row.sum() and (
            np.float64(pairwise_sum(row, n)).view(np.int64) == row.sum().view(np.int64))
    assert np.float64(pairwise_sum(np.array([-0.0, -0.0]), 2)).view(np.int64) == 0


@pytest.mark.parametrize("months", [3, 12, 24])
def test_seasonal_means_sum_as_numpy_does(months):
    rng = np.random.default_rng(months)
    season = rng.random((50, months)) * np.exp(rng.normal(0.0, 6.0, (50, months)))
    i, j = rng.integers(0, 50, 5000), rng.integers(0, 50, 5000)
    room = np.exp(rng.normal(0.0, 3.0, 5000))
    got = seasonal_means(season, season, i, j, room)
    want = seasonal_utilisation(season[i], season[j], room)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


def test_open_edges_and_remembered_surplus_match_numpy_on_a_running_model():
    model = SymbiosisModel("synthetic", rng=2, n_firms=300)
    for _ in range(8):
        model.step()
    w = model.world
    args = (model.edge_status, model.edge_retry, model.tick, w.edges.stream, w.edges.need,
            w.edge_supplier, w.edge_receiver,
            model.stream_free() > MIN_OPEN_SHARE * w.stream_volume,
            model.need_free() > MIN_OPEN_SHARE * w.need_volume,
            model.firm_open & (model.firm_negotiations + model.firm_building
                               < model.params.max_negotiations),
            model.cofund_wait, model.cofunding_available())
    edges = model.open_edges()
    assert len(edges) and np.array_equal(edges, _open_edges_numpy(*args))
    members = model.open_edges(among=model.firm_member)
    both = model.firm_member[w.edge_supplier[edges]] & model.firm_member[w.edge_receiver[edges]]
    assert np.array_equal(members, edges[both])
    remembered = model.expected_surplus(edges)
    anew = model.expected_terms(edges)[0].surplus
    assert np.array_equal(remembered.view(np.int64), anew.view(np.int64))


@pytest.mark.parametrize("seed", range(4))
def test_discover_is_the_numpy_discovery(seed):
    rng = np.random.default_rng(seed)
    e, pairs = 3000, 1200          # fewer pair slots than edges: slots shared by edges
    slot_sr, slot_rs = rng.integers(0, pairs, e), rng.integers(0, pairs, e)
    supplier, receiver = rng.integers(0, 90, e), rng.integers(0, 90, e)
    chance = rng.random(e)
    aware = rng.random(pairs) < 0.3
    edges = np.sort(rng.choice(e, 2000, replace=False))
    find, side = rng.random(len(edges)), rng.random(len(edges))
    # the numpy version (partner_search before the kernel)
    want_aware = aware.copy()
    sr, rs = slot_sr[edges], slot_rs[edges]
    unknown = ~(want_aware[sr] | want_aware[rs])
    found = unknown & (find < chance[edges])
    by_supplier = side < 0.5
    want_aware[sr[found & by_supplier]] = True
    want_aware[rs[found & ~by_supplier]] = True
    known = ~unknown | found
    want_edges = edges[known]
    want_eval = np.where(want_aware[sr[known]], supplier[want_edges], receiver[want_edges])
    got_edges, got_eval = discover(edges, slot_sr, slot_rs, aware, chance, find, side,
                                   supplier, receiver)
    assert found.any() and (~known).any()
    assert np.array_equal(got_edges, want_edges) and np.array_equal(got_eval, want_eval)
    assert np.array_equal(aware, want_aware)


def _first_per_group_numpy(group, order_key, limit):
    """search.first_per_group as it was written in numpy (a stable lexsort)."""
    order = np.lexsort((order_key, group))
    g = group[order]
    starts = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1])))
    rank = np.arange(len(g)) - np.repeat(starts, np.diff(np.append(starts, len(g))))
    mask = np.zeros(len(group), dtype=bool)
    mask[order] = rank < limit[g]
    return mask


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("keys", ["float", "int with ties", "ascending"])
def test_first_in_groups_is_the_lexsort_selection(seed, keys):
    rng = np.random.default_rng(seed)
    n, groups = 4000, 150
    group = rng.integers(0, groups, n)
    key = {"float": rng.random(n), "int with ties": rng.integers(0, 30, n),
           "ascending": np.sort(rng.integers(0, 900, n))}[keys]   # a rank: no sort needed
    limit = rng.integers(0, 40, groups)
    limit[:10] = 0
    got = first_in_groups(group, key, limit)
    want = _first_per_group_numpy(group, key, limit)
    assert 0 < want.sum() < n and np.array_equal(got, want)


@pytest.mark.parametrize("m", [0, 1, 2, 3, 31, 64, 100, 1000])
def test_stable_order_is_numpys_stable_argsort(m):
    from symbiosis_abm.kernels import _stable_order

    rng = np.random.default_rng(m)
    for keys in (rng.random(m), rng.integers(0, 5, m)):
        assert np.array_equal(_stable_order(keys), np.argsort(keys, kind="stable"))


def _numpy_terms(model, edges, volume, cofund, trust, trial, held, mode_info):
    """expected_terms' arithmetic after the mode choice, as numpy wrote it before the
    kernel (economics.py's rules)."""
    from symbiosis_abm.economics import evaluate, need_room, transaction_cost

    w, p = model.world, model.params
    s, n = w.edges.stream[edges], w.edges.need[edges]
    transport, capex, factor, booked = mode_info
    other = model.need_committed[n] - held
    room = need_room(w.need_volume[n], np.maximum(other, 0.0), volume)
    utilisation = seasonal_utilisation(w.stream_season[s], w.need_season[n], room)
    half = p.transaction_cost_eur / 2.0 * np.where(trial, p.trial_volume_share, 1.0)
    trust_sr, trust_rs = ((model.pairs.trust[model.edge_slot_sr[edges]],
                           model.pairs.trust[model.edge_slot_rs[edges]]) if trust is None
                          else (np.full(len(edges), trust),) * 2)
    tc_sup = transaction_cost(trust_sr, half, p.distrust_cost_factor)
    tc_rec = transaction_cost(trust_rs, half, p.distrust_cost_factor)
    terms = evaluate(volume, utilisation, model.virgin_now[n], model.disposal_now[s],
                     transport, capex, factor, tc_sup, tc_rec, p.bargaining_power, cofund)
    own_capex = capex * (1.0 - np.asarray(cofund, dtype=float))
    return terms, {"utilisation": utilisation, "own_capex": own_capex,
                   "affordable": own_capex <= model._capital[w.edge_receiver[edges]],
                   "booked_annuity": booked * own_capex}


@pytest.mark.parametrize("case", ["plain", "cofund", "trust", "trial-held"])
def test_deal_terms_is_the_numpy_arithmetic_on_a_running_model(case):
    model = SymbiosisModel("synthetic", rng=3, n_firms=400)
    model.run(10)
    rng = np.random.default_rng(7)
    edges = np.sort(rng.choice(len(model.world.edges), 1500, replace=False))
    w = model.world
    volume = np.minimum(model.stream_free()[w.edges.stream[edges]],
                        model.need_free()[w.edges.need[edges]])
    volume[::5] = rng.random(len(volume[::5])) * 1e4
    kwargs = {"plain": {}, "cofund": {"cofund": np.where(rng.random(1500) < 0.5, 0.3, 0.0)},
              "trust": {"trust": 1.0},
              "trial-held": {"trial": rng.random(1500) < 0.4,
                             "held": rng.random(1500) * volume}}[case]
    terms, info = model.expected_terms(edges, volume=volume, **kwargs)
    capex, factor = info["capex"], info["annuity_factor"]
    mode = info["mode"]   # the plain (booked) annuity of the chosen mode
    booked = np.where(mode >= 0, model.mode_annuity[w.edge_resource[edges], mode], 0.0)
    want, want_info = _numpy_terms(
        model, edges, volume, kwargs.get("cofund", 0.0), kwargs.get("trust"),
        kwargs.get("trial", np.zeros(1500, dtype=bool)), kwargs.get("held", 0.0),
        (info["transport"], capex, factor, booked))
    want.surplus[info["mode"] < 0] = -np.inf
    for name in ("surplus", "supplier_gain", "receiver_gain", "payment", "transport",
                 "annuity", "tc_supplier", "tc_receiver"):
        got_v, want_v = getattr(terms, name), getattr(want, name)
        assert np.array_equal(got_v.view(np.int64), want_v.view(np.int64)), name
    for name in ("utilisation", "own_capex", "affordable", "booked_annuity"):
        assert np.array_equal(info[name], want_info[name]), name
    assert (terms.surplus > 0).any() and (info["mode"] >= 0).any()


def _route_use_numpy(edges, volume, season, tick, edge_route, route_asset, until, edge_user,
                     load, capacity, paid_off, annuity, asset_volume, slack):
    """AssetBook.live and AssetBook.reusable as they were written in numpy before the
    kernel (season: one row per edge)."""
    ids = route_asset[edge_route[edges]]
    ids = np.where((ids >= 0) & (until[np.maximum(ids, 0)] > tick), ids, -1)
    has = ids >= 0
    usable, share = np.zeros(len(edges), bool), np.zeros(len(edges))
    i, e, v = ids[has], edges[has], volume[has]
    own = edge_user[e] == i
    fits = np.all(load[i] + v[:, None] * season[has] <= capacity[i, None] * slack, axis=1)
    usable[has] = own | fits
    due = np.where(paid_off[i], 0.0, annuity[i])
    part = due * v / np.maximum(asset_volume[i] + v, 1e-300)
    share[has] = np.where((own | fits) & ~own, part, 0.0)
    return ids, usable, share


@pytest.mark.parametrize("seed", range(4))
def test_route_asset_use_is_live_and_reusable_in_numpy(seed):
    from symbiosis_abm.kernels import route_asset_use

    rng = np.random.default_rng(seed)
    e, routes, a, s = 300, 120, 60, 20
    edge_route = rng.integers(0, routes, e)
    route_asset = np.where(rng.random(routes) < 0.6, rng.integers(0, a, routes), -1)
    until = rng.integers(0, 30, a)
    edge_user = np.where(rng.random(e) < 0.3, rng.integers(0, a, e), -1)
    load = rng.random((a, 12)) * 50
    load[0] = np.nan   # NaN never fits
    capacity = rng.random(a) * 120
    paid_off = rng.random(a) < 0.3
    annuity, asset_volume = rng.random(a) * 1e4, rng.random(a) * 40
    asset_volume[1] = -5.0   # a total at or below zero takes 1e-300
    season = rng.random((s, 12)) * 2
    edges = rng.integers(0, e, 500)
    volume = rng.random(500) * 60
    volume[:5] = 5.0 - asset_volume[1]
    row = rng.integers(0, s, 500)
    got = route_asset_use(edges, volume, season, row, 15, edge_route, route_asset, until,
                          edge_user, load, capacity, paid_off, annuity, asset_volume,
                          1.0 + 1e-9)
    want = _route_use_numpy(edges, volume, season[row], 15, edge_route, route_asset, until,
                            edge_user, load, capacity, paid_off, annuity, asset_volume,
                            1.0 + 1e-9)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g.view(np.uint8), w.view(np.uint8))
    assert want[1].any() and not want[1][want[0] >= 0].all() and (want[2] > 0).any()


def _signs_numpy(edges, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust, holdup,
                 mode, own_capex, receiver_gain, owned_from, tick, trial, pipe, mobile, payback,
                 weight, trial_share):
    """DealTerms._signs as it was written in numpy (holdup.py's rules) before the kernel."""
    from symbiosis_abm.holdup import dedicated_capex, required_trust, specificity
    from symbiosis_abm.negotiation import can_sign

    need_sup = min_trust[supplier[edges]]
    need_rec = min_trust[receiver[edges]]
    if holdup:
        sunk = dedicated_capex(own_capex, mode == pipe, mobile)
        spec = specificity(sunk, receiver_gain, payback)
        owned = owned_from[edges]
        spec = np.where((owned >= 0) & (owned <= tick), 0.0, spec)
        need_rec = required_trust(need_rec, spec, weight)
    if trial.any():
        need_sup = np.where(trial, trial_share * need_sup, need_sup)
        need_rec = np.where(trial, trial_share * min_trust[receiver[edges]], need_rec)
    return can_sign(pair_trust[slot_sr[edges]], pair_trust[slot_rs[edges]], need_sup, need_rec)


@pytest.mark.parametrize("seed", range(4))
def test_deal_signs_is_the_holdup_rule_in_numpy(seed):
    from symbiosis_abm.kernels import deal_signs

    rng = np.random.default_rng(seed)
    e, f, k = 200, 30, 600
    supplier, receiver = rng.integers(0, f, e), rng.integers(0, f, e)
    min_trust = rng.random(f) * 0.8
    slot_sr, slot_rs = rng.integers(0, 400, e), rng.integers(0, 400, e)
    pair_trust = rng.random(400)
    owned_from = np.where(rng.random(e) < 0.2, rng.integers(0, 20, e), -1)
    edges = rng.integers(0, e, k)
    mode = rng.integers(-1, 4, k)
    own_capex = np.where(rng.random(k) < 0.2, 0.0, rng.random(k) * 1e6)
    gain = rng.normal(2e4, 5e4, k)
    gain[:10] = np.nan
    trial = rng.random(k) < 0.15
    for holdup in (True, False):
        for weight in (0.45, 3.0):   # 3.0: thresholds above 1 are clipped
            args = (edges, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust,
                    holdup, mode, own_capex, gain, owned_from, 10, trial, 0, 0.25, 5.0,
                    weight, 0.5)
            want = _signs_numpy(*args)
            assert np.array_equal(deal_signs(*args), want)
            assert 0 < want.sum() < k


def _within_room_numpy(edges, supplier, receiver, room, rounds=4):
    """negotiation.within_room as it was written in numpy (first_per_group rounds)."""
    from symbiosis_abm.search import first_per_group

    ends = np.concatenate([supplier, receiver])
    if len(ends) == 0 or (np.bincount(ends, minlength=len(room)) <= room).all():
        return edges.copy()
    rank = np.arange(len(edges))
    left = np.asarray(room, dtype=np.int64).copy()
    chosen = np.zeros(len(edges), dtype=bool)
    for _ in range(rounds):
        todo = np.flatnonzero(~chosen)
        if len(todo) == 0:
            break
        ends = np.concatenate([supplier[todo], receiver[todo]])
        fits = first_per_group(ends, np.concatenate([rank[todo], rank[todo]]), left)
        keep = todo[fits[: len(todo)] & fits[len(todo):]]
        if len(keep) == 0:
            break
        chosen[keep] = True
        np.subtract.at(left, supplier[keep], 1)
        np.subtract.at(left, receiver[keep], 1)
    return edges[chosen]


@pytest.mark.parametrize("seed", range(6))
def test_within_room_is_the_numpy_rounds(seed):
    from symbiosis_abm.negotiation import within_room

    rng = np.random.default_rng(seed)
    sizes = []
    for f, k in [(5, 12), (20, 40), (60, 30), (3, 1), (8, 0)]:
        edges = rng.permutation(1000)[:k]
        supplier, receiver = rng.integers(0, f, k), rng.integers(0, f, k)
        room = rng.integers(-1, 4, f)
        for rounds in (1, 4):
            want = _within_room_numpy(edges, supplier, receiver, room, rounds)
            got = within_room(edges, supplier, receiver, room, rounds)
            assert got.dtype == want.dtype and np.array_equal(got, want)
            sizes.append(len(want) / max(k, 1))
    assert min(sizes) < 1 and max(sizes) > 0
