"""The deal path's fewer, larger steps give the bits of what they replace: one compiled
pass prices a deal (kernels.price_deals, against the three passes and the numpy steps
DealTerms.expected_terms took before it), the free volume of a few deals
(kernels.free_volumes), repeats dropped from a small batch."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import priced_synthetic_model

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.assets import charge_share
from symbiosis_abm.catalogue import MODES
from symbiosis_abm.economics import ExchangeTerms
from symbiosis_abm.kernels import cheapest_modes, deal_terms, route_asset_use


def _reference_terms(model, edges, volume=None, cofund=0.0, trust=None, trial=False,
                     held=0.0):
    """``expected_terms`` as it was written before :func:`.kernels.price_deals`: the free
    volume in numpy, the route's asset, the cheapest mode and the terms in three compiled
    passes, the asset's annuity share charged and infeasible deals marked in numpy."""
    w, p, book = model.world, model.params, model.assets
    s, n = w.edges.stream[edges], w.edges.need[edges]
    k = len(edges)
    trial = np.asarray(trial, dtype=bool)
    if trial.shape != (k,):
        trial = np.full(k, trial)
    if volume is None:
        volume = np.minimum(model.stream_free()[s], model.need_free()[n])
    volume = np.asarray(volume, dtype=float)
    share = None
    asset_mode = np.full(k, -1, dtype=np.int64)
    if len(book):
        t = book.table
        ids, usable, share = route_asset_use(
            edges, volume, w.stream_season, s, max(model.tick, 0), book.edge_route,
            book.route_asset, t["until"], book.edge_user, book.load, t["capacity"],
            t["paid_off"], t["annuity"], t["volume"], 1.0 + 1e-9)
        asset_mode = np.where(usable, t["mode"][ids], -1)
    costs = model._edge_costs()
    mode, transport, capex, feasible, factor, booked = cheapest_modes(
        edges, volume, *costs.mode_inputs, asset_mode, trial, MODES.index("pipe"))

    def each(value):
        value = np.asarray(value, dtype=float)
        return np.full(k, value) if value.ndim == 0 else value

    (*fields, utilisation, own_capex, affordable, booked_annuity) = deal_terms(
        edges, s, n, volume, each(held), each(cofund), trial,
        np.nan if trust is None else float(trust), model.edge_slot_sr, model.edge_slot_rs,
        model.pairs.trust, model.need_committed, w.need_volume, w.stream_season,
        w.need_season, model.virgin_now, model.disposal_now, model._capital, w.need_firm,
        transport, capex, factor, booked, p.transaction_cost_eur / 2.0,
        p.trial_volume_share, p.distrust_cost_factor, p.bargaining_power)
    terms = ExchangeTerms(*fields)
    if share is not None and share.any():
        charge_share(terms, np.where(mode == asset_mode, share, 0.0), p.bargaining_power)
    terms.surplus[~feasible] = -np.inf
    return terms, {"mode": mode, "capex": capex, "volume": volume, "affordable": affordable,
                   "transport": transport, "own_capex": own_capex, "trial": trial,
                   "utilisation": utilisation, "annuity_factor": factor,
                   "booked_annuity": booked_annuity}, share


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    return a.view(np.int64) if a.dtype == float else a


@pytest.fixture(scope="module")
def model():
    return priced_synthetic_model()


@pytest.mark.parametrize("case", ["free volume", "given", "cofund", "trust", "trial-held",
                                  "one trial", "one deal", "none"])
def test_price_deals_is_the_three_passes_and_numpy(model, case):
    rng = np.random.default_rng(11)
    w = model.world
    # the edges of routes with an asset (some share it, some own it) and others
    routed = np.flatnonzero(model.assets.route_asset[model.assets.edge_route] >= 0)
    edges = np.sort(np.concatenate([routed, rng.choice(len(w.edges), 400, replace=False)]))
    edges = {"one deal": edges[:1], "none": edges[:0]}.get(case, edges)
    k = len(edges)
    volume = np.minimum(model.stream_free()[w.edges.stream[edges]],
                        model.need_free()[w.edges.need[edges]])
    volume[::3] = rng.random(len(volume[::3])) * 1e4
    volume[np.isin(edges, routed)] *= 1e-3   # small enough to join another's line
    kwargs = {"free volume": {}, "given": {"volume": volume},
              "cofund": {"volume": volume, "cofund": np.where(rng.random(k) < 0.5, 0.3, 0.0)},
              "trust": {"trust": 1.0},
              "trial-held": {"volume": volume, "trial": rng.random(k) < 0.4,
                             "held": rng.random(k) * volume},
              "one trial": {"trial": True, "held": 5.0, "cofund": 0.2},
              "one deal": {"volume": volume}, "none": {}}[case]
    terms, info = model.expected_terms(edges, **kwargs)
    want, want_info, share = _reference_terms(model, edges, **kwargs)
    for name in ExchangeTerms.__dataclass_fields__:
        assert np.array_equal(_bits(getattr(terms, name)), _bits(getattr(want, name))), name
    assert info.keys() == want_info.keys()
    for name, value in want_info.items():
        assert info[name].dtype == value.dtype, name
        assert np.array_equal(_bits(info[name]), _bits(value)), name
    if case == "given":   # the asset-sharing path is exercised: some deal pays a share
        assert (share > 0).any() and (info["mode"] >= 0).any() and (terms.surplus > 0).any()


