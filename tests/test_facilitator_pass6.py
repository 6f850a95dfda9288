"""The facilitator's sixth pass gives what the numpy steps it replaced gave, bit for bit:
the broker's proposals in one compiled call (kernels_tick.broker_proposals) and the
convener's pools shuffled in place."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import cofund_shares
from symbiosis_abm.kernels_tick import RANKED_STRATEGIES, broker_proposals
from symbiosis_abm.targeting import rank_matches

SME = 1


def _matches(rng, n_edges=400, n=120):
    """Candidate matches of a region: their surpluses (ties, zeros, infeasible ones),
    new capex and each edge's yearly capex (none, some, infinite), the world's rows."""
    edges = np.sort(rng.choice(n_edges, n, replace=False))
    surplus = rng.choice([-50.0, -5.0, 0.0, -0.0, 3.0, 3.0, 12.0, -np.inf], n) * rng.choice(
        [1.0, 1.0, 2.5], n)
    surplus[::17] = rng.normal(0.0, 20.0, len(surplus[::17]))
    annual_of = np.where(rng.random(n_edges) < 0.2, 0.0, rng.exponential(30.0, n_edges))
    annual_of[::41] = np.inf
    capex = annual_of[edges] * rng.uniform(5.0, 15.0, n)
    s, d, f = 60, 50, 30
    world = {"stream": rng.integers(0, s, n_edges), "need": rng.integers(0, d, n_edges),
             "stream_volume": rng.choice([10.0, 250.0, 1e4], s) * rng.random(s),
             "disposal_cost": rng.choice([0.0, 20.0, 75.0], s),
             "virgin_price": rng.choice([0.0, 30.0], d) + rng.random(d),
             "supplier": rng.integers(0, f, n_edges), "receiver": rng.integers(0, f, n_edges),
             "firm_size": rng.integers(0, 3, f)}
    return edges, surplus, capex, annual_of, world


def _numpy_broker(strategy, first, edges, surplus, capex, annual_of, share, budget, counted,
                  world):
    """What Facilitator._broker did in numpy (worth_proposing's rule, the counted write,
    rank_matches on all of them where at most ``first`` pay)."""
    offered = (cofund_shares(surplus, annual_of[edges], capex, share, budget) if budget > 0
               else np.zeros(len(edges)))
    with np.errstate(invalid="ignore"):   # (an infinite yearly capex offered nothing: NaN)
        with_share = surplus + annual_of[edges] * offered
    keep = with_share > 0
    edges, offered, with_share = edges[keep], offered[keep], with_share[keep]
    counted[edges] = offered
    if strategy not in RANKED_STRATEGIES or len(edges) > first:
        return edges, with_share, False
    w = world
    sup, rec = w["supplier"][edges], w["receiver"][edges]
    order = rank_matches(
        strategy, surplus=with_share, rng=np.random.default_rng(0), partner_count=None,
        stream_value=w["stream_volume"][w["stream"][edges]] * (
            w["disposal_cost"][w["stream"][edges]] + w["virgin_price"][w["need"][edges]]),
        involves_sme=(w["firm_size"][sup] == SME) | (w["firm_size"][rec] == SME), first=first)
    return edges[order], with_share[order], True


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("strategy", [*RANKED_STRATEGIES, "most_isolated", "random"])
def test_broker_proposals_is_the_brokers_numpy_steps(seed, strategy):
    rng = np.random.default_rng(seed)
    edges, surplus, capex, annual_of, world = _matches(rng)
    code = RANKED_STRATEGIES.index(strategy) if strategy in RANKED_STRATEGIES else -1
    ranked_some = False
    for budget in (0.0, 300.0, np.inf):
        for first in (8, 40, 1000):   # fewer, about as many, more than pay
            want_counted = rng.random(len(annual_of))
            got_counted = want_counted.copy()
            want = _numpy_broker(strategy, first, edges, surplus, capex, annual_of, 0.4,
                                 budget, want_counted, world)
            got = broker_proposals(edges, surplus, capex, annual_of, 0.4, budget, got_counted,
                                   code, first, world["stream"], world["need"],
                                   world["stream_volume"], world["disposal_cost"],
                                   world["virgin_price"], world["supplier"],
                                   world["receiver"], world["firm_size"], SME)
            assert got[2] == want[2]
            assert np.array_equal(got[0], want[0]) and got[0].dtype == edges.dtype
            assert np.array_equal(got[1].view(np.int64), want[1].view(np.int64))
            assert np.array_equal(got_counted.view(np.int64), want_counted.view(np.int64))
            assert 0 < len(want[0]) < len(edges)
            ranked_some |= want[2] and len(want[0]) > 1
    assert ranked_some == (code >= 0)


def test_broker_proposals_ranks_ties_as_numpy():
    # equal keys keep the order of the matches given (numpy's stable lexsort)
    i = lambda *v: np.array(v, dtype=np.int64)   # noqa: E731
    edges, ones = i(3, 5, 8, 9), np.ones(10)
    surplus = np.array([4.0, 4.0, 9.0, 4.0])
    got = broker_proposals(edges, surplus, np.zeros(4), np.zeros(10), 0.5, 0.0,
                           np.zeros(10), 1, 8, np.zeros(10, np.int64), np.zeros(10, np.int64),
                           ones, ones, ones, np.zeros(10, np.int64), np.ones(10, np.int64),
                           np.zeros(2, np.int64), SME)
    assert got[0].tolist() == [8, 3, 5, 9] and got[2]


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

