"""State codes of candidate edges and negotiations, and why talks fail or exchanges end."""

from __future__ import annotations

__all__ = ["REASONS", "INTERNAL_ENDINGS", "REASON_CODE", "IDLE", "NEGOTIATING", "ACTIVE", "OPEN", "CONCLUDED",
           "FAILED", "MIN_OPEN_SHARE"]

#: Why negotiations fail and exchanges end (codes index this tuple).
REASONS = ("", "low trust", "no surplus", "timeout", "breakdown", "partner closed",
           "no capacity left", "no capital", "unprofitable", "expired", "no co-funding",
           "no gain at granted volume", "process change", "broken trust", "trial completed",
           "renegotiation failed", "below minimum volume", "asset worn out")
#: Reasons an exchange ends from inside the region (not a contract simply running out).
INTERNAL_ENDINGS = ("unprofitable", "partner closed", "process change", "broken trust",
                    "renegotiation failed", "below minimum volume", "asset worn out")
REASON_CODE = {name: code for code, name in enumerate(REASONS)}
IDLE, NEGOTIATING, ACTIVE = 0, 1, 2
OPEN, CONCLUDED, FAILED = 0, 1, 2
#: A stream or need is searched for while at least this share of it is not yet placed.
MIN_OPEN_SHARE = 0.05
