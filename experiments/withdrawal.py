"""Experiment ``withdrawal``: does the network outlive its facilitator?

Arms (``experiments/withdrawal.toml``): the facilitator stays for the whole run
(reference), leaves at month 36 or 60, or never existed; a 300-firm synthetic region and
``kalundborg``; 180 months; paired by seed. Besides the end state it measures how many of
the exchanges alive at month 60 are still active at the end (``survived_share``, the
same month in every arm so the arms compare like with like) and the exchanges started
after month 60 (``started_after_y5``): a network that carries on by itself keeps
starting exchanges after the facilitator is gone.

Usage::

    symbiosis-abm experiment withdrawal [--quick]
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
CHECK_TICK = 60    # the later withdrawal month; the same in every arm


def survival(log: pd.DataFrame, at: int) -> tuple[float, int]:
    """Share of the exchanges active at tick ``at`` that are still active at the end,
    and the number of exchanges started after ``at``.

    Examples
    --------
    >>> log = pd.DataFrame({"start": [0, 10, 70], "end": [-1, 65, -1]})
    >>> survival(log, 60)
    (0.5, 1)
    """
    end = log["end"].fillna(-1).to_numpy()
    start = log["start"].to_numpy()
    alive = (start <= at) & ((end < 0) | (end > at))
    share = float((end[alive] < 0).mean()) if alive.any() else np.nan
    return share, int((start > at).sum())


def measures(model: Any) -> dict[str, float]:
    """Collect hook: survival of the exchanges alive at month 60; starts after it."""
    share, later = survival(model.exchanges_frame(), CHECK_TICK)
    return {"survived_share": share, "started_after_y5": later}


def notes(results: SweepResults, effects: pd.DataFrame) -> list[str]:
    out = ["## What it shows", ""]
    for region, group in effects.groupby("region", sort=False):
        g = group[group["metric"] == "active_exchanges"].set_index("arm")
        s = group[group["metric"] == "started_after_y5"].set_index("arm")
        for arm in ("leaves_year3", "leaves_year5"):
            if arm in g.index:
                r, q = g.loc[arm], s.loc[arm]
                out.append(f"- {region}, `{arm}`: active exchanges at the end "
                           f"{fmt(r.mean_diff)} [{fmt(r.ci_low)}, {fmt(r.ci_high)}] vs "
                           f"staying (of {fmt(r.mean_reference)}); exchanges started after "
                           f"year 5 {fmt(q.mean_diff)} [{fmt(q.ci_low)}, {fmt(q.ci_high)}].")
    return out


DESIGN = Design(
    name="withdrawal", spec=Path(__file__).with_suffix(".toml"),
    title="does the network outlive its facilitator?",
    question=("A facilitator is usually funded for a few years. When it withdraws, do the "
              "exchanges it helped start carry on, and do firms keep starting new ones?"),
    primary="active_exchanges",
    metrics=("active_exchanges", "materials_diverted_t_total", "survived_share",
             "started_after_y5", "mean_trust", "public_cost_eur"),
    series=("active_exchanges", "mean_trust"), notes=notes)


def main(argv: list[str] | None = None) -> int:
    return run_standard(DESIGN, argv, ROOT)


if __name__ == "__main__":
    sys.exit(main())
