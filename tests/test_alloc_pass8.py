"""The allocation's eighth pass against the code it replaced.

``kernels.start_priced`` starts exchanges from a pricing's rows (``DealTerms._price``)
where ``ContractBook._start_exchanges`` takes the terms and info made of them, and
``AllocationPhase._allocate`` prices and starts deals with it: both are run on two models
of one run (a model does not copy) and must leave the same state, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import same_allocation_state, same_array

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.allocation import MIN_SHARE
from symbiosis_abm.codes import CONCLUDED, OPEN
from symbiosis_abm.economics import ExchangeTerms
from symbiosis_abm.kernels import every_deal_allocated, grant_deals


def _allocate_before(model, t, rows) -> None:
    """``AllocationPhase._allocate`` as it was before the pass (main at 54cd526)."""
    if len(rows) == 0:
        return
    book, w = model.negotiations, model.world
    edges = book["edge"][rows]
    asked, counted = book["volume"][rows], book["cofund"][rows]
    first, order = None, np.zeros(1, dtype=np.int64)
    if len(rows) > 1:
        first, first_info = model.expected_terms(edges, volume=asked, cofund=counted)
        order = np.argsort(-first.surplus, kind="stable")
    granted = grant_deals(order, edges, asked, w.edges.stream, w.edges.need,
                          w.stream_volume, model.stream_level, model.stream_made,
                          model.stream_committed, w.need_volume, model.need_level,
                          model.need_committed, MIN_SHARE)
    if len(rows) > 1:
        rows, edges, granted = rows[order], edges[order], granted[order]
        asked, counted = asked[order], counted[order]
    trial = book["trial"][rows]
    cofund = np.zeros(len(rows))
    some = granted > 0
    cofund[some] = model.cofunding_offer(edges[some], granted[some])
    bits = lambda a, b: bool((a.view(np.uint64) == b.view(np.uint64)).all())  # noqa: E731
    if (first is None or np.count_nonzero(trial) or not bits(granted, asked)
            or not bits(cofund, counted)):
        terms, info = model.expected_terms(edges, volume=granted, cofund=cofund, trial=trial)
    else:
        terms = ExchangeTerms(*[getattr(first, f)[order] for f in ExchangeTerms.__dataclass_fields__])
        info = {k: v[order] for k, v in first_info.items()}
    if every_deal_allocated(granted, terms.supplier_gain, terms.receiver_gain,
                            info["affordable"]):
        ok = np.ones(len(rows), dtype=bool)
    else:
        from symbiosis_abm.contracts import allocation_reasons
        gains_ok = (terms.supplier_gain > 0) & (terms.receiver_gain > 0)
        reasons = allocation_reasons(granted, gains_ok, info["affordable"],
                                     ~((counted > 0) & (cofund == 0) & ~gains_ok))
        ok = reasons == ""
        for reason in sorted(set(reasons[~ok].tolist())):
            model._fail(rows[reasons == reason], t, reason, volume=granted[reasons == reason])
    model._close_talks(rows[ok], t, CONCLUDED)
    model.counts["negotiations_concluded"] += int(np.count_nonzero(ok))
    model._start_exchanges(t, edges[ok], terms, info, cofund, ok)


def _two(region, ticks, seed, **kw):
    """Two models of one run, at ``ticks``."""
    models = [SymbiosisModel(region, rng=seed, **kw) for _ in range(2)]
    for m in models:
        m.run(ticks)
    return models


_CASES = [("kalundborg", {}), ("sotenas", {}), ("synthetic", {"n_firms": 300})]
#: co-funding that makes deals (most of a capex, a budget that runs out)
_COFUNDED = ("synthetic", {"n_firms": 300, "cofund_share": 0.6, "cofund_budget_eur": 1e8})


@pytest.mark.parametrize("seed", range(9))
def test_start_priced_is_start_exchanges_of_the_terms(seed):
    region, kw = _CASES[seed % 3]
    want, got = _two(region, 3 + 9 * seed, seed, **kw)
    for draw in range(4):   # starts on starts: the second sees the first's assets
        rng = np.random.default_rng([seed, draw])
        w, k = want.world, int(rng.integers(0, 9))
        running = want.exchanges["edge"][want.exchanges["active"]]
        pool = np.unique(np.concatenate([rng.choice(len(w.edges), k), running[:2]]))
        edges = rng.permutation(pool)[:k].astype(np.int64)
        free = want.free_volume(edges)
        volume = np.where(free > 0, free, 1.0) * rng.choice([1.0, 0.5, 0.01], len(edges))
        trial = rng.random(len(edges)) < 0.3
        cofund = np.where(rng.random(len(edges)) < 0.5, rng.random(len(edges)) * 0.6, 0.0)
        ok = rng.random(len(edges)) < (1.0 if rng.random() < 0.5 else 0.7)
        t = max(want.tick, 0)
        terms, info = want.expected_terms(edges, volume=volume, cofund=cofund, trial=trial)
        want._start_exchanges(t, edges[ok], terms, info, cofund, ok)
        out, mode, flags = got._price(edges, volume, cofund, None, trial)
        got._start_priced(t, edges[ok], out, mode, flags, cofund, ok, True)
        same_allocation_state(got, want)
    assert len(got.exchanges) > 0 and len(got.assets) > 0


@pytest.mark.parametrize("seed", range(16))
def test_allocate_is_the_allocation_it_replaced(seed):
    region, kw = (_CASES + [_COFUNDED])[seed % 4]
    want, got = _two(region, 4 + 5 * seed, seed, **kw)
    started = 0
    for draw in range(3):
        rng = np.random.default_rng([seed, draw])
        talks = np.flatnonzero(want.negotiations["status"] == OPEN)
        rows = rng.permutation(talks)[:int(rng.integers(0, 7))].astype(np.int64)
        if draw % 2:   # talks that counted on no co-funding (in both models)
            for m in (want, got):
                m.negotiations["cofund"][rows] = 0.0
        t = max(want.tick, 0)
        before = len(want.exchanges)
        _allocate_before(want, t, rows)
        got._allocate(t, rows)
        same_allocation_state(got, want)
        started += len(want.exchanges) - before
    assert started > 0 or seed % 4 < 2   # (the synthetic region starts deals)


@pytest.mark.parametrize("seed", range(6))
def test_cofunding_from_the_first_pricing_is_cofunding_offer(seed):
    """``_allocate`` applies the co-funding rule to the rows of its first pricing where
    those priced the deals at their granted volumes without co-funding: the shares
    ``cofunding_offer`` gives (a pricing is element by element)."""
    from symbiosis_abm.kernels_tick import _D_KEPT as _COFUND_ROWS
    from symbiosis_abm.kernels_tick import cofund_priced
    model = SymbiosisModel("synthetic", rng=seed, n_firms=300, cofund_share=0.2 + 0.15 * seed)
    model.run(3 + 4 * seed)
    rng, offered = np.random.default_rng(seed), 0
    # the edges co-funding would make (surplus <= 0 < surplus + the share's annuity)
    every = np.arange(len(model.world.edges))
    surplus, capex, factor = model._price(every)[0][_COFUND_ROWS]
    share = model.params.cofund_share
    made = every[(surplus <= 0) & (surplus + share * capex * factor > 0)]
    for _ in range(20):
        k = int(rng.integers(2, 12))
        edges = np.concatenate([rng.choice(every, k), rng.choice(made, min(k, len(made)))])
        edges = rng.permutation(edges).astype(np.int64)
        free = model.free_volume(edges)
        volume = np.where(free > 0, free, 1.0) * rng.choice([1.0, 0.3], len(edges))
        out = model._price(edges, volume, np.zeros(len(edges)))[0]
        order = rng.permutation(len(edges))
        some = rng.random(len(edges)) < 0.8
        want = model.cofunding_offer(edges[order][some], volume[order][some])
        got = cofund_priced(np.take(out, order[some], axis=1), _COFUND_ROWS,
                            float(model.params.cofund_share), model.cofunding_available())
        assert same_array(got, want)
        offered += int(np.count_nonzero(want))
    assert offered > 0
