"""The contract upkeep's compiled passes (kernels.fit_within_band, kernels.resize_rows,
kernels.strand_rows, kernels.settle_rows,
kernels.reprice_rows, kernels.failure_groups, kernels.building_counts) give the numpy rules they replace, bit for bit (several contracts
per item and per asset, contracts off any asset, items that did not fall, inactive
contracts, assets emptied or still used, NaN volumes included)."""

from __future__ import annotations

import numpy as np
import pytest
from test_asset_kernels import _move_numpy, _same, _spread_numpy, _strand_numpy

from symbiosis_abm.codes import REASON_CODE
from symbiosis_abm.contracts import within_band
from symbiosis_abm.kernels import (
    building_counts,
    failure_groups,
    fit_within_band,
    reprice_rows,
    resize_rows,
    settle_rows,
    strand_rows,
)
from symbiosis_abm.termination import early_end_payment

ROUNDING = 1e-9


@pytest.mark.parametrize("seed", range(12))
def test_fit_within_band_is_the_numpy_refit(seed):
    rng = np.random.default_rng(seed)
    n_items, k = int(rng.integers(1, 12)), int(rng.integers(0, 50))
    item = rng.integers(0, n_items, k)
    active = rng.random(k) < 0.8
    fell = rng.random(n_items) < 0.6
    item_volume = rng.random(n_items) * 100.0
    level = rng.choice([0.0, 0.3, 0.9, 1.0], n_items) * rng.random(n_items)
    volume = rng.choice([0.0, 1.0, 30.0], k) * rng.random(k)
    max_volume = volume * rng.choice([1.0, 1.5, 4.0], k)
    min_share = float(rng.choice([0.0, 0.3, 0.6]))
    # ContractBook._fit_to_capacity as it was written in numpy before the kernel
    rows = np.flatnonzero(active & fell[item])
    below, new = within_band(item[rows], item_volume * level, volume[rows],
                             max_volume[rows], min_share)
    got = fit_within_band(fell, item, active, item_volume, level, volume, max_volume,
                          min_share)
    assert all(_same(g, w) for g, w in zip(got, (rows, below, new)))


def _resize_numpy(rows, new_volume, stream, need, cols, stream_committed, need_committed,
                  active, asset, annuity, season, asset_volume, load, changes,
                  asset_annuity):
    """ContractBook._resize (with AssetUse._resize_on_assets) as it was written in numpy
    before the kernel."""
    volume, planned, price, disposal, virgin, transport, sup, rec = cols
    delta = new_volume - volume[rows]
    stream_committed += np.bincount(stream[rows], weights=delta, minlength=len(stream_committed))
    need_committed += np.bincount(need[rows], weights=delta, minlength=len(need_committed))
    ratio = new_volume / np.maximum(volume[rows], 1e-300)
    d_planned = planned[rows] * (ratio - 1.0)
    p = price[rows]
    sup[rows] += d_planned * (disposal[rows] + p)
    rec[rows] += d_planned * (virgin[rows] - transport[rows] - p)
    planned[rows] += d_planned
    old = volume[rows].copy()
    volume[rows] = new_volume
    on = asset[rows] >= 0
    if not on.any():
        return
    rows = rows[on]
    delta = volume[rows] - old[on]
    ids = asset[rows]
    _move_numpy(ids, delta, delta[:, None] * season[stream[rows]], 1.0, asset_volume, load,
                changes)
    _spread_numpy(ids, len(asset_annuity), active, asset, volume, annuity, asset_annuity,
                  asset_volume)


@pytest.mark.parametrize("seed", range(12))
def test_resize_rows_is_the_numpy_resize(seed):
    rng = np.random.default_rng(seed)
    n, n_streams, n_needs, n_assets = int(rng.integers(1, 40)), 6, 5, 7
    rows = rng.permutation(n)[: int(rng.integers(0, n + 1))]   # distinct, any order
    stream, need = rng.integers(0, n_streams, n), rng.integers(0, n_needs, n)
    asset = rng.integers(-1, n_assets, n)
    active = rng.random(n) < 0.9
    cols = [rng.choice([0.0, 10.0, 50.0, np.nan], n) * rng.random(n)] + [
        rng.random(n) * 100.0 - 20.0 for _ in range(7)]
    new_volume = cols[0][rows] * rng.choice([0.0, 0.5, 0.9], len(rows))
    state = [rng.random(n_streams) * 100.0, rng.random(n_needs) * 100.0, rng.random(n),
             rng.random(n_assets) * 60.0, rng.random((n_assets, 12)) * 60.0,
             rng.integers(0, 5, n_assets)]
    season = rng.random((n_streams, 12)) * 2.0
    asset_annuity = rng.random(n_assets) * 1e4
    want_cols, want = [c.copy() for c in cols], [s.copy() for s in state]
    committed_s, committed_n, annuity, asset_volume, load, changes = want
    _resize_numpy(rows, new_volume, stream, need, want_cols, committed_s, committed_n, active,
                  asset, annuity, season, asset_volume, load, changes, asset_annuity)
    volume, planned, price, disposal, virgin, transport, sup, rec = cols
    committed_s, committed_n, annuity, asset_volume, load, changes = state
    resize_rows(rows, new_volume, stream, need, volume, planned, price, disposal, virgin,
                transport, sup, rec, committed_s, committed_n, active, asset, annuity, season,
                asset_volume, load, changes, ROUNDING, asset_annuity)
    assert all(_same(g, w) for g, w in zip(cols + state, want_cols + want))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("retire", [False, True])
