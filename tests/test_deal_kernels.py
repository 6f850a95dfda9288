"""The deal path's compiled passes (the deal path's section of kernels.py) give the
numpy rules they replace, bit for bit."""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pytest
from helpers import priced_synthetic_model

from symbiosis_abm import SymbiosisModel
from symbiosis_abm import terms as terms_module
from symbiosis_abm.allocation import allocate
from symbiosis_abm.assets import LINE
from symbiosis_abm.codes import IDLE, NEGOTIATING, OPEN
from symbiosis_abm.columns import Columns
from symbiosis_abm.contracts import _EXCHANGE_COLUMNS, _exchange_columns
from symbiosis_abm.economics import ExchangeTerms
from symbiosis_abm.kernels import (
    asset_state_keys,
    open_within_room,
    route_state_keys,
    start_exchange_rows,
)
from symbiosis_abm.negotiation import ROOM_ROUNDS, duration


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _state_key_numpy(edges, tick, edge_route, route_asset, until, changes, edge_user):
    """AssetBook.live and AssetBook.state_key as they were written in numpy."""
    if len(until) == 0:
        return np.full(len(edges), -1, dtype=np.int64).astype(float)
    ids = route_asset[edge_route[edges]]
    alive = (ids >= 0) & (until[np.maximum(ids, 0)] > tick)
    ids = np.where(alive, ids, -1)
    changes = changes[np.maximum(ids, 0)]
    own = edge_user[edges] == ids
    return np.where(ids >= 0, ids * 4.0e9 + changes * 2.0 + own, -1.0)


@pytest.mark.parametrize("seed", range(12))
def test_asset_state_keys_is_the_numpy_key(seed):
    rng = np.random.default_rng(seed)
    n_edges, n_routes = int(rng.integers(1, 40)), int(rng.integers(1, 15))
    n_assets = int(rng.integers(0, 25)) if seed else 0   # seed 0: an empty book
    edge_route = rng.integers(0, n_routes, n_edges)
    route_asset = rng.integers(-1, n_assets, n_routes) if n_assets else np.full(n_routes, -1)
    until = rng.integers(0, 20, n_assets)
    changes = rng.integers(0, 1 << 40, n_assets)    # large counts: rounding of the key
    edge_user = rng.integers(-1, max(n_assets, 1), n_edges)
    edges = rng.integers(0, n_edges, int(rng.integers(0, 60)))
    tick = int(rng.integers(0, 20))
    args = (edges, tick, edge_route, route_asset, until, changes, edge_user)
    assert _same(asset_state_keys(*args), _state_key_numpy(*args))


@pytest.fixture(scope="module")
def priced_model():
    """A synthetic region after 40 ticks, some of its lines carrying contracts again (so
    that a deal joining one pays a share of its annuity), as tests/test_deal_path.py."""
    return priced_synthetic_model()


def _priced(model, monkeypatch, few: bool, edges, **kwargs):
    """``expected_terms`` through kernels.price_few_deals (``few``) or price_deals."""
    monkeypatch.setattr(terms_module, "FEW_DEALS", 10**9 if few else -1)
    terms, info = model.expected_terms(edges, **kwargs)
    return [getattr(terms, name) for name in ExchangeTerms.__dataclass_fields__], info


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [0, 1, 3, 40, 300])
def test_price_few_deals_is_price_deals(priced_model, monkeypatch, seed, size):
    model, rng = priced_model, np.random.default_rng(seed)
    w, book = model.world, model.assets
    routed = np.flatnonzero(book.route_asset[book.edge_route] >= 0)
    pool = np.concatenate([routed, rng.choice(len(w.edges), 300, replace=False)])
    edges = rng.choice(pool, size)   # repeats too
    volume = model.free_volume(edges)
    volume[::3] = rng.random(len(volume[::3])) * 1e4
    volume[np.isin(edges, routed)] *= rng.choice([1e-3, 1.0])   # some join a line
    volume[rng.random(size) < 0.05] = rng.choice([0.0, -0.0, np.nan])
    kwargs = [{}, {"volume": volume},
              {"volume": volume, "cofund": np.where(rng.random(size) < 0.5, 0.3, 0.0)},
              {"trust": float(rng.random())},
              {"volume": volume, "trial": rng.random(size) < 0.4,
               "held": rng.random(size) * volume},
              {"trial": True, "held": 5.0, "cofund": 0.2}][seed]
    got, got_info = _priced(model, monkeypatch, True, edges, **kwargs)
    want, want_info = _priced(model, monkeypatch, False, edges, **kwargs)
    assert all(_same(g, x) for g, x in zip(got, want))
    assert got_info.keys() == want_info.keys()
    assert all(_same(got_info[name], want_info[name]) for name in want_info)
    if seed == 1 and size >= 40:   # the shared-line path is exercised
        assert (got_info["mode"] >= 0).any() and (got[0] > 0).any()


