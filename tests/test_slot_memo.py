"""The pair-slot memo's hash table (kernels_tick.memo_lookup, memo_insert, memo_update)
holds what was put in it: every key found with its value, every other key missing,
across growth; and the memo finds the store's slots as the store adds pairs."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels_tick import MEMO_MISSING, memo_insert, memo_lookup, memo_update
from symbiosis_abm.trust import PairStore, SlotMemo


@pytest.mark.parametrize("seed", range(6))
def test_the_hash_table_is_a_dict(seed):
    # keys of pairs of nearby firms (i x n + j, clustered), added in batches that make
    # the table grow several times; lookups mix held and missing keys
    rng = np.random.default_rng(seed)
    n = 10_000
    table, held = np.full((4, 2), -1, dtype=np.int64), {}
    for _ in range(12):
        i = rng.integers(0, 50, 400)
        keys = np.unique(i * n + i + rng.integers(-30, 30, 400).clip(0))
        new = np.array([k for k in keys if k not in held], dtype=np.int64)
        values = rng.integers(-1, 10**6, len(new))
        table = memo_insert(table, new, values, len(held))
        held.update(zip(new.tolist(), values.tolist()))
        assert len(table) >= 2 * len(held)
        # new values for some keys held and some not (those stay out)
        some = np.concatenate([rng.choice(np.array(list(held)), 50), rng.integers(0, 60 * n, 50)])
        some = np.unique(some)
        values = rng.integers(-1, 10**6, len(some))
        assert memo_update(table, some, values) == sum(k in held for k in some.tolist())
        held.update((k, v) for k, v in zip(some.tolist(), values.tolist()) if k in held)
        asked = np.concatenate([rng.choice(np.array(list(held)), 300),
                                rng.integers(0, 60 * n, 300)])
        out = np.empty(len(asked), dtype=np.int64)
        missing = memo_lookup(table, asked, out)
        want = [held.get(k, MEMO_MISSING) for k in asked.tolist()]
        assert out.tolist() == want and missing == want.count(MEMO_MISSING)


@pytest.mark.parametrize("seed", range(4))
def test_the_memo_finds_what_the_store_finds_as_it_grows(seed):
    # thousands of keys, most asked again, pairs added now and then (all dropped then)
    rng = np.random.default_rng(seed)
    firms = 300
    store = PairStore(firms, initial_trust=0.3)
    store.slots(rng.integers(0, firms, 3000), rng.integers(0, firms, 3000))
    memo = SlotMemo(store)
    pool_i, pool_j = rng.integers(0, firms, 5000), rng.integers(0, firms, 5000)
    for _ in range(10):
        if rng.random() < 0.3:
            store.slots(rng.integers(0, firms, 200), rng.integers(0, firms, 200))
        pick = rng.integers(0, len(pool_i), 2500)
        i, j = pool_i[pick], pool_j[pick]
        assert memo.find(i * firms + j).tolist() == store.find(i, j).tolist()
    assert memo.held > 1024 // 2   # it grew past its first table
