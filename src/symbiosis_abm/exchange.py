"""The exchange contract as a record a user can read.

The model keeps every exchange in arrays (``model.exchanges``) for speed; an
:class:`Exchange` is one row of the exchange log turned into a typed, frozen record.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

__all__ = ["Exchange", "records"]


@dataclass(frozen=True)
class Exchange:
    """One exchange: who supplies what to whom, on which terms, and how it ended."""

    supplier: str
    receiver: str
    resource: str
    volume_per_year: float
    price_eur_per_unit: float
    distance_km: float
    mode: str
    capex_eur: float
    subsidy_eur: float
    start: int
    end: int | None
    status: str
    reason: str
    delivered: float
    paid_eur: float


def records(log: pd.DataFrame) -> list[Exchange]:
    """The rows of an exchange log (``model.exchanges_frame()``) as :class:`Exchange` records.

    Examples
    --------
    >>> log = pd.DataFrame([{"supplier": "a", "receiver": "b", "resource": "steam",
    ...     "volume_per_year": 10.0, "price_eur_per_unit": 2.0, "distance_km": 1.0,
    ...     "mode": "pipe", "capex_eur": 0.0, "subsidy_eur": 0.0, "start": 3, "end": -1,
    ...     "status": "active", "reason": "", "delivered": 5.0, "paid_eur": 10.0}])
    >>> records(log)[0].end is None
    True
    """
    names = [f.name for f in fields(Exchange)]
    out = []
    for row in log[names].itertuples(index=False):
        values = dict(zip(names, row))
        values["end"] = None if values["end"] < 0 else int(values["end"])
        values["start"] = int(values["start"])
        out.append(Exchange(**values))
    return out
