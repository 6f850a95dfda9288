"""Relationships between firms beyond one pair: introductions, breaches, broken trust.

* **Introductions** (knowledge diffusion through partners, Ghali, Frayret & Ahabchane
  2017): a firm hears of its partners' partners. Each month, a candidate pair (i, j) with a
  common partner k becomes known to both with chance ``introduction_rate`` and their trust
  is pulled toward what k passes on (:func:`symbiosis_abm.trust.reputation_pull`).
* **Breaches**: a partner that walks out of a contract early (it stopped paying off, its
  process changed) damages the other side's trust in it by ``trust_loss_breach``.
* **Broken trust**: a receiver whose trust in its supplier falls below ``trust_break``
  (after repeated shortfalls) ends the exchange.
* **Documented ties** (a region's ``[[relationships]]``): every ordered pair of a group
  knows each other; a tie with a ``since`` date after the region's start begins at its
  tick (:func:`tie_tick`) and raises trust to at least its value (:func:`tie_trust`).

Pairs are keyed ``i * n + j`` (directed) as in :class:`symbiosis_abm.trust.PairStore`.

Examples
--------
Firm 1 supplies 0 and 2: firms 0 and 2 have a common partner.

>>> common_partner_pairs(np.array([1, 1]), np.array([0, 2]), 3).tolist()
[2, 6]
"""

from __future__ import annotations

import numpy as np

from .dates import tick_of
from .kernels_tick import common_partner_keys

__all__ = ["common_partner_pairs", "introduced", "after_breach", "broken", "group_pairs",
           "tie_tick", "tie_trust", "MAX_DEGREE"]

#: A hub introduces its first so many partners (:func:`common_partner_pairs`).
MAX_DEGREE = 64


def common_partner_pairs(a: np.ndarray, b: np.ndarray, n: int,
                         max_degree: int = MAX_DEGREE) -> np.ndarray:
    """Directed keys ``i * n + j`` of pairs i != j that share a partner, sorted, unique.

    ``(a, b)`` are the links of the partner network (undirected). Hubs with more than
    ``max_degree`` partners introduce only their first ``max_degree`` (in firm order):
    a hub's d partners make d x (d - 1) pairs, and no firm passes on news about hundreds
    of partners, so this bounds the work without changing small networks.

    Examples
    --------
    >>> common_partner_pairs(np.array([0, 0, 3]), np.array([1, 2, 2]), 4).tolist()
    [3, 6, 9, 12]
    """
    # one compiled pass: the links by hub, each hub's grid of partner pairs, their keys
    return common_partner_keys(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64),
                               n, max_degree)


def introduced(candidate_keys: np.ndarray, pair_keys: np.ndarray, u: np.ndarray,
               chance: float) -> np.ndarray:
    """Which candidates are introduced now: they share a partner and the draw falls below.

    ``pair_keys`` must be sorted (from :func:`common_partner_pairs`); ``u`` holds one
    uniform draw per candidate.

    Examples
    --------
    >>> introduced(np.array([6, 7, 14]), np.array([6, 14]), np.array([0.1, 0.1, 0.9]), 0.5)
    array([ True, False, False])
    """
    if len(pair_keys) == 0:
        return np.zeros(len(candidate_keys), dtype=bool)
    pos = np.minimum(np.searchsorted(pair_keys, candidate_keys), len(pair_keys) - 1)
    return (pair_keys[pos] == candidate_keys) & (np.asarray(u) < chance)


def after_breach(trust: np.ndarray, loss: float) -> np.ndarray:
    """Trust in a partner that broke a contract early: ``loss`` lower, not below 0.

    The tick applies this rule in a compiled pass (:func:`.kernels_tick.breach_trust`);
    this is its readable statement, which the kernel's tests hold it to.

    Examples
    --------
    >>> after_breach(np.array([0.7, 0.1]), 0.2)
    array([0.5, 0. ])
    """
    return np.clip(np.asarray(trust, dtype=float) - loss, 0.0, 1.0)


def broken(trust_receiver_in_supplier: np.ndarray, threshold: float) -> np.ndarray:
    """Exchanges whose receiver no longer trusts its supplier enough to continue.

    Examples
    --------
    >>> broken(np.array([0.1, 0.3]), 0.2)
    array([ True, False])
    """
    return np.asarray(trust_receiver_in_supplier) < threshold


def group_pairs(members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every ordered pair (i, j), i != j, of a group of firms: all know each other.

    Examples
    --------
    >>> i, j = group_pairs(np.array([4, 7, 9]))
    >>> list(zip(i.tolist(), j.tolist()))
    [(4, 7), (4, 9), (7, 4), (7, 9), (9, 4), (9, 7)]
    """
    members = np.asarray(members, dtype=np.int64)
    i, j = np.repeat(members, len(members)), np.tile(members, len(members))
    return i[i != j], j[i != j]


def tie_tick(start: str | None, since: str | None, tick_months: float) -> int:
    """The tick a documented tie begins: 0 if it predates the region's start (or either
    date is missing: a region without a start depicts one year, in which its ties hold).

    Examples
    --------
    >>> tie_tick("1960-01", "1989-01", 1.0), tie_tick("1960-01", "1950-06", 1.0)
    (348, 0)
    >>> tie_tick(None, "1989-01", 1.0), tie_tick("2010-01", None, 1.0)
    (0, 0)
    """
    if start is None or since is None:
        return 0
    return max(0, tick_of(start, since, tick_months))


def tie_trust(trust: np.ndarray, value: float) -> np.ndarray:
    """Trust once a dated tie begins: at least the tie's value; a tie does not erase the
    trust two firms have already earned in exchanges.

    Examples
    --------
    >>> tie_trust(np.array([0.35, 0.9]), 0.6)
    array([0.6, 0.9])
    """
    return np.maximum(np.asarray(trust, dtype=float), value)


#: Ties that put two firms under one owner: a contract between them is not exposed to the
#: other side's opportunism, so hold-up does not raise the trust they need (7.9).
OWNERSHIP_KINDS = ("shared_owner", "municipal_ownership")


def common_owner_tick(supplier: np.ndarray, receiver: np.ndarray, groups) -> np.ndarray:
    """The tick from which each edge's two firms have one owner (``-1``: never).

    ``groups``: ``(members, tick)`` of each ownership tie, members as firm indices.

    Examples
    --------
    >>> common_owner_tick(np.array([0, 1, 2]), np.array([1, 2, 0]),
    ...                   [(np.array([0, 1]), 5), (np.array([0, 1, 2]), 9)])
    array([5, 9, 9], dtype=int32)
    >>> common_owner_tick(np.array([0]), np.array([1]), [])
    array([-1], dtype=int32)
    """
    owned = np.full(len(supplier), -1, dtype=np.int32)   # a tick (int32: 10 MB at 100,000 firms)
    for members, tick in groups:
        both = np.isin(supplier, members) & np.isin(receiver, members)
        owned[both] = np.where(owned[both] < 0, tick, np.minimum(owned[both], tick))
    return owned
