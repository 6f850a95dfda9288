"""The allocation's sixth compiled pass against the code it replaced.

``kernels.grant_deals`` is ``allocation.allocate`` on the model's free volumes;
``kernels.every_deal_allocated`` is True only where ``contracts.allocation_reasons`` fails
no deal.
``kernels.start_on_routes`` starts exchanges in one call where ``_start_exchanges`` made
three compiled calls with numpy between them (``AssetUse._attach_assets``,
``kernels.start_exchange_rows``, ``AssetUse._share_annuity``): both are run on copies of a
model's state and must leave the same state, bit for bit (two models of one run, as a model does not
copy).
"""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.allocation import allocate
from symbiosis_abm.contracts import (
    _contract_ticks,
    _exchange_columns,
    _lead_by_mode,
    allocation_reasons,
)
from symbiosis_abm.kernels import every_deal_allocated, grant_deals, start_exchange_rows


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _start_before(model, t, edges, terms, info, cofund, ok) -> None:
    """``ContractBook._start_exchanges`` as it was before the pass (main at 614c59b)."""
    w, p = model.world, model.params
    if np.count_nonzero(ok) == len(ok):
        ok = slice(None)
    volume = info["volume"][ok]
    subsidy = (cofund * info["capex"])[ok]
    mode, trial = info["mode"][ok], info["trial"][ok]
    ready = t + 1 + _lead_by_mode(p)[mode]
    asset, capex, subsidy, annuity = model._attach_assets(
        edges, mode, info["capex"][ok], subsidy, info["booked_annuity"][ok], volume,
        w.edges.stream[edges], built=t + 1, ready=ready, signed=t)
    ex = model.exchanges
    size = len(ex)
    start_exchange_rows(
        t, size, edges, volume, info["utilisation"][ok], terms.payment[ok],
        info["transport"][ok], mode, capex, subsidy, annuity, terms.annuity[ok],
        terms.tc_supplier[ok], terms.tc_receiver[ok], terms.supplier_gain[ok],
        terms.receiver_gain[ok], asset, ready, trial, _contract_ticks(p),
        model.assets.table["ready"], w.edges.stream, w.edges.need, w.edge_supplier,
        w.edge_receiver, w.edge_resource, w.edges.distance_km, model.virgin_now,
        model.disposal_now, model.stream_committed, model.need_committed,
        *_exchange_columns(ex.spare(len(edges))))
    ex.extend(len(edges))
    model.counts["trials_started"] += int(np.count_nonzero(trial))
    model._share_annuity(asset)
    if model.facilitator is not None and subsidy.sum() > 0:
        model.facilitator.pay_cofunding(float(subsidy.sum()))


def _deals(model, rng):
    """Priced deals on distinct candidate edges (some sharing a route with a contract
    already running), their co-funding and which of them start."""
    w = model.world
    k = int(rng.integers(0, 9))
    running = model.exchanges["edge"][model.exchanges["active"]]
    pool = np.unique(np.concatenate([rng.choice(len(w.edges), k), running[:2]]))
    edges = rng.permutation(pool)[:k].astype(np.int64)
    free = model.free_volume(edges)
    volume = np.where(free > 0, free, 1.0) * rng.choice([1.0, 0.5, 0.01], len(edges))
    trial = rng.random(len(edges)) < 0.3
    terms, info = model.expected_terms(edges, volume=volume, trial=trial)
    cofund = np.where(rng.random(len(edges)) < 0.5, rng.random(len(edges)) * 0.6, 0.0)
    ok = rng.random(len(edges)) < (1.0 if rng.random() < 0.5 else 0.7)
    return edges, terms, info, cofund, ok


