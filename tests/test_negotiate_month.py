"""A tick of talks in one compiled call (NegotiationBook._negotiate,
kernels_drawn.negotiate_month) is the tick a pass at a time (_negotiate_step_by_step):
the same runs, bit for bit, through every way a talk ends."""

from __future__ import annotations

import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.negotiation_book import NegotiationBook


def _outputs(model: SymbiosisModel) -> list:
    """What a run leaves: its tick statistics, exchanges, negotiation book, the counts
    in their order, and the state the talks write (floats as bits)."""
    frames = [model.timeseries(), model.exchanges_frame(), model.negotiations.frame()]
    return [*(pd.util.hash_pandas_object(f, index=True).to_numpy().tobytes() for f in frames),
            repr(list(model.counts.items())), model.pairs.trust.tobytes(),
            model.pairs.contact.tobytes(), model.edge_retry.tobytes(),
            model.edge_status.tobytes(), model.cofund_wait.tobytes(),
            model.firm_costs.tobytes(), model.firm_negotiations.tobytes()]


def _run(region, ticks, monkeypatch, *, one_call: bool, **overrides) -> SymbiosisModel:
    with monkeypatch.context() as patch:
        if not one_call:
            patch.setattr(NegotiationBook, "_negotiate",
                          NegotiationBook._negotiate_step_by_step)
        model = SymbiosisModel(region, rng=3, **overrides)
        model.run(ticks)
    return model


@pytest.mark.parametrize(("region", "ticks", "overrides", "endings"), [
    # firms close (talks fail with them), co-funding runs short (talks fail for want
    # of it), breakdowns, low trust, no surplus, no capacity
    ("synthetic", 60, {"n_firms": 200, "closure_rate_per_year": 0.05},
     ("partner closed", "no co-funding", "breakdown", "low trust", "no surplus")),
    # talks planned longer than four months time out; a few are short enough to decide
    ("synthetic", 48, {"n_firms": 120, "negotiation_timeout_months": 4.0},
     ("timeout", "breakdown", "partner closed", "low trust")),
    ("kalundborg", 120, {}, ("breakdown", "low trust", "no surplus", "no capital")),
])
def test_a_tick_of_talks_in_one_call_is_the_tick_step_by_step(region, ticks, overrides,
                                                               endings, monkeypatch):
    one = _run(region, ticks, monkeypatch, one_call=True, **overrides)
    steps = _run(region, ticks, monkeypatch, one_call=False, **overrides)
    assert _outputs(one) == _outputs(steps)
    assert one.counts["negotiations_concluded"] > 3
    for reason in endings:   # every ending named was met
        assert one.counts[f"failed: {reason}"] > 0, reason
