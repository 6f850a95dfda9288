"""The passes that make their phase's draws themselves (kernels_drawn.py) are the passes
they wrap given numpy's draws of the same streams, bit for bit, and leave each stream
where those draws left it."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.draws import stream_address
from symbiosis_abm.kernels import (
    budgeted_evaluations,
    discover,
    recruit_members,
    talk_deadlines,
)
from symbiosis_abm.kernels_drawn import (
    deadlines_drawn,
    found_and_evaluated,
    realised_drawn,
    recruit_drawn,
)
from symbiosis_abm.kernels_tick import realised_ratios


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def _streams(seed, n=1):
    """``n`` pairs of generators in one state: the kernels draw from the first of each
    pair, numpy from the second."""
    seeds = np.random.SeedSequence(seed).spawn(n)
    return [(np.random.default_rng(s), np.random.default_rng(s)) for s in seeds]


def _left_alike(pairs) -> bool:
    return all(a.bit_generator.state == b.bit_generator.state for a, b in pairs)


@pytest.mark.parametrize("seed", range(6))
def test_realised_drawn_is_realised_ratios_with_the_noise_streams_normals(seed):
    rng = np.random.default_rng(seed)
    streams, needs, firms = 40, 30, 10
    s_now, n_now = (rng.random((streams, 12)) * 1.5)[:, 5], rng.random(needs) * 1.5
    variability = rng.random(streams) * 2
    level = np.where(rng.random(streams) < 0.2, 0.0, rng.random(streams))
    made, need_level = rng.random(streams), rng.random(needs)
    firm_open = rng.random(firms) < 0.8
    stream_firm, need_firm = rng.integers(0, firms, streams), rng.integers(0, firms, needs)
    pairs = _streams(seed)
    ours, numpys = pairs[0]
    fixed = (variability, level, made, need_level, firm_open, stream_firm, need_firm)
    got = np.full(streams, np.nan), np.full(needs, np.nan)
    want = np.full(streams, np.nan), np.full(needs, np.nan)
    for _ in range(3):   # three ticks: the stream moves on between them
        realised_drawn(stream_address(ours), s_now, n_now, *fixed, *got)
        realised_ratios(s_now, n_now, numpys.standard_normal(streams), *fixed, *want)
        assert _bits(got[0]) == _bits(want[0]) and _bits(got[1]) == _bits(want[1])
    assert _left_alike(pairs)


@pytest.mark.parametrize("seed", range(6))
def test_recruit_drawn_is_recruit_members_with_a_draw_per_firm(seed):
    rng = np.random.default_rng(seed)
    f = 40
    pairs = _streams(seed)
    ours, numpys = pairs[0]
    for open_share in (0.9, 0.0, 1.0):
        member, firm_open = rng.random(f) < 0.4, rng.random(f) < open_share
        want = member.copy()
        join, effect = rng.random() * 0.3, rng.random() * 0.6
        recruit_drawn(member, firm_open, stream_address(ours), join, effect)
        recruit_members(want, firm_open, numpys.random(f), join, effect)
        assert np.array_equal(member, want)
    assert _left_alike(pairs)


@pytest.mark.parametrize("seed", range(10))
def test_deadlines_drawn_is_talk_deadlines_with_a_draw_per_talk(seed):
    rng = np.random.default_rng(seed)
    n_book = 40
    opened = rng.integers(0, 10, n_book)
    due = opened + rng.integers(0, 12, n_book)
    pairs = _streams(seed)
    ours, numpys = pairs[0]
    for n in (int(rng.integers(1, 20)), 0, 25):
        rows = rng.choice(n_book, n, replace=False).astype(np.int64)
        tick = int(rng.integers(5, 20))
        got, n_broke, n_late = deadlines_drawn(rows, stream_address(ours), 0.3, opened, due,
                                               tick, 6.0)
        broke, late, ready = talk_deadlines(rows, numpys.random(n), 0.3, opened, due,
                                            tick, 6.0)
        assert (n_broke, n_late) == (len(broke), len(late))
        assert got.tolist() == np.concatenate((broke, late, ready)).tolist()
    assert _left_alike(pairs)


@pytest.mark.parametrize("seed", range(6))
def test_found_and_evaluated_is_discovery_then_budgeted_evaluation(seed):
    rng = np.random.default_rng(seed)
    e, n_pairs, f = 3000, 1200, 90   # fewer pair slots than edges: slots shared
    slot_sr, slot_rs = rng.integers(0, n_pairs, e), rng.integers(0, n_pairs, e)
    supplier, receiver = rng.integers(0, f, e), rng.integers(0, f, e)
    chance = rng.random(e)
    size, member = rng.integers(0, 3, f), rng.random(f) < 0.5
    budget = rng.choice([0.0, 5_000.0, 60_000.0], f) * rng.random(f)
    pairs = _streams(seed, 2)
    (discovery, discovery_np), (search, search_np) = pairs
    aware = rng.random(n_pairs) < 0.3
    want_aware, costs = aware.copy(), rng.random(f)
    want_costs = costs.copy()
    for n in (2000, 0, 300):
        edges = np.sort(rng.choice(e, n, replace=False))
        got = found_and_evaluated(edges, stream_address(discovery), stream_address(search),
                                  slot_sr, slot_rs, aware, chance, supplier, receiver, size,
                                  member, 1, True, 1500.0, 0.5, budget, 12.0, costs)
        # the phase as written before: numpy's draws, then the two passes
        find, side = discovery_np.random((2, n))
        found, evaluator = discover(edges, slot_sr, slot_rs, want_aware, chance, find, side,
                                    supplier, receiver)
        want = budgeted_evaluations(found, evaluator, search_np.random(len(found)), size,
                                    member, 1, True, 1500.0, 0.5, budget, 12.0, want_costs)
        assert got.tolist() == want.tolist()
        assert np.array_equal(aware, want_aware) and _bits(costs) == _bits(want_costs)
        if n == 2000:
            assert 0 < len(got) < len(found) < n   # some found, some over budget
    assert _left_alike(pairs)
