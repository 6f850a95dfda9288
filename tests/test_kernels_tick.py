"""The compiled passes of the tick (kernels_tick.py) give the numpy expressions they
replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from symbiosis_abm.kernels_tick import exchange_topology


def _topology_numpy(sup, rec, n):
    """The exchange network's figures as measured before the kernel."""
    if len(sup) == 0:
        return 0, 0, 0
    nodes, inverse = np.unique(np.concatenate([sup, rec]), return_inverse=True)
    m = len(nodes)
    graph = coo_matrix((np.ones(len(sup)), (inverse[: len(sup)], inverse[len(sup):])),
                       shape=(m, m))
    _, labels = connected_components(graph, directed=True, connection="weak")
    pairs = np.unique(np.minimum(sup, rec) * n + np.maximum(sup, rec))
    return m, len(pairs), int(np.bincount(labels).max())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n,links", [(5, 3), (40, 25), (300, 200), (2000, 3000)])
def test_exchange_topology_is_the_graph_measure(seed, n, links):
    rng = np.random.default_rng(seed)
    sup, rec = rng.integers(0, n, links), rng.integers(0, n, links)
    got = exchange_topology(sup, rec, n)
    assert got == _topology_numpy(sup, rec, n)
    assert all(type(x) is int for x in got)   # the statistics keep Python ints


def test_exchange_topology_edge_cases():
    empty = np.zeros(0, dtype=np.int64)
    assert exchange_topology(empty, empty, 4) == (0, 0, 0)
    # a chain of 4 firms and a separate pair; repeated and reversed links count once
    sup, rec = np.array([0, 1, 2, 1, 7, 8]), np.array([1, 2, 3, 0, 8, 7])
    assert exchange_topology(sup, rec, 9) == (6, 4, 4)
