"""Ninth pass, phase 8's region changes and trust upkeep (branch pass9-upkeep): each new
kernel against the rule it replaces, on random inputs, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels_tick import breach_trust, introducible_edges, introducible_small
from symbiosis_abm.relations import after_breach


@pytest.mark.parametrize("seed", range(20))
def test_introducible_small_is_introducible_edges(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    edges = int(rng.integers(0, 150))
    # candidate edges (a pair may have several: several resources), some within a firm
    edge_sup, edge_rec = rng.integers(0, n, edges), rng.integers(0, n, edges)
    keys = edge_sup * n + edge_rec
    order = np.argsort(keys, kind="stable")
    rows = int(rng.integers(0, 60))
    sup, rec = rng.integers(0, n, rows), rng.integers(0, n, rows)
    active = rng.random(rows) < rng.random()
    for max_degree in (2, 3, 64):   # hubs with more links than max_degree pair their first
        want = introducible_edges(active, sup, rec, n, max_degree, keys[order], order)
        got = introducible_small(active, sup, rec, n, max_degree, edge_sup, edge_rec)
        assert got.tolist() == want.tolist()


@pytest.mark.parametrize("seed", range(12))
def test_breach_trust_is_after_breach_at_the_slots(seed):
    rng = np.random.default_rng(seed)
    slots, edges, rows = 40, 30, 25
    trust = rng.random(slots)
    trust[rng.random(slots) < 0.1] = np.nan
    trust[rng.random(slots) < 0.1] = 0.0
    slot_sr, slot_rs = rng.integers(0, slots, edges), rng.integers(0, slots, edges)
    ex_edge = rng.integers(0, edges, rows)
    # rows ending (some twice, and rows of the same edge: a pair's slot repeats)
    ended = rng.integers(0, rows, int(rng.integers(0, 12)))
    by_supplier = rng.random(len(ended)) < 0.5
    loss = float(rng.choice([0.05, 0.3, 1.5]))
    want = trust.copy()   # the rule as lifecycle applied it in numpy
    slot = np.where(by_supplier, slot_rs[ex_edge[ended]], slot_sr[ex_edge[ended]])
    want[slot] = after_breach(want[slot], loss)
    got = trust.copy()
    breach_trust(ended, by_supplier, ex_edge, slot_rs, slot_sr, got, loss)
    assert got.view(np.int64).tolist() == want.view(np.int64).tolist()
