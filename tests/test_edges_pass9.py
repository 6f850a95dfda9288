"""The ninth pass's open-edge kernels (kernels.open_edges_split, still_open) are held to
the passes they replace: the broker's and the search's sets of open edges are those
``open_edges(among=members)`` and ``open_edges()`` give, each from its own pass."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.agents import Facilitator
from symbiosis_abm.codes import IDLE
from symbiosis_abm.kernels import still_open
from symbiosis_abm.partner_search import PartnerSearch

#: runs with a broker in many states: members few or many, a yearly ceiling the broker's
#: spending moves (so the co-funding available changes), an idle facilitator, none
CASES = {
    "kalundborg": ("kalundborg", 48, {}),
    "ceiling": ("kalundborg", 48, {"cofunder": True, "cofund_share": 0.9,
                                   "cofund_budget_eur": 1e9,
                                   "facilitator_budget_eur_per_year": 60_000.0,
                                   "landfill_tax_schedule": "1:50, 2:150"}),
    "random targeting": ("kalundborg", 36, {"targeting": "random"}),
    "late facilitator": ("kalundborg", 36, {"facilitator_start_tick": 20,
                                            "facilitator_end_tick": 30}),
    "no broker": ("kalundborg", 24, {"broker": False}),
    "synthetic": ("synthetic", 30, {"n_firms": 120, "exit_rate_sme": 0.3}),
    "synthetic many talks": ("synthetic", 24, {"n_firms": 200, "max_negotiations": 1}),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_kept_open_edges_are_those_a_fresh_pass_finds(case, seed, monkeypatch):
    region, ticks, overrides = CASES[case]
    act, seen = Facilitator.act, []

    def checked(self, tick):
        act(self, tick)
        if self.open_now is not None:
            seen.append(tick)
            np.testing.assert_array_equal(self.open_now, self.model.open_edges())

    monkeypatch.setattr(Facilitator, "act", checked)
    model = SymbiosisModel(region, rng=seed, **overrides)
    model.run(ticks)
    if model.facilitator is not None and model.params.broker:
        assert seen   # the broker's pass was kept (and checked) on some ticks


@pytest.mark.parametrize("seed", [1, 2])
def test_edges_waiting_for_the_budget_the_broker_spent_are_open_again(seed, monkeypatch):
    """Deals that failed for want of co-funding wait for another budget; under a yearly
    ceiling the broker's proposals change the budget, so the search's pass (not the
    broker's) decides whether they are open."""
    region, ticks, overrides = CASES["ceiling"]
    split, act = PartnerSearch.open_edges_split, Facilitator.act
    rng, spent = np.random.default_rng(seed), []

    def waiting(self, building, sizes, available):
        # a third of the edges wait for the budget the broker sees (as if their deals had
        # failed for want of it)
        self.cofund_wait[rng.random(len(self.cofund_wait)) < 1 / 3] = available
        return split(self, building, sizes, available)

    def checked(self, tick):
        before = self.spent_this_year
        act(self, tick)
        if self.open_now is not None:
            np.testing.assert_array_equal(self.open_now, self.model.open_edges())
        spent.append(self.spent_this_year != before and len(self._proposed) > 0)

    monkeypatch.setattr(PartnerSearch, "open_edges_split", waiting)
    monkeypatch.setattr(Facilitator, "act", checked)
    SymbiosisModel(region, rng=seed, **overrides).run(ticks)
    assert any(spent)   # the broker's spending moved the budget on some ticks


@pytest.mark.parametrize("case", ["kalundborg", "synthetic", "synthetic many talks"])
def test_one_pass_splits_as_two_passes(case):
    region, ticks, overrides = CASES[case]
    model = SymbiosisModel(region, rng=5, **overrides)
    building = np.zeros(model.world.n_firms, dtype=np.int64)
    sizes = np.zeros(2, dtype=np.int64)
    rng = np.random.default_rng(0)
    for _ in range(ticks):
        model.step()
        # members at random too: the members' edges are not every firm's
        model.firm_member[:] = rng.random(model.world.n_firms) < rng.random()
        available = model.cofunding_available()
        every, among = model.open_edges_split(building, sizes, available)
        np.testing.assert_array_equal(every, model.open_edges())
        np.testing.assert_array_equal(among, model.open_edges(among=model.firm_member))


def _still_open_reference(edges, status, supplier, receiver, negotiations, building, cap):
    """The masks of every edge that still_open replaces."""
    able = negotiations + building < cap
    keep = (status[edges] == IDLE) & able[supplier[edges]] & able[receiver[edges]]
    return edges[keep]


def _by_firm(firm, n_firms):
    order = np.argsort(firm, kind="stable")
    return np.concatenate([[0], np.cumsum(np.bincount(firm, minlength=n_firms))]), order


@pytest.mark.parametrize("seed", range(12))
def test_still_open_is_the_masks_it_replaces(seed):
    rng = np.random.default_rng(seed)
    n_edges, n_firms = int(rng.integers(1, 300)), int(rng.integers(1, 20))
    edges = np.flatnonzero(rng.random(n_edges) < 0.6)
    supplier = rng.integers(0, n_firms, n_edges)
    receiver = rng.integers(0, n_firms, n_edges)
    cap = int(rng.integers(1, 5))
    building = rng.integers(0, 2, n_firms)
    # talks open on a few of the open edges, each within its firms' room (as the broker
    # opens them): their firms' talks go up by one
    negotiations = np.minimum(rng.integers(0, 4, n_firms), np.maximum(cap - building - 1, 0))
    able = negotiations + building < cap
    edges = edges[able[supplier[edges]] & able[receiver[edges]]]
    status = np.zeros(n_edges, dtype=np.int8)
    chosen = []
    for e in rng.permutation(edges)[:int(rng.integers(0, 6))]:
        s, r = supplier[e], receiver[e]
        if negotiations[s] + building[s] < cap and negotiations[r] + building[r] < cap:
            chosen.append(e)
            status[e] = 1
            negotiations[s] += 1
            negotiations[r] += 1
    got = still_open(edges, np.array(chosen, dtype=np.int64), supplier, receiver,
                     negotiations, building, cap, *_by_firm(supplier, n_firms),
                     *_by_firm(receiver, n_firms))
    np.testing.assert_array_equal(got, _still_open_reference(
        edges, status, supplier, receiver, negotiations, building, cap))


@pytest.mark.parametrize("region, kw", [("kalundborg", {}), ("synthetic", {"n_firms": 150})])
def test_the_two_passes_of_a_large_region_give_the_one_pass_results(monkeypatch, region, kw):
    """Above ONE_PASS_UP_TO_EDGES the broker and the search each make their own pass
    (memory); the run is the same run."""
    import symbiosis_abm.agents as agents

    one = SymbiosisModel(region, rng=3, **kw)
    one.run(40)
    monkeypatch.setattr(agents, "ONE_PASS_UP_TO_EDGES", 0)
    two = SymbiosisModel(region, rng=3, **kw)
    two.run(40)
    assert two.facilitator.open_now is None
    pd.testing.assert_frame_equal(one.timeseries(), two.timeseries())
    assert one.counts == two.counts
