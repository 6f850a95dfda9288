"""Experiment ``distance_trust``: how much do distance and trust between strangers hold
back exchanges, without a facilitator?

Arms (``experiments/distance_trust.toml``) against the defaults (discovery distance 10 km,
initial trust 0.35): a shorter and a longer discovery reach, lower and higher initial
trust, and both raised; a 300-firm synthetic region; paired by seed. Besides counts and
tonnes it reports the mean length of the exchanges that started (km): reach should show
there first.

Usage::

    symbiosis-abm experiment distance_trust [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiosis_abm.sweep.findings import Design, fmt, run_standard
from symbiosis_abm.sweep.results import SweepResults

ROOT = Path(__file__).resolve().parents[1]


def measures(model: Any) -> dict[str, float]:
    """Collect hook: mean distance (km) of the exchanges that started."""
    log = model.exchanges_frame()
    return {"mean_exchange_km": float(log["distance_km"].mean()) if len(log) else np.nan}


def notes(results: SweepResults, effects: pd.DataFrame) -> list[str]:
    out = ["## What it shows", ""]
    for metric in ("active_exchanges", "mean_exchange_km"):
        sub = effects[effects["metric"] == metric].set_index("arm")
        parts = [f"`{a}` {fmt(r.mean_diff)} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
                 for a, r in sub.iterrows()]
        out.append(f"- {metric.replace('_', ' ')}, change vs defaults: " + "; ".join(parts)
                   + ".")
    return out


DESIGN = Design(
    name="distance_trust", spec=Path(__file__).with_suffix(".toml"),
    title="distance and trust between strangers",
    question=("Without a facilitator, how much do the reach of discovery (km over which "
              "firms learn of each other) and the trust between firms that have not met "
              "limit exchanges?"),
    primary="active_exchanges",
    metrics=("active_exchanges", "materials_diverted_t_total", "mean_exchange_km",
             "mean_trust"),
    series=("active_exchanges", "mean_trust"), notes=notes)


def main(argv: list[str] | None = None) -> int:
    return run_standard(DESIGN, argv, ROOT)


if __name__ == "__main__":
    sys.exit(main())
