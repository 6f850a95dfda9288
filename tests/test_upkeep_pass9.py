"""Ninth pass, phase 8's region changes and trust upkeep (branch pass9-upkeep): each new
kernel against the rule it replaces, on random inputs, exactly."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels_tick import (
    breach_trust,
    events_and_closing,
    introducible_edges,
    introducible_small,
    rows_below,
    starved_closing,
)
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


@pytest.mark.parametrize("seed", range(12))
def test_events_and_closing_is_rows_below_then_starved_closing(seed):
    rng = np.random.default_rng(seed)
    firms, needs, marker = 15, 40, -1
    key_input, need_firm = rng.random(needs) < 0.6, rng.integers(0, firms, needs)
    random_exit = rng.random(firms) < 0.7
    starved = rng.choice([marker, 0, 1, 2, 3, 5], needs)
    want_rows, got_rows = np.empty(needs, dtype=np.int64), np.empty(needs, dtype=np.int64)
    closing = np.zeros(firms, dtype=bool)
    want_starved, got_starved = starved.copy(), starved.copy()
    for _ in range(6):   # ticks: the counters run on, the room is cleared when firms close
        firm_open = rng.random(firms) < 0.8
        share, u = rng.random(needs), rng.random(needs)
        want_n = rows_below(u, 0.2, want_rows)
        want = starved_closing(key_input, firm_open, need_firm, want_starved, share, 0.5,
                               3, marker, random_exit)
        got_n, n_closing = events_and_closing(u, 0.2, got_rows, closing, key_input,
                                              firm_open, need_firm, got_starved, share,
                                              0.5, 3, marker, random_exit)
        assert got_n == want_n and got_rows[:got_n].tolist() == want_rows[:want_n].tolist()
        assert closing.tolist() == want.tolist() and n_closing == int(want.sum())
        assert got_starved.tolist() == want_starved.tolist()
        closing[:] = False
