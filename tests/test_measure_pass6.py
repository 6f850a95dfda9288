"""The sixth pass's kernels (the section "A tick's measurement in one flat pass" of
kernels_tick.py) are the passes and numpy rules they replace, bit for bit; the tick record
holds what Mesa's collector holds."""

from __future__ import annotations

import copy

import mesa
import numpy as np
import pytest

from symbiosis_abm.kernels_tick import exchange_topology, measure_pass, measure_tick
from symbiosis_abm.measurement import TickRecord


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


def _tick_inputs(rng, size, met_share):
    """Random inputs of measure_tick (``t`` first); ``src``, ``dst`` as long as ``trust``."""
    rows, talks, edges, firms, resources, t = 40, 30, 25, 12, 9, 15
    active = rng.random(rows) < rng.choice([0.0, 0.6])
    return (t, active, rng.integers(0, edges, rows), rng.integers(t - 5, t + 5, rows),
            rng.integers(t - 2, t + 2, rows), rng.integers(0, 6, rows), rng.random(6) < 0.5,
            rng.integers(0, 3, talks), rng.integers(0, edges, talks), 1, rng.random(size),
            rng.random(size) < met_share, rng.integers(0, firms, size),
            rng.integers(0, firms, size), rng.integers(0, max(size, 1), edges),
            rng.integers(0, max(size, 1), edges), rng.integers(0, firms, edges),
            rng.integers(0, firms, edges), firms, rng.random(firms) < 0.8,
            rng.random(firms) < 0.5, 0.35, *(rng.normal(0, 1e5, firms) for _ in range(3)),
            rng.random(resources) * 1e3, *(rng.random(resources) < 0.4 for _ in range(3)))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("size", [0, 5, 64, 203, 5003])   # both tallies (_PLAIN_SLOTS)
@pytest.mark.parametrize("met_share", [0.0, 0.05, 1.0])
@pytest.mark.parametrize("fresh", [True, False])
def test_measure_pass_is_measure_tick_and_the_topology(seed, size, met_share, fresh):
    """measure_pass gives measure_tick's figures and, if fresh, exchange_topology's, the
    same values of the same types; the pairs' ends may be longer than the trusts (the
    store's buffers: what lies past them is not read)."""
    rng = np.random.default_rng(seed)
    args = _tick_inputs(rng, size, met_share)
    (t, active, ex_edge, first, ended, reason, internal, status, book_edge, open_code,
     trust, met, src, dst, slot_sr, slot_rs, edge_sup, edge_rec, n_firms, firm_open,
     member, initial, savings, costs, stranded, delivered, u_t, u_mwh, u_m3) = args
    if size == 0:   # no slots: no edge may hold one
        slot_sr = slot_rs = np.zeros(len(slot_sr), dtype=np.int64)
        status = np.zeros_like(status)
        active = np.zeros_like(active)
        args = (*args[:1], active, *args[2:7], status, *args[8:14], slot_sr, slot_rs,
                *args[16:])
    supplier, receiver = rng.integers(0, n_firms, len(active)), rng.integers(0, n_firms,
                                                                              len(active))
    act, figures = measure_tick(*args)
    shape = exchange_topology(supplier[act], receiver[act], n_firms) if fresh else (0, 0, 0)
    junk = rng.integers(-5, 5, 11)   # past the slots: never read
    got = measure_pass(fresh, t, active, ex_edge, first, ended, reason, supplier, receiver,
                       internal, status, book_edge, open_code, trust, met,
                       np.concatenate([src, junk]), np.concatenate([dst, -junk]), slot_sr,
                       slot_rs, edge_sup, edge_rec, firm_open, member, initial, savings,
                       costs, stranded, delivered, u_t, u_mwh, u_m3)
    want = (len(act), *figures, *shape)
    assert _bits(got) == _bits(want)
    assert [type(x) for x in got] == [type(x) for x in want]


@pytest.mark.parametrize("seed", range(6))
def test_measure_pass_mean_trusts_are_numpy_means(seed):
    """The mean trusts and weak ties by the numpy rule itself: met pairs' trust summed
    and divided by their count; strong ties (both slots of each active exchange's edge);
    weak: met and not strong, counted once per pair (src < dst)."""
    rng = np.random.default_rng(seed)
    size, firms, edges, rows = 150, 10, 30, 20
    trust, met = rng.random(size), rng.random(size) < 0.7
    src, dst = rng.integers(0, firms, size), rng.integers(0, firms, size)
    slot_sr, slot_rs = rng.integers(0, size, edges), rng.integers(0, size, edges)
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    active, ex_edge = rng.random(rows) < 0.5, rng.integers(0, edges, rows)
    none_i, none_b = np.zeros(rows, dtype=np.int64), np.zeros(6, dtype=bool)
    got = measure_pass(False, 3, active, ex_edge, none_i - 1, none_i - 1, none_i, none_i,
                       none_i, none_b, np.zeros(0, np.int64), np.zeros(0, np.int64), 1,
                       trust, met, src, dst, slot_sr, slot_rs, edge_sup, edge_rec,
                       np.ones(firms, bool), np.zeros(firms, bool), 0.35, np.zeros(firms),
                       np.zeros(firms), np.zeros(firms), np.zeros(4), *(np.ones(4, bool),) * 3)
    strong = np.zeros(size, dtype=bool)
    strong[slot_sr[ex_edge[active]]] = True
    strong[slot_rs[ex_edge[active]]] = True
    weak = met & ~strong
    assert got[6] == int((weak & (src < dst)).sum())
    assert _bits(got[9:12]) == _bits([trust[met].sum() / met.sum(),
                                      trust[strong].sum() / strong.sum(),
                                      trust[weak].sum() / weak.sum()])


def test_tick_record_is_mesas_collector():
    """TickRecord's model_vars, read between ticks or at the end, copied or not, are
    Mesa's DataCollector's lists for the same ticks, as is its frame."""
    names = ("tick", "x", "y")

    class M:
        stats, time = {}, 0.0

    record = TickRecord(names)
    mesas = mesa.DataCollector(model_reporters={k: (lambda m, k=k: m.stats[k])
                                                for k in names})
    for t in range(7):
        M.stats, M.time = {"tick": t, "x": t * 0.5, "y": -t}, float(t)
        record.collect(M)
        mesas.collect(M)
        if t in (0, 3):   # read mid-run: what is held moves in, later ticks follow
            assert record.model_vars == mesas.model_vars
    again = copy.deepcopy(record)
    assert record.model_vars == mesas.model_vars == again.model_vars
    assert record._collection_steps == mesas._collection_steps
    assert record.get_model_vars_dataframe().equals(mesas.get_model_vars_dataframe())
