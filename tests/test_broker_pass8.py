"""The broker's eighth-pass kernels are held to the steps they replaced: with an input
watch or without, ``DealTerms.expected_surplus`` checks, prices, keeps and gathers in one
call (kernels_tick.refresh_surplus, refresh_marked) what ``stale_edges`` (or the watch's
``mark_terms`` and ``take_stale``), ``DealTerms._price`` in slices, ``keep_priced`` and
the gathers did."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from reference_kernels import keep_priced, take_stale

from symbiosis_abm import SymbiosisModel, terms
from symbiosis_abm.input_watch import EdgeIndex, InputWatch
from symbiosis_abm.kernels import FEW_DEALS
from symbiosis_abm.kernels_tick import (
    SURPLUS_PARTS,
    refresh_marked,
    refresh_surplus,
    stale_edges,
)

_NO_PLACES, _NOWHERE = np.zeros(0, dtype=np.int64), (np.zeros(0), np.zeros(0))


def _cache(model, watched: bool) -> dict:
    """A fresh remembered-surplus cache as ``expected_surplus`` makes one."""
    e = len(model.world.edges)
    watch = None
    if watched:
        w = model.world
        index = EdgeIndex(w.stream_edges, w.edges.need, len(w.need_volume),
                          model.edge_slot_sr, model.edge_slot_rs, model.assets.edge_route)
        watch = InputWatch(index, model.stream_free(), model.need_free(), model.pairs.trust)
    return {"inputs": np.full((e, 5) if watch is None else e, np.nan),
            "surplus": np.zeros(e), "capex": np.zeros(e), "annual": np.zeros(e),
            "parts": np.full((e, len(SURPLUS_PARTS)), np.nan),
            "prices": np.full((e, 2), np.nan), "watch": watch,
            "marks": None if watch is None else (
                model.virgin_now.view(np.int64).copy(),
                model.disposal_now.view(np.int64).copy(), np.zeros(e, dtype=np.bool_))}


def _prices_moved(model, edges, cache, redo):
    """The reference's rule for prices: those of ``edges`` not in
    ``redo`` whose need's virgin or stream's disposal price per unit moved since their
    surplus was made (each once, in the order asked), and every edge of both with the
    prices now."""
    w = model.world
    now = np.stack([model.virgin_now[w.edges.need], model.disposal_now[w.edges.stream]], 1)
    seen = cache["prices"]
    moved = [e for e in dict.fromkeys(edges.tolist())
             if e not in set(redo.tolist())
             and not np.array_equal(seen[e].view(np.int64), now[e].view(np.int64))]
    moved = np.array(moved, dtype=np.int64)
    taken = np.concatenate([redo, moved])
    seen[taken] = now[taken]
    return moved


def _by_steps(model, edges, cofund, cache, slice_size):
    """The steps ``expected_surplus`` took before (the reference): the stale edges
    (``_stale``), priced slice by slice, kept, and the gathers."""
    w, book, tick, watch = model.world, model.assets, max(model.tick, 0), cache["watch"]
    free = (w.edges.stream, w.edges.need, w.stream_volume, model.stream_level,
            model.stream_made, model.stream_committed, w.need_volume, model.need_level,
            model.need_committed)
    got = None
    if watch is None:
        redo = stale_edges(edges, *free, model.pairs.trust, model.edge_slot_sr,
                           model.edge_slot_rs, tick, book.edge_route, book.route_asset,
                           book.table["until"], book.table["changes"], book.edge_user,
                           cache["inputs"])
        moved = _prices_moved(model, edges, cache, redo)
        redo = np.concatenate([redo, moved])
    else:
        watch.mark_terms(free[2:], model.pairs.trust, *book.route_state(tick))
        redo, at, surplus, capex, ascending = take_stale(
            edges, watch.dirty, watch.stream_dirty, *free, cache["inputs"], cache["surplus"],
            cache["capex"])
        moved = _prices_moved(model, edges, cache, redo)
        if len(moved):   # (the gathers below, after the keeping)
            redo, got = np.concatenate([redo, moved]), None
        else:
            got = (surplus, capex) if ascending else None
    for start in range(0, len(redo), slice_size):
        part = redo[start: start + slice_size]
        keep_priced(part, model._price(part, cofund=cofund)[0], terms._KEPT_ROWS,
                    cache["surplus"], cache["capex"], cache["annual"],
                    _NO_PLACES if got is None else at[start: start + slice_size],
                    *(_NOWHERE if got is None else got))
    if got is None:
        got = cache["surplus"][edges], cache["capex"][edges]
    return got, len(redo), len(moved)


def _in_one_call(model, edges, cofund, cache, slice_size):
    book, watch = model.assets, cache["watch"]
    kept = (cache["inputs"], cache["surplus"], cache["capex"], cache["annual"])
    priced = model._price_inputs(model._free_inputs())
    if watch is None:
        return refresh_surplus(edges, float(cofund), book.table["changes"], *kept,
                               cache["parts"], slice_size, *priced)
    return refresh_marked(edges, float(cofund), book.table["route"], book.table["changes"],
                          *kept, cache["parts"], *cache["marks"], slice_size, *watch.held,
                          *priced)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """The same bits (NaN included)."""
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


CASES = [("kalundborg", 0, 0.0, terms.RECOMPUTE_SLICE), ("kalundborg", 1, 0.0, 3),
         ("kalundborg", 2, 0.4, 5), ("kalundborg", 3, -0.0, terms.RECOMPUTE_SLICE),
         ("synthetic", 4, 0.0, terms.RECOMPUTE_SLICE), ("synthetic", 5, 0.3, 700)]


@pytest.mark.parametrize("watched", [False, True])
@pytest.mark.parametrize(("region", "seed", "cofund", "slice_size"), CASES)
def test_refresh_is_the_steps_it_replaced(region, seed, cofund, slice_size, watched):
    kw = {"n_firms": 300} if region == "synthetic" else {}
    model = SymbiosisModel(region, rng=seed, **kw)
    rng = np.random.default_rng(seed)
    e = len(model.world.edges)
    want_cache, got_cache = _cache(model, watched), _cache(model, watched)
    stale_total, largest, moved_total = 0, 0, 0
    for _ in range(40):
        model.step()
        # all open edges, the members' and some out of order and repeated
        edges = model.open_edges()
        members = model.open_edges(among=model.firm_member)
        mixed = np.concatenate([edges[::-1], edges[rng.integers(0, max(len(edges), 1),
                                                                 len(edges) // 3)]]
                               ) if len(edges) else edges
        for asked in (edges, members, mixed):
            forget = rng.integers(0, e, 5)   # some inputs seen forgotten: stale again
            want_cache["inputs"][forget] = got_cache["inputs"][forget] = np.nan
            (want_s, want_c), n_stale, n_moved = _by_steps(model, asked, cofund,
                                                           want_cache, slice_size)
            got_s, got_c = _in_one_call(model, asked, cofund, got_cache, slice_size)
            assert _same(got_s, want_s) and _same(got_c, want_c)
            for name in ("inputs", "surplus", "capex", "annual"):
                assert _same(got_cache[name], want_cache[name]), name
            if watched:   # the watch's marks and values seen
                for want, got in zip(want_cache["watch"].held, got_cache["watch"].held):
                    assert np.array_equal(got, want)
            stale_total += n_stale
            largest = max(largest, n_stale)
            moved_total += n_moved
    assert stale_total > (30 if region == "kalundborg" else 1000)
    if region == "synthetic":   # the prices moved (a new year at ticks 12, 24, 36) for
        assert moved_total > 3000  # thousands of edges asked, made from their parts: every
        parts = got_cache["parts"]  # edge priced kept parts that make its surplus again
        priced = parts[:, 0] == parts[:, 0]   # (a NaN delivered: parts that did not)
        assert priced.sum() > 1000 and not np.isnan(parts[priced, 2]).any()
    if region == "synthetic" and slice_size > FEW_DEALS:   # price_deals' branch was taken
        assert largest > FEW_DEALS


@pytest.mark.parametrize("watched", [False, True])
def test_expected_surplus_is_expected_terms(monkeypatch, watched):
    # the model's own remembered surpluses, tick by tick, against a fresh pricing
    monkeypatch.setattr(terms, "WATCH_FROM_EDGES", 0 if watched else 10**12)
    model = SymbiosisModel("synthetic", rng=2, n_firms=200)
    compared = 0
    for _ in range(25):
        model.step()
        edges = model.open_edges(among=model.firm_member)
        surplus, capex = model.expected_surplus(edges, with_capex=True)
        fresh, info = model.expected_terms(edges)
        assert _same(surplus, fresh.surplus) and _same(capex, info["capex"])
        assert _same(model.expected_surplus(edges), fresh.surplus)
        compared += len(edges)
    assert (model._surplus_caches[0.0]["watch"] is not None) == watched and compared > 100


def test_mode_costs_shared_by_the_models_of_one_world_change_nothing():
    # a second model on the same (shared) world takes the first's mode costs; its run is
    # the run of a model that sets them up itself, bit for bit
    first = SymbiosisModel("kalundborg", rng=1)
    first.run(3)
    shared = SymbiosisModel("kalundborg", rng=2)
    assert shared.world is first.world and shared._edge_costs() is first._edge_costs()
    shared.run(60)
    alone = SymbiosisModel("kalundborg", rng=2)
    del alone.world.__dict__["_edge_costs_of"]   # none held: set up anew
    alone.run(60)
    assert alone._edge_costs() is not first._edge_costs()
    assert alone.summary() == shared.summary()
    assert alone.exchanges_frame().equals(shared.exchanges_frame())
    # other parameters (or annuities) on the same world: costs of their own
    held = alone._edge_costs()
    alone.params = dataclasses.replace(alone.params, discount_rate=0.2)
    assert alone._edge_costs() is not held
    again = alone._edge_costs()
    alone.mode_annuity = alone.mode_annuity * 2.0
    del alone.__dict__["_edge_cost_table"]
    assert alone._edge_costs() is not again
