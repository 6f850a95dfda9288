"""The deal path's compiled passes (branch s5-deals) give the numpy rules they replace,
bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm import terms as terms_module
from symbiosis_abm.economics import ExchangeTerms
from symbiosis_abm.kernels import asset_state_keys


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
    model = SymbiosisModel("synthetic", rng=3, n_firms=300)
    model.run(40)
    table = model.assets.table
    table["paid_off"][::2] = False
    table["volume"][:] = np.maximum(table["volume"], 10.0)
    return model


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
