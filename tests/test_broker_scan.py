"""The broker's shortcuts give what the long way gives: the remembered surpluses
re-checked only where an input moved (input_watch.py), the co-funding rule in one
compiled pass, and only the first of the ranked candidates sorted and offered."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import check_every_surplus
from reference_kernels import take_stale

from symbiosis_abm import SymbiosisModel, agents, terms
from symbiosis_abm.assets import AssetBook
from symbiosis_abm.cofunding import additional, fits_budget
from symbiosis_abm.input_watch import EdgeIndex, InputWatch
from symbiosis_abm.kernels import cofund_shares, take_marked
from symbiosis_abm.kernels_tick import worth_proposing
from symbiosis_abm.negotiation import within_room
from symbiosis_abm.params import TARGETING_STRATEGIES
from symbiosis_abm.targeting import lexsort_first
from symbiosis_abm.world import stream_edge_starts

SMALL = {"n_firms": 300}


def _run(monkeypatch, ticks: int, *, watch: bool, targeting: str = "largest_streams",
         full_order: bool = False, **overrides) -> tuple[SymbiosisModel, list]:
    """A 300-firm run and the broker's proposals tick by tick; ``watch``: the input
    watch on (off: every edge asked about is compared); ``full_order``: the broker sorts
    and offers all its candidates."""
    with monkeypatch.context() as patch:
        patch.setattr(terms, "WATCH_FROM_EDGES", 0 if watch else 10**12)
        if full_order:   # as many ranked first as there are candidates: all of them
            patch.setattr(agents, "RANKED_PER_PROPOSAL", 10**9)
        model = SymbiosisModel("synthetic", rng=3, targeting=targeting,
                               **{**SMALL, **overrides})
        proposals = []
        for _ in range(ticks):
            model.step()
            proposals.append(list(model.facilitator.last_proposals))
        return model, proposals


def test_watched_surplus_is_the_surplus_computed_anew(monkeypatch):
    # every broker call: the remembered surplus (only marked edges re-checked) equals
    # expected_terms on every edge asked about, as trust, volumes and assets change
    monkeypatch.setattr(terms, "WATCH_FROM_EDGES", 0)
    model = SymbiosisModel("synthetic", rng=4, **SMALL)
    asked = check_every_surplus(model)
    model.run(40)
    assert len(asked) >= 30 and sum(asked) > 2000
    watch = model._surplus_caches[0.0]["watch"]
    assert watch is not None and not watch.dirty.all()   # the watch did the marking


def test_the_watch_changes_no_result(monkeypatch):
    watched, by_watch = _run(monkeypatch, 40, watch=True)
    plain, by_all = _run(monkeypatch, 40, watch=False)
    assert plain._surplus_caches[0.0]["watch"] is None
    assert sum(map(len, by_all)) > 20 and by_watch == by_all
    assert watched.exchanges_frame().equals(plain.exchanges_frame())


@pytest.mark.parametrize("targeting", TARGETING_STRATEGIES)
def test_the_first_ranked_open_what_the_full_order_opens(monkeypatch, targeting):
    first, by_first = _run(monkeypatch, 30, watch=True, targeting=targeting)
    full, by_full = _run(monkeypatch, 30, watch=True, targeting=targeting, full_order=True)
    assert sum(map(len, by_full)) > 20 and by_first == by_full
    assert first.summary() == full.summary()


def test_the_first_ranked_grow_until_enough_fit(monkeypatch):
    # one negotiation per firm, and the broker starts from as many candidates as it can
    # propose: the first ones often do not all fit, and it ranks further
    asked = []   # per broker call: candidates that pay, first ranked, how many came back
    propose = agents.broker_proposals

    def spy(edges, surplus, capex, annual_of, share, budget, counted, code, first, *rest):
        paying = len(worth_proposing(edges, surplus, capex, annual_of, share, budget)[0])
        out = propose(edges, surplus, capex, annual_of, share, budget, counted, code, first,
                      *rest)
        asked.append((paying, first, len(out)))
        return out

    monkeypatch.setattr(agents, "broker_proposals", spy)
    monkeypatch.setattr(agents, "RANKED_PER_PROPOSAL", 1)
    settings = dict(max_negotiations=1, broker_capacity=3)
    _, by_first = _run(monkeypatch, 30, watch=True, **settings)
    assert any(got > first for _, first, got in asked)   # a second, longer round
    assert sum(paying > got for paying, _, got in asked) > 10   # ... short of all
    _, by_full = _run(monkeypatch, 30, watch=True, full_order=True, **settings)
    assert sum(map(len, by_full)) > 20 and by_first == by_full


@pytest.mark.parametrize("seed", range(20))
def test_which_edges_fit_depends_only_on_those_ranked_before(seed):
    # what the broker's first ranked rely on (kernels_tick.broker_proposals): within_room
    # of a priority list's first k edges is the first part of within_room of the whole list
    rng = np.random.default_rng(seed)
    n, firms = 60, 12
    sup, rec = rng.integers(0, firms, n), rng.integers(0, firms, n)
    rec = np.where(rec == sup, (rec + 1) % firms, rec)
    edges = rng.permutation(1000)[:n]
    room = rng.integers(0, 4, firms)
    full = within_room(edges, sup, rec, room).tolist()
    for k in range(n + 1):
        part = within_room(edges[:k], sup[:k], rec[:k], room).tolist()
        assert part == [e for e in full if e in set(edges[:k].tolist())]


@pytest.mark.parametrize("seed", range(10))
def test_lexsort_first_is_the_first_of_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = 200
    keys = [
        (rng.integers(0, 5, n).astype(float), rng.integers(0, 4, n).astype(float)),
        (-rng.exponential(1.0, n), rng.random(n) < 0.3),                     # bool primary
        (rng.integers(0, 3, n).astype(float), rng.integers(0, 6, n)),         # int primary
        (rng.random(n), np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 3, n))),
        (rng.random(n),),
    ]
    keys[3][1][:3] = -0.0   # -0 and +0 tie
    for key in keys:
        full = np.lexsort(key)
        for first in (0, 1, 2, 5, 17, 100, n - 1, n, n + 5):
            assert lexsort_first(key, first).tolist() == full[:first].tolist()


@pytest.mark.parametrize("seed", range(10))
def test_cofund_shares_is_the_cofunding_rule(seed):
    rng = np.random.default_rng(seed)
    n = 500
    without = rng.normal(0.0, 100.0, n)
    without[::7] = 0.0
    without[::11] = -np.inf   # infeasible deals
    without[5] = np.nan
    annual = np.where(rng.random(n) < 0.2, 0.0, rng.exponential(150.0, n))
    capex = annual * rng.uniform(5.0, 15.0, n)
    share, budget = 0.4, float(rng.uniform(0.0, 5e4))
    # the rule as cofunding.py states it, in numpy
    need = np.flatnonzero(without <= 0)
    gain = annual[need] * share
    need = need[additional(without[need], without[need] + gain) & (gain > 0)]
    want = np.zeros(n)
    want[need[fits_budget(share * capex[need], budget)]] = share
    got = cofund_shares(without, annual, capex, share, budget)
    assert np.array_equal(got, want) and 0 < np.count_nonzero(want) < len(need)


@pytest.mark.parametrize("seed", range(6))
def test_the_watch_marks_every_edge_whose_inputs_changed(seed):
    # random changes of free volumes, trust and route assets (built, joined, left,
    # retired, out of life); every edge asked about whose inputs differ from when it was
    # last asked about must come back (the others may not). AssetBook.state_key's own-use
    # flag is watched through the route's key alone (AssetBook.route_state): this checks
    # that joining and leaving count a change of the asset
    rng = np.random.default_rng(seed)
    e, n_streams, n_needs, n_slots, n_routes = 300, 40, 30, 400, 50
    stream = np.sort(rng.integers(0, n_streams, e))
    need = rng.integers(0, n_needs, e)
    slot_sr, slot_rs = rng.integers(0, n_slots, e), rng.integers(0, n_slots, e)
    route = rng.integers(0, n_routes, e)
    book = AssetBook(e, lifetime_ticks=6, edge_route=route)
    stream_free, need_room = rng.random(n_streams), rng.random(n_needs)
    trust = rng.random(n_slots + 20)   # the store holds more pairs than the edges'
    index = EdgeIndex(stream_edge_starts(stream, n_streams), need, n_needs, slot_sr,
                      slot_rs, route)
    watch = InputWatch(index, stream_free, need_room, trust)
    last = np.full((e, 5), np.nan)
    one = np.ones((1, 12))

    def inputs(edges, tick):
        return np.stack([stream_free[stream[edges]], need_room[need[edges]],
                         trust[slot_sr[edges]], trust[slot_rs[edges]],
                         book.state_key(edges, tick)], axis=1)

    moved = 0
    for tick in range(60):
        pick = rng.random
        stream_free[pick(n_streams) < 0.05] = rng.random()
        need_room[pick(n_needs) < 0.05] = -0.0 if pick() < 0.3 else rng.random()
        trust[pick(len(trust)) < 0.02] = rng.random()
        edge = int(rng.integers(e))
        live = book.live(np.array([edge]), tick)[0]
        if live < 0 and pick() < 0.3:
            book.build(np.array([edge]), np.array([0]), np.array([1]), np.array([0]),
                       np.array([0]), np.array([1e5]), np.array([0.0]), tick=tick)
        elif live >= 0 and pick() < 0.5:
            ids = np.array([live])
            if book.edge_user[edge] == live:
                book.leave(ids, np.array([edge]), np.array([1.0]), one)
            elif pick() < 0.8:
                book.join(ids, np.array([edge]), np.array([1.0]), one)
            else:
                book.retire(ids, tick)
        asked = np.sort(rng.choice(e, 120, replace=False))
        got = set(watch.changed(asked, stream_free, need_room, trust,
                                *book.route_state(tick)).tolist())
        now = inputs(asked, tick)
        differs = (now.view(np.int64) != last[asked].view(np.int64)).any(axis=1)
        assert set(asked[differs].tolist()) <= got
        moved += int((differs & (now[:, 4] != last[asked, 4])).sum())
        last[asked] = now
    assert moved > 10   # route assets' changes were among them


def refresh_volumes(edges, moved, stream, need, stream_volume, stream_level, stream_made,
                    stream_committed, need_volume, need_level, need_committed, seen):
    """The rule ``take_stale`` applies, in numpy (the compiled pass it replaced): of
    ``edges`` (distinct), those ``moved`` and those whose free volume (the smaller of the
    stream's and the need's) differs in its bits from ``seen``, which is written."""
    s, n = stream[edges], need[edges]
    volume = np.minimum(stream_volume[s] * stream_level[s] * stream_made[s]
                        - stream_committed[s], need_volume[n] * need_level[n]
                        - need_committed[n])
    last = seen[edges]
    same = (volume == last) & (np.signbit(volume) == np.signbit(last))
    same |= np.isnan(volume) & np.isnan(last)
    seen[edges] = volume
    return moved | ~same


@pytest.mark.parametrize("seed", range(6))
def test_take_stale_is_take_marked_then_refresh_volumes_and_the_gathers(seed):
    # the one pass against the two kernels it replaced and numpy's gathers, on marks,
    # free volumes with ties of +-0 and NaN, and volumes seen before (NaN: never)
    rng = np.random.default_rng(seed)
    e, n_streams, n_needs = 500, 60, 40
    stream, need = np.sort(rng.integers(0, n_streams, e)), rng.integers(0, n_needs, e)

    def pick(values, n):
        return rng.choice(np.array(values), n)

    free = (rng.random(n_streams) * 10, pick([1.0, 0.5, np.nan], n_streams),
            np.ones(n_streams), pick([0.0, -0.0, 2.0, 5.0], n_streams),
            rng.random(n_needs) * 10, pick([1.0, 0.0, 0.5], n_needs),
            pick([0.0, -0.0, 3.0], n_needs))
    volume = np.minimum(free[0][stream] * free[1][stream] * free[2][stream] - free[3][stream],
                        free[4][need] * free[5][need] - free[6][need])
    seen = np.where(rng.random(e) < 0.5, volume, pick([np.nan, 0.0, -0.0, 1.0], e))
    marks, by_stream = rng.random(e) < 0.1, rng.random(e) < 0.3
    surplus, capex = rng.normal(size=e), rng.random(e)
    edges = np.sort(rng.choice(e, 300, replace=False))
    want_seen, want_marks, want_by_stream = seen.copy(), marks.copy(), by_stream.copy()
    asked, moved = take_marked(edges, want_marks, want_by_stream)
    want = asked[refresh_volumes(asked, moved, stream, need, *free, want_seen)]
    stale, at, got_surplus, got_capex, ascending = take_stale(
        edges, marks, by_stream, stream, need, *free, seen, surplus, capex)
    assert ascending and 0 < len(stale) < len(asked)
    assert np.array_equal(stale, want) and np.array_equal(edges[at], stale)
    assert np.array_equal(seen.view(np.int64), want_seen.view(np.int64))
    assert np.array_equal(marks, want_marks) and np.array_equal(by_stream, want_by_stream)
    assert np.array_equal(got_surplus, surplus[edges]) and np.array_equal(got_capex, capex[edges])
    assert not take_stale(edges[::-1].copy(), marks, by_stream, stream, need, *free, seen,
                          surplus, capex)[4]


def test_watched_surplus_of_edges_in_any_order(monkeypatch):
    # asked about edges out of order and repeated (the broker asks in ascending order):
    # the remembered values are gathered after the stale ones are priced, not before
    monkeypatch.setattr(terms, "WATCH_FROM_EDGES", 0)
    model = SymbiosisModel("synthetic", rng=4, **SMALL)
    model.run(20)
    rng = np.random.default_rng(0)
    for _ in range(5):
        model.step()
        edges = model.open_edges(among=model.firm_member)
        asked = np.concatenate([edges[::-1], edges[rng.integers(0, len(edges), 50)]])
        surplus, capex = model.expected_surplus(asked, with_capex=True)
        fresh, info = model.expected_terms(asked)
        assert np.array_equal(surplus, fresh.surplus) and np.array_equal(capex, info["capex"])
