"""The facilitator's and the search's compiled passes (their sections of kernels.py and
kernels_tick.py) give the numpy rules they replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.codes import MIN_OPEN_SHARE
from symbiosis_abm.kernels import (
    _kth_smallest,
    budgeted_evaluations,
    evaluated_outcome,
    lexsort_prefix,
    open_edge_ids,
    open_edges_now,
    recruit_members,
    stream_values,
)
from symbiosis_abm.kernels_tick import meet_pairs, open_split, ordered_pairs
from symbiosis_abm.search import first_per_group
from symbiosis_abm.trust import toward
from symbiosis_abm.world import stream_edge_starts


def _levels(rng, n):
    """Levels with the edge cases of a run: 0, 1, NaN-free fractions."""
    return np.where(rng.random(n) < 0.3, 1.0, np.where(rng.random(n) < 0.2, 0.0, rng.random(n)))


@pytest.mark.parametrize("seed", range(6))
def test_open_edges_now_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    e, s, d, f = 3000, 250, 180, 90
    stream, need = np.sort(rng.integers(0, s, e)), rng.integers(0, d, e)
    starts = stream_edge_starts(stream, s)
    stream_firm, need_firm = rng.integers(0, f, s), rng.integers(0, f, d)
    stream_volume, need_volume = rng.random(s) * 100, rng.random(d) * 100
    stream_level, stream_made, need_level = _levels(rng, s), _levels(rng, s), _levels(rng, d)
    # committed volumes: none, all, or part (free volume at and around the threshold)
    stream_committed = stream_volume * stream_level * stream_made * rng.choice(
        [0.0, 1.0, 0.95, 0.9], s)
    need_committed = need_volume * need_level * rng.choice([0.0, 1.0, 0.95, 0.9], d)
    status = rng.integers(0, 3, e).astype(np.int8)
    retry = rng.integers(0, 20, e)
    wait = np.where(rng.random(e) < 0.7, np.nan, rng.choice([5.0, 10.0], e))
    firm_open = rng.random(f) < 0.9
    negotiations = rng.integers(0, 3, f)
    x = 60   # exchanges: active or not, delivering or being built
    ex_active, ex_first = rng.random(x) < 0.7, rng.integers(0, 30, x)
    ex_supplier, ex_receiver = rng.integers(0, f, x), rng.integers(0, f, x)
    counts = []
    for among in (None, rng.random(f) < 0.5, rng.random(f) < 0.1):
        for tick, available in [(10, 5.0), (0, np.inf), (25, 10.0)]:
            # open_edges as it was written before the kernel
            stream_open = (stream_volume * stream_level * stream_made - stream_committed
                           > MIN_OPEN_SHARE * stream_volume)
            need_open = need_volume * need_level - need_committed > MIN_OPEN_SHARE * need_volume
            # ContractBook.firm_building
            b = ex_active & (ex_first > tick)
            building = (np.bincount(ex_supplier[b], minlength=f)
                        + np.bincount(ex_receiver[b], minlength=f))
            able = firm_open & (negotiations + building < 3)
            if among is not None:
                able &= among
            need_ok = need_open & able[need_firm]
            want = open_edge_ids(status, retry, tick, starts, need,
                                 stream_open & able[stream_firm], need_ok, wait, available,
                                 10 * np.count_nonzero(need_ok) < 3 * len(need_ok))
            got = open_edges_now(status, retry, tick, starts, need, stream_volume,
                                 stream_level, stream_made, stream_committed, need_volume,
                                 need_level, need_committed, stream_firm, need_firm,
                                 firm_open, negotiations, ex_active, ex_first,
                                 ex_supplier, ex_receiver, 3,
                                 np.zeros(0, bool) if among is None else among, wait,
                                 available, MIN_OPEN_SHARE)
            assert got.dtype == want.dtype and np.array_equal(got, want)
            counts.append(len(want))
    assert 0 < max(counts) and min(counts) < e / 10   # both many and few pass


@pytest.mark.parametrize("seed", range(6))
def test_recruit_members_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    f = 40
    for open_share in (0.9, 0.0, 1.0):
        member, firm_open = rng.random(f) < 0.4, rng.random(f) < open_share
        draws, join, effect = rng.random(f), rng.random() * 0.3, rng.random() * 0.6
        # Facilitator._recruit as it was written before the kernel
        n_open = np.count_nonzero(firm_open)
        share = np.count_nonzero(member & firm_open) / n_open if n_open else 0.0
        want = member | ((~member) & firm_open & (draws < join + effect * share))
        recruit_members(member, firm_open, draws, join, effect)
        assert np.array_equal(member, want)


@pytest.mark.parametrize("seed", range(6))
def test_budgeted_evaluations_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    f, n = 50, 400
    size, member = rng.integers(0, 3, f), rng.random(f) < 0.5
    budget = rng.choice([0.0, 5_000.0, 20_000.0, 60_000.0], f) * rng.random(f)
    edges = np.sort(rng.choice(3 * n, n, replace=False))
    evaluator = rng.integers(0, f, n)
    draws = rng.random(n)
    draws[:10] = draws[10:20]   # ties in the order
    for search_cost, support, helped in [(1500.0, 0.5, True), (1500.0, 0.5, False),
                                         (0.0, 0.3, True), (900.0, 0.0, True)]:
        # PartnerSearch._search (and _search_cost) as written before the kernel
        cost = np.full(f, search_cost)
        if helped:
            cost[(size == 1) & member] *= 1.0 - support
        limit = np.where(cost > 0, np.floor(budget / 12.0 / np.maximum(cost, 1e-12)), n)
        pick = first_per_group(evaluator, draws, limit.astype(np.int64))
        want_costs = rng.random(f)
        got_costs = want_costs.copy()
        np.add.at(want_costs, evaluator[pick], cost[evaluator[pick]])
        got = budgeted_evaluations(edges, evaluator, draws, size, member, 1, helped,
                                   search_cost, support, budget, 12.0, got_costs)
        assert np.array_equal(got, edges[pick]) and 0 < len(got) <= n
        assert np.array_equal(got_costs.view(np.int64), want_costs.view(np.int64))


@pytest.mark.parametrize("seed", range(6))
def test_evaluated_outcome_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    n, e = 200, 1000
    edges = rng.choice(e, n, replace=False)
    surplus = rng.choice([-1.0, 0.0, -0.0, np.nan, 5.0, 2.5], n) * rng.choice([1.0, 3.0], n)
    affordable, share = rng.random(n) < 0.8, rng.choice([0.0, 0.4], n)
    retry, counted = rng.integers(0, 5, e), rng.random(e)
    want_retry, want_counted = retry.copy(), counted.copy()
    # PartnerSearch._search's end as written before the kernel
    good = (surplus > 0) & affordable
    want_retry[edges[~good]] = 17
    want = edges[good][np.argsort(-surplus[good], kind="stable")]
    want_counted[edges] = share
    got = evaluated_outcome(edges, surplus, affordable, share, retry, 17, counted)
    assert np.array_equal(got, want) and 0 < len(got) < n
    assert np.array_equal(retry, want_retry) and np.array_equal(counted, want_counted)


@pytest.mark.parametrize("seed", range(8))
def test_lexsort_prefix_is_the_first_of_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    primaries = [rng.integers(0, 40, n).astype(float),          # many ties
                 np.where(rng.random(n) < 0.1, np.nan, -rng.exponential(1.0, n)),
                 np.where(rng.random(n) < 0.9, np.nan, rng.random(n)),   # mostly NaN
                 rng.choice([0.0, -0.0, 1.0], n)]                  # -0 and +0 tie
    secondary = np.where(rng.random(n) < 0.05, np.nan, rng.integers(0, 5, n) * 1.0)
    secondary[:20] = -0.0
    for primary in primaries:
        full = np.lexsort((secondary, primary))
        for first in (0, 1, 8, 24, 299, 1000, n - 1, n, n + 3):
            got = lexsort_prefix(primary, secondary, first)
            assert got.tolist() == full[:first].tolist()


def test_stream_values_is_the_numpy_rule():
    rng = np.random.default_rng(5)
    s, d, e = 40, 30, 500
    stream, need = rng.integers(0, s, e), rng.integers(0, d, e)
    volume, disposal = rng.exponential(1e3, s), rng.choice([0.0, -0.0, 12.5, 80.0], s)
    virgin = rng.choice([0.0, 3.25, 40.0, np.nan], d)
    edges = rng.choice(e, 300, replace=False)
    # Facilitator._rank as written before the kernel
    ss, nn = stream[edges], need[edges]
    want = volume[ss] * (disposal[ss] + virgin[nn])
    got = stream_values(edges, stream, need, volume, disposal, virgin)
    assert np.array_equal(got.view(np.int64), want.view(np.int64))


@pytest.mark.parametrize("seed", range(4))
def test_the_event_kernels_are_the_numpy_rules(seed):
    rng = np.random.default_rng(seed)
    f = 60
    firm_open, member = rng.random(f) < 0.8, rng.random(f) < 0.5
    # Facilitator._convene as written before the kernels
    open_firms = np.flatnonzero(firm_open)
    members, others = open_split(firm_open, member)
    assert np.array_equal(members, open_firms[member[open_firms]])
    assert np.array_equal(others, open_firms[~member[open_firms]])
    for attendees in (rng.permutation(open_firms)[:20], open_firms[:2], open_firms[:1]):
        i, j = np.repeat(attendees, len(attendees)), np.tile(attendees, len(attendees))
        off = i != j
        got_i, got_j = ordered_pairs(attendees)
        assert np.array_equal(got_i, i[off]) and np.array_equal(got_j, j[off])
    slots = rng.choice(500, 200, replace=False)
    trust = rng.choice([0.0, -0.0, 1.0, 0.3, 0.999999], 500) * rng.random(500)
    flags = [rng.random(500) < 0.5 for _ in range(3)]
    want_trust, want_flags = trust.copy(), [a.copy() for a in flags]
    want_trust[slots] = toward(want_trust[slots], 1.0, 0.37)
    for a in want_flags:
        a[slots] = True
    meet_pairs(slots, trust, *flags, 0.37)
    assert np.array_equal(trust.view(np.int64), want_trust.view(np.int64))
    assert all(np.array_equal(a, b) for a, b in zip(flags, want_flags))


@pytest.mark.parametrize("seed", range(6))
def test_kth_smallest_is_numpy_partition(seed):
    rng = np.random.default_rng(seed)
    for values in (rng.random(500), rng.integers(0, 4, 300) * 1.0, np.sort(rng.random(200)),
                   np.sort(rng.random(200))[::-1].copy(), np.zeros(7), rng.random(1)):
        for k in {0, min(1, len(values) - 1), len(values) // 3, len(values) - 1}:
            assert _kth_smallest(values.copy(), k) == np.partition(values, k)[k]
