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
    event_drawn,
    found_and_evaluated,
    leaving_drawn,
    realised_drawn,
    recruit_drawn,
    uniforms_passed,
)
from symbiosis_abm.kernels_tick import (
    leaving_rows,
    meet_pairs,
    open_split,
    ordered_pairs,
    realised_ratios,
)
from symbiosis_abm.trust import PairStore


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


@pytest.mark.parametrize("seed", range(8))
def test_leaving_drawn_is_leaving_rows_with_a_draw_per_firm_and_two_exit_draws(seed):
    rng = np.random.default_rng(seed)
    f, n_ex, n_book = 30, 25, 20
    pairs = _streams(seed, 2)
    (closures, numpy_closures), (exits, numpy_exits) = pairs
    close_tick = np.where(rng.random(f) < 0.2, rng.integers(0, 6, f), -1)
    hazard = rng.random(f) * 0.3
    rows = (rng.random(n_ex) < 0.7, rng.integers(0, f, n_ex), rng.integers(0, f, n_ex),
            rng.integers(0, 3, n_book).astype(float), 1, rng.integers(0, 40, n_book),
            rng.integers(0, f, 40), rng.integers(0, f, 40))
    got_open = rng.random(f) < 0.8
    want_open = got_open.copy()
    for t in range(6):   # six ticks: the streams move on between them
        got_vacant = ~got_open & (rng.random(f) < 0.5)   # (the exits' sites written)
        want_vacant = got_vacant.copy()
        got = leaving_drawn(stream_address(closures), stream_address(exits), t, got_open,
                            close_tick, 0.05, hazard, got_vacant, 0.3, *rows)
        want = leaving_rows(t, want_open, close_tick, numpy_closures.random(f), 0.05,
                            numpy_exits.random((2, f)), hazard, want_vacant, 0.3, *rows)
        assert got.tolist() == want.tolist()
        assert np.array_equal(got_open, want_open)
        assert np.array_equal(got_vacant, want_vacant)
    assert _left_alike(pairs)


@pytest.mark.parametrize("n_first, n_second", [(0, 0), (1, 7), (17, 34), (600, 1200)])
def test_uniforms_passed_leaves_the_streams_where_numpys_draws_leave_them(n_first,
                                                                          n_second):
    pairs = _streams(n_first + n_second, 2)
    (first, numpy_first), (second, numpy_second) = pairs
    uniforms_passed(stream_address(first), n_first, stream_address(second), n_second)
    numpy_first.random(n_first)
    numpy_second.random(n_second)
    assert _left_alike(pairs)
    assert first.random() == numpy_first.random()


def _convened_as_before(store, stream, firm_open, member, reach, gain):
    """Facilitator._convene's event as it was written before event_drawn: the pools
    shuffled by numpy, the pairs' slots from PairStore.slots, then meet_pairs."""
    members, others = open_split(firm_open, member)
    stream.shuffle(members)
    stream.shuffle(others)
    attendees = np.concatenate((members, others))[:reach]
    if len(attendees) < 2:
        return attendees
    slots = store.slots(*ordered_pairs(attendees))
    meet_pairs(slots, store.trust, store.aware, store.met, store.contact, gain)
    return attendees


def _state(store):
    n = store.size
    return (store.size, store._keys.tolist(), store._key_slot.tolist(),
            store.src[:n].tolist(), store.dst[:n].tolist(), _bits(store.trust),
            store.aware.tolist(), store.met.tolist(), store.contact.tolist())


@pytest.mark.parametrize("seed", range(8))
def test_event_drawn_meets_the_pairs_of_numpys_shuffled_pools(seed):
    # events of a few attendees, then larger ones, in a store that starts small: pairs
    # added within the room, (returned to the caller) pairs that do not fit, and at last
    # every pair found; each event as Facilitator._convene takes event_drawn's answer
    rng = np.random.default_rng(seed)
    f = 24
    ours, theirs = PairStore(f, 0.3, capacity=16), PairStore(f, 0.3, capacity=16)
    pairs = _streams(seed)
    stream, numpy_stream = pairs[0]
    for k, reach in enumerate((0, 1, 3, 4, 6, 10, 10, 24, 24)):
        if k < 8:   # (the last event: every open firm again, every pair found)
            firm_open, member = rng.random(f) < 0.85, rng.random(f) < 0.4
        want = _convened_as_before(theirs, numpy_stream, firm_open, member, reach, 0.25)
        added, got = event_drawn(stream_address(stream), firm_open, member, reach,
                                 *ours.buffers(), 0.25)
        assert got.tolist() == want.tolist()
        if added >= 0:
            ours.taken_in(int(added))
        elif added < -1:   # no room: as the caller does
            slots = ours.slots(*ordered_pairs(got))
            meet_pairs(slots, ours.trust, ours.aware, ours.met, ours.contact, 0.25)
        assert added != -1 or len(got) < 2
        assert _state(ours) == _state(theirs)
    assert added == 0
    assert _left_alike(pairs)
