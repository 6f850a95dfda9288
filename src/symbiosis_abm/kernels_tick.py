"""Compiled passes (numba) of the tick's fixed work on small and medium regions.

A region of a few dozen to a few hundred firms spends its tick in hundreds of small numpy
calls, each a few microseconds of Python and dispatch for a few dozen numbers. Where one
phase makes many of them on the same rows every tick, a single compiled loop here does
the same arithmetic, in the same order, once (:mod:`.kernels` holds the passes over the
candidate edges of large regions).

Like :mod:`.kernels`, these functions compare, count and make the same IEEE operations
as the numpy expressions they replace, element by element and in the same order (no
fast-math, no reassociated sums), so results are bit for bit the same
(``tests/test_kernels_tick.py`` checks each against its expression). Compiled functions
are cached on disk (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["exchange_topology"]


@njit(cache=True, nogil=True)
def exchange_topology(sup, rec, n):  # pragma: no cover - compiled
    """Participating firms, distinct linked pairs and the size of the largest weakly
    connected component of the links ``sup[i] -> rec[i]`` among ``n`` firms.

    The same three numbers as ``len(np.unique(np.concatenate([sup, rec])))``,
    ``len(np.unique(np.minimum(sup, rec) * n + np.maximum(sup, rec)))`` and the largest
    of scipy's ``connected_components(..., connection="weak")`` (0, 0, 0 without links).

    Examples
    --------
    >>> exchange_topology(np.array([0, 1, 5, 1]), np.array([1, 0, 6, 2]), 7)
    (5, 3, 3)
    """
    m = len(sup)
    if m == 0:
        return 0, 0, 0
    parent = np.arange(n)
    seen = np.zeros(n, dtype=np.bool_)
    keys = np.empty(m, dtype=np.int64)
    participating = 0
    for i in range(m):
        a, b = sup[i], rec[i]
        for x in (a, b):
            if not seen[x]:
                seen[x] = True
                participating += 1
        keys[i] = min(a, b) * n + max(a, b)
        # union by root, with path halving
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[a] = b
    size = np.zeros(n, dtype=np.int64)
    largest = 0
    for x in range(n):
        if seen[x]:
            r = x
            while parent[r] != r:
                r = parent[r]
            size[r] += 1
            if size[r] > largest:
                largest = size[r]
    keys.sort()
    pairs = 1
    for i in range(1, m):
        if keys[i] != keys[i - 1]:
            pairs += 1
    return participating, pairs, largest
