"""The facilitator's sixth pass gives what the numpy steps it replaced gave, bit for bit:
the convener's pools shuffled in place. (The broker's proposals in one compiled call,
kernels_tick.broker_proposals, are held to the broker's steps in test_facilitator_pass7.py,
since the seventh pass ranks there too.)"""

from __future__ import annotations

import numpy as np
import pytest


@pytest.mark.parametrize("seed", range(20))
def test_shuffled_pools_are_numpys_permutations(seed):
    # Facilitator._convene: each pool shuffled in place draws what numpy's permutation
    # (a shuffled copy) draws and gives its order; pools of none or one draw nothing
    rng = np.random.default_rng(seed)
    members = np.sort(rng.choice(500, rng.integers(0, 4) if seed % 4 == 0 else 30,
                                 replace=False))
    others = np.sort(rng.choice(500, rng.integers(0, 25), replace=False))
    want_rng, got_rng = np.random.default_rng(seed + 100), np.random.default_rng(seed + 100)
    want = np.concatenate([want_rng.permutation(members), want_rng.permutation(others)])
    got_rng.shuffle(members)
    got_rng.shuffle(others)
    assert np.array_equal(np.concatenate((members, others)), want)
    assert got_rng.random() == want_rng.random()