@pytest.mark.parametrize("size", [0, 1, 2, 3, 9, 400])
def test_free_volume_is_the_numpy_minimum_of_free_volumes(model, size):
    w = model.world
    rng = np.random.default_rng(size)
    edges = rng.choice(len(w.edges), size, replace=False)
    want = np.minimum(model.stream_free()[w.edges.stream[edges]],
                      model.need_free()[w.edges.need[edges]])
    assert np.array_equal(_bits(model.free_volume(edges)), _bits(want))


def test_free_volume_keeps_numpys_ties_of_signed_zeros_and_nans():
    from symbiosis_abm.kernels import free_volumes
    i = np.arange(4)
    # stream free: +0, -0, NaN, 1; need free: -0, +0, 1, NaN
    stream = (np.array([0.0, -0.0, np.nan, 1.0]), np.ones(4), np.ones(4), np.zeros(4))
    need = (np.array([-0.0, 0.0, 1.0, np.nan]), np.ones(4), np.zeros(4))
    got = free_volumes(i, i, i, *stream, *need)
    want = np.minimum(stream[0] * stream[1] * stream[2] - stream[3], need[0] * need[1] - need[2])
    assert np.signbit(want[:2]).tolist() == [True, False]   # the tie's second, as numpy
    assert np.array_equal(_bits(got), _bits(want))


def test_priced_terms_are_the_dataclass_its_init_makes(model):
    terms, _ = model.expected_terms(np.arange(5))
    made = ExchangeTerms(*(getattr(terms, name) for name in ExchangeTerms.__dataclass_fields__))
    assert type(terms) is ExchangeTerms and vars(terms).keys() == vars(made).keys()
    assert all(getattr(terms, k) is getattr(made, k) for k in vars(made))
    with pytest.raises(AttributeError):   # frozen, as ever
        terms.surplus = np.zeros(5)


def test_the_kernels_rows_begin_with_the_terms_fields():
    from symbiosis_abm.kernels import DEAL_ROWS
    assert DEAL_ROWS[:8] == tuple(ExchangeTerms.__dataclass_fields__)


@pytest.mark.parametrize("seed", range(4))
def test_open_talks_is_the_numpy_bookkeeping(seed):
    from symbiosis_abm.kernels import open_talks
    rng = np.random.default_rng(seed)
    e, f, slots = 60, 12, 90
    supplier, receiver = rng.integers(0, f, e), rng.integers(0, f, e)
    slot_sr, slot_rs = rng.integers(0, slots, e), rng.integers(0, slots, e)
    trust = rng.choice([0.0, -0.0, 0.3, 0.5, np.nan], slots)
    aware, met = rng.random(slots) < 0.3, rng.random(slots) < 0.3
    count, status = rng.integers(0, 3, f), rng.integers(0, 2, e).astype(np.int8)
    edges = rng.integers(0, e, 25)   # repeats of edges and of firms add up
    want = [a.copy() for a in (aware, met, count, status)]
    sr, rs = slot_sr[edges], slot_rs[edges]
    for slots_ in (sr, rs):
        want[0][slots_] = True
        want[1][slots_] = True
    want_low = np.minimum(trust[sr], trust[rs])
    np.add.at(want[2], supplier[edges], 1)
    np.add.at(want[2], receiver[edges], 1)
    want[3][edges] = 2
    low = open_talks(edges, supplier, receiver, slot_sr, slot_rs, aware, met, trust, count,
                     status, 2)
    assert np.array_equal(_bits(low), _bits(want_low))
    for got, expected in zip((aware, met, count, status), want):
        assert np.array_equal(got, expected)


def test_price_deals_reads_a_documented_routes_rows():
    # Västra Mälardalen documents a line (routes.py): its edges' mode costs are their
    # routes' rows, which the pass gathers by the deal's place among others' edges
    vme = SymbiosisModel("vastra_malardalen", rng=0)
    vme.run(3)
    routed = vme._edge_costs().routed
    assert len(routed) > 0
    edges = np.arange(len(vme.world.edges))
    for chosen in (edges, edges[::-1].copy(), routed[::-1].copy(), np.sort(np.r_[routed, 0])):
        terms, info = vme.expected_terms(chosen)
        want, want_info, _ = _reference_terms(vme, chosen)
        for name in ExchangeTerms.__dataclass_fields__:
            assert np.array_equal(_bits(getattr(terms, name)), _bits(getattr(want, name))), name
        for name, value in want_info.items():
            assert np.array_equal(_bits(info[name]), _bits(value)), name
