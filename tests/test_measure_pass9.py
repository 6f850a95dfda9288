"""The ninth pass's kernels of the bookkeeping phases (kernels_tick.py, section "ninth
pass: pass9-measure") give what the calls they join gave, bit for bit.

``measure_flat``, changed in place (one allocation for the trusts, a scratch for the
masked sums, the set bits found by cttz), stays held to the sixth pass's
``measure_pass`` by tests/test_measure_pass7.py; the cases below add pair stores whose
size is no multiple of eight, so that the tail word is read.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import measure_extras

from symbiosis_abm.kernels_tick import (
    _product_sum_in,
    closing_rows,
    closures_and_entries,
    leaving_rows,
    measure_flat,
    measure_pass,
)
from symbiosis_abm.trust import PairStore


def _closures(rng, n, rows, talks, edges, t):
    """Random inputs of a tick's closures: firms, their exchanges and talks."""
    firm_open = rng.random(n) < 0.8
    vacant = (rng.random(n) < 0.3) & ~firm_open
    close_tick = np.where(rng.random(n) < 0.05, t, rng.integers(-1, 20, n))
    u_close, u = rng.random(n), rng.random((2, n))
    hazard = np.where(rng.random(n) < 0.5, 0.0, rng.random(n) * 0.2)
    active = rng.random(rows) < 0.6
    sup, rec = rng.integers(0, n, rows), rng.integers(0, n, rows)
    status = rng.integers(0, 3, talks).astype(np.int8)
    book_edge = rng.integers(0, edges, talks)
    edge_sup, edge_rec = rng.integers(0, n, edges), rng.integers(0, n, edges)
    return (firm_open, close_tick, u_close, u, hazard, vacant, active, sup, rec, status,
            book_edge, edge_sup, edge_rec)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("chance,reuse", [(0.0, 0.0), (0.1, 0.3), (0.0, 0.5)])
