"""Compiled passes the model no longer calls, kept as references for the passes that
replaced them.

``take_stale`` and ``keep_priced`` were the broker's refresh of its remembered surpluses
before ``kernels_tick.refresh_marked`` and ``keep_repriced`` did it in one call
(tests/test_broker_pass8.py holds those to these; tests/test_broker_scan.py and
tests/test_broker_kernels.py hold these to the numpy they replaced in turn).
``edges_by_item_sorted`` is the numpy that ``kernels.group_by_item`` replaced
(tests/test_group_by_item.py).
"""

import numpy as np
from numba import njit

from symbiosis_abm.kernels import _free_volume, same_bits


@njit
def take_stale(edges, marks, stream_marks, stream, need, stream_volume, stream_level,
               stream_made, stream_committed, need_volume, need_level, need_committed, seen,
               surplus, capex):  # pragma: no cover - compiled
    """The broker's remembered surpluses in one pass over ``edges`` (ascending): which are
    stale, and the remembered ``surplus`` and ``capex`` of every edge, gathered
    (``DealTerms.expected_surplus`` writes the stale ones' new values over them).

    An edge marked in ``marks`` (its need, a trust or its route's asset moved) is stale;
    one marked in ``stream_marks`` alone only where its free volume (the smaller of its
    stream's and its need's, :func:`.kernels._free_volume`) differs from ``seen[e]``. The
    marked edges' marks are cleared and their volumes written into ``seen``: what
    :func:`.kernels.take_marked`, a comparison of free volumes and numpy's two gathers did
    (tests/test_broker_scan.py keeps that path as its reference). Returns the stale
    edges, their places in ``edges``, the gathers and
    whether ``edges`` ascend (if one repeats, its later places hold the value from
    before: the caller gathers anew).

    Examples
    --------
    Edge 1's need moved; edge 2's stream moved, its free volume did not:

    >>> marks, by_stream = np.array([False, True, False]), np.array([False, False, True])
    >>> i, f = np.zeros(3, dtype=np.int64), np.ones(1)
    >>> free = (f, f, f, np.zeros(1), f, f, np.zeros(1))   # stream: volume, level, ...
    >>> seen, surplus = np.ones(3), np.array([5.0, 6.0, 7.0])
    >>> stale, at, s, c, ascending = take_stale(np.arange(3), marks, by_stream, i, i, *free,
    ...                                         seen, surplus, -surplus)
    >>> stale.tolist(), at.tolist(), s.tolist(), bool(marks.any() or by_stream.any())
    ([1], [1], [5.0, 6.0, 7.0], False)
    """
    n = len(edges)
    stale, at = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    got_surplus, got_capex = np.empty(n), np.empty(n)
    # the gathers and the marked places first, without branches (which edges are marked
    # is not predictable); then the few marked ones' free volumes, in a loop of their own
    marked, ascending = 0, True
    for k in range(n):
        e = edges[k]
        ascending = ascending and (k == 0 or e > edges[k - 1])
        got_surplus[k], got_capex[k] = surplus[e], capex[e]
        at[marked] = k
        marked += np.int64(marks[e] | stream_marks[e])
    m = 0
    for x in range(marked):
        k = at[x]
        e = edges[k]
        volume = _free_volume(stream[e], need[e], stream_volume, stream_level, stream_made,
                              stream_committed, need_volume, need_level, need_committed)[0]
        if marks[e] or not same_bits(seen[e], volume):
            stale[m], at[m] = e, k
            m += 1
        seen[e] = volume
        marks[e] = stream_marks[e] = False
    return stale[:m], at[:m], got_surplus, got_capex, ascending



@njit
def keep_priced(part, out, rows, surplus_of, capex_of, annual_of, places, got_surplus,
                got_capex):  # pragma: no cover - compiled
    """Keep the terms just priced for edges ``part`` (``out``: :func:`.kernels.price_deals`'
    rows; ``rows``: the indices of its surplus, capex and annuity factor rows) as the
    broker's remembered surpluses: each edge's surplus, capex and yearly capex (capex x
    annuity factor) written at the edge in ``surplus_of``, ``capex_of``, ``annual_of``
    and, where ``places`` is not empty, its surplus and capex at its place in the gathers
    ``got_surplus``, ``got_capex``: what ``DealTerms.expected_surplus``' numpy writes did.

    Examples
    --------
    >>> out = np.array([[7.0, 8.0], [100.0, 0.0], [0.1, 0.2]])
    >>> of = [np.zeros(4) for _ in range(3)]
    >>> got = np.zeros(3), np.zeros(3)
    >>> keep_priced(np.array([3, 1]), out, np.array([0, 1, 2]), *of, np.array([2, 0]), *got)
    >>> [a.tolist() for a in of], got[0].tolist()
    ([[0.0, 8.0, 0.0, 7.0], [0.0, 0.0, 0.0, 100.0], [0.0, 0.0, 0.0, 10.0]], [8.0, 0.0, 7.0])
    """
    s_row, c_row, f_row = rows[0], rows[1], rows[2]
    for j in range(len(part)):
        e = part[j]
        surplus, capex = out[s_row, j], out[c_row, j]
        surplus_of[e], capex_of[e] = surplus, capex
        annual_of[e] = capex * out[f_row, j]
        if len(places):
            got_surplus[places[j]], got_capex[places[j]] = surplus, capex


def edges_by_item_sorted(item, edge, n_items):
    """What :func:`symbiosis_abm.input_watch.edges_by_item` returned before
    :func:`symbiosis_abm.kernels.group_by_item`: a stable argsort and ``np.bincount``'s
    starts.

    >>> starts, members = edges_by_item_sorted(np.array([2, 0, 2, 1]), np.arange(10, 14), 3)
    >>> starts.tolist(), members.tolist()
    ([0, 1, 2, 4], [11, 13, 10, 12])
    """
    order = np.argsort(item, kind="stable")
    starts = np.zeros(n_items + 1, dtype=np.int32)
    np.cumsum(np.bincount(item, minlength=n_items), out=starts[1:])
    return starts, edge[order].astype(np.int32)
