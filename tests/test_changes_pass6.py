"""The region changes' early exits (sixth pass): where they skip work, nothing would have
changed. Each shortcut is held to the full path it skips, run on the same model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel, demography, lifecycle
from symbiosis_abm.kernels import quiet_pairs
from symbiosis_abm.kernels_tick import (
    count_starvation,
    introduce_drawn,
    introducible_edges,
    rows_of_keys,
    starved_closing,
)
from symbiosis_abm.region import load_region
from symbiosis_abm.relations import common_partner_pairs

#: Price cases: a ramped and a stepped schedule, a start in July (the calendar year turns
#: mid model year), yearly price draws.
PRICE_CASES = {
    "kalundborg": ("kalundborg", {}),
    "schedules": ("kalundborg", {"landfill_tax_schedule": "1:50, ~3:150",
                                 "carbon_price_schedule": "2:80"}),
    "history": ("kalundborg_history", {"price_volatility": 0.2}),
    "july": ("july", {"price_volatility": 0.2}),
}


def _region(name: str):
    if name == "july":   # the surplus-heat tax follows the calendar year (DK)
        return dataclasses.replace(load_region("kalundborg_history"), start="1995-07")
    if name == "closing":   # scheduled closures in 2000 and 2018-2020
        return dataclasses.replace(load_region("kalundborg_history"), start="1999-06")
    return name


def _prices_by_tick(case: str, ticks: int) -> list[tuple]:
    region, overrides = PRICE_CASES[case]
    model = SymbiosisModel(_region(region), rng=4, **overrides)
    out = []
    for _ in range(ticks):
        model.step()
        out.append((model.virgin_now.copy(), model.disposal_now.copy(), model.price_version,
                    model.price_log.copy()))
    return out


@pytest.mark.parametrize("case", PRICE_CASES)
def test_prices_within_their_horizon_are_the_full_computation(case, monkeypatch):
    fast = _prices_by_tick(case, 40)
    monkeypatch.setattr(lifecycle, "_price_horizon", lambda t, *args: t + 1)
    full = _prices_by_tick(case, 40)
    for (a, b, c, d), (e, f, g, h) in zip(fast, full):
        assert np.array_equal(a, e) and np.array_equal(b, f) and c == g
        assert np.array_equal(d, h)


def test_the_price_horizon_stops_at_each_new_year():
    for months, start in ((1.0, None), (1.0, "1990-07"), (3.0, "1990-04"), (2.5, None)):
        for t in range(60):
            end = lifecycle._price_horizon(t, months, start, ())
            new = lifecycle._price_horizon(t, months, None, ())
            assert t < end <= new   # never past the model's next year
            year = [int(s * months // 12) for s in range(t, end + 1)]
            assert len(set(year[:-1])) == 1
            if start is None:
                assert year[-1] != year[0]


def _demography_state(model: SymbiosisModel) -> tuple:
    return (model.firm_open.copy(), model.firm_vacant.copy(), dict(model.counts),
            [(t, f.tolist()) for t, f in model.closure_log], model.exchanges["active"].copy())


@pytest.mark.parametrize("region, overrides", [
    ("kalundborg", {}),
    ("closing", {}),
    ("synthetic", {"n_firms": 60, "exit_rate_sme": 0.0, "exit_rate_large": 0.0}),
    ("synthetic", {"n_firms": 60, "exit_rate_sme": 0.3, "site_reuse_rate": 0.5}),
])
def test_quiet_closures_skip_only_what_would_not_happen(region, overrides, monkeypatch):
    def run():
        model = SymbiosisModel(_region(region), rng=2, **overrides)
        model.run(48)
        return _demography_state(model)

    quick = run()
    assert region != "closing" or quick[3]   # (the case closes firms on schedule)
    rates = demography._exit_rates
    monkeypatch.setattr(demography, "_exit_rates",   # may exit: the kernel every tick
                        lambda p, w: (*rates(p, w)[:3], True, frozenset()))
    full = run()
    assert np.array_equal(quick[0], full[0]) and np.array_equal(quick[1], full[1])
    assert quick[2] == full[2] and quick[3] == full[3]
    assert np.array_equal(quick[4], full[4])


def test_no_firm_that_may_not_exit_closes_starved():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n_firms, n_needs = 6, 15
        key, need_firm = rng.random(n_needs) < 0.5, rng.integers(0, n_firms, n_needs)
        may_exit = rng.random(n_firms) < 0.3
        closing = starved_closing(key, rng.random(n_firms) < 0.8, need_firm,
                                  rng.integers(0, 5, n_needs), rng.random(n_needs), 0.5, 2,
                                  -1, may_exit)
        if not (key & may_exit[need_firm]).any():
            assert not closing.any()


@pytest.mark.parametrize("seed", range(4))
def test_the_starvation_counters_alone_run_as_with_the_closures(seed):
    rng = np.random.default_rng(seed)
    for _ in range(50):
        n_firms, n_needs = 6, 15
        args = (rng.random(n_needs) < 0.5, rng.random(n_firms) < 0.8,
                rng.integers(0, n_firms, n_needs))
        share = np.where(rng.random(n_needs) < 0.3, 0.5, rng.random(n_needs))   # ties
        counters = np.where(rng.random(n_needs) < 0.2, -1, rng.integers(0, 5, n_needs))
        alone = counters.copy()
        starved_closing(*args, counters, share, 0.5, 2, -1, rng.random(n_firms) < 0.5)
        count_starvation(*args, alone, share, 0.5, -1)
        assert np.array_equal(alone, counters)


def test_quiet_pairs_counts_the_aware_without_contact():
    rng = np.random.default_rng(1)
    for n in (0, 1, 7, 1000):
        aware, contact = rng.random(n) < 0.6, rng.random(n) < 0.3
        assert quiet_pairs(aware, contact) == np.count_nonzero(aware & ~contact)


@pytest.mark.parametrize("seed", range(6))
def test_introducible_edges_are_the_partners_partners_edges(seed):
    """The one call is common_partner_pairs of the active links, then their edges."""
    rng = np.random.default_rng(seed)
    n, rows, edges = 120, 400, 3000
    sup, rec = rng.integers(0, n, rows), rng.integers(0, n, rows)
    if seed % 2:   # a hub with more partners than MAX_DEGREE
        sup[:150], rec[:150] = 7, rng.permutation(n)[np.arange(150) % n]
    active = rng.random(rows) < (0.9 if seed % 2 else 0.3)
    raw = rng.integers(0, n, edges) * n + rng.integers(0, n, edges)
    order = np.argsort(raw, kind="stable")
    pairs = common_partner_pairs(sup[active], rec[active], n)
    expected = rows_of_keys(raw[order], order, pairs)
    got = introducible_edges(active, sup, rec, n, lifecycle.MAX_DEGREE, raw[order], order)
    assert got.tolist() == expected.tolist()
    assert len(got) > 0


@pytest.mark.parametrize("seed", range(4))
def test_introduce_drawn_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    edges, slots = 200, 500
    slot_sr, slot_rs = rng.integers(0, slots, edges), rng.integers(0, slots, edges)
    hit = np.sort(rng.choice(edges, 60, replace=False))
    u = rng.random(60)
    chance = float(u[3])   # a draw equal to the chance is not below it
    aware = rng.random(slots) < 0.2
    expected = aware.copy()
    got = hit[u < chance]
    expected[slot_sr[got]] = True
    expected[slot_rs[got]] = True
    assert introduce_drawn(hit, u, chance, slot_sr, slot_rs, aware) == len(got)
    assert np.array_equal(aware, expected)


def test_a_price_path_set_within_the_year_moves_the_prices():
    """The price path is an input the shortcut checks (interventions set it mid-year)."""
    model = SymbiosisModel("kalundborg", rng=1)
    model.run(3)
    before = model.virgin_now.copy()
    resource = int(model.world.need_resource[0])
    model.price_log[resource] += np.log(2.0)
    model.step()
    moved = model.world.need_resource == resource
    assert (model.virgin_now[moved] > before[moved]).all()
    assert np.array_equal(model.virgin_now[~moved], before[~moved])
