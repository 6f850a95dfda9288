"""The search's kernels of the eighth speed pass, held to the rules they replace (issue 17).

``budgeted_evaluations`` no longer goes over every firm nor through
:func:`.kernels.first_in_groups`: it must pick, and charge, exactly what the numpy rule
(``PartnerSearch._search`` before the kernels) does.
"""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import FEW_PICKS, budgeted_evaluations


def _numpy_budgeted(edges, evaluator, draws, size, member, sme, helped, search_cost,
                    support, budget, ticks_per_year, firm_costs):
    """The rule as numpy steps: each firm's cost and limit, the first ``limit`` of its
    candidates by (draw, position), each evaluation's cost added in order."""
    n = len(edges)
    cost = np.full(len(budget), search_cost)
    if helped:
        cost[(size == sme) & member] *= 1.0 - support
    limit = np.where(cost > 0, np.floor(budget / ticks_per_year / np.maximum(cost, 1e-12)),
                     n).astype(np.int64)
    order = np.lexsort((np.arange(n), draws, evaluator))   # by firm, draw, position
    ranked = np.empty(n, dtype=np.int64)
    starts = np.searchsorted(evaluator[order], evaluator[order], side="left")
    ranked[order] = np.arange(n) - starts   # each candidate's rank at its firm
    pick = ranked < limit[evaluator]
    np.add.at(firm_costs, evaluator[pick], cost[evaluator[pick]])
    return edges[pick]


@pytest.mark.parametrize("seed", range(12))
def test_budgeted_evaluations_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    f = int(rng.integers(1, 60))
    n = int(rng.integers(0, 500))
    size, member = rng.integers(0, 3, f), rng.random(f) < 0.5
    # budgets for none, a few, and (some firms) more than FEW_PICKS evaluations
    budget = rng.choice([0.0, 3_000.0, 20_000.0, 400_000.0], f) * rng.random(f)
    edges = np.sort(rng.choice(3 * n + 1, n, replace=False))
    evaluator = rng.integers(0, f, n) if seed % 3 else rng.integers(0, max(f // 8, 1), n)
    draws = rng.random(n)
    if n > 20:
        draws[:10] = draws[10:20]   # ties: the earlier candidate first
    for search_cost, support, helped in [(1500.0, 0.5, True), (1500.0, 0.5, False),
                                         (0.0, 0.3, True), (900.0, 0.0, True),
                                         (-10.0, 0.2, True)]:
        start = rng.random(f)
        want_costs, got_costs = start.copy(), start.copy()
        want = _numpy_budgeted(edges, evaluator, draws, size, member, 1, helped, search_cost,
                               support, budget, 12.0, want_costs)
        got = budgeted_evaluations(edges, evaluator, draws, size, member, 1, helped,
                                   search_cost, support, budget, 12.0, got_costs)
        assert np.array_equal(got, want)
        assert np.array_equal(got_costs.view(np.int64), want_costs.view(np.int64))


def test_the_cases_are_all_met():
    """The random inputs above reach every branch: firms within budget, crowded firms
    that pick a few and crowded firms that pick more than FEW_PICKS."""
    rng = np.random.default_rng(0)
    f, n = 6, 300
    evaluator = rng.integers(0, f, n)
    budget = 12 * 1_000.0 * np.array([0.5, 2, 5, FEW_PICKS + 5, 1e6, 1e6])
    draws = rng.random(n)
    costs = np.zeros(f)
    got = budgeted_evaluations(np.arange(n), evaluator, draws, np.zeros(f, np.int64),
                               np.zeros(f, bool), 1, False, 1000.0, 0.0, budget, 12.0, costs)
    counts = np.bincount(evaluator[got], minlength=f)
    assert counts.tolist() == [0, 2, 5, FEW_PICKS + 5, *np.bincount(evaluator)[4:]]
    assert costs.tolist() == (1000.0 * counts).tolist()
    want = np.zeros(f)
    assert np.array_equal(got, _numpy_budgeted(np.arange(n), evaluator, draws,
                                               np.zeros(f, np.int64), np.zeros(f, bool), 1,
                                               False, 1000.0, 0.0, budget, 12.0, want))