def _start_rows_numpy(table, t, edges, volume, utilisation, payment, transport_full, mode,
                      capex, subsidy, annuity, priced_annuity, tc_supplier, tc_receiver,
                      supplier_gain, receiver_gain, asset, ready, trial, lengths_of,
                      asset_ready, edge_stream, edge_need, edge_supplier, edge_receiver,
                      edge_resource, distance, virgin, disposal, stream_committed,
                      need_committed):
    """ContractBook._start_exchanges' rows as they were written in numpy and appended
    (``lengths_of``: the two terms before rounding)."""
    s, n = edge_stream[edges], edge_need[edges]
    expected = volume * utilisation
    joined = (asset >= 0) & (capex <= 0)
    stream_committed += np.bincount(s, weights=volume, minlength=len(stream_committed))
    need_committed += np.bincount(n, weights=volume, minlength=len(need_committed))
    first = np.where(capex > 0, ready, t + 1)
    first[joined] = np.maximum(first[joined], asset_ready[asset[joined]])
    length = np.where(trial, lengths_of[1], lengths_of[0])
    table.append(
        edge=edges, stream=s, need=n, supplier=edge_supplier[edges],
        receiver=edge_receiver[edges], resource=edge_resource[edges], volume=volume,
        price=payment / np.maximum(expected, 1e-12), distance_km=distance[edges], mode=mode,
        capex=capex, subsidy=subsidy, transport_unit=transport_full / np.maximum(volume, 1e-12),
        annuity=annuity, priced_annuity=priced_annuity, planned=expected, max_volume=volume,
        tc_supplier=tc_supplier, tc_receiver=tc_receiver, expected_supplier=supplier_gain,
        expected_receiver=receiver_gain, avg_supplier=0.0, avg_receiver=0.0, losing_ticks=0,
        asset=asset, start=t, first=first,
        end=first - 1 + np.maximum(1, np.round(length)).astype(np.int64), ended=-1, reason=0,
        active=True, delivered=0.0, paid=0.0, trial=trial, virgin_unit=virgin[n],
        disposal_unit=disposal[s])


def test_start_exchange_rows_takes_the_columns_in_the_tables_order():
    names = inspect.signature(start_exchange_rows.py_func).parameters
    assert [name[2:] for name in names if name.startswith("c_")] == list(_EXCHANGE_COLUMNS)


