"""The seventh pass's measurement kernel (kernels_tick.py, section "seventh pass:
p7-measure") gives the sixth pass's figures bit for bit, and the model's memo of the
slots' ends follows the pair store as it grows."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import measure_extras

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.kernels_tick import measure_flat, measure_pass
from symbiosis_abm.trust import PairStore


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


def _store_and_edges(rng, n_firms, n_edges, n_other):
    """A pair store holding the slots of ``n_edges`` random edges (some a firm's edge to
    itself, some pairs joined by edges both ways) and of ``n_other`` other pairs (met at
    events), made in a few batches as the model makes them."""
    sup = rng.integers(0, n_firms, n_edges)
    rec = np.where(rng.random(n_edges) < 0.05, sup, rng.integers(0, n_firms, n_edges))
    back = rng.random(n_edges) < 0.2   # some edges the other way of an earlier one
    sup[1:][back[1:]], rec[1:][back[1:]] = rec[:-1][back[1:]], sup[:-1][back[1:]]
    store = PairStore(n_firms, 0.35, capacity=16)
    slot_sr, slot_rs = store.slots(sup, rec), store.slots(rec, sup)
    for _ in range(3):
        store.slots(rng.integers(0, n_firms, n_other // 3), rng.integers(0, n_firms,
                                                                          n_other // 3))
    return store, sup, rec, slot_sr, slot_rs


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("scale", [(0, 0, 0), (6, 4, 3), (30, 80, 150), (400, 2600, 1900)])
@pytest.mark.parametrize("met_share", [0.0, 0.07, 0.6, 1.0])
@pytest.mark.parametrize("fresh", [True, False])
def test_measure_flat_is_measure_pass(seed, scale, met_share, fresh):
    """Every figure, of the same type, as measure_pass gives it from the store's ends
    and the edges' firms; the slots past the store's size (its buffers) are not read."""
    rng = np.random.default_rng(seed)
    n_firms, n_edges, n_other = scale
    n_firms = max(n_firms, 1)
    store, sup, rec, slot_sr, slot_rs = _store_and_edges(rng, n_firms, n_edges, n_other)
    size = store.size
    store.trust[:] = rng.random(size)
    store.met[:] = rng.random(size) < met_share
    rows, talks, t = 3 * n_edges // 4 + 5, n_edges // 2 + 3, 15

    def edge(k):   # k random edges (none: edge 0 of a store without slots, never read)
        return rng.integers(0, max(n_edges, 1), k) if n_edges else np.zeros(k, np.int64)

    active = rng.random(rows) < (rng.choice([0.0, 0.6]) if n_edges else 0.0)
    ex_edge = edge(rows)
    status = rng.integers(0, 3, talks) if n_edges else np.full(talks, 2, dtype=np.int8)
    book_edge = edge(talks)
    ex_sup = sup[ex_edge] if n_edges else np.zeros(rows, np.int64)
    ex_rec = rec[ex_edge] if n_edges else np.zeros(rows, np.int64)
    if n_edges == 0:
        slot_sr = slot_rs = np.zeros(1, dtype=np.int64)
        sup = rec = np.zeros(1, dtype=np.int64)
    (first, ended, reason, internal, firm_open, member, money, delivered,
     units) = measure_extras(rng, t, rows, n_firms)
    co2e = rng.random(len(delivered)) * 2.5   # CO2e avoided per unit
    want = measure_pass(fresh, t, active, ex_edge, first, ended, reason, ex_sup, ex_rec,
                        internal, status, book_edge, 1, store.trust, store.met, store.src,
                        store.dst, slot_sr, slot_rs, sup, rec, firm_open, member, 0.35,
                        *money, delivered, *units)
    lower = np.concatenate([store.src[:size] < store.dst[:size],
                            rng.random(5) < 0.5])   # past the slots: never read
    got = measure_flat(fresh, t, active, ex_edge, first, ended, reason, ex_sup, ex_rec,
                       internal, status, book_edge, 1, store.trust, store.met, lower,
                       slot_sr, slot_rs, firm_open, member, 0.35, *money, delivered,
                       np.array(units), co2e)
    want = (*want[:15], float(np.add.reduce(delivered * co2e)), *want[15:])
    assert _bits(got) == _bits(want)
    assert [type(x) for x in got] == [type(x) for x in want]


def test_the_memo_follows_the_store():
    """The measurement's memo of each slot's src < dst is the store's, tick by tick, as
    the store adds slots and grows its buffers."""
    model = SymbiosisModel("kalundborg", rng=3)
    sizes = set()
    for _ in range(40):
        model.step()
        memo, store = model._measure_memo, model.pairs
        assert memo.known == store.size
        assert np.array_equal(memo.lower[:store.size],
                              store.src[:store.size] < store.dst[:store.size])
        sizes.add(store.size)
    assert len(sizes) > 1
