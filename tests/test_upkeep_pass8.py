"""Eighth pass, the end of the tick (branch pass8-upkeep): a small store's trust upkeep
with its :class:`~symbiosis_abm.trust.SlotMemo` made ready inside the compiled call
(``kernels_tick.upkeep_with_memo``) is :meth:`~symbiosis_abm.trust.SlotMemo.ready` then
``upkeep_with_pulls``, call after call, as the store adds pairs, the exchanges change
and the memo fills, starts again or grows; and a model's trust upkeep whose memo holds
nothing ends with the same trust."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels_tick import upkeep_with_memo, upkeep_with_pulls
from symbiosis_abm.trust import PairStore, SlotMemo


def _bits(x: np.ndarray) -> list:
    return x.view(np.int64).tolist()


@pytest.mark.parametrize("seed", range(12))
def test_upkeep_with_memo_is_ready_then_upkeep_with_pulls(seed):
    rng = np.random.default_rng(seed)
    firms, edges, rows = 20, 70, 50
    stores = [PairStore(firms, initial_trust=0.35) for _ in range(2)]
    links = []
    for store in stores:   # the same pairs in both stores
        store.slots(np.random.default_rng(seed).integers(0, firms, 120),
                    np.random.default_rng(seed + 99).integers(0, firms, 120))
    edge_sup, edge_rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    for store in stores:
        links.append((store.slots(edge_sup, edge_rec), store.slots(edge_rec, edge_sup)))
    edge = rng.integers(0, edges, rows)
    sup, rec = edge_sup[edge], edge_rec[edge]
    active = rng.random(rows) < 0.4
    memos = [SlotMemo(store) for store in stores]
    for memo in memos:
        memo.table = np.full((int(rng.choice([4, 16, 1024])), 2), -1, dtype=np.int64)
    memos[1].table = memos[0].table.copy()
    trust = np.where(rng.random(stores[0].size) < 0.1, 0.0, rng.random(stores[0].size))
    for store in stores:
        store.trust[:] = trust
    seen = 0
    for _ in range(15):
        if rng.random() < 0.5:   # pairs added: some (i, j) held without a slot get one
            i, j = rng.integers(0, firms, 30), rng.integers(0, firms, 30)
            for store in stores:
                store.slots(i, j)
        active = active ^ (rng.random(rows) < 0.15)   # exchanges begin and end
        if rng.random() < 0.3:   # as if few keys were asked: the memo starts again
            for memo in memos:
                memo.count[1] = 0
        met, contact = rng.random(stores[0].size) < 0.6, rng.random(stores[0].size) < 0.3
        for store in stores:
            store.met[:], store.contact[:] = met, contact
        ref, got_memo = memos[0].ready(), memos[1]
        common = (0.3, 0.02, 0.35, 0.2, active, sup, rec, edge)
        want = upkeep_with_pulls(stores[0].trust, stores[0].met, stores[0].contact,
                                 *common, *links[0], firms, stores[0]._keys,
                                 stores[0]._key_slot, ref.table, ref.count)
        store = stores[1]
        got = upkeep_with_memo(store.trust, store.met, store.contact, *common, *links[1],
                               firms, store._keys, store._key_slot, got_memo.table,
                               got_memo.count, store.src, store.dst, got_memo.size)
        got_memo.size = store.size
        if 4 * got_memo.count[0] > len(got_memo.table):
            got_memo.grow()
        assert got.tolist() == want.tolist()
        assert _bits(store.trust) == _bits(stores[0].trust)
        assert store.contact.tolist() == stores[0].contact.tolist()
        held = got_memo.table[got_memo.table[:, 0] >= 0]   # what it holds is right
        assert len(held) == got_memo.held <= len(got_memo.table) // 2
        assert (store._lookup(held[:, 0]) == held[:, 1]).all()
        seen += len(got)
    assert seen   # the cases are not empty


@pytest.mark.parametrize("region", ["kalundborg", "synthetic"])
def test_the_upkeep_with_memo_is_the_upkeep_without_it(region, monkeypatch):
    """A run whose memo's table has no room (every pair searched in the store's index)
    ends with the same trust and awareness, bit for bit."""
    from symbiosis_abm import trust as trust_module
    from symbiosis_abm.model import SymbiosisModel
    kw = {"n_firms": 120} if region == "synthetic" else {}
    plain = SymbiosisModel(region, rng=4, **kw)
    plain.run(40)

    kernel = trust_module.upkeep_with_memo

    def no_room(*args):   # a table of two rows is full at once: nothing is held
        *head, table, count, src, dst, seen = args
        count[0] = 0
        return kernel(*head, np.full((2, 2), -1, dtype=np.int64), count, src, dst, seen)

    monkeypatch.setattr(trust_module, "upkeep_with_memo", no_room)
    bare = SymbiosisModel(region, rng=4, **kw)
    bare.run(40)
    assert plain.pairs.size == bare.pairs.size
    assert _bits(plain.pairs.trust) == _bits(bare.pairs.trust)
    assert plain.pairs.aware.tolist() == bare.pairs.aware.tolist()


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("size", [4_103, 20_000, 31_093])
def test_fade_pairs_counting_words_forgets_the_drawn_slots(seed, size):
    """kernels.fade_pairs in a large store (the quiet slots counted a word of eight at a
    time, slot by slot only in the words that hold a slot to forget, then the tail):
    the quiet slots whose draw is below the chance forget, as numpy finds them, with
    quiet slots rare or common, clustered or scattered, few or many forgetting."""
    from symbiosis_abm.kernels import fade_pairs
    rng = np.random.default_rng(seed)
    aware = rng.random(size) < rng.choice([0.01, 0.1, 0.7])
    if seed % 3 == 0:   # runs of aware slots (pairs made in batches)
        aware[rng.integers(0, size, 4)] = True
        aware = np.repeat(aware[: size // 16 + 1], 16)[:size]
    met, contact = rng.random(size) < 0.1, rng.random(size) < rng.choice([0.0, 0.02, 0.3])
    trust = 0.3 + rng.choice([0.0, 0.2], size)
    quiet = np.flatnonzero(aware & ~contact)
    u = rng.random(len(quiet), dtype=np.float32)
    chance = np.float32(rng.choice([1e-4, 0.01, 0.05, 0.5]))
    if seed % 2:   # the last quiet slot forgets (the scan reaches the tail)
        u[-1:] = 0.0
    want_aware, want_met = aware.copy(), met.copy()
    want_aware[quiet[u < chance]] = False
    idle = met & ~contact & (np.abs(trust - 0.3) <= 0.01)
    want_met[idle] = False
    fade_pairs(aware, met, contact, trust, u, chance, 0.3, 0.01)
    assert aware.tolist() == want_aware.tolist()
    assert met.tolist() == want_met.tolist()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("size", [0, 1, 2, 47, 48, 49, 300, 5_000])
@pytest.mark.parametrize("top", [1, 255, 256, 16_153, 360_000, 2**40, 2**62])
def test_radix_sort_and_order_are_numpys(seed, size, top):
    """kernels_tick.radix_sort is ``values.sort()`` and radix_order ``np.argsort(keys,
    kind="stable")`` of non-negative integers, repeated or not, by insertion or by
    bytes (one to eight of them)."""
    from symbiosis_abm.kernels_tick import radix_order, radix_sort
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, top, size, dtype=np.int64)
    if seed % 2 and size:   # many repeats, the largest value present
        keys = rng.choice(keys[: max(1, size // 10)], size)
        keys[rng.integers(0, size)] = top - 1
    got = keys.copy()
    radix_sort(got)
    assert got.tolist() == np.sort(keys).tolist()
    assert radix_order(keys).tolist() == np.argsort(keys, kind="stable").tolist()