@pytest.mark.parametrize("seed", range(10))
def test_start_exchange_rows_is_the_numpy_rows(seed):
    rng = np.random.default_rng(seed)
    n_edges, n_streams, n_needs, n_assets = 30, 12, 9, 6
    k = int(rng.integers(0, 12))
    odd = lambda size: rng.choice([0.0, -0.0, 1e-13, np.nan, 1.0, 5e3], size)  # noqa: E731
    edges = rng.integers(0, n_edges, k)
    volume = np.where(rng.random(k) < 0.3, odd(k), rng.random(k) * 1e4)
    utilisation = np.where(rng.random(k) < 0.3, odd(k), rng.random(k))
    capex = np.where(rng.random(k) < 0.4, odd(k), rng.random(k) * 1e5)
    floats = [rng.normal(0, 1e4, k) for _ in range(9)]   # payment, transport, ..., gains
    asset = rng.integers(-1, n_assets, k)
    ready = 5 + rng.integers(1, 8, k)
    trial = rng.random(k) < 0.3
    lengths_of = (float(rng.choice([20.0, 2.5, 0.4])), float(rng.choice([1.5, 3.0, 0.2])))
    lengths = np.maximum(1, np.round(np.array(lengths_of))).astype(np.int64)
    asset_ready = rng.integers(0, 12, n_assets)
    world = (rng.integers(0, n_streams, n_edges), rng.integers(0, n_needs, n_edges),
             rng.integers(0, 20, n_edges), rng.integers(0, 20, n_edges),
             rng.integers(0, 4, n_edges), rng.random(n_edges) * 50,
             rng.random(n_needs) * 100, rng.random(n_streams) * 100)
    committed = (np.where(rng.random(n_streams) < 0.2, -0.0, rng.random(n_streams) * 1e3),
                 np.where(rng.random(n_needs) < 0.2, -0.0, rng.random(n_needs) * 1e3))
    want_committed = tuple(c.copy() for c in committed)
    tables = [Columns(_EXCHANGE_COLUMNS, capacity=4) for _ in range(2)]
    before = {name: rng.integers(0, 2, 3) for name in _EXCHANGE_COLUMNS}
    for table in tables:   # some rows there already; the room holds stale values
        table.append(**before)
    spare = tables[1].spare(k)
    for column in spare.values():
        column[3:] = 7
    payment, transport_full, *rest = floats
    mode = rng.integers(0, 4, k)
    deals = (edges, volume, utilisation, payment, transport_full, mode, capex, *rest, asset,
             ready, trial)
    _start_rows_numpy(tables[0], 5, *deals, lengths_of, asset_ready, *world, *want_committed)
    start_exchange_rows(5, 3, *deals, lengths, asset_ready, *world, *committed,
                        *_exchange_columns(spare))
    tables[1].extend(k)
    assert all(_same(tables[1][name], tables[0][name]) for name in _EXCHANGE_COLUMNS)
    assert all(_same(g, w) for g, w in zip(committed, want_committed))


def _first_of_each(keys: np.ndarray) -> np.ndarray:
    seen: set[int] = set()
    return np.array([k not in seen and not seen.add(k) for k in keys.tolist()], dtype=bool)


def _attach_numpy(book, w, costs, edges, mode, capex, subsidy, annuity, volume, stream, *,
                  built, ready, capacity=None, signed=None):
    """AssetUse._attach_assets as it was written in rounds of numpy."""
    profile = volume[:, None] * w.stream_season[stream]
    if capacity is None:
        capacity = np.where(mode == LINE, profile.max(axis=1), np.inf)
    capex, subsidy, annuity = capex.copy(), subsidy.copy(), annuity.copy()
    ids = np.full(len(edges), -1, dtype=np.int64)
    route = book.edge_route[edges]
    todo = np.arange(len(edges))
    while len(todo):
        first = _first_of_each(route[todo])
        now, todo = todo[first], todo[~first]
        live, fits, _ = book.reusable(edges[now], volume[now], w.stream_season, stream[now],
                                      built)
        same = np.zeros(len(now), dtype=bool)
        if len(book):
            same = (live >= 0) & (book.table["mode"][live] == mode[now])
        join = same & fits
        ids[now[join]] = live[join]
        capex[now[join]] = subsidy[now[join]] = 0.0
        full = now[same & ~fits & (capex[now] <= 0)]
        if len(full):
            capex[full] = costs["capex"][edges[full], mode[full]]
            annuity[full] = capex[full] * costs["annuity"][edges[full], mode[full]]
            subsidy[full] = 0.0
        new = now[~join & (capex[now] > 0)]
        if len(new):
            e = edges[new]
            ids[new] = book.build(
                e, w.edge_supplier[e], w.edge_receiver[e], w.edge_resource[e], mode[new],
                capex[new], subsidy[new], tick=built, annuity=annuity[new],
                profile=capacity[new, None], ready=ready[new])
        book.use(ids[now[join]], built if signed is None else signed)
        on = now[ids[now] >= 0]
        book.join(ids[on], edges[on], volume[on], profile[on])
    return ids, capex, subsidy, annuity


