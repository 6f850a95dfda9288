"""Process changes in one compiled pass (kernels.change_levels) give the numpy rule they
replace (pace.process_change as Lifecycle._process_changes applied it), bit for bit:
dormant items appearing, stops, drawn levels, closed firms, contracts that no longer fit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import change_levels
from symbiosis_abm.pace import process_change


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
    drawn = np.minimum(np.exp(sigma * z[event]), 1.0)
    got_level = level.copy()
    fell = change_levels(event, u_stop[event], drawn, stop_share, got_level, item_firm,
                         firm_open, committed, volume)
    assert got_level.tobytes() == want_level.tobytes()
    assert fell.tolist() == np.flatnonzero(want_fell).tolist()
