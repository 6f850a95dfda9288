"""The search's month in one compiled call (PartnerSearch._search_in_one_call,
kernels_drawn.search_month) is the month a pass at a time (_search_step_by_step): the same
runs, bit for bit, with and without co-funding, with and without a facilitator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.partner_search import PartnerSearch
from symbiosis_abm.terms import DealTerms


def _outputs(model: SymbiosisModel) -> list:
    """What a run leaves: its tick statistics, exchanges, negotiation book, the counts,
    and the state the search writes (floats as bits)."""
    frames = [model.timeseries(), model.exchanges_frame(), model.negotiations.frame()]
    return [*(pd.util.hash_pandas_object(f, index=True).to_numpy().tobytes() for f in frames),
            repr(sorted(model.counts.items())), model.pairs.trust.tobytes(),
            model.edge_counted.tobytes(), model.edge_retry.tobytes(),
            model.firm_costs.tobytes(), model.firm_negotiations.tobytes()]


def _run(region, ticks, monkeypatch, *, one_call: bool, **overrides):
    """A run with the search's month in one call or step by step; with how many deals
    the co-funding rule offered a share, step by step (none counted in one call)."""
    co_funded = [0]
    offer = DealTerms.cofunding_offer

    def counted_offer(self, edges, volume=None, **known):
        share = offer(self, edges, volume, **known)
        co_funded[0] += int(np.count_nonzero(share))
        return share

    with monkeypatch.context() as patch:
        patch.setattr(DealTerms, "cofunding_offer", counted_offer)
        if not one_call:
            patch.setattr(PartnerSearch, "_search_in_one_call",
                          lambda self, edges, supported, t:
                          self._search_step_by_step(edges, supported, t))
        model = SymbiosisModel(region, rng=3, **overrides)
        model.run(ticks)
    return model, co_funded[0]


@pytest.mark.parametrize(("region", "ticks", "overrides"), [
    # many members, a co-funding budget that pays some evaluated deals: the co-funded
    # deals priced again with their share
    ("synthetic", 60, {"n_firms": 300}),
    # a yearly ceiling whose spending moves the co-funding available
    ("synthetic", 48, {"n_firms": 80, "region_seed": 2, "broker_capacity": 4,
                       "facilitator_budget_eur_per_year": 150_000.0}),
    ("kalundborg", 120, {}),
    ("kalundborg", 120, {"facilitator": False}),   # the search's own open edges
])
def test_the_search_in_one_call_is_the_search_step_by_step(region, ticks, overrides,
                                                            monkeypatch):
    one, _ = _run(region, ticks, monkeypatch, one_call=True, **overrides)
    steps, co_funded = _run(region, ticks, monkeypatch, one_call=False, **overrides)
    assert _outputs(one) == _outputs(steps)
    assert one.counts["evaluations"] > 40 and one.counts["negotiations_opened"] > 10
    if overrides.get("n_firms") == 300:
        assert co_funded > 10   # the co-funded deals' second pricing was made


def test_large_regions_search_step_by_step(monkeypatch):
    # the book is given room for every open edge: from ONE_CALL_BELOW_EDGES candidate
    # edges on, the month goes a pass at a time
    def refuse(*_):
        raise AssertionError("searched in one call")

    monkeypatch.setattr(PartnerSearch, "_search_in_one_call", refuse)
    monkeypatch.setattr("symbiosis_abm.partner_search.ONE_CALL_BELOW_EDGES", 50)
    model = SymbiosisModel("kalundborg", rng=1)
    model.run(36)
    assert model.counts["evaluations"] > 0


def test_the_book_grows_past_its_room_through_the_search():
    # a small book: the talks the search opens (no broker) make it grow, rows kept
    model = SymbiosisModel("synthetic", rng=2, n_firms=200, facilitator=False)
    first = model.negotiations._capacity
    model.run(36)
    book = model.negotiations
    assert len(book) > first and book._capacity >= len(book)
    assert (book["opened"] <= 35).all() and (book["edge"] >= 0).all()
    assert np.array_equal(np.sort(np.unique(book["edge"][book["status"] == 0])),
                          np.flatnonzero(model.edge_status == 1))
