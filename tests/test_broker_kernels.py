"""The broker's compiled passes (kernels_tick.py, section "The broker's look at its
matches") give what the numpy steps they replace give, bit for bit."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from reference_kernels import keep_priced

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.cofunding import offer
from symbiosis_abm.input_watch import EdgeIndex, InputWatch
from symbiosis_abm.kernels import cofund_shares, refresh_inputs
from symbiosis_abm.kernels_tick import cofund_priced, stale_edges


def _pick(rng, values, n):
    return np.asarray(values, dtype=float)[rng.integers(0, len(values), n)]


def _free_terms(rng, n_streams, n_needs):
    """Terms of free volumes with ties of +-0, NaN and repeated values."""
    vals = [0.0, -0.0, 1.0, 2.5, np.nan, 3.0]
    return (_pick(rng, vals, n_streams), _pick(rng, [1.0, 0.5, 0.0], n_streams),
            _pick(rng, [1.0, 0.0], n_streams), _pick(rng, vals, n_streams),
            _pick(rng, vals, n_needs), _pick(rng, [1.0, 0.5], n_needs),
            _pick(rng, vals, n_needs))


def _numpy_free(sv, sl, sm, sc, nv, nl, nc):
    """``DealTerms.stream_free()`` and ``need_free()`` as numpy computes them."""
    return sv * sl * sm - sc, nv * nl - nc


@pytest.mark.parametrize("seed", range(8))
def test_mark_terms_is_mark_on_the_free_volumes(seed):
    rng = np.random.default_rng(seed)
    n_streams, n_needs, e = 80, 70, 400   # (blocks of values, and a part block)
    stream = np.sort(rng.integers(0, n_streams, e))
    starts = np.searchsorted(stream, np.arange(n_streams + 1))
    need = rng.integers(0, n_needs, e)
    slot_sr, slot_rs = rng.integers(0, 203, e), rng.integers(0, 203, e)
    route = rng.integers(0, 60, e)
    index = EdgeIndex(starts, need, n_needs, slot_sr, slot_rs, route)
    terms = _free_terms(rng, n_streams, n_needs)
    trust = _pick(rng, [0.0, -0.0, 0.3, 0.7], index.n_slots + 5)
    plain = InputWatch(index, *_numpy_free(*terms), trust)
    fused = copy.deepcopy(plain)
    changes = 0
    for _ in range(6):
        # a few of the values move (or not, or to the other zero) each round
        terms = tuple(np.where(rng.random(len(t)) < 0.05, _free_terms(rng, n_streams,
                      n_needs)[k], t) for k, t in enumerate(terms))
        trust = np.where(rng.random(len(trust)) < 0.02,
                         _pick(rng, [0.0, -0.0, 0.3, 0.9], len(trust)), trust)
        routes = rng.integers(0, 60, 8)   # repeats, as assets of one route do
        keys = _pick(rng, [-1.0, 4.0, 8e9, 4.0e9 + 2.0], 8)
        plain.mark(*_numpy_free(*terms), trust, routes, keys)
        fused.mark_terms(terms, trust, routes, keys)
        for name in ("dirty", "stream_dirty", "stream_seen", "need_seen", "slot_seen",
                     "route_seen"):
            assert np.array_equal(getattr(fused, name), getattr(plain, name)), name
        changes += int(plain.dirty.sum() + plain.stream_dirty.sum())
        taken = rng.random(e) < 0.5   # the caller takes some marks in between
        for watch in (plain, fused):
            watch.dirty[taken] = watch.stream_dirty[taken] = False
    assert changes > 0


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("with_places", [False, True])
def test_keep_priced_is_the_numpy_writes(seed, with_places):
    rng = np.random.default_rng(seed)
    e, n = 50, 30
    edges = np.sort(rng.choice(e, n, replace=False))
    at = np.sort(rng.choice(n, 12, replace=False))
    part = edges[at]
    out = rng.normal(size=(9, len(part))) * 1e5
    out[4, ::3] = 0.0
    rows = np.array([1, 4, 7])
    want = [rng.normal(size=e) for _ in range(3)]
    got_want = [rng.normal(size=n) for _ in range(2)]
    have, got_have = [a.copy() for a in want], [a.copy() for a in got_want]
    # the numpy writes DealTerms.expected_surplus made
    want[0][part], want[1][part] = out[1], out[4]
    want[2][part] = out[4] * out[7]
    if with_places:
        got_want[0][at], got_want[1][at] = out[1], out[4]
    keep_priced(part, out, rows, *have, at if with_places else np.zeros(0, np.int64),
                *(got_have if with_places else (np.zeros(0), np.zeros(0))))
    for a, b in zip(have + got_have, want + got_want):
        assert np.array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("seed", range(8))
def test_cofund_priced_is_the_rule_on_the_terms(seed):
    rng = np.random.default_rng(seed)
    n = 40
    out = rng.normal(size=(6, n)) * 1e4
    out[0] = rng.normal(size=n) * 300.0         # surpluses without co-funding
    out[2] = rng.choice([0.0, 0.05, 0.1], n)   # annuity factors
    out[5] = np.abs(out[5])                    # capex
    out[5, ::4] = 0.0
    rows = np.array([0, 5, 2])
    for budget in (0.0, 5e3, 3e4, np.inf):
        want = cofund_shares(out[0], out[5] * out[2], out[5], 0.4, budget)
        assert np.array_equal(cofund_priced(out, rows, 0.4, budget), want)
    assert cofund_priced(out, rows, 0.4, np.inf).any()


@pytest.mark.parametrize("seed", range(3))
def test_the_models_cofunding_offer_is_offer_on_expected_terms(seed):
    # the offer on deals priced in place: cofunding.offer on expected_terms, as the
    # model's phases ask it, tick by tick
    model = SymbiosisModel("synthetic", rng=seed, n_firms=200, cofund_share=0.9)
    compared = 0
    for _ in range(12):
        model.step()
        edges = model.open_edges()
        volume = model.free_volume(edges) * 0.5
        for v in (None, volume):
            want = offer(model.cofunding_available(), model.params.cofund_share,
                         model.expected_terms, edges, v)
            assert np.array_equal(model.cofunding_offer(edges, v), want)
            compared += int(np.count_nonzero(want))
    assert compared > 0


@pytest.mark.parametrize("seed", range(3))
def test_stale_edges_is_refresh_inputs_on_the_state_keys(seed):
    # without a watch: the stale edges of a running model, as the two calls found them
    model = SymbiosisModel("kalundborg", rng=seed)
    w, e = model.world, len(model.world.edges)
    seen, want_seen = np.full((e, 5), np.nan), np.full((e, 5), np.nan)
    stale_total = 0
    for _ in range(60):
        model.step()
        edges, tick, book = model.open_edges(), max(model.tick, 0), model.assets
        free = (w.edges.stream, w.edges.need, w.stream_volume, model.stream_level,
                model.stream_made, model.stream_committed, w.need_volume, model.need_level,
                model.need_committed)
        pair = (model.pairs.trust, model.edge_slot_sr, model.edge_slot_rs)
        want = edges[refresh_inputs(edges, *free, *pair, book.state_key(edges, tick),
                                    want_seen)]
        got = stale_edges(edges, *free, *pair, tick, book.edge_route, book.route_asset,
                          book.table["until"], book.table["changes"], book.edge_user, seen)
        assert np.array_equal(got, want)
        assert np.array_equal(seen.view(np.int64), want_seen.view(np.int64))
        stale_total += len(got)
    assert stale_total > 0 and len(book) > 0