def test_strand_rows_is_the_numpy_strand(seed, retire):
    rng = np.random.default_rng(seed)
    n, n_assets, n_edges, n_firms = int(rng.integers(1, 40)), 6, 9, 5
    asset = rng.integers(-1, n_assets, n)
    edge, stream = rng.integers(0, n_edges, n), rng.integers(0, 4, n)
    receiver = rng.integers(0, n_firms, n)
    volume = rng.choice([0.0, 10.0, 50.0], n) * rng.random(n)
    active = rng.random(n) < 0.6
    rows = rng.choice(n, int(rng.integers(0, n + 1)))   # repeats allowed, as end_contracts
    season = rng.random((4, 12)) * 2.0
    tick, tpy = int(rng.integers(0, 40)), float(rng.choice([4.0, 12.0]))
    asset_volume = np.zeros(n_assets)   # what the contracts carry (some only rounding)
    np.add.at(asset_volume, asset[asset >= 0], volume[asset >= 0]
              * (1 + 1e-12 * rng.random(np.count_nonzero(asset >= 0))))
    state = [rng.random(n), asset_volume, rng.random((n_assets, 12)) * 50.0,
             rng.integers(0, 5, n_assets), rng.integers(-1, n_assets, n_edges),
             rng.integers(0, 60, n_assets), rng.random(n_assets) < 0.2, rng.random(n_assets),
             rng.integers(0, 9, n_assets), rng.random(n_firms)]
    asset_annuity = rng.random(n_assets) * 1e4
    want = [s.copy() for s in state]
    annuity, a_vol, load, changes, user, until, paid, stranded, used, firm = want
    # ContractBook._strand (with AssetUse._leave_assets, AssetBook.leave) as it was
    # written in numpy before the kernel
    on = rows[asset[rows] >= 0]
    if len(on):
        ids, v = asset[on], volume[on]
        _move_numpy(ids, v, v[:, None] * season[stream[on]], -1.0, a_vol, load, changes)
        mine = user[edge[on]] == ids
        user[edge[on][mine]] = -1
        amount = _strand_numpy(ids, annuity[on] / tpy, tick, until, a_vol, paid, stranded,
                               used)
        np.add.at(firm, receiver[on], amount)
        _spread_numpy(ids, n_assets, active, asset, volume, annuity, asset_annuity, a_vol)
        if retire:   # ContractBook._end_exchanges, "partner closed": AssetBook.retire
            gone = ids[a_vol[ids] <= 0]
            until[gone] = np.minimum(until[gone], tick)
    annuity, a_vol, load, changes, user, until, paid, stranded, used, firm = state
    strand_rows(rows, tick, tpy, asset, edge, volume, stream, annuity, receiver, active,
                season, a_vol, load, changes, ROUNDING, user, until, paid, stranded, used,
                asset_annuity, firm, retire)
    assert all(_same(g, w) for g, w in zip(state, want))


@pytest.mark.parametrize("seed", range(12))
def test_settle_rows_is_the_numpy_settlement(seed):
    rng = np.random.default_rng(seed)
    n, n_assets, n_firms = int(rng.integers(1, 40)), 6, 5
    rows = rng.choice(n, int(rng.integers(0, n + 1)), replace=False)
    by_supplier = rng.random(len(rows)) < 0.5
    asset = rng.integers(-1, n_assets, n)
    annuity = rng.random(n) * 1e4
    expected = [rng.choice([-1.0, 0.0, 1.0, np.nan], n) * rng.random(n) * 1e4
                for _ in range(2)]
    supplier, receiver = rng.integers(0, n_firms, n), rng.integers(0, n_firms, n)
    until, paid_off = rng.integers(0, 60, n_assets), rng.random(n_assets) < 0.3
    tick, tpy = int(rng.integers(0, 40)), float(rng.choice([4.0, 12.0]))
    notice, share = float(rng.choice([0.0, 3.0])), float(rng.choice([0.0, 0.5]))
    savings = rng.random(n_firms) * 1e5
    want = savings.copy()
    # ContractBook._settle_early_end as it was written in numpy before the kernel
    ids, left = asset[rows], np.zeros(len(rows))
    has = ids >= 0
    ticks = np.maximum(until[ids[has]] - (tick + 1), 0)
    left[has] = np.where(paid_off[ids[has]], 0.0, annuity[rows[has]] / tpy * ticks)
    paid = early_end_payment(by_supplier, expected[0][rows], expected[1][rows], left, notice,
                             share)
    np.subtract.at(want, np.where(by_supplier, supplier[rows], receiver[rows]), paid)
    np.add.at(want, np.where(by_supplier, receiver[rows], supplier[rows]), paid)
    got = settle_rows(rows, by_supplier, tick, tpy, notice, share, asset, annuity, *expected,
                      supplier, receiver, until, paid_off, savings)
    assert _same(got, paid) and _same(savings, want)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("renewing", [False, True])
