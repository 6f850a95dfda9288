"""A price move makes the broker's remembered surpluses again from their parts
(kernels_tick.SURPLUS_PARTS) instead of pricing every edge anew: whole runs are the runs
that price anew (``terms.PARTS_UP_TO_EDGES = 0``: no parts kept, every remembered surplus
dropped when the prices move), bit for bit, with the input watch and without."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel, terms


def _outputs(model: SymbiosisModel) -> list:
    """What a run leaves: its tick statistics, exchanges, negotiation book and counts."""
    frames = [model.timeseries(), model.exchanges_frame(), model.negotiations.frame()]
    return [*(pd.util.hash_pandas_object(f, index=True).to_numpy().tobytes() for f in frames),
            repr(sorted(model.counts.items())), model.pairs.trust.tobytes()]


def _run(monkeypatch, *, parts: bool, watch_from: int, ticks: int = 40):
    with monkeypatch.context() as patch:
        patch.setattr(terms, "WATCH_FROM_EDGES", watch_from)
        if not parts:
            patch.setattr(terms, "PARTS_UP_TO_EDGES", 0)
        model = SymbiosisModel("synthetic", rng=2, n_firms=300)
        model.run(ticks)
    return model


@pytest.mark.parametrize("watch_from", [terms.WATCH_FROM_EDGES, 1000],
                         ids=["without a watch", "with a watch"])
def test_surpluses_made_from_parts_are_those_priced_anew(watch_from, monkeypatch):
    kept = _run(monkeypatch, parts=True, watch_from=watch_from)
    anew = _run(monkeypatch, parts=False, watch_from=watch_from)
    assert _outputs(kept) == _outputs(anew)
    # the prices moved (a new model year at ticks 12, 24 and 36), the broker's cache
    # lived through the moves (no parts: made anew at each), and its parts were kept
    assert kept.price_version >= 3
    cache, dropped = kept._surplus_caches, anew._surplus_caches
    assert cache["prices"] < kept.price_version == dropped["prices"]
    assert (cache[0.0]["watch"] is None) == (watch_from > len(kept.world.edges))
    parts = cache[0.0]["parts"]
    priced = parts[:, 0] == parts[:, 0]
    assert priced.sum() > 500 and not np.isnan(parts[priced, 2]).any()
    assert len(dropped[0.0]["parts"]) == 0
