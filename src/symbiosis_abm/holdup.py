"""Hold-up: the trust a firm needs to sign grows with the dedicated investment it risks.

A pipe laid to one partner is worth nothing if that partner walks away or squeezes the
price once it is built: the investment is *specific* to the relationship (Williamson 1985,
asset specificity; Klein, Crawford & Alchian 1978, hold-up). A truckload risks nothing of
the kind: containers and trucks serve any customer. So

* the **dedicated capex** of an exchange is the capex of a fixed line (pipe) in full and a
  share ``mobile_specificity`` of the capex of mobile modes (containers, storage pits);
* a side's **specificity** is what it risks against what it gains:
  ``s = dedicated / (dedicated + payback_years x max(yearly gain, 0))``, 0 without a
  dedicated investment and 1 when it gains nothing;
* the **trust it needs to sign** is its own base threshold plus ``holdup_weight x s``.

Strangers can still start small: a **trial** is a short contract for a share of the
volume over a mode without a dedicated line (truck, ship, local), which needs only the
base threshold. Trust built by reliable deliveries then lets the pair sign the dedicated
link later (Kalundborg's five lessons: short mental distance first, DESIGN.md).

Examples
--------
A 1 MEUR pipe for a link that earns its investor 100 kEUR a year, judged over 5 years,
risks s = 1 / (1 + 0.5) = 2/3; with a base threshold of 0.4 and a weight of 0.45 the
investor needs trust 0.7. A truck link needs 0.4:

>>> s = specificity(np.array([1e6, 0.0]), np.array([1e5, 1e5]), 5.0)
>>> np.round(required_trust(np.array([0.4, 0.4]), s, 0.45), 3)
array([0.7, 0.4])
"""

from __future__ import annotations

import numpy as np

__all__ = ["dedicated_capex", "specificity", "required_trust"]


def dedicated_capex(capex: np.ndarray, fixed_line: np.ndarray,
                    mobile_specificity: float) -> np.ndarray:
    """Capex that is lost if this partner leaves: all of a fixed line, a share of the rest.

    Examples
    --------
    >>> dedicated_capex(np.array([1e6, 2e4]), np.array([True, False]), 0.25)
    array([1000000.,    5000.])
    """
    capex = np.asarray(capex, dtype=float)
    return np.where(np.asarray(fixed_line, dtype=bool), capex, mobile_specificity * capex)


def specificity(dedicated: np.ndarray, yearly_gain: np.ndarray, payback_years: float) -> np.ndarray:
    """Share of a side's stake that a partner could hold up, in [0, 1].

    ``dedicated / (dedicated + payback_years x gain)``: 0 without a dedicated investment,
    1 when the side gains nothing to set against it.

    Examples
    --------
    >>> specificity(np.array([0.0, 5e5, 5e5]), np.array([1e5, 1e5, -1.0]), 5.0)
    array([0. , 0.5, 1. ])
    """
    dedicated = np.asarray(dedicated, dtype=float)
    stake = dedicated + payback_years * np.maximum(np.asarray(yearly_gain, dtype=float), 0.0)
    safe = np.where(stake > 0, stake, 1.0)
    return np.where(dedicated > 0, dedicated / safe, 0.0)


def required_trust(base: np.ndarray, spec: np.ndarray, weight: float) -> np.ndarray:
    """Trust a side needs in its partner to sign: base threshold + weight x specificity.

    Examples
    --------
    >>> required_trust(np.array([0.45, 0.9]), np.array([1.0, 1.0]), 0.3)
    array([0.75, 1.  ])
    """
    return np.clip(np.asarray(base, dtype=float) + weight * np.asarray(spec), 0.0, 1.0)
