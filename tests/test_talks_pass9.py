"""The allocation's ninth pass (kernels_tick.py, "ninth pass: pass9-talks") against the
code it replaced.

``AllocationPhase._allocate`` decides, closes and starts the concluded deals in one
compiled call (:func:`.kernels_tick.allocate_start`) where each is allocated, and takes
the rule's rows from :func:`.kernels_tick.allocate_priced` where some are refused. Both
run the rule that ``_allocate`` ran in Python through the eighth pass, kept here as the
reference (:func:`_allocate_pass8`): two models of one run must leave the same state,
bit for bit, and a whole run with the reference must give the same outputs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import same_allocation_state

from symbiosis_abm import SymbiosisModel
from symbiosis_abm import allocation as al
from symbiosis_abm.allocation import MIN_SHARE, AllocationPhase
from symbiosis_abm.codes import CONCLUDED, OPEN
from symbiosis_abm.kernels import DEAL_FLAGS, DEAL_ROWS, every_deal_allocated, grant_deals
from symbiosis_abm.kernels_tick import _D_KEPT, _bits_differ, cofund_priced

_SURPLUS, _SUPPLIER_GAIN, _RECEIVER_GAIN = (DEAL_ROWS.index(name) for name in
                                            ("surplus", "supplier_gain", "receiver_gain"))
_AFFORDABLE = DEAL_FLAGS.index("affordable")


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.tobytes() == b.tobytes()


def _allocate_pass8(model, t: int, rows: np.ndarray, reuse: bool = True) -> None:
    """``AllocationPhase._allocate`` as it was after the eighth pass (main at b549636);
    with ``reuse`` False each deal is priced again at what it gets, never reused from the
    first pricing."""
    if len(rows) == 0:
        return
    book, w = model.negotiations, model.world
    edges = book["edge"][rows]
    asked, counted = book["volume"][rows], book["cofund"][rows]
    first, order = None, np.zeros(1, dtype=np.int64)
    if len(rows) > 1:
        first = model._price(edges, asked, counted)
        order = (-first[0][_SURPLUS]).argsort(kind="stable")
    granted = grant_deals(order, edges, asked, w.edges.stream, w.edges.need,
                          w.stream_volume, model.stream_level, model.stream_made,
                          model.stream_committed, w.need_volume, model.need_level,
                          model.need_committed, MIN_SHARE)
    if len(rows) > 1:
        rows, edges, granted = rows[order], edges[order], granted[order]
        asked, counted = asked[order], counted[order]
    trial = book["trial"][rows]
    cofund = np.zeros(len(rows))
    budget = model.cofunding_available()
    offered = budget > 0
    if offered:
        some = granted > 0
        if (first is not None and _same_bits(granted, asked)
                and not counted.view(np.uint64).any()):
            cofund[some] = cofund_priced(np.take(first[0], order[some], axis=1), _D_KEPT,
                                         float(model.params.cofund_share), float(budget))
        else:
            cofund[some] = model.cofunding_offer(edges[some], granted[some])
    if (not reuse or first is None or np.count_nonzero(trial)
            or not _same_bits(granted, asked) or not _same_bits(cofund, counted)):
        out, mode, flags = model._price(edges, granted, cofund, None, trial)
    else:
        out, mode, flags = (np.take(first[0], order, axis=1), first[1][order],
                            np.take(first[2], order, axis=1))
    if every_deal_allocated(granted, out[_SUPPLIER_GAIN], out[_RECEIVER_GAIN],
                            flags[_AFFORDABLE]):
        model._close_talks(rows, t, CONCLUDED)
        model.counts["negotiations_concluded"] += len(rows)
        model._start_priced(t, edges, out, mode, flags, cofund,
                            np.ones(len(rows), dtype=bool), offered)
        return
    ok = model._refuse(t, rows, granted, out, flags, counted, cofund)
    model._close_talks(rows[ok], t, CONCLUDED)
    model.counts["negotiations_concluded"] += int(np.count_nonzero(ok))
    model._start_priced(t, edges[ok], out, mode, flags, cofund, ok, offered)




_CASES = [("kalundborg", {}), ("sotenas", {}), ("synthetic", {"n_firms": 300}),
          # co-funding that makes deals (most of a capex, a budget that runs out)
          ("synthetic", {"n_firms": 300, "cofund_share": 0.6, "cofund_budget_eur": 1e8})]


@pytest.mark.parametrize("seed", range(16))
def test_allocate_is_the_allocation_of_the_eighth_pass(seed, monkeypatch):
    region, kw = _CASES[seed % 4]
    want, got = (SymbiosisModel(region, rng=seed, **kw) for _ in range(2))
    for m in (want, got):
        m.run(4 + 5 * seed)
    refused = []   # the calls that found a deal refused
    real = al.allocate_priced
    monkeypatch.setattr(al, "allocate_priced", lambda *a: refused.append(1) or real(*a))
    rng = np.random.default_rng(seed)
    for draw in range(6):
        talks = np.flatnonzero(want.negotiations["status"] == OPEN)
        rows = rng.permutation(talks)[:int(rng.integers(0, 9))].astype(np.int64)
        if draw % 3 == 1:   # talks that counted on no co-funding (in both models)
            for m in (want, got):
                m.negotiations["cofund"][rows] = 0.0
        if draw % 3 == 2:   # volumes some streams and needs cannot give: refusals
            for m in (want, got):
                m.negotiations["volume"][rows[::2]] *= 4.0
        if draw == 5 and len(rows):   # a trial among them
            for m in (want, got):
                m.negotiations["trial"][rows[0]] = True
        t = max(want.tick, 0)
        _allocate_pass8(want, t, rows)
        got._allocate(t, rows)
        same_allocation_state(got, want)
    if seed % 4 >= 2:   # (the synthetic region: many talks open, some refused)
        assert refused


def _outputs(model):
    return (model.timeseries(), model.exchanges_frame(), model.assets_frame(),
            repr(model.summary()))


@pytest.mark.parametrize("region, kw, ticks", [
    ("kalundborg", {"rng": 1}, 120), ("kalundborg", {"rng": 2}, 120),
    ("synthetic", {"rng": 3, "n_firms": 300, "cofund_share": 0.6, "cofund_budget_eur": 1e8},
     40)])
def test_a_run_is_the_run_of_the_eighth_pass(region, kw, ticks, monkeypatch):
    """A whole run with ``_allocate`` as it was, each deal priced again where it was
    reused (the reuse changes no result), gives the same outputs."""
    fast = SymbiosisModel(region, **kw)
    fast.run(ticks)
    monkeypatch.setattr(AllocationPhase, "_allocate",
                        lambda self, t, rows: _allocate_pass8(self, t, rows, reuse=False))
    slow = SymbiosisModel(region, **kw)
    slow.run(ticks)
    for a, b in zip(_outputs(fast)[:3], _outputs(slow)[:3]):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert _outputs(fast)[3] == _outputs(slow)[3]
    assert fast.counts["negotiations_concluded"] > 0


def test_bits_differ_tells_signed_zeros_and_nans_apart():
    assert not _bits_differ(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert _bits_differ(np.array([0.0]), np.array([-0.0]))
    assert _bits_differ(np.array([1.0, 2.0]), np.array([1.0, 2.5]))
    assert not _bits_differ(np.zeros(0), np.zeros(0))
