"""The facilitator's seventh pass gives what the steps it replaced gave, bit for bit: the
broker's proposals in one compiled call (kernels_tick.broker_proposals) now also rank the
first of them until enough fit the firms' room, as ``Facilitator._first_ranked`` did with
``rank_matches``, ``project_room`` and ``within_room``, for every targeting strategy."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import cofund_shares
from symbiosis_abm.kernels_tick import RANKED_STRATEGIES, broker_proposals
from symbiosis_abm.negotiation import ROOM_ROUNDS, within_room
from symbiosis_abm.pace import project_room
from symbiosis_abm.params import TARGETING_STRATEGIES
from symbiosis_abm.targeting import rank_matches

SME = 1


def _region(rng, n_edges=400, n=150, firms=30):
    """Candidate matches of a region (surpluses with ties, zeros and infeasible ones; new
    capex; each edge's yearly capex: none, some, infinite), the world's rows, the firms'
    talks and exchanges (some being built at tick 10)."""
    edges = np.sort(rng.choice(n_edges, n, replace=False))
    surplus = rng.choice([-50.0, -5.0, 0.0, -0.0, 3.0, 3.0, 12.0, -np.inf], n) * rng.choice(
        [1.0, 1.0, 2.5], n)
    surplus[::17] = rng.normal(0.0, 20.0, len(surplus[::17]))
    annual_of = np.where(rng.random(n_edges) < 0.2, 0.0, rng.exponential(30.0, n_edges))
    annual_of[::41] = np.inf
    capex = annual_of[edges] * rng.uniform(5.0, 15.0, n)
    s, d, r = 60, 50, 45
    world = {"stream": rng.integers(0, s, n_edges), "need": rng.integers(0, d, n_edges),
             "stream_volume": rng.choice([10.0, 250.0, 1e4], s) * rng.random(s),
             "disposal_cost": rng.choice([0.0, 20.0, 75.0], s),
             "virgin_price": rng.choice([0.0, 30.0], d) + rng.random(d),
             "supplier": rng.integers(0, firms, n_edges),
             "receiver": rng.integers(0, firms, n_edges),
             "firm_size": rng.integers(0, 3, firms)}
    firms_state = {"negotiations": rng.integers(0, 3, firms),
                   "active": rng.random(r) < 0.7, "first": rng.integers(0, 20, r),
                   "ex_supplier": rng.integers(0, firms, r),
                   "ex_receiver": rng.integers(0, firms, r)}
    return edges, surplus, capex, annual_of, world, firms_state


def _numpy_broker(strategy, first, wanted, edges, surplus, capex, annual_of, share, budget,
                  counted, world, state, max_negotiations, tick, rng):
    """What Facilitator._broker did before (worth_proposing's rule in numpy, the counted
    write, ``_first_ranked``'s loop over ``rank_matches`` with ``first``) and how many
    times that loop ranked."""
    offered = (cofund_shares(surplus, annual_of[edges], capex, share, budget) if budget > 0
               else np.zeros(len(edges)))
    with np.errstate(invalid="ignore"):   # (an infinite yearly capex offered nothing: NaN)
        with_share = surplus + annual_of[edges] * offered
    keep = with_share > 0
    edges, offered, with_share = edges[keep], offered[keep], with_share[keep]
    counted[edges] = offered
    if len(edges) == 0:
        return edges, 0
    w, st = world, state
    sup, rec = w["supplier"][edges], w["receiver"][edges]
    act = st["active"]
    partners = (np.bincount(st["ex_supplier"][act], minlength=len(st["negotiations"]))
                + np.bincount(st["ex_receiver"][act], minlength=len(st["negotiations"])))
    inputs = dict(
        surplus=with_share, rng=rng,
        stream_value=w["stream_volume"][w["stream"][edges]] * (
            w["disposal_cost"][w["stream"][edges]] + w["virgin_price"][w["need"][edges]]),
        involves_sme=(w["firm_size"][sup] == SME) | (w["firm_size"][rec] == SME),
        partner_count=partners[sup] + partners[rec])
    building = act & (st["first"] > tick)
    building = (np.bincount(st["ex_supplier"][building], minlength=len(partners))
                + np.bincount(st["ex_receiver"][building], minlength=len(partners)))
    room, rounds = None, 0
    while True:
        rounds += 1
        ranked = edges[rank_matches(strategy, first=first, **inputs)]
        if len(ranked) == len(edges):
            return ranked, rounds
        if room is None:
            room = project_room(st["negotiations"], building, max_negotiations)
        if len(within_room(ranked, w["supplier"][ranked], w["receiver"][ranked],
                           room)) >= wanted:
            return ranked, rounds
        first *= 8


def _compiled(strategy, first, wanted, edges, surplus, capex, annual_of, share, budget,
              counted, world, state, max_negotiations, tick):
    code = RANKED_STRATEGIES.index(strategy) if strategy in RANKED_STRATEGIES else -1
    w, st = world, state
    return broker_proposals(
        edges, surplus, capex, annual_of, share, budget, counted, code, first, wanted,
        w["stream"], w["need"], w["stream_volume"], w["disposal_cost"], w["virgin_price"],
        w["supplier"], w["receiver"], w["firm_size"], SME, st["negotiations"],
        max_negotiations, st["active"], st["first"], st["ex_supplier"], st["ex_receiver"],
        tick, ROOM_ROUNDS)


def test_every_strategy_but_random_is_ranked_here():
    assert set(RANKED_STRATEGIES) == set(TARGETING_STRATEGIES) - {"random"}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("strategy", TARGETING_STRATEGIES)
def test_broker_proposals_is_the_brokers_steps(seed, strategy):
    rng = np.random.default_rng(seed)
    edges, surplus, capex, annual_of, world, state = _region(rng)
    rounds_seen = set()
    for budget in (0.0, 300.0, np.inf):
        for first, wanted in ((1, 1), (3, 3), (8, 1), (24, 3), (40, 5), (1000, 3)):
            for max_negotiations in (1, 3):
                want_counted = rng.random(len(annual_of))
                got_counted = want_counted.copy()
                args = (strategy, first, wanted, edges, surplus, capex, annual_of, 0.4,
                        budget, want_counted, world, state, max_negotiations, 10)
                want, rounds = _numpy_broker(*args, rng=np.random.default_rng(seed))
                got = _compiled(*args[:9], got_counted, *args[10:])
                if strategy == "random":   # the caller draws the order (the same draws)
                    got = got[np.random.default_rng(seed).permutation(len(got))]
                assert np.array_equal(got, want) and got.dtype == edges.dtype
                assert np.array_equal(got_counted.view(np.int64),
                                      want_counted.view(np.int64))
                assert 0 < len(want) < len(edges)
                rounds_seen.add(rounds)
    # the whole order at once, and (all but random) a short list widened once or more
    assert rounds_seen == {1} if strategy == "random" else max(rounds_seen) >= 2


def test_broker_proposals_ranks_ties_as_numpy():
    # equal keys keep the order of the matches given (numpy's stable lexsort)
    i = lambda *v: np.array(v, dtype=np.int64)   # noqa: E731
    edges, ones = i(3, 5, 8, 9), np.ones(10)
    surplus = np.array([4.0, 4.0, 9.0, 4.0])
    zeros = np.zeros(10, np.int64)
    got = broker_proposals(edges, surplus, np.zeros(4), np.zeros(10), 0.5, 0.0,
                           np.zeros(10), 1, 8, 3, zeros, zeros, ones, ones, ones, zeros,
                           np.ones(10, np.int64), np.zeros(2, np.int64), SME,
                           np.zeros(2, np.int64), 3, np.zeros(0, np.bool_), i(), i(), i(), 0,
                           ROOM_ROUNDS)
    assert got.tolist() == [8, 3, 5, 9]
