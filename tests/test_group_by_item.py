"""kernels.group_by_item (a counting sort) gives the arrays of the stable argsort it
replaced in input_watch.edges_by_item, for every kind of index a run builds."""

import numpy as np
import pytest
from reference_kernels import edges_by_item_sorted

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.input_watch import EdgeIndex, edges_by_item
from symbiosis_abm.kernels import group_by_item


def same(got, want):
    return all(g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(got, want))


@pytest.mark.parametrize("item_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n, n_items", [(0, 0), (0, 5), (1, 1), (50, 3), (4000, 700),
                                        (20_000, 40_000)])
def test_same_as_the_stable_sort(item_dtype, n, n_items):
    rng = np.random.default_rng(n + n_items)
    item = rng.integers(0, max(n_items, 1), n).astype(item_dtype)
    edge = rng.permutation(3 * n)[:n].astype(np.int64)   # not in order: order is kept
    got, want = group_by_item(item, edge, n_items), edges_by_item_sorted(item, edge, n_items)
    assert same(got, want)


def test_items_with_no_edge_have_empty_runs():
    starts, members = group_by_item(np.array([3, 3, 0]), np.array([7, 8, 9]), 5)
    assert starts.tolist() == [0, 1, 1, 1, 3, 3]
    assert members.tolist() == [9, 7, 8]


def test_a_models_indexes_match_the_sort():
    """The indexes of a region with an input watch (each need's, slot's and route's edges,
    and each firm's as supplier and receiver) are those the sort made."""
    model = SymbiosisModel("synthetic", rng=3, region_seed=3, n_firms=300)
    model.run(3)
    w = model.world
    edges = np.arange(len(w.edge_supplier))
    for item, n_items in ((w.edge_supplier, w.n_firms), (w.edge_receiver, w.n_firms),
                          (w.edges.need, len(w.need_volume))):
        assert same(edges_by_item(item, edges, n_items),
                    edges_by_item_sorted(item, edges, n_items))
    slots = np.concatenate([model.edge_slot_sr, model.edge_slot_rs])
    index = EdgeIndex(w.stream_edges, w.edges.need, len(w.need_volume), model.edge_slot_sr,
                      model.edge_slot_rs, model.assets.edge_route)
    want = edges_by_item_sorted(slots, np.concatenate([edges, edges]), index.n_slots)
    assert same((index.slot_starts, index.slot_members), want)
    route = model.assets.edge_route
    want = edges_by_item_sorted(route, edges, int(route.max()) + 1)
    assert same((index.route_starts, index.route_members), want)
