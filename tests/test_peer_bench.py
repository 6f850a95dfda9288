"""benchmarks/peer_bench.py: the parts that run without the peer. A compiled kernel loaded
inside a tick timed is set aside from that tick, and only that tick."""

from __future__ import annotations

import time

import benchmark_scripts
import numpy as np
import pytest
from numba import njit
from numba.core import event


@pytest.fixture(scope="module")
def peer_bench():
    return benchmark_scripts.load("peer_bench")


@pytest.fixture
def loading(peer_bench):
    listener = peer_bench.kernel_loading()
    yield listener
    event.unregister("numba:compiler_lock", listener)   # (the tests' process goes on)


def test_a_kernel_loaded_inside_a_tick_is_set_aside(peer_bench, loading):
    @njit
    def fresh_kernel(values):   # (new to this process: its first call compiles it)
        return values.sum()

    calls = iter([lambda: time.sleep(0.01), lambda: fresh_kernel(np.ones(3)),
                  lambda: time.sleep(0.01)])
    wall, cpu = peer_bench.timed_ticks(lambda: next(calls)(), 3,
                                       aside=lambda: loading.seconds)
    assert loading.loads >= 1 and loading.seconds > 0
    # the compiling tick keeps a little of its time (the call around the lock), not the
    # compiling: far less than a compile, which takes tens of milliseconds
    assert loading.seconds > 0.01 and wall[1] < loading.seconds / 2
    assert wall[0] >= 0.009 and wall[2] >= 0.009   # the other ticks as they were
    assert all(c >= 0 for c in cpu)


def test_without_a_listener_the_ticks_are_as_timed(peer_bench):
    wall, cpu = peer_bench.timed_ticks(lambda: time.sleep(0.005), 2)
    assert len(wall) == len(cpu) == 2 and min(wall) >= 0.004
