"""Mode costs computed per deal (mode_costs.py, kernels.cheapest_modes) are the numpy
tables and :func:`.economics.cheapest_mode` they replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.economics import cheapest_mode, direct_use_capex_fixed
from symbiosis_abm.hazards import (
    annuity_factor_at,
    edge_end_chances,
    hazard_classes,
    link_annuity,
    link_annuity_table,
    risk_rate,
)
from symbiosis_abm.kernels import cheapest_modes, edge_capex
from symbiosis_abm.routes import route_capex


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _capex_table(world) -> tuple[np.ndarray, np.ndarray]:
    """The (edges, modes) capex and reach tables as DealTerms built them before."""
    cat, r = world.catalogue, world.edge_resource
    dist = world.edges.distance_km[:, None]
    fixed = direct_use_capex_fixed(cat.capex_fixed[r], cat.heat_pump_capex[r],
                                   world.need_direct_use[world.edges.need])
    capex = fixed + cat.capex_per_km[r] * dist
    reach = cat.max_distance_km[r]
    ok = (reach > 0) & (dist <= reach)
    route_capex(world, capex, ok, fixed)
    return capex, ok


@pytest.mark.parametrize("region", ["vastra_malardalen", "kalundborg_history"])
def test_capex_rows_are_the_table_routes_included(region):
    model = SymbiosisModel(region, rng=0)
    costs, w = model._edge_costs(), model.world
    capex, ok = _capex_table(w)
    every = np.arange(len(w.edges))
    got, got_ok = costs.capex.rows(every)
    assert _bits(got) == _bits(capex) and np.array_equal(got_ok, ok)
    assert (len(costs.routed) > 0) == (region == "vastra_malardalen")   # the Arboga line
    some = np.array([len(every) - 1, 0, 3])
    modes = np.array([0, 2, 1])
    assert _bits(costs["capex"][some, modes]) == _bits(capex[some, modes])
    assert costs["capex"][some[0], 1] == capex[some[0], 1]


@pytest.mark.parametrize("overrides", [{}, {"closure_rate_per_year": 0.02,
                                            "process_change_rate": 0.2,
                                            "exit_rate_large": 0.03}])
def test_the_risk_table_holds_each_edges_own_hazard_adjusted_annuity(overrides):
    model = SymbiosisModel("synthetic", rng=1, n_firms=400, **overrides)
    w, p = model.world, model.params
    want = annuity_factor_at(risk_rate(p.discount_rate, edge_end_chances(w, p))[:, None],
                             model.asset_life_years[w.edge_resource])
    got = link_annuity(model, w.edge_resource)[np.arange(len(w.edges))]
    assert _bits(got) == _bits(want)
    table, firm_class = link_annuity_table(w, p, model.asset_life_years)
    assert len(table) == len(model.asset_life_years) * (firm_class.max() + 1) ** 2
    # two classes of firm (random exit) in the synthetic region: a 4-row block per resource
    assert len(np.unique(want, axis=0)) > 1


def test_hazard_classes_group_firms_by_size_and_random_exit():
    size = np.array([1, 0, 1, 0, 1])
    rand = np.array([True, False, False, False, True])
    cls, c_size, c_rand = hazard_classes(size, rand)
    assert np.array_equal(c_size[cls], size) and np.array_equal(c_rand[cls], rand)
    assert len(c_size) == 3


@pytest.mark.parametrize("seed", range(4))
def test_cheapest_modes_is_cheapest_mode_over_the_table(seed):
    rng = np.random.default_rng(seed)
    n_res, modes, firms, e = 6, 4, 40, 3000
    resource = rng.integers(0, n_res, e)
    distance = rng.choice([0.0, 0.5, 3.0, 40.0, 400.0], e) * rng.random(e)
    need = rng.integers(0, 50, e)
    direct = rng.random(50) < 0.3
    fixed = rng.choice([0.0, 1e4, 5e5], (n_res, modes))
    pump = np.where(rng.random((n_res, modes)) < 0.3, 0.5 * fixed, 0.0)
    per_km = rng.choice([0.0, 100.0, 6e5], (n_res, modes))
    reach = rng.choice([0.0, 2.0, 50.0, 1e3], (n_res, modes))
    per_unit_km = rng.random((n_res, modes))
    per_unit = rng.choice([0.0, 1.5], (n_res, modes))
    firm_class = rng.integers(0, 3, firms)
    risk = rng.random((n_res * 9, modes)) * 0.2
    plain = rng.random((n_res, modes)) * 0.1
    supplier, receiver = rng.integers(0, firms, e), rng.integers(0, firms, e)
    routed = np.sort(rng.choice(e, 30, replace=False))
    routed_capex = rng.random((30, modes)) * 1e6
    routed_ok = rng.random((30, modes)) < 0.5
    edges = rng.permutation(e)[:2000]
    volume = rng.choice([0.0, 10.0, 1e5], len(edges)) * rng.random(len(edges))
    volume[:5] = np.nan                                      # numpy's argmin picks a NaN
    asset_mode = np.where(rng.random(len(edges)) < 0.2, rng.integers(0, modes, len(edges)),
                          -1)
    trial = rng.random(len(edges)) < 0.3
    # the edge's key: its risk row (resource, the firms' classes) x 2 + direct use
    edge_key = (((resource * 3 + firm_class[supplier]) * 3 + firm_class[receiver]) * 2
                + direct[need]).astype(np.int32)
    inputs = (edge_key, 3, distance, fixed, pump, per_km, reach, routed, routed_capex,
              routed_ok)
    capex, ok = edge_capex(edges, *inputs)
    # the table as numpy computed it, a route's row as given
    r, d = resource[edges], distance[edges][:, None]
    want = direct_use_capex_fixed(fixed[r], pump[r], direct[need[edges]]) + per_km[r] * d
    want_ok = (reach[r] > 0) & (d <= reach[r])
    at = np.searchsorted(routed, edges)
    on = (at < len(routed)) & (routed[np.minimum(at, len(routed) - 1)] == edges)
    want[on], want_ok[on] = routed_capex[at[on]], routed_ok[at[on]]
    assert _bits(capex) == _bits(want) and np.array_equal(ok, want_ok)
    # the mode choice, at the hazard-adjusted annuity of each edge's row
    has = np.flatnonzero(asset_mode >= 0)
    want[has, asset_mode[has]] = 0.0
    want_ok[trial, 0] = False
    key = (r * 3 + firm_class[supplier[edges]]) * 3 + firm_class[receiver[edges]]
    mode, transport, cap, feasible = cheapest_mode(
        volume, distance[edges], per_unit_km[r], want, want_ok, risk[key],
        cost_per_unit=per_unit[r])
    rows = np.arange(len(edges))
    factor = np.where(feasible, risk[key][rows, mode], 0.0)
    booked = np.where(feasible, plain[r, mode], 0.0)
    got = cheapest_modes(edges, volume, *inputs, per_unit_km, per_unit, risk, plain,
                         asset_mode, trial, 0)
    for a, b in zip(got, (mode, transport, cap, feasible, factor, booked)):
        assert a.dtype == b.dtype and _bits(a) == _bits(b)
    assert 0 < feasible.sum() < len(edges) and len(np.unique(mode)) == modes + 1
