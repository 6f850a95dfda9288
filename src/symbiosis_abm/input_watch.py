"""Which candidate edges' deal inputs may have changed since they were last looked at.

The broker asks every tick for the remembered surplus of every open match among members
(:meth:`~.terms.DealTerms.expected_surplus`): at 10,000 firms some 90,000 edges, of which
a few thousand changed. An edge's surplus depends on the free volume of its stream and
its need, the trust of its two directed pairs and the state of its route's asset; these
are few values (streams, needs, pair slots, routes), each shared by many edges. An
:class:`InputWatch` keeps the values it saw last and, for each value that moved, marks
the edges that depend on it (an :class:`EdgeIndex` lists them), so only the marked edges
are looked at: one whose need, trusts or route asset moved is priced anew, one whose stream
alone moved only where its free volume (the smaller of the stream's and the need's) did.
A surplus priced anew from inputs that moved and came back is the same bits, so the
caller remembers one input per edge instead of five (20 MB, not 100 MB, at 100,000 firms).

Examples
--------
Three edges of streams 0, 0, 1 and needs 1, 0, 1; edge 2's need is its only change:

>>> index = EdgeIndex(np.array([0, 2, 3]), np.array([1, 0, 1]), 2,
...                   np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([0, 1, 2]))
>>> stream, need = np.array([1.0, 2.0]), np.array([3.0, 4.0])
>>> trust, no_assets = np.zeros(6), (np.zeros(0, dtype=np.int64), np.zeros(0))
>>> watch = InputWatch(index, stream, need, trust)
>>> watch.changed(np.arange(3), stream, need, trust, *no_assets).tolist()   # all at first
[0, 1, 2]
>>> need[1] = 0.0
>>> watch.changed(np.array([0, 2]), stream, need, trust, *no_assets).tolist()
[0, 2]
>>> watch.changed(np.array([1]), stream, need, trust, *no_assets).tolist()
[]
"""

from __future__ import annotations

import numpy as np

from .kernels import group_by_item, mark_changed, take_marked
from .kernels_tick import mark_inputs

__all__ = ["EdgeIndex", "InputWatch", "edges_by_item"]

_NONE = np.zeros(0, dtype=np.int64)
_ALL = np.zeros(0, dtype=np.int32)   # members: the edges sorted by item themselves


def edges_by_item(item: np.ndarray, edge: np.ndarray, n_items: int):
    """``starts, members``: item ``i``'s edges are ``members[starts[i]:starts[i + 1]]``,
    in the order of ``edge`` (32-bit: at 100,000 firms the index of some 5 million pair
    slots is held; a counting sort, :func:`.kernels.group_by_item`)."""
    return group_by_item(item, edge, n_items)


def _bits(values: np.ndarray) -> np.ndarray:
    """A float array's bits, as ``int64`` (a copy where the array is not contiguous)."""
    return np.ascontiguousarray(values, dtype=np.float64).view(np.int64)


class EdgeIndex:
    """The candidate edges of each stream, need, directed pair slot and route.

    ``stream_edges``: edges are sorted by stream (``World.stream_edges``); ``need``: each
    edge's need; ``slot_sr``, ``slot_rs``: its two pair slots (supplier's trust in the
    receiver and back); ``route``: its route (:attr:`~.assets.AssetBook.edge_route`).
    Built once per model (pair slots and routes are fixed for a run).
    """

    def __init__(self, stream_edges: np.ndarray, need: np.ndarray, n_needs: int,
                 slot_sr: np.ndarray, slot_rs: np.ndarray, route: np.ndarray):
        edges = np.arange(len(need), dtype=np.int64)
        self.stream_starts = np.asarray(stream_edges, dtype=np.int32)
        self.need_starts, self.need_members = edges_by_item(need, edges, n_needs)
        slots = np.concatenate([slot_sr, slot_rs])
        self.n_slots = int(slots.max()) + 1 if len(slots) else 0
        self.slot_starts, self.slot_members = edges_by_item(slots, np.concatenate([edges, edges]),
                                                       self.n_slots)
        n_routes = int(route.max()) + 1 if len(route) else 0
        self.route_starts, self.route_members = edges_by_item(route, edges, n_routes)
        self.n_edges = len(need)


