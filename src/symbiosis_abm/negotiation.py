"""Negotiation rules: how long talks take, when they succeed, fail or time out.

Talks open when the evaluating firm expects a positive surplus. Each tick of talks costs
both sides money and builds some trust through contact. A negotiation resolves when its
duration is up; it concludes only if both sides trust each other enough to sign and the
deal is still worth it, otherwise it fails. Talks can also break down at random, and fail
by timeout when the duration exceeds the timeout.
"""

from __future__ import annotations

import numpy as np

__all__ = ["duration", "can_sign", "OUTCOME_REASONS"]

OUTCOME_REASONS = ("concluded", "low trust", "no surplus", "timeout", "breakdown",
                   "partner closed", "no capacity left", "no capital")


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
