"""Experiment ``policy``: do a landfill tax and a carbon price make exchanges happen?

Arms (``experiments/policy.toml``) against no policy: a landfill tax of 50 or 100 EUR/t
(added to the disposal cost of landfilled streams), a carbon price of 80 or 150 EUR/t CO2e
(credited to the receiver on the emissions an exchange avoids), tax and carbon price
together, and a tax rising from 25 EUR/t in year 2 to 100 EUR/t by year 8; a 300-firm
synthetic region, ``kalundborg`` and ``high_coast``; paired by seed.

Usage::

    symbiosis-abm experiment policy [--quick]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from symbiosis_abm.sweep.findings import Design, fmt, run_standard
from symbiosis_abm.sweep.results import SweepResults

ROOT = Path(__file__).resolve().parents[1]


def landfilled(region: str, **params) -> tuple[int, int]:
    """Streams whose seller's alternative is landfill (what a landfill tax bites on), and
    all streams, in ``region`` (the synthetic one with the spec's ``n_firms`` and
    ``region_seed``).

    Examples
    --------
    >>> n, total = landfilled("kalundborg")
    >>> n, total > 0
    (0, True)
    """
    from symbiosis_abm.model import SymbiosisModel

    w = SymbiosisModel(region, rng=0, **params).world
    return int((w.stream_alternative == "landfill").sum()), len(w.stream_alternative)


def landfilled_line(region: str, spec) -> str:
    """``landfilled`` in words; for the synthetic region summed over its region seeds."""
    if region != "synthetic":
        return "{}: {} of {}".format(region, *landfilled(region))
    fixed = {k: spec.fixed[k] for k in ("n_firms", "region_seed") if k in spec.fixed}
    seeds = spec.region_seeds if spec.region_seed_draw == "by_replicate" else ()
    if not seeds:
        return "{}: {} of {}".format(region, *landfilled(region, **fixed))
    counts = [landfilled(region, **fixed, region_seed=s) for s in seeds]
    return (f"{region}: {sum(n for n, _ in counts)} of {sum(t for _, t in counts)} over "
            f"its {len(seeds)} generated regions")


def notes(results: SweepResults, effects: pd.DataFrame) -> list[str]:
    out = ["## What it shows", "",
           "A landfill tax can only act on streams whose alternative is landfill. Streams "
           "landfilled at the start, of all streams: " + "; ".join(
               landfilled_line(r, results.spec)
               for r in dict.fromkeys(results.summary["region"])) + ".", ""]
    sub = effects[effects["metric"] == "materials_diverted_t_total"]
    for region, group in sub.groupby("region", sort=False):
        g = group.set_index("arm")
        parts = [f"`{a}` {fmt(r.mean_diff)} t [{fmt(r.ci_low)}, {fmt(r.ci_high)}] "
                 f"({r.verdict})" for a, r in g.iterrows()]
        out.append(f"- {region} (no policy: {fmt(g['mean_reference'].iloc[0])} t): "
                   + "; ".join(parts) + ".")
    return out


DESIGN = Design(
    name="policy", spec=Path(__file__).with_suffix(".toml"),
    title="landfill tax and carbon price",
    question=("How much do a landfill tax and a carbon price raise the exchanges firms "
              "start and the material they divert, alone, together, and phased in?"),
    primary="materials_diverted_t_total",
    metrics=("active_exchanges", "materials_diverted_t_total", "co2e_avoided_t_total",
             "firm_net_savings_eur"),
    series=("active_exchanges", "materials_diverted_t"), notes=notes)


def main(argv: list[str] | None = None) -> int:
    return run_standard(DESIGN, argv, ROOT)


if __name__ == "__main__":
    sys.exit(main())
