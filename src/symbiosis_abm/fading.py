"""What fades without upkeep: registry membership, awareness, weak ties.

When a facilitator withdraws, what it did stops and fades as it would:

* **Registry membership lapses**: once the facilitator has withdrawn, members drop out at
  ``registry_lapse_rate`` per month (and no one joins).
* **Awareness fades**: a firm forgets a candidate partner it knows of but has no contact
  with (no exchange, no talks) at ``awareness_fade_rate`` per month -- the opportunity map
  and the broker's proposals are not refreshed, the people who knew move on.
* **Weak ties dissolve**: a pair that met (at an event, in failed talks) and has no
  contact loses the tie once its trust has decayed back to within ``tie_epsilon`` of the
  baseline: they are strangers again.

These rules run whether or not a facilitator ever existed; withdrawal matters because
the facilitator is what renewed them.

Examples
--------
>>> lapse(np.array([True, True, False]), np.array([0.01, 0.5, 0.0]), 0.02).tolist()
[True, False, False]
"""

from __future__ import annotations

import numpy as np

__all__ = ["lapse", "dissolved"]


def lapse(state: np.ndarray, u: np.ndarray, rate: float) -> np.ndarray:
    """Which of the ``True`` states lapse this tick (chance ``rate`` each).

    Examples
    --------
    >>> lapse(np.array([True, False]), np.array([0.0, 0.0]), 0.1).tolist()
    [True, False]
    """
    return np.asarray(state, dtype=bool) & (np.asarray(u) < rate)


def dissolved(met: np.ndarray, contact: np.ndarray, trust: np.ndarray, baseline: float,
              epsilon: float) -> np.ndarray:
    """Weak ties that dissolve: met, no contact, trust back near the baseline.

    The tick applies this rule in the compiled fading pass (:func:`.kernels.fade_pairs`);
    this is its readable statement, which the kernel's tests hold it to.

    Examples
    --------
    >>> dissolved(np.array([True, True, True]), np.array([False, True, False]),
    ...           np.array([0.301, 0.301, 0.6]), 0.3, 0.01).tolist()
    [True, False, False]
    """
    met, contact = np.asarray(met, dtype=bool), np.asarray(contact, dtype=bool)
    return met & ~contact & (np.abs(np.asarray(trust) - baseline) <= epsilon)
