"""Process changes and fading in one compiled pass each (kernels.change_levels,
kernels.fade_pairs) give the numpy rules they replace (pace.process_change as
Lifecycle._process_changes applied it; Lifecycle._fade with fading.dissolved), bit for
bit: dormant items appearing, stops, drawn levels, closed firms, contracts that no longer
fit; quiet pairs forgetting, weak ties dissolving near the baseline."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.fading import dissolved
from symbiosis_abm.kernels import change_levels, fade_pairs
from symbiosis_abm.pace import process_change
from symbiosis_abm.portable_math import exp


def _change_numpy(level, u_event, u_stop, z, h, stop_share, sigma, item_firm, firm_open,
                  committed, volume):
    """Lifecycle._process_changes's numpy path over every item, as written before the
    kernel: returns the new levels and which items fell below their contracts."""
    new, fell = process_change(level, u_event, u_stop, z, h, stop_share, sigma)
    closed = ~firm_open[item_firm]
    new[closed], fell[closed] = level[closed], False
    fell &= committed > volume * new * (1.0 + 1e-9)
    return new, fell


@pytest.mark.parametrize("seed", range(12))
def test_change_levels_is_the_numpy_process_change(seed):
    rng = np.random.default_rng(seed)
    n_items, n_firms = int(rng.integers(1, 80)), int(rng.integers(1, 10))
    level = rng.choice([0.0, 0.3, 1.0], n_items) * rng.random(n_items).round(1)
    u_event, h = rng.random(n_items), float(rng.choice([0.05, 0.3, 0.9]))
    u_stop, z = np.ones(n_items), np.zeros(n_items)
    event = (u_event < h).nonzero()[0]
    u_stop[event], z[event] = rng.random(len(event)), rng.standard_normal(len(event))
    item_firm, firm_open = rng.integers(0, n_firms, n_items), rng.random(n_firms) < 0.8
    volume = rng.random(n_items) * 1e3
    committed = volume * rng.choice([0.0, 0.2, 0.5, 1.0], n_items)
    sigma, stop_share = 0.4, 0.25
    want_level, want_fell = _change_numpy(level, u_event, u_stop, z, h, stop_share, sigma,
                                          item_firm, firm_open, committed, volume)
    drawn = np.minimum(exp(sigma * z[event]), 1.0)   # (as Lifecycle draws them)
    got_level = level.copy()
    fell = change_levels(event, u_stop[event], drawn, stop_share, got_level, item_firm,
                         firm_open, committed, volume)
    assert got_level.tobytes() == want_level.tobytes()
    assert fell.tolist() == np.flatnonzero(want_fell).tolist()


def _fade_numpy(aware, met, contact, trust, u_aware, chance, baseline):
    """Lifecycle._fade's pair rules in numpy, as written before the kernel (u_aware: one
    single-precision draw per quiet pair, None: awareness does not fade)."""
    idle = ~contact
    if u_aware is not None:
        quiet = (aware & idle).nonzero()[0]
        aware[quiet[u_aware < chance]] = False
    slots = (met & idle).nonzero()[0]
    met[slots[dissolved(True, False, trust[slots], baseline, 0.01)]] = False


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("fades", [True, False])
def test_fade_pairs_is_the_numpy_fading(seed, fades):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    aware, met, contact = rng.random(n) < 0.6, rng.random(n) < 0.5, rng.random(n) < 0.3
    baseline = 0.3
    trust = baseline + rng.choice([0.0, 0.005, 0.01, 0.0100001, -0.01, 0.2, np.nan], n)
    chance = float(rng.choice([0.02, 0.1, 1 / 3]))   # (1/3 is not a float32)
    u_aware = None
    if fades:
        u_aware = rng.random(int(np.count_nonzero(aware & ~contact)), dtype=np.float32)
    want = [aware.copy(), met.copy()]
    _fade_numpy(want[0], want[1], contact, trust, u_aware, chance, baseline)
    no_draws = np.zeros(0, dtype=np.float32)
    fade_pairs(aware, met, contact, trust, no_draws if u_aware is None else u_aware,
               np.result_type(np.float32, chance).type(chance), baseline, 0.01)
    assert aware.tolist() == want[0].tolist() and met.tolist() == want[1].tolist()
