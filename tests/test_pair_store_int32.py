"""The pair store keeps its firms and slots in int32 (at 100,000 firms its five million
pairs' ends and index slots are 58 MB less than in int64); its keys stay int64.

``i * n_firms + j`` passes 2**31 from about 46,341 firms on: these tests use pairs whose
keys only int64 holds, so a key computed in int32 anywhere on the way fails them.
"""

import numpy as np

from symbiosis_abm.trust import PairStore, SlotMemo

N = 100_000
HIGH_I = np.array([99_999, 60_000, 46_341])
HIGH_J = np.array([99_998, 70_000, 46_342])


def test_ends_and_slots_are_int32_and_keys_int64():
    store = PairStore(N, initial_trust=0.3)
    slots = store.slots(HIGH_I, HIGH_J)
    assert store.src.dtype == store.dst.dtype == slots.dtype == np.int32
    assert store._keys.dtype == np.int64
    assert store.src[slots].tolist() == HIGH_I.tolist()
    assert store.dst[slots].tolist() == HIGH_J.tolist()
    assert store._keys.tolist() == sorted((HIGH_I.astype(np.int64) * N + HIGH_J).tolist())


def test_high_keys_find_their_own_pairs():
    store = PairStore(N, initial_trust=0.3)
    slots = store.slots(HIGH_I, HIGH_J)
    store.trust[slots] = [0.9, 0.8, 0.7]
    assert store.trust_of(HIGH_I, HIGH_J).tolist() == [0.9, 0.8, 0.7]
    # the reversed pairs were never made: an int32 key would wrap onto some other key
    assert store.find(HIGH_J, HIGH_I).tolist() == [-1, -1, -1]


def test_memo_takes_the_slots_of_high_pairs_added_after_it_asked():
    store = PairStore(N, initial_trust=0.3)
    store.slots(np.array([0]), np.array([1]))
    memo = SlotMemo(store)
    keys = HIGH_I.astype(np.int64) * N + HIGH_J
    assert memo.find(keys).tolist() == [-1, -1, -1]     # remembered without a slot
    slots = store.slots(HIGH_I, HIGH_J)                # added later: memo._added
    assert memo.find(keys).tolist() == slots.tolist()
    assert sorted(slots.tolist()) == [1, 2, 3]