def test_leaving_rows_is_the_calls_it_joins(seed, chance, reuse):
    """The counts, firms, sites and rows as closures_and_entries, the mask's firms and
    closing_rows give them; the leavers closed and the exits' sites vacant in place."""
    rng = np.random.default_rng(seed)
    n, t = int(rng.integers(1, 80)), 7
    rows, talks = int(rng.integers(0, 60)), int(rng.integers(0, 90))
    (firm_open, close_tick, u_close, u, hazard, vacant, active, sup, rec, status,
     book_edge, edge_sup, edge_rec) = _closures(rng, n, rows, talks, 40, t)
    want_open, want_vacant = firm_open.copy(), vacant.copy()
    gone, n_gone, n_exits, coming = closures_and_entries(
        t, want_open, close_tick, u_close, chance, u[0], hazard, want_vacant, u[1], reuse)
    hit, open_talks = closing_rows(gone, active, sup, rec, status, 1, book_edge, edge_sup,
                                   edge_rec)
    if not n_gone:
        hit = open_talks = np.zeros(0, dtype=np.int64)
    want_open[gone] = False
    out = leaving_rows(t, firm_open, close_tick, u_close, chance, u, hazard, vacant, reuse,
                       active, sup, rec, status, 1, book_edge, edge_sup, edge_rec)
    assert out.dtype == np.int64
    assert out[:4].tolist() == [n_gone, n_exits, len(coming), len(hit)]
    a, b = 4 + n_gone, 4 + n_gone + len(coming)
    assert out[4:a].tolist() == np.flatnonzero(gone).tolist()
    assert out[a:b].tolist() == coming.tolist()
    assert out[b:b + len(hit)].tolist() == hit.tolist()
    assert out[b + len(hit):].tolist() == open_talks.tolist()
    assert firm_open.tolist() == want_open.tolist()
    assert vacant.tolist() == want_vacant.tolist()


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n_other", [3, 4200, 6000, 9000])
def test_measure_flat_reads_the_tail_word(seed, n_other):
    """Pair stores below and above the word path's threshold, of sizes that leave a tail
    word, with the last slots strong: measure_flat's figures are measure_pass's."""
    rng = np.random.default_rng(seed)
    n_firms, n_edges, t = 300, 40, 15
    store = PairStore(n_firms, 0.35, capacity=16)
    store.slots(rng.integers(0, n_firms, n_other), rng.integers(0, n_firms, n_other))
    extra = int(rng.integers(0, 8))   # the size's remainder by eight
    store.slots(rng.integers(0, n_firms, extra), rng.integers(0, n_firms, extra))
    sup, rec = rng.integers(0, n_firms, n_edges), rng.integers(0, n_firms, n_edges)
    slot_sr, slot_rs = store.slots(sup, rec), store.slots(rec, sup)   # the last slots
    size = store.size
    store.trust[:] = rng.random(size)
    store.met[:] = rng.random(size) < rng.choice([0.02, 0.3, 0.9])
    rows, talks = 30, 25
    active, ex_edge = rng.random(rows) < 0.6, rng.integers(0, n_edges, rows)
    status, book_edge = rng.integers(0, 3, talks), rng.integers(0, n_edges, talks)
    (first, ended, reason, internal, firm_open, member, money, delivered,
     units) = measure_extras(rng, t, rows, n_firms)
    co2e = rng.random(len(delivered)) * 2.5   # CO2e avoided per unit
    ex_sup, ex_rec = sup[ex_edge], rec[ex_edge]
    want = measure_pass(True, t, active, ex_edge, first, ended, reason, ex_sup, ex_rec,
                        internal, status, book_edge, 1, store.trust, store.met, store.src,
                        store.dst, slot_sr, slot_rs, sup, rec, firm_open, member, 0.35,
                        *money, delivered, *units)
    got = measure_flat(True, t, active, ex_edge, first, ended, reason, ex_sup, ex_rec,
                       internal, status, book_edge, 1, store.trust, store.met,
                       store.src[:size] < store.dst[:size], slot_sr, slot_rs, firm_open,
                       member, 0.35, *money, delivered, np.array(units), co2e)
    want = (*want[:15], float(np.add.reduce(delivered * co2e)), *want[15:])
    assert _bits(got) == _bits(want)
    assert [type(x) for x in got] == [type(x) for x in want]


def test_the_traits_memo_follows_the_registry():
    """The firm traits remembered inline (SymbiosisModel._firm_traits) are those of the
    registry and the facilitator's activity now, tick by tick, as members join."""
    from symbiosis_abm import SymbiosisModel
    from symbiosis_abm.model import _traits

    model = SymbiosisModel("kalundborg", rng=2, expert_support=0.5)
    members = set()
    for _ in range(30):
        model.step()
        t = model.tick
        model._firm_traits(t)   # after the tick's recruitment: the registry changed
        helped = model.facilitator_active(t)
        want = _traits(model.params, model.world.firm_size,
                       model.firm_member.copy() if helped else None)
        got = (model.firm_search_budget, model._min_trust, model._capital)
        assert all(np.array_equal(a, b) for a, b in zip(got, want))
        members.add(int(model.firm_member.sum()))
    assert len(members) > 1   # the registry did change


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 31, 128, 129, 300, 1037])
def test_the_co2e_sum_is_numpys(n):
    """The CO2e avoided as the measure pass sums it: each product rounded once, then
    numpy's pairwise sum (blocks of 8 accumulators, halves above 128 values), bit for bit,
    whatever the scratch's length past ``n``."""
    rng = np.random.default_rng(n)
    delivered = rng.random(n) * 10.0 ** rng.integers(-3, 7, n)
    co2e = rng.random(n) * rng.choice([1e-3, 1.0, 800.0], n)
    scratch = rng.random(n + 5)
    got = _product_sum_in(delivered, co2e, scratch)
    assert _bits([got]) == _bits([float(np.add.reduce(delivered * co2e))])
    assert type(got) is float