@pytest.fixture(scope="module")
def placed_model():
    """Kalundborg after 60 ticks: a book of assets, some live, some shared."""
    model = SymbiosisModel("kalundborg", rng=4)
    model.run(60)
    return model


@pytest.mark.parametrize("seed", range(16))
def test_place_on_routes_is_the_rounds_of_numpy(placed_model, seed):
    model, rng = placed_model, np.random.default_rng(seed)
    w, costs = model.world, model._edge_costs()
    k = int(rng.integers(0, 9))
    have = np.flatnonzero(model.assets.route_asset[model.assets.edge_route] >= 0)
    edges = rng.choice(np.concatenate([have, have, np.arange(len(w.edges))]), k)
    mode = np.where(rng.random(k) < 0.6, model.assets.table["mode"][
        model.assets.route_asset[model.assets.edge_route[edges]]], rng.integers(0, 4, k))
    capex = np.where(rng.random(k) < 0.5, 0.0, rng.random(k) * 1e6)   # 0: priced joining
    subsidy, annuity = capex * rng.random(k) * 0.3, capex * 0.08
    volume = rng.choice([1.0, 1e3, 1e5, 1e7], k) * rng.random(k)
    stream = w.edges.stream[edges]
    given = {} if seed % 2 else {"capacity": rng.random(k) * 1e6}
    ready = 61 + rng.integers(0, 6, k)
    signed = None if seed % 3 else 60
    books = [copy.deepcopy(model.assets) for _ in range(2)]
    for book in books:   # lines another edge's contract would join: some are full
        book.edge_user[have[seed % 2::2]] = -1
    if seed % 4 == 1:   # a copy of a book whose load is a view: the room is rebuilt
        books[1]._load_with_room(3)
        books[1] = copy.deepcopy(books[1])
    args = (edges, mode, capex, subsidy, annuity, volume, stream)
    want = _attach_numpy(books[0], w, costs, *args, built=61, ready=ready, signed=signed,
                         **given)
    got = copy.copy(model)   # (a shallow copy with its own book)
    got.assets = books[1]
    result = got._attach_assets(*args, built=61, ready=ready, signed=signed, **given)
    assert all(_same(g, x) for g, x in zip(result, want))
    for name in books[0].table:
        assert _same(books[1].table[name], books[0].table[name]), name
    for name in ("load", "edge_user", "route_asset"):
        assert _same(getattr(books[1], name), getattr(books[0], name)), name


def _open_numpy(model, edges, via_broker=False, limit=None):
    """NegotiationBook.open_negotiations as it was: the compiled room pass, then the free
    volumes, the durations and the rows appended."""
    w, p, store = model.world, model.params, model.pairs
    edges, low = open_within_room(
        np.asarray(edges, dtype=np.int64), -1 if limit is None else int(limit),
        model.edge_status, IDLE, w.edge_supplier, w.edge_receiver, model.firm_negotiations,
        model.firm_building, int(p.max_negotiations), ROOM_ROUNDS, model.edge_slot_sr,
        model.edge_slot_rs, store.aware, store.met, store.trust, NEGOTIATING)
    if len(edges) == 0:
        return edges
    t = max(model.tick, 0)
    model.negotiations.append(
        edge=edges, opened=t, due=t + duration(low, model.rates.negotiation),
        volume=model.free_volume(edges), via_broker=via_broker,
        cofund=model.edge_counted[edges], trial=False, status=OPEN, reason=0, closed=-1)
    model.counts["negotiations_opened"] += len(edges)
    return edges


