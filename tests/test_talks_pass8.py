"""The negotiation's eighth pass (kernels_tick.py, "eighth pass: pass8-talks") gives the
kernels it replaces, bit for bit: :func:`.kernels_tick.decide_close_talks` closing the
talks that failed is its decision alone (``closed_tick`` -1, held to
``NegotiationBook._decide``'s numpy rule by tests/test_negotiation_pass6.py, the deals
priced there twice where there is a co-funding budget) followed by
:func:`.kernels.close_talks` on each reason's group, as ``NegotiationBook._fail`` called
it."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from helpers import priced_synthetic_model

from symbiosis_abm import SymbiosisModel
from symbiosis_abm import negotiation_book as nb
from symbiosis_abm.codes import FAILED, IDLE
from symbiosis_abm.kernels import building_counts, close_talks, open_talk_rows
from symbiosis_abm.kernels_tick import _D_KEPT, _price_some, cofund_priced

#: where decide_close_talks' closing arguments sit (after the decision's first 21)
_CLOSING = slice(21, 31)
#: the closing tick's place among them (-1: decided, nothing closed)
_CLOSED_TICK = _CLOSING.start + 2


def _same(a, b) -> bool:
    if not isinstance(a, np.ndarray):
        return type(a) is type(b) and a == b
    return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
            and a.tobytes() == b.tobytes())


def _copied(args: list) -> list:
    return [a.copy() if isinstance(a, np.ndarray) else copy.copy(a) for a in args]


@pytest.fixture(scope="module")
def models():
    """A synthetic region of 300 firms after 40 ticks (its lines carrying contracts again,
    as tests/test_negotiation_pass6.py) and Kalundborg after 50 ticks."""
    kalundborg = SymbiosisModel("kalundborg", rng=5)
    kalundborg.run(50)
    return {"synthetic": priced_synthetic_model(), "kalundborg": kalundborg}


def _arguments(model, monkeypatch, rows, t) -> list:
    """The arguments ``NegotiationBook._decided`` gives the kernel (copies)."""
    got, book = [], model.negotiations
    with monkeypatch.context() as patch:
        patch.setattr(nb, "decide_close_talks", lambda *a: got.extend(a) or (rows, 0, rows))
        model._decided(rows, book["volume"].copy(), book["trial"].copy(), t)
    return _copied(got)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("budget", [0.0, 3e4, 1e7])
@pytest.mark.parametrize("case", ["plain", "distrust", "no trials", "many"])
@pytest.mark.parametrize("region", ["synthetic", "kalundborg"])
def test_decide_close_talks_is_deciding_then_close_talks(models, monkeypatch, region,
                                                              case, budget, seed):
    model, rng = models[region], np.random.default_rng(seed)
    book = model.negotiations
    monkeypatch.setattr(model, "cofunding_available", lambda: budget)
    if case == "distrust":   # most deals not signed: trials priced
        monkeypatch.setattr(model, "_min_trust", model._min_trust + 0.4)
    if case == "no trials":
        monkeypatch.setattr(model, "params",
                            dataclasses.replace(model.params, trial_volume_share=0.0))
    # "many": more rows than kernels.FEW_DEALS (repeated: each the same decision)
    size = 1100 if case == "many" else int(rng.integers(1, 40))
    rows = rng.integers(0, len(book), size).astype(np.int64)
    if case != "many":
        rows = np.unique(rows)
    t = -1 if case == "many" else 7 + seed   # (a row repeated is not closed twice)
    args = _arguments(model, monkeypatch, rows, t)
    args[2] = args[2] * rng.uniform(0.2, 3.0, len(args[2]))   # volumes above and below free
    want_args = _copied(args)
    failed, idle, tick, retry, status, reason, closed, talks, edge_status, edge_retry = (
        want_args[_CLOSING])
    assert (failed, idle, tick) == (FAILED, IDLE, t)
    # the decision alone (held to NegotiationBook._decide's numpy rule by
    # test_negotiation_pass6), then each failed group closed by close_talks
    want_args[_CLOSED_TICK] = -1
    want = nb.decide_close_talks(*want_args)
    want_args[_CLOSED_TICK] = t
    if want[1] < len(rows) and t >= 0:   # _fail_decided as it closed each group
        groups = want[0][want[1]:]
        n = groups[0]
        at, start = groups[1 + 2 * n:], 0
        for g in range(n):
            code, end = groups[1 + 2 * g], groups[2 + 2 * g]
            close_talks(rows[at[start:end]], failed, code, tick, status, reason, closed,
                        want_args[1], want_args[12], want_args[13], talks, edge_status, idle,
                        edge_retry, retry)
            start = end
    got = nb.decide_close_talks(*args)
    assert all(_same(a, b) for a, b in zip(got, want, strict=True))
    assert all(_same(a, b) for a, b in zip(args, want_args, strict=True))   # the same writes


@pytest.mark.parametrize("region", ["synthetic", "kalundborg"])
def test_the_cases_reach_cofunding_shares_and_failures(models, monkeypatch, region):
    """Some deals above get a co-funding share (priced again) and others none, and some
    talks fail (so the comparison can tell the rules apart)."""
    model = models[region]
    monkeypatch.setattr(model, "cofunding_available", lambda: 1e7)
    rows = np.arange(len(model.negotiations), dtype=np.int64)
    args = _arguments(model, monkeypatch, rows, 3)
    priced = _price_some(args[1][rows], args[2][rows], np.zeros(1), np.zeros(1, dtype=bool),
                         *args[31:])[0]
    share = cofund_priced(priced, _D_KEPT, args[10], args[9])
    got, n_ok, _ = nb.decide_close_talks(*args)
    assert 0 < n_ok < len(rows) and (args[25][rows] == FAILED).any()
    assert (share == 0).any() and ((share != 0).any() or region == "kalundborg")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("region", ["synthetic", "kalundborg"])
def test_open_talks_building_is_open_talk_rows_with_firm_building(models, monkeypatch, region,
                                                                 seed):
    model, rng = models[region], np.random.default_rng(seed)
    edges = rng.integers(0, len(model.edge_status), int(rng.integers(1, 60)))
    got = []
    with monkeypatch.context() as patch:
        patch.setattr(nb, "open_talks_building", lambda *a: got.extend(a) or a[0][:0])
        # (a room of one or two talks a firm: some edges dropped for want of it)
        patch.setattr(model, "params", dataclasses.replace(
            model.params, max_negotiations=1 + seed % 2))
        model.open_negotiations(edges, via_broker=bool(seed % 2),
                                limit=None if seed < 3 else 5)
    args = _copied(got)
    want_args = _copied(args)
    assert _same(model.firm_building, building_counts(*want_args[7:9], want_args[19],
                                                      *want_args[9:11], model.world.n_firms))
    want = open_talk_rows(*want_args[:7], model.firm_building, *want_args[11:])
    assert len(want) > 0 and _same(nb.open_talks_building(*args), want)
    assert all(_same(a, b) for a, b in zip(args, want_args, strict=True))   # the same writes
