"""Region changes, seventh pass: the fading pass compares the draws itself
(kernels.fade_pairs, in the type numpy's comparison uses), process changes take the
uncapped levels (kernels.change_levels caps them) and draw the streams' and needs' events
in one call where stream changes are rare (Lifecycle._process_changes); each held to the
rule it replaced, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel, lifecycle
from symbiosis_abm.draws import stream_address
from symbiosis_abm.fading import dissolved
from symbiosis_abm.kernels import FADE_SLOT_BY_SLOT, change_levels, fade_pairs
from symbiosis_abm.kernels_drawn import process_events_drawn
from symbiosis_abm.kernels_tick import count_starvation, rows_below


def _fade_numpy(aware, met, contact, trust, u_aware, chance, baseline):
    """Lifecycle._fade's pair rules in numpy before this pass: the draws compared with
    ``chance`` by numpy (None: awareness does not fade)."""
    idle = ~contact
    if u_aware is not None:
        quiet = (aware & idle).nonzero()[0]
        aware[quiet[u_aware < chance]] = False
    slots = (met & idle).nonzero()[0]
    met[slots[dissolved(True, False, trust[slots], baseline, 0.01)]] = False


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("size", [0, 50, FADE_SLOT_BY_SLOT, FADE_SLOT_BY_SLOT + 1, 30_000])
@pytest.mark.parametrize("chance_type", [float, np.float64, "edge"])
def test_fade_pairs_compares_as_numpy_did(seed, size, chance_type):
    rng = np.random.default_rng(seed)
    aware = rng.random(size) < rng.choice([0.05, 0.6, 1.0])
    met, contact = rng.random(size) < 0.5, rng.random(size) < rng.choice([0.0, 0.3])
    baseline = 0.3
    trust = baseline + rng.choice([0.0, 0.005, 0.01, 0.0100001, -0.01, 0.2, np.nan], size)
    u_aware = rng.random(int(np.count_nonzero(aware & ~contact)), dtype=np.float32)
    chance = float(rng.choice([0.0, 0.001, 0.057, 1 / 3, 0.9, 1.0]))
    if chance_type == "edge" and len(u_aware):
        # a chance between a draw and the next float32: numpy's single precision decides
        chance = float(u_aware[len(u_aware) // 2]) + 1e-12
    elif chance_type is np.float64:
        chance = np.float64(chance)   # a numpy float: numpy compares in double precision
    want = [aware.copy(), met.copy()]
    _fade_numpy(want[0], want[1], contact, trust, u_aware, chance, baseline)
    fade_pairs(aware, met, contact, trust, u_aware,
               np.result_type(np.float32, chance).type(chance), baseline, 0.01)
    assert aware.tolist() == want[0].tolist() and met.tolist() == want[1].tolist()


@pytest.mark.parametrize("size", [10, 30_000])
def test_fade_pairs_without_draws_only_dissolves(size):
    rng = np.random.default_rng(size)
    aware, met, contact = rng.random(size) < 0.6, rng.random(size) < 0.5, rng.random(size) < 0.3
    trust = 0.3 + rng.choice([0.0, 0.2], size)
    want = [aware.copy(), met.copy()]
    _fade_numpy(want[0], want[1], contact, trust, None, 0.5, 0.3)
    fade_pairs(aware, met, contact, trust, np.zeros(0, np.float32), np.float32(0.5), 0.3, 0.01)
    assert aware.tolist() == want[0].tolist() and met.tolist() == want[1].tolist()


@pytest.mark.parametrize("seed", range(6))
def test_change_levels_caps_the_drawn_levels_as_numpy_did(seed):
    rng = np.random.default_rng(seed)
    n = 60
    items = np.sort(rng.choice(n, 25, replace=False))
    u_stop, z = rng.random(25), rng.standard_normal(25) * 2
    level = rng.choice([0.0, 0.5, 1.0], n)
    item_firm, firm_open = rng.integers(0, 5, n), rng.random(5) < 0.8
    volume = rng.random(n) * 100
    committed = volume * rng.choice([0.0, 0.6, 1.0], n)
    args = (0.25, item_firm, firm_open, committed, volume)
    want_level, got_level = level.copy(), level.copy()
    want = change_levels(items, u_stop, np.minimum(np.exp(0.4 * z), 1.0), args[0],
                         want_level, *args[1:])
    got = change_levels(items, u_stop, np.exp(0.4 * z), args[0], got_level, *args[1:])
    assert got_level.tobytes() == want_level.tobytes() and got.tolist() == want.tolist()


def _run(rare: float, monkeypatch, ticks: int, **overrides):
    monkeypatch.setattr(lifecycle, "_RARE_CHANGES", rare)
    model = SymbiosisModel("kalundborg", rng=5, **overrides)
    levels = []
    for _ in range(ticks):
        model.step()
        levels.append((model.stream_level.tobytes(), model.need_level.tobytes(),
                       model.need_starved.tobytes()))
    together, counting = model.__dict__["_process_hazard"][1][3:5]
    return levels, model.streams.process.random(4).tolist(), together, counting


@pytest.mark.parametrize("rate", [0.05, 0.3, 0.9])
def test_process_draws_in_one_call_are_the_draws_one_by_one(monkeypatch, rate):
    """The streams' and needs' event draws in one call (with a step back where a stream
    changes, and with the starvation counters: kalundborg's key inputs' firms may not
    close) give the levels and counters and leave the stream where two calls did."""
    alone = _run(0.0, monkeypatch, 60, process_change_rate=rate)
    together = _run(float("inf"), monkeypatch, 60, process_change_rate=rate)
    assert together[:2] == alone[:2]
    assert len({lv[:2] for lv in alone[0]}) > 1   # the levels did change
    assert len({lv[2] for lv in alone[0]}) > 1   # a key input starved: counters ran
    assert together[2:] == (True, True) and alone[2:] == (False, False)


@pytest.mark.parametrize("region, overrides", [
    ("kalundborg", {"price_volatility": 0.2}),
    ("kalundborg", {"price_volatility": 0.1, "landfill_tax_schedule": "1:50, 2:150",
                    "carbon_price_schedule": "0:20, 3:90"}),
    ("kalundborg_history", {"price_volatility": 0.2}),
])
def test_prices_from_remembered_parts_are_the_prices_made_afresh(region, overrides):
    """The energy factors, carbon values and disposal costs remembered while the levels
    stay give the prices (and their version) that computing everything each tick gives."""
    kept, fresh = (SymbiosisModel(region, rng=6, **overrides) for _ in range(2))
    for _ in range(50):
        fresh._price_key = None   # nothing remembered: every part made again
        kept.step()
        fresh.step()
        assert kept.virgin_now.tobytes() == fresh.virgin_now.tobytes()
        assert kept.disposal_now.tobytes() == fresh.disposal_now.tobytes()
        assert kept.price_version == fresh.price_version
    assert kept.price_version > 3


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("counting", [True, False])
def test_process_events_drawn_is_numpys_draws_then_the_two_calls(seed, counting):
    rng = np.random.default_rng(seed)
    n, n_need, n_firms = int(rng.integers(0, 200)), int(rng.integers(1, 60)), 8
    h = float(rng.choice([0.0, 0.01, 0.3, 1.0]))
    key_input, firm_open = rng.random(n_need) < 0.5, rng.random(n_firms) < 0.7
    need_firm = rng.integers(0, n_firms, n_need)
    starved = rng.choice([0, 1, 5, -1], n_need)
    share = rng.choice([0.0, 0.3, 0.5, 0.9], n_need)
    want_rows, got_rows = np.empty(n, np.int64), np.empty(n, np.int64)
    want_starved, got_starved = starved.copy(), starved.copy()
    ours, numpys = np.random.default_rng(seed + 50), np.random.default_rng(seed + 50)
    u = numpys.random(n)
    if counting:
        count_starvation(key_input, firm_open, need_firm, want_starved, share, 0.5, -1)
    want = rows_below(u, h, want_rows)
    got, got_u = process_events_drawn(stream_address(ours), n, h, got_rows, counting,
                                      key_input, firm_open, need_firm, got_starved, share,
                                      0.5, -1)
    assert got == want and got_rows[:got].tolist() == want_rows[:want].tolist()
    assert got_u.tobytes() == u.tobytes()
    assert got_starved.tolist() == want_starved.tolist()
    assert ours.bit_generator.state == numpys.bit_generator.state