@pytest.mark.parametrize("seed", range(12))
def test_open_talk_rows_is_the_numpy_opening(seed):
    rng = np.random.default_rng(seed)
    ticks = int(rng.integers(1, 40))
    models = [SymbiosisModel("kalundborg", rng=seed) for _ in range(2)]
    counted = None
    for model in models:   # the same run; a few stale values in the book's room
        model.run(ticks)
        if counted is None:
            counted = rng.random(len(model.edge_counted)) * 0.3
        model.negotiations.spare(30)
        for column in model.negotiations._data.values():
            column[len(model.negotiations):] = 3
        model.edge_counted[:] = counted
    edges = rng.integers(0, len(models[0].world.edges), int(rng.integers(0, 40)))
    limit = None if seed % 3 else int(rng.integers(0, 5))
    want = _open_numpy(models[0], edges, via_broker=seed % 2 == 1, limit=limit)
    got = models[1].open_negotiations(edges, via_broker=seed % 2 == 1, limit=limit)
    assert _same(got, want)
    for name in models[0].negotiations:
        assert _same(models[1].negotiations[name], models[0].negotiations[name]), name
    for name in ("edge_status", "firm_negotiations"):
        assert _same(getattr(models[1], name), getattr(models[0], name)), name
    assert models[1].counts == models[0].counts


def _allocate_python(stream, need, volume, surplus, stream_free, need_free, min_share=0.5):
    """allocation.allocate as it was written: a loop in Python floats over dicts."""
    streams, needs = np.asarray(stream).tolist(), np.asarray(need).tolist()
    asked = np.asarray(volume, dtype=float).tolist()
    stream_left = dict(zip(streams, np.asarray(stream_free, dtype=float)[stream].tolist()))
    need_left = dict(zip(needs, np.asarray(need_free, dtype=float)[need].tolist()))
    granted = [0.0] * len(asked)
    for d in np.argsort(-np.asarray(surplus), kind="stable").tolist():
        s, n, v = streams[d], needs[d], asked[d]
        give = min(v, stream_left[s], need_left[n])
        if give <= 0 or give < min_share * v:
            continue
        granted[d] = give
        stream_left[s] -= give
        need_left[n] -= give
    return np.array(granted, dtype=float)


@pytest.mark.parametrize("seed", range(20))
def test_allocate_is_the_python_loop(seed):
    rng = np.random.default_rng(seed)
    k, n_streams, n_needs = int(rng.integers(0, 25)), int(rng.integers(1, 6)), int(rng.integers(1, 6))
    odd = [0.0, -0.0, np.nan, -5.0, 1e-300]
    stream, need = rng.integers(0, n_streams, k), rng.integers(0, n_needs, k)
    volume = np.where(rng.random(k) < 0.15, rng.choice(odd, k), rng.random(k) * 100)
    surplus = np.where(rng.random(k) < 0.2, rng.choice([1.0, np.nan, -np.inf, 0.0], k),
                       rng.normal(size=k))
    stream_free = np.where(rng.random(n_streams) < 0.2, rng.choice(odd, n_streams),
                           rng.random(n_streams) * 150)
    need_free = np.where(rng.random(n_needs) < 0.2, rng.choice(odd, n_needs),
                         rng.random(n_needs) * 150)
    args = (stream, need, volume, surplus, stream_free, need_free, float(rng.choice([0.0, 0.5])))
    assert _same(allocate(*args), _allocate_python(*args))


@pytest.mark.parametrize("seed", range(10))
def test_route_state_keys_is_the_numpy_state(seed):
    rng = np.random.default_rng(seed)
    n_routes, n_assets = int(rng.integers(1, 12)), int(rng.integers(0, 20))
    routes = rng.integers(0, n_routes, n_assets)
    route_asset = rng.integers(0, max(n_assets, 1), n_routes)
    until, changes = rng.integers(0, 20, n_assets), rng.integers(0, 1 << 40, n_assets)
    tick = int(rng.integers(0, 20))
    if n_assets:
        route_asset[routes] = np.minimum(route_asset[routes], n_assets - 1)
        ids = route_asset[routes]   # AssetBook.route_state as it was written in numpy
        want = np.where(until[ids] > tick, ids * 4.0e9 + changes[ids] * 2.0, -1.0)
    else:
        want = np.zeros(0)
    assert _same(route_state_keys(routes, tick, route_asset, until, changes), want)
