"""The asset book's compiled passes (kernels.move_on_assets, kernels.spread_annuity,
kernels.strand_assets) give the numpy rules they replace, bit for bit (repeated assets,
contracts off any asset, rounding left on emptied assets, NaN and zero volumes, assets
paid off or at the end of their life included)."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import move_on_assets, spread_annuity, strand_assets

ROUNDING = 1e-9


def _move_numpy(ids, volume, profile, sign, asset_volume, load, changes):
    """AssetBook._move as it was written in numpy before the kernel."""
    np.add.at(asset_volume, ids, sign * volume)
    np.add.at(load, ids, sign * profile)
    np.add.at(changes, ids, 1)
    empty = asset_volume[ids] <= ROUNDING * np.maximum(volume, 1.0)
    asset_volume[ids[empty]] = 0.0
    load[ids[empty]] = 0.0


def _spread_numpy(ids, n_assets, active, asset, volume, annuity, asset_annuity,
                  asset_volume):
    """AssetUse._share_annuity as it was written in numpy before the kernel."""
    ids = ids[ids >= 0]
    if len(ids) == 0:
        return
    chosen = np.zeros(n_assets + 1, dtype=bool)
    chosen[ids] = True
    rows = np.flatnonzero(active & chosen[asset])
    a = asset[rows]
    with np.errstate(over="ignore"):   # a tiny asset volume: an infinite share, as numpy's
        annuity[rows] = asset_annuity[a] * (volume[rows] / np.maximum(asset_volume[a], 1e-300))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_move_on_assets_is_the_numpy_move(seed, sign):
    rng = np.random.default_rng(seed)
    n_assets, k = int(rng.integers(1, 30)), int(rng.integers(0, 40))
    ids = rng.integers(0, n_assets, k)            # repeats: several contracts per asset
    volume = rng.choice([0.0, 0.5, 1.0, 3e4, np.nan], k) * rng.random(k)
    profile = volume[:, None] * rng.random((k, 12))
    asset_volume = rng.choice([0.0, 1e-12, 2e4, 5e4], n_assets) * rng.random(n_assets)
    if sign < 0 and k:   # contracts leaving: what they leave is (about) what they added
        np.add.at(asset_volume, ids, np.nan_to_num(volume) * (1 + 1e-12 * rng.random(k)))
    load = rng.random((n_assets, 12)) * 1e4
    changes = rng.integers(0, 5, n_assets)
    want = [asset_volume.copy(), load.copy(), changes.copy()]
    _move_numpy(ids, volume, profile, sign, *want)
    move_on_assets(ids, volume, profile, sign, asset_volume, load, changes, ROUNDING)
    assert all(_same(g, w) for g, w in zip((asset_volume, load, changes), want))


def test_move_on_assets_empties_what_rounding_leaves():
    volume, load, changes = np.array([100.0]), np.full((1, 12), 100.0), np.zeros(1, np.int64)
    move_on_assets(np.array([0]), np.array([100.0 - 1e-8]), np.full((1, 12), 100.0), -1.0,
                   volume, load, changes, ROUNDING)
    assert volume.tolist() == [0.0] and not load.any() and changes.tolist() == [1]


@pytest.mark.parametrize("seed", range(8))
def test_spread_annuity_is_the_numpy_split(seed):
    rng = np.random.default_rng(seed)
    n_assets, rows = int(rng.integers(1, 20)), int(rng.integers(0, 60))
    asset = rng.integers(-1, n_assets, rows)      # -1: a contract without an asset
    active = rng.random(rows) < 0.7
    volume = rng.choice([0.0, 1.0, 2e4, np.nan], rows) * rng.random(rows)
    asset_annuity = rng.random(n_assets) * 1e5
    asset_volume = rng.choice([0.0, 1e-301, 1.0, 5e4, np.nan], n_assets)
    ids = rng.integers(-1, n_assets, int(rng.integers(0, 6)))
    annuity = rng.random(rows)
    want = annuity.copy()
    _spread_numpy(ids, n_assets, active, asset, volume, want, asset_annuity, asset_volume)
    spread_annuity(ids, n_assets, active, asset, volume, annuity, asset_annuity, asset_volume)
    assert _same(annuity, want)


def _strand_numpy(ids, annuity_per_tick, tick, until, volume, paid_off, stranded, last_used):
    """AssetBook.strand as it was written in numpy before the kernel."""
    left = np.maximum(until[ids] - (tick + 1), 0)
    unused = volume[ids] <= 0.0
    amount = np.where(paid_off[ids] | ~unused, 0.0, annuity_per_tick * left)
    np.add.at(stranded, ids, amount)
    paid_off[ids[unused]] = True
    last_used[ids] = tick
    return amount


@pytest.mark.parametrize("seed", range(10))
def test_strand_assets_is_the_numpy_strand(seed):
    rng = np.random.default_rng(seed)
    n_assets, k = int(rng.integers(1, 20)), int(rng.integers(0, 30))
    ids = rng.integers(0, n_assets, k)   # repeats: contracts leaving one asset together
    annuity = rng.random(k) * rng.choice([1.0, 1e4, np.nan], k)
    tick = int(rng.integers(0, 50))
    state = [rng.integers(0, 80, n_assets), rng.choice([0.0, -0.0, 5.0], n_assets),
             rng.random(n_assets) < 0.3, rng.random(n_assets), rng.integers(0, 9, n_assets)]
    want = [x.copy() for x in state]
    got = strand_assets(ids, annuity, tick, *state)
    expected = _strand_numpy(ids, annuity, tick, *want)
    assert _same(got, expected)
    assert all(_same(g, w) for g, w in zip(state, want))
