"""Small array helpers for hot paths.

``np.unique`` in numpy 2.x takes a hash-based path for integer arrays that is much slower
than sorting for the millions of pair keys a national-size region has (measured: ~8 s
against ~0.1 s for 3 million int64 keys), so hot paths use :func:`unique_sorted`.
"""

from __future__ import annotations

import numpy as np

from .kernels_tick import hub_pairs

__all__ = ["unique_sorted", "hub_pair_positions", "remembered", "RowsByKey"]


def unique_sorted(values: np.ndarray, return_inverse: bool = False):
    """Sorted unique values (like ``np.unique``), by a sort and a neighbour comparison.

    With ``return_inverse``, also the position of each input value in the result.

    Examples
    --------
    >>> unique_sorted(np.array([3, 1, 3, 2]))
    array([1, 2, 3])
    >>> unique_sorted(np.array([3, 1, 3]), return_inverse=True)[1]
    array([1, 0, 1])
    """
    values = np.asarray(values)
    ordered = np.sort(values)
    if len(ordered):
        ordered = ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
    if return_inverse:
        return ordered, np.searchsorted(ordered, values)
    return ordered


def hub_pair_positions(hub: np.ndarray, max_degree: int | None = None
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Positions of all pairs of links (k, i), (k, j), i != j, in links sorted by hub k.

    Ordered by hub, then i, then j (the partners' order among the hub's links): a hub
    with d partners gives its d x d grid without the diagonal. With
    ``max_degree``, a hub pairs only its first ``max_degree`` links.

    Examples
    --------
    >>> ki, kj = hub_pair_positions(np.array([0, 1, 1, 1]))
    >>> ki.tolist(), kj.tolist()
    ([1, 1, 2, 2, 3, 3], [2, 3, 1, 3, 1, 2])
    >>> [x.tolist() for x in hub_pair_positions(np.array([0, 1, 1, 1]), max_degree=2)]
    [[1, 2], [2, 1]]
    """
    # one compiled pass (kernels_tick.hub_pairs): no temporaries of the grids' size
    return hub_pairs(np.asarray(hub), -1 if max_degree is None else int(max_degree))


def remembered(owner: object, name: str, key: object, compute):
    """``compute()``, or what it returned last time for an equal ``key``.

    One entry per ``name`` on ``owner``: for what is recomputed each tick from a state that
    rarely changes (the set of active exchanges), keyed by that state. The result is
    shared: callers must not modify it.

    Examples
    --------
    >>> class Owner: pass
    >>> o, calls = Owner(), []
    >>> [remembered(o, "_x", k, lambda: calls.append(k) or len(calls)) for k in (1, 1, 2)]
    [1, 1, 2]
    """
    last = owner.__dict__.get(name)
    if last is None or (last[0] is not key and last[0] != key):
        last = owner.__dict__[name] = (key, compute())
    return last[1]


class RowsByKey:
    """``table[key]`` gathered only for the items asked for: ``RowsByKey(table, key)[i]``
    is ``table[key][i]`` (the same values) without holding ``table[key]`` in memory.

    For per-item rows that depend only on a small key (a candidate edge's resource): at
    100,000 firms a ``(2.6 million edges, modes)`` float table is 80 MB, its
    ``(resources, modes)`` source a few hundred bytes.

    Examples
    --------
    >>> rows = RowsByKey(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 0, 1]))
    >>> rows[np.array([2, 1])].tolist()
    [[3.0, 4.0], [1.0, 2.0]]
    >>> rows.shape
    (3, 2)
    >>> rows[np.array([2, 1]), np.array([0, 1])].tolist()   # (items, columns) pairs
    [3.0, 2.0]
    """

    def __init__(self, table: np.ndarray, key: np.ndarray):
        self.table, self.key = table, key

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.key),) + self.table.shape[1:]

    def __len__(self) -> int:
        return len(self.key)

    def __getitem__(self, items) -> np.ndarray:
        if isinstance(items, tuple):   # (items, columns): one value per pair
            rows, *columns = items
            return self.table[(self.key[rows], *columns)]
        return self.table[self.key[items]]
