"""Seventh pass, trust upkeep (branch p7-trust): the reputation links' pair slots looked up
through a :class:`~symbiosis_abm.trust.SlotMemo`'s hash table inside
``kernels_tick.reputation_slots`` are the slots the store's index gives, call after call,
as the store adds pairs, the exchanges change and the table fills, starts again or grows;
and the model's upkeep over many ticks is the upkeep without the memo."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels_tick import reputation_slots
from symbiosis_abm.trust import PairStore, SlotMemo, _reputation_links


def _expected(active, sup, rec, store):
    """The pulls as trust._reputation_links finds them through the store's index."""
    if active.sum() < 2:
        return []
    ki, kj, ij, in_hub, of_hub = _reputation_links(sup[active], rec[active], store)
    return np.stack((ij, in_hub[ki], of_hub[kj]), axis=1).tolist()


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("rows", [4, 1024])   # a table that fills at once, or has room
def test_reputation_slots_through_the_memo_are_the_index_slots(seed, rows):
    rng = np.random.default_rng(seed)
    firms, edges = 25, 90
    store = PairStore(firms, initial_trust=0.3)
    store.slots(rng.integers(0, firms, 150), rng.integers(0, firms, 150))
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    slot_sr, slot_rs = store.slots(edge_sup, edge_rec), store.slots(edge_rec, edge_sup)
    memo = SlotMemo(store)
    memo.table = np.full((rows, 2), -1, dtype=np.int64)
    edge = rng.integers(0, edges, 60)
    sup, rec = edge_sup[edge], edge_rec[edge]
    active = rng.random(60) < 0.4
    seen = 0
    for _ in range(12):
        if rng.random() < 0.4:   # pairs added: some (i, j) held without a slot get one
            store.slots(rng.integers(0, firms, 40), rng.integers(0, firms, 40))
        flip = rng.random(60) < 0.1   # exchanges begin and end
        active = active ^ flip
        if rng.random() < 0.3:   # as if few keys were asked: the table starts again
            memo.count[1] = 0
        memo.ready()   # the keys held without a slot take theirs; it may grow
        got = reputation_slots(active, sup, rec, edge, slot_sr, slot_rs, firms, store._keys,
                               store._key_slot, memo.table, memo.count)
        assert got.dtype == np.int32 and got.shape[1:] == (3,)
        assert got.tolist() == _expected(active, sup, rec, store)
        held = memo.table[memo.table[:, 0] >= 0]
        assert len(held) == memo.held <= len(memo.table) // 2
        assert (store._lookup(held[:, 0]) == held[:, 1]).all()
        seen += len(got)
    assert seen   # the cases are not empty


def test_the_memo_starts_again_and_grows():
    store = PairStore(10, initial_trust=0.3)
    store.slots(np.arange(10), np.arange(10)[::-1])
    memo = SlotMemo(store)
    keys = np.arange(0, 100, 3, dtype=np.int64)
    memo.find(keys)   # 34 keys held in 1,024 rows
    memo.count[1] = 5   # a pass asked for 5 keys: a table of 34 starts again
    assert memo.ready().held == 0 and (memo.table == -1).all()
    memo.find(np.arange(300, dtype=np.int64))
    memo.count[1] = 300   # 300 held of 1,024 rows: over a quarter full, it grows
    memo.ready()
    assert len(memo.table) >= 1200 and memo.held == 300
    assert memo.find(np.arange(300, dtype=np.int64)).tolist() == store._lookup(
        np.arange(300, dtype=np.int64)).tolist()


def test_the_stores_views_follow_its_growth_and_copies():
    import copy
    store = PairStore(30, initial_trust=0.3, capacity=4)
    for step in range(4):   # past the capacity: new arrays, new views
        store.slots(np.arange(step, 30), np.arange(30 - step)[::-1])
        for name in ("trust", "aware", "met", "contact"):
            view, whole = getattr(store, name), getattr(store, "_" + name)
            assert len(view) == store.size and np.shares_memory(view, whole)
    twin = copy.deepcopy(store)
    twin.trust[:] = 0.9
    twin.met[3] = True
    assert (twin._trust[: twin.size] == 0.9).all() and twin._met[3]
    assert (store.trust == 0.3).all() and not store.met.any()


