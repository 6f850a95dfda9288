"""Negotiation rules: how long talks take, when they succeed, fail or time out.

Talks open when the evaluating firm expects a positive surplus. Each tick of talks costs
both sides money and builds some trust through contact. A negotiation resolves when its
duration is up; it concludes only if both sides trust each other enough to sign and the
deal is still worth it, otherwise it fails. Talks can also break down at random, and fail
by timeout when the duration exceeds the timeout.
"""

from __future__ import annotations

import numpy as np

__all__ = ["duration", "can_sign", "within_room", "ROOM_ROUNDS"]

from .kernels import room_rounds


def duration(trust_low: np.ndarray, base_ticks: float) -> np.ndarray:
    """Ticks needed to negotiate: ``base_ticks`` at full trust, three times it at zero.

    ``trust_low`` is the lower of the two sides' trust in each other; ``base_ticks`` may
    be fractional (two months in quarterly ticks); the result is rounded up.

    Examples
    --------
    >>> duration(np.array([1.0, 0.5, 0.0]), 2)
    array([2, 4, 6])
    >>> duration(np.array([1.0, 0.0]), 2 / 3)
    array([1, 2])
    """
    return np.ceil(base_ticks * (1.0 + 2.0 * (1.0 - np.asarray(trust_low)))).astype(np.int64)


def can_sign(
    trust_sup_in_rec: np.ndarray, trust_rec_in_sup: np.ndarray,
    min_trust_sup: np.ndarray, min_trust_rec: np.ndarray,
) -> np.ndarray:
    """Both sides sign only if each trusts the other at least its own threshold.

    Examples
    --------
    >>> can_sign(np.array([0.6, 0.6]), np.array([0.6, 0.3]), np.array([0.5, 0.5]),
    ...          np.array([0.5, 0.5]))
    array([ True, False])
    """
    return (trust_sup_in_rec >= min_trust_sup) & (trust_rec_in_sup >= min_trust_rec)


#: rounds in which talks dropped by one firm's room free places at the other's
ROOM_ROUNDS = 4


def within_room(edges: np.ndarray, supplier: np.ndarray, receiver: np.ndarray,
                room: np.ndarray, rounds: int = ROOM_ROUNDS) -> np.ndarray:
    """The ``edges`` (in priority order) that can open without any firm exceeding its room.

    A firm's room counts talks in both roles: an edge takes one place at its supplier and
    one at its receiver. Each round keeps the edges that rank within the room of both
    their firms; edges dropped by one side free the other side's place for the next round.

    Examples
    --------
    Firm 1 supplies in the first edge and receives in the second; its room is one:

    >>> within_room(np.array([7, 8, 9]), np.array([1, 0, 2]), np.array([0, 1, 3]),
    ...             np.array([2, 1, 1, 1])).tolist()
    [7, 9]
    """
    # one compiled pass per round (kernels.room_rounds)
    return edges[room_rounds(np.asarray(supplier, dtype=np.int64),
                             np.asarray(receiver, dtype=np.int64),
                             np.asarray(room, dtype=np.int64), rounds)]