def test_reprice_rows_is_the_numpy_reprice(seed, renewing):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 40)), int(rng.integers(0, 20))
    sel = rng.random(k) < 0.7
    rows = rng.choice(n, int(sel.sum()), replace=False)
    trial = rng.random(k) < 0.3
    term = rng.integers(1, 30, 2)
    deal = {name: rng.choice([0.0, 1e-13, 1.0, np.nan], k) * rng.random(k) * 1e3
            for name in ("volume", "utilisation", "transport", "payment", "supplier_gain",
                         "receiver_gain", "annuity", "tc_supplier", "tc_receiver")}
    need, stream = rng.integers(0, 4, n), rng.integers(0, 3, n)
    virgin_now, disposal_now = rng.random(4) * 50.0, rng.random(3) * 20.0
    names = ("planned", "price", "expected_supplier", "expected_receiver", "priced_annuity",
             "tc_supplier", "tc_receiver", "transport_unit", "virgin_unit", "disposal_unit",
             "avg_supplier", "avg_receiver")
    ex = {name: rng.random(n) for name in names}
    ex["end"], ex["losing_ticks"] = rng.integers(0, 99, n), rng.integers(0, 9, n)
    want = {name: v.copy() for name, v in ex.items()}
    # ContractBook._renew_or_expire's extension and _reprice as written in numpy before
    if renewing:
        want["end"][rows] += term[trial[sel].astype(np.intp)]
    planned = deal["volume"][sel] * deal["utilisation"][sel]
    want["planned"][rows] = planned
    want["price"][rows] = deal["payment"][sel] / np.maximum(planned, 1e-12)
    for name, source in (("expected_supplier", "supplier_gain"),
                         ("expected_receiver", "receiver_gain"), ("priced_annuity", "annuity"),
                         ("tc_supplier", "tc_supplier"), ("tc_receiver", "tc_receiver")):
        want[name][rows] = deal[source][sel]
    want["transport_unit"][rows] = deal["transport"][sel] / np.maximum(deal["volume"][sel],
                                                                       1e-12)
    want["virgin_unit"][rows] = virgin_now[need[rows]]
    want["disposal_unit"][rows] = disposal_now[stream[rows]]
    want["avg_supplier"][rows] = 0.0
    want["avg_receiver"][rows] = 0.0
    want["losing_ticks"][rows] = 0
    reprice_rows(rows, sel, renewing, trial, term, ex["end"],
                 *(deal[name] for name in deal), need, stream, virgin_now, disposal_now,
                 *(ex[name] for name in names), ex["losing_ticks"])
    assert all(_same(ex[name], want[name]) for name in ex)


@pytest.mark.parametrize("seed", range(16))
def test_failure_groups_are_the_numpy_reasons(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(25, 40)), int(rng.integers(0, 25))
    rows = rng.choice(n, k, replace=False)
    ok, pays, signs = (rng.random(k) < q for q in (0.3, 0.5, 0.5))
    cofund = rng.choice([0.0, 0.2, np.nan], n)
    share = rng.choice([0.0, 0.3, np.nan], k)
    codes = [REASON_CODE[r] for r in ("no surplus", "no co-funding", "low trust",
                                      "no capital")]
    # NegotiationBook._fail_decided as it was written in numpy before the kernel
    funded = ~((cofund[rows] > 0) & (share == 0))
    reason = np.where(~pays, np.where(funded, codes[0], codes[1]),
                      np.where(~signs, codes[2], codes[3]))
    want = [(code, np.flatnonzero(~ok & (reason == code)))
            for code in sorted(set(reason[~ok].tolist()))]
    out = failure_groups(rows, ok, pays, signs, cofund, share, *codes)
    groups = int(out[0])
    at, start, got = out[1 + 2 * groups:], 0, []
    for g in range(groups):
        code, end = int(out[1 + 2 * g]), int(out[2 + 2 * g])
        got.append((code, at[start:end]))
        start = end
    assert start == len(at) and len(got) == len(want)
    assert all(c == d and _same(a, b) for (c, a), (d, b) in zip(got, want))


@pytest.mark.parametrize("seed", range(8))
def test_building_counts_are_the_numpy_counts(seed):
    rng = np.random.default_rng(seed)
    n, n_firms, tick = int(rng.integers(0, 60)), 7, int(rng.integers(0, 20))
    active, first = rng.random(n) < 0.7, rng.integers(0, 30, n)
    supplier, receiver = rng.integers(0, n_firms, n), rng.integers(0, n_firms, n)
    # ContractBook.firm_building as it was written in numpy before the kernel
    b = active & (first > tick)
    want = (np.bincount(supplier[b], minlength=n_firms)
            + np.bincount(receiver[b], minlength=n_firms))
    assert _same(building_counts(active, first, tick, supplier, receiver, n_firms), want)