@pytest.mark.parametrize("seed", range(8))
def test_start_on_routes_is_the_three_calls_it_replaced(seed):
    region, ticks = ("kalundborg" if seed % 4 else "sotenas"), 1 + 7 * seed
    want, got = (SymbiosisModel(region, rng=seed) for _ in range(2))   # (the same run twice)
    want.run(ticks)
    got.run(ticks)
    for draw in range(4):   # starts on starts: the second sees the first's assets
        rounds = [_deals(model, np.random.default_rng([seed, draw])) for model in (want, got)]
        edges, terms, info, cofund, ok = rounds[0]
        t = max(want.tick, 0)
        _start_before(want, t, edges[ok], terms, info, cofund, ok)
        edges, terms, info, cofund, ok = rounds[1]
        got._start_exchanges(t, edges[ok], terms, info, cofund, ok)
        assert len(got.exchanges) == len(want.exchanges) and len(got.assets) == len(want.assets)
        for name in want.exchanges:
            assert _same(got.exchanges[name], want.exchanges[name]), name
        for name in want.assets.table:
            assert _same(got.assets.table[name], want.assets.table[name]), name
        for name in ("load", "edge_user", "route_asset"):
            assert _same(getattr(got.assets, name), getattr(want.assets, name)), name
        assert _same(got.stream_committed, want.stream_committed)
        assert _same(got.need_committed, want.need_committed)
        assert got.counts == want.counts
        assert got.cofunding_available() == want.cofunding_available()
    assert len(got.exchanges) > 0 and len(got.assets) > 0


@pytest.mark.parametrize("seed", range(40))
def test_grant_deals_is_allocate_on_the_free_volumes(seed):
    rng = np.random.default_rng(seed)
    n_edges, n_streams, n_needs = 40, 6 + seed % 3, 5 + seed % 4
    k = int(rng.integers(1, 14))
    odd = lambda size: rng.choice([0.0, -0.0, 1e-13, 1.0, 5e3], size)  # noqa: E731
    edge_stream, edge_need = rng.integers(0, n_streams, n_edges), rng.integers(0, n_needs, n_edges)
    edges = rng.integers(0, n_edges, k)
    volume = np.where(rng.random(k) < 0.2, odd(k), rng.random(k) * 1e3)
    surplus = np.where(rng.random(k) < 0.3, 1.0, rng.normal(0, 1e3, k))   # some ties
    # free volumes about the deals' (most bind somewhere), made shares of any size (the
    # order of the products shows)
    streams = (rng.random(n_streams) * 2e3, 0.5 + 0.5 * rng.random(n_streams),
               np.where(rng.random(n_streams) < 0.1, 0.0, rng.random(n_streams)),
               rng.random(n_streams) * 2e2)
    needs = (rng.random(n_needs) * 3e3, 0.5 + 0.5 * rng.random(n_needs),
             rng.random(n_needs) * 2e2)
    stream_free = streams[0] * streams[1] * streams[2] - streams[3]   # Terms.stream_free
    need_free = needs[0] * needs[1] - needs[2]
    want = allocate(edge_stream[edges], edge_need[edges], volume, surplus, stream_free,
                    need_free)
    order = np.argsort(-surplus, kind="stable")
    got = grant_deals(order, edges, volume, edge_stream, edge_need, *streams, *needs, 0.5)
    assert _same(got, want)


@pytest.mark.parametrize("seed", range(300))
def test_every_deal_allocated_only_where_no_reason_fails_one(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 4))
    pick = lambda *v: rng.choice(np.array(v), k, p=[0.8] + [0.2 / (len(v) - 1)] * (len(v) - 1))  # noqa: E731
    granted = pick(5.0, 0.0, -0.0, np.nan, -1.0)
    supplier_gain, receiver_gain = pick(3.0, 0.0, -2.0, np.nan), pick(3.0, -0.0, -2.0)
    affordable = rng.random(k) < 0.9
    counted, cofund = pick(0.3, 0.0), pick(0.2, 0.0)
    gains_ok = (supplier_gain > 0) & (receiver_gain > 0)
    reasons = allocation_reasons(granted, gains_ok, affordable,
                                 ~((counted > 0) & (cofund == 0) & ~gains_ok))
    every = every_deal_allocated(granted, supplier_gain, receiver_gain, affordable)
    assert every == bool((granted > 0).all() and (reasons == "").all())
