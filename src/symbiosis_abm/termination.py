"""Who pays what when a contract ends early (docs/ODD.md 7.8).

A side that ends a contract before its term -- it loses money beyond its patience
(``unprofitable``), or its own stream or need fell below the contract's minimum volume
(``below minimum volume``) -- owes the other side:

* **notice** (``notice_months``): the other side's expected gain for the notice period,
  paid in lieu of notice (the deliveries stop at once in the model);
* **compensation** (``stranded_compensation_share``): where the supplier ends it, that
  share of the receiver's stranded asset (the annuity still to come on the connection the
  receiver paid for), where contracts carry such a clause.

Endings that are no one's choice or the end of the term pay nothing: a partner's closure
(an insolvent firm pays no one), broken trust (ended for cause by the side let down), an
expiry, a failed renegotiation, a worn-out asset, a completed trial.
"""

from __future__ import annotations

import numpy as np

__all__ = ["early_end_payment"]


def early_end_payment(by_supplier: np.ndarray, expected_supplier: np.ndarray,
                      expected_receiver: np.ndarray, stranded_left: np.ndarray,
                      notice_months: float, compensation_share: float) -> np.ndarray:
    """What the side ending each contract early pays the other side, EUR (>= 0).

    ``by_supplier`` says which side ends it; ``expected_*`` are each side's expected
    yearly gains the contract was priced at; ``stranded_left`` is the annuity still to
    come on the receiver's asset (0 without one).

    Examples
    --------
    Three months' notice, half the stranded asset: the supplier leaving a receiver that
    expected 12,000 a year, with 40,000 of its asset still to pay, pays 3,000 + 20,000;
    the receiver leaving pays the supplier 3 months of its 8,000 and no compensation; an
    expected loss is owed nothing:

    >>> early_end_payment(np.array([True, False, False]), np.array([8000.0, 8000.0, -10.0]),
    ...                   np.array([12000.0, 12000.0, 5.0]), np.array([40000.0, 40000.0, 0.0]),
    ...                   3.0, 0.5).tolist()
    [23000.0, 2000.0, 0.0]
    """
    by_supplier = np.asarray(by_supplier, dtype=bool)
    other_gain = np.where(by_supplier, expected_receiver, expected_supplier)
    notice = np.maximum(other_gain, 0.0) * notice_months / 12.0
    compensation = np.where(by_supplier, compensation_share
                            * np.asarray(stranded_left, dtype=float), 0.0)
    return notice + compensation