@pytest.mark.parametrize("seed", range(10))
def test_pair_slots_is_the_search_then_add_pairs(seed):
    """pair_slots: the slots the sorted index holds, -1 elsewhere, then (where the
    arrays have room) what add_pairs adds; without room nothing changes but ``out``."""
    from symbiosis_abm.kernels_tick import add_pairs, pair_slots
    rng = np.random.default_rng(seed)
    firms = int(rng.integers(2, 40))
    n = int(rng.integers(0, 300))
    index = np.unique(rng.integers(0, firms * firms, n))
    n = len(index)
    slot_of = rng.permutation(n)
    keys = rng.integers(0, firms * firms, int(rng.choice([0, 1, 5, 80])))
    for room in (0, 1, 200):
        start = n
        args = [np.concatenate([index, np.zeros(room, np.int64)]),
                np.concatenate([slot_of, np.zeros(room, np.int64)]), n, keys,
                np.empty(len(keys), np.int64), start,
                np.zeros(start + room, np.int64), np.zeros(start + room, np.int64), firms]
        ref = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        pos = np.minimum(np.searchsorted(index, keys), max(n - 1, 0))
        found = (index[pos] == keys) if n else np.zeros(len(keys), bool)
        ref[4][:] = np.where(found, slot_of[pos] if n else -1, -1)
        new = len(np.unique(keys[~found]))
        got = pair_slots(*args)
        if new and new > room:   # no room: only the search
            assert got == -new
            assert args[4].tolist() == ref[4].tolist()
            assert all(a.tolist() == b.tolist() for a, b in zip(args[:2] + args[6:8],
                                                              ref[:2] + ref[6:8]))
            continue
        assert got == new
        if new:
            add_pairs(*ref)
        for a, b in zip(args, ref):
            if isinstance(a, np.ndarray):
                assert a.tolist() == b.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_upkeep_with_pulls_is_the_pulls_then_the_upkeep(seed):
    """upkeep_with_pulls: reputation_slots' pulls (returned, the memo's table filled as
    reputation_slots fills it), then trust_upkeep with them, bit for bit."""
    from symbiosis_abm.kernels_tick import trust_upkeep, upkeep_with_pulls
    rng = np.random.default_rng(seed)
    firms, edges, rows = 15, 40, int(rng.integers(0, 30))
    store = PairStore(firms, initial_trust=0.35)
    store.slots(rng.integers(0, firms, 120), rng.integers(0, firms, 120))
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    slot_sr, slot_rs = store.slots(edge_sup, edge_rec), store.slots(edge_rec, edge_sup)
    edge = rng.integers(0, edges, rows)
    sup, rec = edge_sup[edge], edge_rec[edge]
    active = rng.random(rows) < rng.choice([0.05, 0.7])
    size = store.size
    trust = np.where(rng.random(size) < 0.1, 0.0, rng.random(size))
    met, contact = rng.random(size) < 0.6, rng.random(size) < 0.3
    memos = [SlotMemo(store).ready() for _ in range(2)]
    links = (active, sup, rec, edge, slot_sr, slot_rs, firms, store._keys, store._key_slot)
    ref_trust, ref_contact = trust.copy(), contact.copy()
    pulls = reputation_slots(*links, memos[0].table, memos[0].count)
    trust_upkeep(ref_trust, met, ref_contact, 0.3, 0.02, pulls, 0.35, 0.2)
    got = upkeep_with_pulls(trust, met, contact, 0.3, 0.02, 0.35, 0.2, *links,
                            memos[1].table, memos[1].count)
    assert got.tolist() == pulls.tolist()
    assert trust.view(np.int64).tolist() == ref_trust.view(np.int64).tolist()
    assert contact.tolist() == ref_contact.tolist()
    assert memos[1].table.tolist() == memos[0].table.tolist()
    assert memos[1].count.tolist() == memos[0].count.tolist()
