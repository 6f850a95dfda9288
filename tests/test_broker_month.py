"""The broker's month in one compiled call (Facilitator._month_in_one_call,
kernels_tick.broker_month) is the month a pass at a time (_month_step_by_step): the same
runs, bit for bit, for every ranked targeting, with co-funding that runs out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.agents import Facilitator
from symbiosis_abm.kernels_tick import RANKED_STRATEGIES


def _outputs(model: SymbiosisModel) -> list:
    """What a run leaves: its tick statistics, exchanges, negotiation book, the broker's
    accounts and the pair store's trust (floats as bits)."""
    frames = [model.timeseries(), model.exchanges_frame(), model.negotiations.frame()]
    fac = model.facilitator
    return [*(pd.util.hash_pandas_object(f, index=True).to_numpy().tobytes() for f in frames),
            (fac.proposals_made, fac.spent_total, fac.cofund_budget_left),
            model.pairs.trust.tobytes(), model.edge_counted.tobytes()]


def _run(region, ticks, monkeypatch, *, one_call: bool, **overrides):
    """A run with the broker's month in one call or step by step; with how often the
    open edges were left unknown after it (the spending moved the co-funding
    available: the search then finds them again) and how often known."""
    after = {"unknown": 0, "known": 0}
    fused = Facilitator._month_in_one_call

    def month(self, affordable, available, code):
        if one_call:
            fused(self, affordable, available, code)
        else:
            self._month_step_by_step(affordable, available, code)
        after["unknown" if self.open_now is None else "known"] += 1

    with monkeypatch.context() as patch:
        patch.setattr(Facilitator, "_month_in_one_call", month)
        model = SymbiosisModel(region, rng=3, **overrides)
        model.run(ticks)
    return model, after


@pytest.mark.parametrize("targeting", RANKED_STRATEGIES)
def test_the_month_in_one_call_is_the_month_step_by_step(targeting, monkeypatch):
    # a synthetic region where many members compete for the broker's few proposals,
    # with a yearly budget whose spending moves the co-funding available
    overrides = dict(n_firms=80, region_seed=2, targeting=targeting, broker_capacity=4,
                     facilitator_budget_eur_per_year=150_000.0)
    one, after = _run("synthetic", 72, monkeypatch, one_call=True, **overrides)
    steps, after_steps = _run("synthetic", 72, monkeypatch, one_call=False, **overrides)
    assert _outputs(one) == _outputs(steps) and after == after_steps
    assert one.facilitator.proposals_made > 50   # the month proposed, many times
    assert after["unknown"] > 0 and after["known"] > 0   # both ends of a month met


def test_kalundborg_with_the_month_in_one_call_is_unchanged(monkeypatch):
    one, after = _run("kalundborg", 120, monkeypatch, one_call=True)
    steps, _ = _run("kalundborg", 120, monkeypatch, one_call=False)
    assert _outputs(one) == _outputs(steps) and after["known"] > 100


def test_random_targeting_and_watched_regions_go_step_by_step(monkeypatch):
    # the random targeting draws its order between the passes; a region of
    # WATCH_FROM_EDGES edges or more watches its inputs: neither is made in one call
    def refuse(*_):
        raise AssertionError("made in one call")

    monkeypatch.setattr(Facilitator, "_month_in_one_call", refuse)
    SymbiosisModel("kalundborg", rng=1, targeting="random").run(36)
    monkeypatch.setattr("symbiosis_abm.terms.WATCH_FROM_EDGES", 50)
    model = SymbiosisModel("kalundborg", rng=1)
    model.run(36)
    assert model.facilitator.proposals_made > 0


def test_the_books_room_is_made_for_every_proposal(monkeypatch):
    # the talks opened in one call are written into the book's spare rows: room for the
    # most that can open (``affordable``) is made first, so the book grows as it must
    model = SymbiosisModel("synthetic", rng=5, n_firms=100, region_seed=4, broker_capacity=12)
    model.run(120)
    book = model.negotiations
    brokered = np.flatnonzero(book["via_broker"])
    assert len(book) > 64 and brokered.max() >= 64   # past the book's first room (64 rows)
    assert np.all(book["edge"][brokered] >= 0) and np.all(book["opened"][brokered] >= 0)