class InputWatch:
    """The inputs of a remembered surplus as last seen, and the edges marked since.

    ``stream_free``, ``need_room``: each stream's and need's free volume; ``trust``: the
    pair store's trust (its first :attr:`EdgeIndex.n_slots` slots are the edges'); the
    route assets' state comes as the routes that have an asset and one key each, which
    changes whenever :meth:`~.assets.AssetBook.state_key` of one of the route's edges may
    (:meth:`~.assets.AssetBook.route_state`). Every edge starts marked: nothing was seen
    yet. ``dirty`` holds the marks of needs, trusts and routes, ``stream_dirty`` those of
    streams (:meth:`moved` tells them apart).
    """

    def __init__(self, index: EdgeIndex, stream_free: np.ndarray, need_room: np.ndarray,
                 trust: np.ndarray):
        self.index = index
        self.dirty = np.ones(index.n_edges, dtype=np.bool_)
        self.stream_dirty = np.zeros(index.n_edges, dtype=np.bool_)   # marked by the stream alone
        self.stream_seen = _bits(stream_free).copy()
        self.need_seen = _bits(need_room).copy()
        self.slot_seen = _bits(trust[: index.n_slots]).copy()
        self.route_seen = np.full(len(index.route_starts) - 1, -1, dtype=np.int64)
        #: what a marking pass reads after the values (:meth:`mark_terms`,
        #: :func:`.kernels_tick.refresh_marked`): the values seen, the index, the marks
        self.held = (self.stream_seen, self.need_seen, self.slot_seen, self.route_seen,
                      index.stream_starts, index.need_starts, index.need_members,
                      index.slot_starts, index.slot_members, index.route_starts,
                      index.route_members, self.stream_dirty, self.dirty)

    def changed(self, edges: np.ndarray, stream_free: np.ndarray, need_room: np.ndarray,
                trust: np.ndarray, routes: np.ndarray, route_keys: np.ndarray) -> np.ndarray:
        """The ``edges`` (ascending) any of whose inputs changed since each was last
        asked about (or never asked): they are unmarked, the others stay marked."""
        return self.moved(edges, stream_free, need_room, trust, routes, route_keys)[0]

    def moved(self, edges: np.ndarray, stream_free: np.ndarray, need_room: np.ndarray,
              trust: np.ndarray, routes: np.ndarray, route_keys: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
        """What :meth:`changed` returns, and which of those edges had an input other than
        their stream's free volume change (their need's, a trust, the route's asset; a
        mask over them): a stream counts only through the smaller of its and the need's
        free volume, which the caller compares itself (the broker's remembered surpluses
        take the marks after :meth:`mark` in one pass with that comparison,
        :func:`.kernels_tick.refresh_marked`)."""
        self.mark(stream_free, need_room, trust, routes, route_keys)
        return take_marked(np.asarray(edges, dtype=np.int64), self.dirty, self.stream_dirty)

    def mark(self, stream_free: np.ndarray, need_room: np.ndarray, trust: np.ndarray,
             routes: np.ndarray, route_keys: np.ndarray) -> None:
        """Mark the edges of every value that moved since it was last seen (``dirty``,
        or ``stream_dirty`` for a stream's) and remember the values seen now."""
        ix, dirty = self.index, self.dirty
        mark_changed(_NONE, _bits(stream_free), self.stream_seen, ix.stream_starts, _ALL,
                     self.stream_dirty)
        mark_changed(_NONE, _bits(need_room), self.need_seen, ix.need_starts,
                     ix.need_members, dirty)
        mark_changed(_NONE, _bits(trust[: ix.n_slots]), self.slot_seen, ix.slot_starts,
                     ix.slot_members, dirty)
        mark_changed(np.asarray(routes, dtype=np.int64), _bits(route_keys), self.route_seen,
                     ix.route_starts, ix.route_members, dirty)

    def mark_terms(self, free: tuple, trust: np.ndarray, routes: np.ndarray,
                   route_keys: np.ndarray) -> None:
        """:meth:`mark` with the streams' and needs' free volumes given by their terms,
        ``free``: stream volume, level, made and committed, need volume, level and
        committed (as ``DealTerms.stream_free`` and ``need_free`` compute them), each
        compared where it is computed, in one compiled pass
        (:func:`.kernels_tick.mark_inputs`: no temporaries, one call instead of four).
        ``trust`` (at least :attr:`EdgeIndex.n_slots` long) and ``route_keys`` are
        contiguous float arrays, ``routes`` ``int64`` (the pair store's trust, the asset
        table's routes and :meth:`~.assets.AssetBook.route_state`'s keys are)."""
        mark_inputs(*free, trust, routes, route_keys, *self.held)
