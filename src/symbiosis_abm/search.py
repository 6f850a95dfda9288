"""Local partner search: candidate edges from KD-trees, discovery, budgeted evaluation.

Candidate edges are (stream, need) pairs of the same resource within the resource's
longest transport range. They are found once per run with one KD-tree per resource
(``scipy.spatial.cKDTree``): each stream's ``k`` nearest needs and each need's ``k``
nearest streams. That bounds the work per firm, so a tick costs O(N k), never O(N^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ._arrays import unique_sorted
from .kernels import first_in_groups
from .portable_math import exp

__all__ = ["CandidateEdges", "candidate_edges", "discovery_chance", "first_per_group"]


@dataclass(frozen=True)
class CandidateEdges:
    """Candidate exchanges: ``stream[e]`` could supply ``need[e]`` over ``distance_km[e]``."""

    stream: np.ndarray
    need: np.ndarray
    distance_km: np.ndarray

    def __len__(self) -> int:
        return len(self.stream)


def candidate_edges(
    stream_xy: np.ndarray,
    stream_resource: np.ndarray,
    stream_firm: np.ndarray,
    need_xy: np.ndarray,
    need_resource: np.ndarray,
    need_firm: np.ndarray,
    max_range_km: np.ndarray,
    k: int,
    detour_factor: float = 1.0,
) -> CandidateEdges:
    """Up to ``k`` nearest partners per stream and per need, same resource, in range.

    Distances are straight-line distances times ``detour_factor`` (route length); a
    firm never pairs with itself. The union of both directions is returned, each edge
    once, sorted by (stream, need).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1.0, 0.0], [50.0, 0.0]])
    >>> e = candidate_edges(xy[:1], np.array([0]), np.array([0]), xy[1:], np.array([0, 0]),
    ...                     np.array([1, 2]), np.array([10.0]), k=5)
    >>> e.need.tolist(), e.distance_km.tolist()
    ([0], [1.0])
    """
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for r in np.intersect1d(stream_resource, need_resource):
        s_idx = np.flatnonzero(stream_resource == r)
        n_idx = np.flatnonzero(need_resource == r)
        reach = max_range_km[r] / detour_factor
        if reach <= 0:
            continue
        parts.append(_nearest(s_idx, stream_xy, stream_firm, n_idx, need_xy, need_firm, k, reach))
        n_found, s_found = _nearest(n_idx, need_xy, need_firm, s_idx, stream_xy, stream_firm,
                                    k, reach)
        parts.append((s_found, n_found))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return CandidateEdges(empty, empty, np.zeros(0))
    streams = np.concatenate([p[0] for p in parts])
    needs = np.concatenate([p[1] for p in parts])
    keys = unique_sorted(streams * (len(need_xy) + 1) + needs)
    streams, needs = keys // (len(need_xy) + 1), keys % (len(need_xy) + 1)
    dist = np.hypot(*(stream_xy[streams] - need_xy[needs]).T) * detour_factor
    return CandidateEdges(streams, needs, dist)


def _nearest(
    from_idx: np.ndarray, from_xy: np.ndarray, from_firm: np.ndarray,
    to_idx: np.ndarray, to_xy: np.ndarray, to_firm: np.ndarray, k: int, reach: float,
) -> tuple[np.ndarray, np.ndarray]:
    """For each item in ``from_idx``, its up to k nearest ``to_idx`` of other firms in reach."""
    tree = cKDTree(to_xy[to_idx])
    kk = min(k + 1, len(to_idx))  # one extra: the nearest may be the firm's own item
    dist, pos = tree.query(from_xy[from_idx], k=kk, distance_upper_bound=reach)
    dist, pos = dist.reshape(len(from_idx), kk), pos.reshape(len(from_idx), kk)
    rows = np.broadcast_to(from_idx[:, None], pos.shape)
    found = np.isfinite(dist)
    partner = np.where(found, to_idx[np.minimum(pos, len(to_idx) - 1)], -1)
    found &= from_firm[rows] != np.where(found, to_firm[np.maximum(partner, 0)], -1)
    found &= np.cumsum(found, axis=1) <= k  # the k nearest that are not the firm itself
    return rows[found], partner[found]


def discovery_chance(distance_km: np.ndarray, rate: float, scale_km: float) -> np.ndarray:
    """Chance per tick that a firm discovers a candidate at a given distance.

    Examples
    --------
    >>> discovery_chance(np.array([0.0, 10.0]), 0.5, 10.0).round(3)
    array([0.5  , 0.184])
    """
    return rate * exp(-np.asarray(distance_km) / scale_km)


def first_per_group(group: np.ndarray, order_key: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Mask of the first ``limit[group]`` items of each group, in ``order_key`` order.

    Used to let each firm evaluate only as many candidates as its budget allows.

    Examples
    --------
    >>> first_per_group(np.array([0, 0, 0, 1]), np.array([3.0, 1.0, 2.0, 0.0]),
    ...                 np.array([2, 0]))
    array([False,  True,  True, False])
    """
    if len(group) == 0:
        return np.zeros(0, dtype=bool)
    return first_in_groups(group, order_key, limit)   # one compiled pass (kernels.py)
