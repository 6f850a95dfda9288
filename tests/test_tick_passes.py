"""The one-call passes of a small tick (the upkeep section of kernels_tick.py) are the
passes and numpy rules they join, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.cascade import STARVED
from symbiosis_abm.demography import pairs_of
from symbiosis_abm.kernels_tick import (
    closing_rows,
    exchange_topology,
    measure_step,
    measure_tick,
    reputation_slots,
    rows_below,
    take_over_sites,
    trust_upkeep,
)
from symbiosis_abm.model import _traits
from symbiosis_abm.params import Parameters
from symbiosis_abm.trust import (
    PairStore,
    SlotMemo,
    _reputation_links,
    reputation_pull,
    toward,
)
from symbiosis_abm.world import LARGE, SME


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_reputation_slots_are_the_links_of_the_active_exchanges(seed):
    """The links and slots found through the store, as trust._reputation_links finds
    them, over exchange rows on edges whose pair slots the store holds (pairs repeat:
    several edges of one pair, exchanges both ways)."""
    rng = np.random.default_rng(seed)
    firms, edges, rows = 15, 40, int(rng.integers(0, 30))
    store = PairStore(firms, initial_trust=0.3)
    store.slots(rng.integers(0, firms, 120), rng.integers(0, firms, 120))
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    slot_sr, slot_rs = store.slots(edge_sup, edge_rec), store.slots(edge_rec, edge_sup)
    edge = rng.integers(0, edges, rows)
    sup, rec = edge_sup[edge], edge_rec[edge]
    active = rng.random(rows) < rng.choice([0.05, 0.7])
    memo = SlotMemo(store).ready()
    got = reputation_slots(active, sup, rec, edge, slot_sr, slot_rs, firms, store._keys,
                           store._key_slot, memo.table, memo.count)
    assert got.dtype == np.int32 and got.shape[1:] == (3,)
    if active.sum() < 2:   # no reputation passes: no links
        assert len(got) == 0
        return
    ki, kj, ij, in_hub, of_hub = _reputation_links(sup[active], rec[active], store)
    assert len(ki)   # the case is not empty
    assert got.tolist() == np.stack((ij, in_hub[ki], of_hub[kj]), axis=1).tolist()


@pytest.mark.parametrize("seed", range(10))
def test_trust_upkeep_is_decay_then_reputation(seed):
    """The numpy rules: idle pairs decay toward the baseline and every contact resets;
    then each pair (i, j) moves toward trust(i, k) x trust(k, j) from the trust after
    decay (the last write wins where a pair repeats)."""
    rng = np.random.default_rng(seed)
    size, links, m = 60, 25, int(rng.choice([0, 120]))
    trust = np.where(rng.random(size) < 0.1, 0.0, rng.random(size))
    met, contact = rng.random(size) < 0.6, rng.random(size) < 0.3
    in_hub = np.where(rng.random(links) < 0.2, -1, rng.integers(0, size, links))
    of_hub = np.where(rng.random(links) < 0.2, -1, rng.integers(0, size, links))
    ki, kj, ij = (rng.integers(0, links, m), rng.integers(0, links, m),
                  rng.integers(0, size, m))
    ref = trust.copy()
    idle = met & ~contact
    ref[idle] = toward(ref[idle], 0.3, 0.02)
    at = np.where(in_hub >= 0, ref[np.maximum(in_hub, 0)], 0.35)
    of = np.where(of_hub >= 0, ref[np.maximum(of_hub, 0)], 0.35)
    ref[ij] = reputation_pull(ref[ij], at[ki], of[kj], 0.2)
    trust_upkeep(trust, met, contact, 0.3, 0.02, np.stack((ij, in_hub[ki], of_hub[kj]), axis=1),
                 0.35, 0.2)
    assert _bits(trust) == _bits(ref) and not contact.any()


def _traits_numpy(p, size, member):
    """model._traits as written in numpy before the kernel."""
    support = np.zeros(len(size))
    if member is not None:
        support = np.where((size == SME) & member, p.expert_support, 0.0)

    def trait(sme, large):
        own = np.where(size == LARGE, large, sme)
        return own + support * (large - own)

    return (trait(p.search_budget_sme_eur, p.search_budget_large_eur),
            trait(p.min_trust_sme, p.min_trust_large),
            trait(p.capital_sme_eur, p.capital_large_eur))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("helped", [True, False])
def test_firm_traits_are_the_numpy_traits(seed, helped):
    rng = np.random.default_rng(seed)
    n = 200
    p = Parameters(expert_support=float(rng.choice([0.0, 0.37, 1.0])),
                   min_trust_sme=float(rng.random()), capital_sme_eur=float(rng.random() * 1e6))
    size = rng.choice([SME, LARGE], n)
    member = rng.random(n) < 0.5
    got = _traits(p, size, member if helped else None)
    for a, b in zip(got, _traits_numpy(p, size, member if helped else None)):
        assert _bits(a) == _bits(b)


@pytest.mark.parametrize("seed", range(10))
def test_closing_rows_are_the_numpy_selections(seed):
    rng = np.random.default_rng(seed)
    firms, rows, talks, edges = 20, int(rng.integers(0, 60)), int(rng.integers(0, 90)), 50
    closing = rng.random(firms) < 0.15
    active = rng.random(rows) < 0.6
    sup, rec = rng.integers(0, firms, rows), rng.integers(0, firms, rows)
    status, book_edge = rng.integers(0, 3, talks).astype(np.int8), rng.integers(0, edges, talks)
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    hit, open_talks = closing_rows(closing, active, sup, rec, status, 0, book_edge, edge_sup,
                                   edge_rec)
    assert hit.tolist() == np.flatnonzero(active & (closing[sup] | closing[rec])).tolist()
    assert open_talks.tolist() == np.flatnonzero(
        (status == 0) & (closing[edge_sup[book_edge]] | closing[edge_rec[book_edge]])).tolist()


@pytest.mark.parametrize("seed", range(10))
def test_take_over_sites_restarts_the_pairs_and_items(seed):
    rng = np.random.default_rng(seed)
    firms, slots, streams, needs = 12, 80, 30, 25
    src, dst = rng.integers(0, firms, slots), rng.integers(0, firms, slots)
    taken = rng.choice(firms, int(rng.integers(1, 4)), replace=False)
    trust, aware, met = rng.random(slots), rng.random(slots) < 0.5, rng.random(slots) < 0.5
    stream_firm, need_firm = rng.integers(0, firms, streams), rng.integers(0, firms, needs)
    stream_level, need_level = rng.random(streams), rng.random(needs)
    need_starved, need_share = rng.integers(0, 9, needs), rng.random(needs)
    ref = [a.copy() for a in (trust, aware, met, stream_level, need_level, need_starved,
                              need_share)]
    slots_hit = pairs_of(src, dst, taken, firms)
    ref[0][slots_hit], ref[1][slots_hit], ref[2][slots_hit] = 0.3, False, False
    mine_s, mine_n = np.isin(stream_firm, taken), np.isin(need_firm, taken)
    ref[3][mine_s], ref[4][mine_n], ref[5][mine_n], ref[6][mine_n] = 1.0, 1.0, STARVED, 0.0
    take_over_sites(taken, firms, src, dst, trust, aware, met, 0.3, stream_firm, need_firm,
                    stream_level, need_level, need_starved, need_share, STARVED)
    assert len(slots_hit) and mine_n.any()
    for a, b in zip((trust, aware, met, stream_level, need_level, need_starved, need_share),
                    ref):
        assert _bits(a) == _bits(b)


@pytest.mark.parametrize("seed", range(6))
def test_rows_below_are_the_numpy_positions(seed):
    rng = np.random.default_rng(seed)
    u = rng.random(int(rng.integers(0, 300)))
    u[: len(u) // 5] = 0.25   # ties: not below
    for h in (0.0, 0.01, 0.25, 0.5, 1.0):
        rows = np.full(len(u) + 3, -7, dtype=np.int64)
        k = rows_below(u, h, rows)
        assert rows[:k].tolist() == (u < h).nonzero()[0].tolist()
        assert (rows[k:] == -7).all()   # nothing written past them


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("topology", [True, False])
def test_measure_step_is_measure_tick_and_the_topology(seed, topology):
    rng = np.random.default_rng(seed)
    rows, talks, edges, size, firms, resources, t = 40, 30, 25, 60, 12, 9, 15
    active = rng.random(rows) < rng.choice([0.0, 0.6])
    args = (t, active, rng.integers(0, edges, rows), rng.integers(t - 5, t + 5, rows),
            rng.integers(t - 2, t + 2, rows), rng.integers(0, 6, rows), rng.random(6) < 0.5,
            rng.integers(0, 3, talks), rng.integers(0, edges, talks), 1, rng.random(size),
            rng.random(size) < 0.5, rng.integers(0, firms, size),
            rng.integers(0, firms, size), rng.integers(0, size, edges),
            rng.integers(0, size, edges), rng.integers(0, firms, edges),
            rng.integers(0, firms, edges), firms, rng.random(firms) < 0.8,
            rng.random(firms) < 0.5, 0.35, *(rng.normal(0, 1e5, firms) for _ in range(3)),
            rng.random(resources) * 1e3, *(rng.random(resources) < 0.4 for _ in range(3)))
    supplier, receiver = rng.integers(0, firms, rows), rng.integers(0, firms, rows)
    act, figures = measure_tick(*args)
    shape = exchange_topology(supplier[act], receiver[act], firms) if topology else (0, 0, 0)
    n_act, got, got_shape = measure_step(topology, *args, supplier, receiver)
    assert n_act == len(act) and got_shape == shape and _bits(got) == _bits(figures)
    assert [type(x) for x in got] == [type(x) for x in figures]
