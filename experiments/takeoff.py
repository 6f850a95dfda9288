"""Experiment ``takeoff``: under which conditions does a network take off?

A Latin hypercube (``experiments/takeoff.toml``) over eight parameters and the synthetic
region's seed (1-10), one run per point, on 300-firm synthetic regions with the default
facilitator over 120 months.

**Take-off.** A run takes off when, within :data:`WITHIN_MONTHS` months, at least
:data:`TAKEOFF_SHARE` of the region's firms are in an active exchange at the same time.
Why the share: in diffusion research the S-curve "takes off" once adoption passes the
innovators and early adopters, about 16% of a population (Rogers 2003, *Diffusion of
Innovations*, 5th ed.: take-off at 10-20% adoption), after which peers' example carries
adoption on; an exchange needs two firms, so the share counts both sides. Why the
deadline: over ten years almost every point of these ranges passes 16% (the report gives
the shares), so "ever" does not separate conditions; a facilitator is typically funded
for about three years, and the question a funder asks is whether the network takes off
while it pays. Both numbers are conventions, not properties of the model: the report
gives the take-off rate at other lines.

PRIM (Friedman and Fisher 1999; ``ema_workbench.analysis.prim``) then looks for the box
of parameter space where take-off is most frequent: peeling trades coverage (share of
all take-offs inside the box) against density (share of runs inside the box that took
off). The report takes the box with the highest coverage among those with density at
least :data:`MIN_DENSITY` and lists its restricted parameters with their quasi-p values.

Usage::

    symbiosis-abm experiment takeoff [--quick]
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiosis_abm.sweep.experiment import report_folder, run_experiment, with_banner
from symbiosis_abm.sweep.findings import Design, experiment_parser, fmt, run_commit, wall_seconds

ROOT = Path(__file__).resolve().parents[1]
TAKEOFF_SHARE = 0.16     # share of firms in an active exchange at once (Rogers)
WITHIN_MONTHS = 36       # ... reached within three years (a facilitator's funding period)
MIN_DENSITY = 0.8        # PRIM box: at least 80% of its runs took off
LINES = (0.10, 0.16, 0.20)
DESIGN = Design(name="takeoff", spec=Path(__file__).with_suffix(".toml"),
                title="under which conditions does a network take off?", metrics=())


def first_month(share: np.ndarray, threshold: float) -> float:
    """First month (tick) at which ``share`` reaches ``threshold`` (NaN if never).

    Examples
    --------
    >>> first_month(np.array([0.0, 0.1, 0.2, 0.1]), 0.16)
    2.0
    >>> first_month(np.array([0.0, 0.1]), 0.16)
    nan
    """
    hit = np.flatnonzero(np.asarray(share) >= threshold)
    return float(hit[0]) if len(hit) else np.nan


def measures(model: Any) -> dict[str, float]:
    """Collect hook: the month each take-off line is first reached (NaN: never)."""
    share = model.timeseries()["participating_firms"].to_numpy() / model.world.n_firms
    return {f"month_share_{round(100 * s)}": first_month(share, s) for s in LINES}


def took_off(summary: pd.DataFrame, share: float = TAKEOFF_SHARE,
             within: float = WITHIN_MONTHS) -> np.ndarray:
    """Whether each run took off: ``share`` of its firms in an active exchange at once
    within ``within`` months.

    Examples
    --------
    >>> took_off(pd.DataFrame({"month_share_16": [10.0, 50.0, np.nan]}))
    array([ True, False, False])
    """
    month = summary[f"month_share_{round(100 * share)}"].to_numpy(dtype=float)
    return np.nan_to_num(month, nan=np.inf) <= within


def prim_box(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """PRIM's peeling trajectory, the chosen box's limits (restricted parameters only,
    with quasi-p values) and the chosen box's index."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        box = prim.Prim(x, y, peel_alpha=0.05).find_box()
    traj = box.peeling_trajectory.copy()
    ok = traj[traj["density"] >= MIN_DENSITY]
    i = int(ok["coverage"].idxmax()) if len(ok) else int(traj["density"].idxmax())
    box.select(i)
    lims, first = box.box_lims[i], box.box_lims[0]
    qp = box.inspect(i, style="data")[0][1]        # box limits with quasi-p values
    rows = []
    for name in x.columns:
        lo, hi = float(lims[name].iloc[0]), float(lims[name].iloc[1])
        if lo > float(first[name].iloc[0]) or hi < float(first[name].iloc[1]):
            rows.append({"parameter": name, "low": lo, "high": hi,
                         "range_low": float(first[name].iloc[0]),
                         "range_high": float(first[name].iloc[1]),
                         "quasi_p": _qp(qp, name)})
    columns = ["parameter", "low", "high", "range_low", "range_high", "quasi_p"]
    return traj, pd.DataFrame(rows, columns=columns), i


