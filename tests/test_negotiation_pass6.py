"""The negotiation's sixth compiled pass (kernels_tick.py, "A tick of talks, their deadlines and their decisions")
gives the rules it replaced, bit for bit: a due talk's decision
(:func:`.kernels_tick.decide_close_talks`, closing nothing) against ``NegotiationBook._decide`` as it was written
with :meth:`free_volume`, :meth:`cofunding_offer`, :meth:`expected_terms`, :meth:`_signs`
and :meth:`_trial`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import priced_synthetic_model

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.codes import OPEN, REASON_CODE
from symbiosis_abm.kernels import failure_groups
from symbiosis_abm.kernels_tick import talks_now, talks_tick
from symbiosis_abm.negotiation_book import _FAILURE_CODES


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _decide_numpy(model, rows, volume_col, trial_col):
    """``NegotiationBook._decide``'s rule before this pass (without the failures): the
    rows concluded, then the others' reasons (as ``_fail_decided`` grouped them), how
    many concluded, the volumes."""
    edges = model.negotiations["edge"][rows]
    volume = np.minimum(volume_col[rows], model.free_volume(edges))
    share = model.cofunding_offer(edges, volume)
    terms, info = model.expected_terms(edges, volume=volume, cofund=share)
    affordable = info["affordable"]
    signs = model._signs(edges, terms, info)
    pays = terms.surplus > 0
    trial = model._trial(edges, volume, ~signs & pays & affordable)
    signs |= trial
    ok = signs & pays & affordable
    trial_col[rows] = trial
    volume_col[rows[ok]] = np.where(trial, volume * model.params.trial_volume_share,
                                    volume)[ok]
    out = rows[ok]
    if not ok.all():
        out = np.concatenate((out, failure_groups(rows, ok, pays, signs,
                                                  model.negotiations["cofund"], share,
                                                  *_FAILURE_CODES)))
    return out, len(rows[ok]), volume


@pytest.fixture(scope="module")
def models():
    """A synthetic region of 300 firms after 40 ticks (lines carrying contracts again, as
    tests/test_deal_kernels.py) and Kalundborg after 50 ticks."""
    kalundborg = SymbiosisModel("kalundborg", rng=5)
    kalundborg.run(50)
    return {"synthetic": priced_synthetic_model(), "kalundborg": kalundborg}


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("budget", [0.0, 3e4, 1e7])
@pytest.mark.parametrize("case", ["plain", "distrust", "no trials", "no hold-up", "many"])
@pytest.mark.parametrize("region", ["synthetic", "kalundborg"])
def test_the_decision_is_the_numpy_rule(models, monkeypatch, region, case, budget, seed):
    model, rng = models[region], np.random.default_rng(seed)
    book = model.negotiations
    monkeypatch.setattr(model, "cofunding_available", lambda: budget)
    if case == "distrust":   # most deals not signed: trials priced
        monkeypatch.setattr(model, "_min_trust", model._min_trust + 0.4)
    if case in ("no trials", "no hold-up"):
        field = "trial_volume_share" if case == "no trials" else "holdup_weight"
        monkeypatch.setattr(model, "params", dataclasses.replace(model.params, **{field: 0.0}))
    # "many": more rows than kernels.FEW_DEALS (repeated: each the same decision)
    size = 1100 if case == "many" else int(rng.integers(0, 30))
    rows = rng.integers(0, len(book), size).astype(np.int64)
    if case != "many":
        rows = np.unique(rows)
    # the book's volumes varied: some above, some below the free volume
    volume = book["volume"] * rng.uniform(0.2, 3.0, len(book["volume"]))
    trial = rng.random(len(book["trial"])) < 0.5
    want_volume, want_trial = volume.copy(), trial.copy()
    want = _decide_numpy(model, rows, want_volume, want_trial)
    got = model._decided(rows, volume, trial)
    assert _same(got[0], want[0]) and got[1] == want[1] and _same(got[2], want[2])
    assert _same(volume, want_volume) and _same(trial, want_trial)


@pytest.mark.parametrize("region", ["synthetic", "kalundborg"])
def test_the_cases_reach_trials_and_cofunding(models, monkeypatch, region):
    """The states above decide deals with co-funding shares, concluded trials and
    failures (so the comparison can tell the rules apart)."""
    model = models[region]
    book = model.negotiations
    monkeypatch.setattr(model, "cofunding_available", lambda: 1e7)
    monkeypatch.setattr(model, "_min_trust", model._min_trust + 0.4)
    trial = np.zeros(len(book["trial"]), dtype=bool)
    rows = np.arange(len(book), dtype=np.int64)
    volume = book["volume"].copy()
    want = _decide_numpy(model, rows, volume, trial)
    failed = want[0][want[1]:]
    assert trial.any() and 0 < want[1] < len(rows)
    # (kalundborg: no deal there needs co-funding)
    assert REASON_CODE["no co-funding"] in failed[1:1 + 2 * failed[0]:2] or (
        region == "kalundborg")


@pytest.mark.parametrize("seed", range(30))
def test_talks_now_is_talks_tick(seed):
    rng = np.random.default_rng(seed)
    n_firms, n_edges, n_rows, n_slots = 6, 12, int(rng.integers(0, 25)), 20
    status = rng.integers(0, 3, n_rows).astype(np.int8)
    args = [status, OPEN, rng.integers(0, n_edges, n_rows),
            rng.integers(0, n_firms, n_edges), rng.integers(0, n_firms, n_edges),
            rng.random(n_firms) < (0.7 if seed % 3 else 1.0), rng.random(n_firms), 2.5,
            rng.integers(0, n_slots, n_edges), rng.integers(0, n_slots, n_edges),
            rng.random(n_slots), rng.random(n_slots) < 0.5, 0.1]
    want_args = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    rows, closed = talks_tick(*want_args)
    got, n_closed = talks_now(*args)
    assert _same(got, np.concatenate((rows[~closed], rows[closed])))
    assert n_closed == np.count_nonzero(closed)
    assert all(_same(a, b) for a, b in zip(args, want_args, strict=True)
               if isinstance(a, np.ndarray))   # the same writes