def _qp(table: pd.DataFrame, name: str) -> float:
    """The smaller quasi-p value of a parameter's restricted limits (NaN if none)."""
    if name not in table.index:
        return np.nan
    values = table.loc[name][[c for c in table.columns if "qp" in str(c[-1])]]
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.min()) if len(values) else np.nan


def _axis(name: str) -> str:
    """A parameter's name with its unit (from the parameter record)."""
    from symbiosis_abm.params import parameter_table

    unit = parameter_table().loc[name, "unit"]
    return f"{name} ({'multiplier' if unit == '-' else unit})"


def figure(x: pd.DataFrame, y: np.ndarray, traj: pd.DataFrame, limits: pd.DataFrame,
           chosen: int, path: Path, case: str = "took off") -> None:
    """Left: PRIM's coverage-density trade-off; right: the runs on the two most
    restricted parameters, the case of interest in colour, the box drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(traj["coverage"], traj["density"], "o-", ms=3)
    a.plot(traj.loc[chosen, "coverage"], traj.loc[chosen, "density"], "o", color="C3", ms=8,
           label="chosen box")
    a.set_xlabel(f"coverage (share of runs that {case} inside the box)", fontsize=8)
    a.set_ylabel(f"density (share of runs in the box that {case})", fontsize=8)
    a.legend(fontsize=7, frameon=False)
    names = list(limits.sort_values("quasi_p")["parameter"][:2]) if len(limits) else []
    names += [c for c in x.columns if c not in names][:2 - len(names)]
    b.scatter(x[names[0]], x[names[1]], c=np.where(y, "C3", "lightgrey"), s=10)
    for _, r in limits[limits["parameter"].isin(names)].iterrows():
        (b.axvline if r["parameter"] == names[0] else b.axhline)(r["low"], color="C3", ls="--")
        (b.axvline if r["parameter"] == names[0] else b.axhline)(r["high"], color="C3", ls="--")
    b.set_xlabel(_axis(names[0]), fontsize=8)
    b.set_ylabel(_axis(names[1]), fontsize=8)
    b.set_title(f"runs (red: {case}); dashed: PRIM box limits", fontsize=8)
    fig.suptitle(f"Take-off (>= {TAKEOFF_SHARE:.0%} of firms in an active exchange within "
                 f"{WITHIN_MONTHS} months): PRIM",
                 fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = experiment_parser(DESIGN, ROOT).parse_args(argv)
    start = time.perf_counter()
    results, done = run_experiment(DESIGN.spec, args)
    seconds = wall_seconds(done, Path(args.out))
    out_dir = report_folder(args)
    summary, spec = results.summary, results.spec
    x = summary[list(spec.ranges)].astype(float).reset_index(drop=True)
    y = took_off(summary)
    lines = ["# Experiment `takeoff`: under which conditions does a network take off?", "",
             "**Primary outcome:** whether a run took off (defined below); named before the "
             "runs, the other measures are secondary.",
             "",
             f"A Latin hypercube of {len(summary)} points (one run each, {spec.ticks} "
             f"months) over the {len(spec.ranges) - ('region_seed' in spec.ranges)} "
             "parameter ranges in `experiments/takeoff.toml`, on synthetic regions of "
             f"{int(summary['firms'].iloc[0])} firms with the default facilitator"
             + (f", the region drawn per point from region seeds "
                f"{int(summary['region_seed'].min())}-{int(summary['region_seed'].max())} "
                "(`region_seed` is one of PRIM's inputs: a box that cuts it says the result "
                "rests on some generated regions)" if "region_seed" in spec.ranges else "")
             + (f"; {seconds / 60:.1f} min on {results.manifest.get('workers')} "
                "worker(s)" if seconds else "")
             + f"; runs made with the code at commit {run_commit(results, ROOT)}. Command: `symbiosis-abm experiment takeoff"
             f"{' --quick' if args.quick else ''}`.", "",
             f"**Take-off**: at least {TAKEOFF_SHARE:.0%} of the firms in an active "
             f"exchange at once within {WITHIN_MONTHS} months: the share of adopters at "
             "which a diffusion S-curve takes off (Rogers 2003: innovators and early "
             "adopters, 10-20%), within the three years a facilitator is typically funded "
             "for (the reasons are in `experiments/takeoff.py`). Both are conventions; "
             "share of runs that took off at other lines:", "",
             "| share of firms | within 24 months | within 36 months | within 60 months "
             "| within 120 months (ever) |", "|---|---|---|---|---|"]
    lines += [f"| {s:.0%} | " + " | ".join(f"{took_off(summary, s, m).mean():.0%}"
                                         for m in (24, 36, 60, spec.ticks)) + " |"
              for s in LINES]
    lines += ["", f"At this definition {y.mean():.0%} of the runs took off.", ""]
    # scenario discovery looks for the conditions of the rarer, policy-relevant outcome
    target, case = (y, "took off") if y.mean() <= 0.5 else (~y, "did not take off")
    if 0 < target.sum() < len(target):
        traj, limits, chosen = prim_box(x, target)
        traj.to_parquet(Path(args.out) / "prim_trajectory.parquet", index=False)
        limits.to_parquet(Path(args.out) / "prim_box.parquet", index=False)
        figure(x, target, traj, limits, chosen, out_dir / "takeoff.png", case)
        row = traj.loc[chosen]
        lines += ["![takeoff](takeoff.png)", "",
                  f"PRIM's case of interest is the rarer outcome: runs that **{case}** "
                  f"({int(target.sum())} of {len(target)}). Box (highest coverage with "
                  f"density >= {MIN_DENSITY:.0%}, or the densest box if none reaches it): "
                  f"coverage {row['coverage']:.2f}, density {row['density']:.2f} (base rate "
                  f"{target.mean():.2f}), mass {row['mass']:.2f} ({int(row['n'])} runs).", "",
                  "| parameter | box | full range | quasi-p |", "|---|---|---|---|"]
        lines += [f"| {r.parameter} | {fmt(r.low)} - {fmt(r.high)} | {fmt(r.range_low)} - "
                  f"{fmt(r.range_high)} | {r.quasi_p:.2g} |"
                  for r in limits.sort_values("quasi_p").itertuples()]
        lines += ["", "Parameters not listed are unrestricted: the outcome does not depend "
                  "on them enough for PRIM to cut them. Quasi-p: a binomial test of whether the "
                  "restriction raises density (ema-workbench); values above 0.05 mark "
                  "restrictions PRIM made that may be noise."]
    else:
        lines += [f"No PRIM box: {int(y.sum())} of {len(y)} runs took off (PRIM needs both "
                  "outcomes)."]
    lines += ["", "Read with care: one run per point, so a point's outcome includes its "
              "seed's luck; PRIM boxes describe this model on this synthetic region, not "
              "real regions."]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "takeoff.md").write_text(with_banner("\n".join(lines), args) + "\n",
                                   encoding="utf-8")
    print(f"{len(summary)} runs in {time.perf_counter() - start:.0f} s; wrote "
          f"{out_dir / 'takeoff.md'}", file=sys.stderr)
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
