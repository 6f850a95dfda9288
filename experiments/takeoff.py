"""Experiment ``takeoff``: under which conditions does a network take off?

A Latin hypercube (``experiments/takeoff.toml``) over eight parameters, one run per point,
on a 300-firm synthetic region over 120 months. A run **took off** when at the end at
least :data:`TAKEOFF_SHARE` of the region's firms are in an active exchange. Why this
line: in diffusion research the S-curve "takes off" once adoption passes the innovators
and early adopters, about 16% of a population (Rogers 2003, *Diffusion of Innovations*,
5th ed., ch. 7-8: the take-off lies at 10-20% adoption), after which peers' example
carries adoption on; an exchange needs two firms, so the share counts both sides. The
threshold is a convention, not a property of the model: the report gives the share of
runs that took off at 10% and 20% too.

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

import numpy as np
import pandas as pd

from symbiosis_abm.reporting import code_version
from symbiosis_abm.sweep.experiment import run_experiment
from symbiosis_abm.sweep.findings import Design, experiment_parser, fmt

ROOT = Path(__file__).resolve().parents[1]
TAKEOFF_SHARE = 0.16     # share of firms in an active exchange at the end (Rogers)
MIN_DENSITY = 0.8        # PRIM box: at least 80% of its runs took off
DESIGN = Design(name="takeoff", spec=Path(__file__).with_suffix(".toml"),
                title="under which conditions does a network take off?", metrics=())


def took_off(summary: pd.DataFrame, share: float = TAKEOFF_SHARE) -> np.ndarray:
    """Whether each run took off: participating firms / firms >= ``share`` at the end.

    Examples
    --------
    >>> took_off(pd.DataFrame({"participating_firms": [10, 60], "firms": [300, 300]}))
    array([False,  True])
    """
    return (summary["participating_firms"] / summary["firms"] >= share).to_numpy()


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
    return traj, pd.DataFrame(rows), i


def _qp(table: pd.DataFrame, name: str) -> float:
    """The smaller quasi-p value of a parameter's restricted limits (NaN if none)."""
    if name not in table.index:
        return np.nan
    values = table.loc[name][[c for c in table.columns if "qp" in str(c[-1])]]
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.min()) if len(values) else np.nan


def figure(x: pd.DataFrame, y: np.ndarray, traj: pd.DataFrame, limits: pd.DataFrame,
           chosen: int, path: Path) -> None:
    """Left: PRIM's coverage-density trade-off; right: the runs on the two most
    restricted parameters, take-offs in colour, the box drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    a.plot(traj["coverage"], traj["density"], "o-", ms=3)
    a.plot(traj.loc[chosen, "coverage"], traj.loc[chosen, "density"], "o", color="C3", ms=8,
           label="chosen box")
    a.set_xlabel("coverage (share of all take-offs inside the box)", fontsize=8)
    a.set_ylabel("density (share of runs in the box that took off)", fontsize=8)
    a.legend(fontsize=7, frameon=False)
    names = list(limits.sort_values("quasi_p")["parameter"][:2]) if len(limits) else []
    names += [c for c in x.columns if c not in names][:2 - len(names)]
    b.scatter(x[names[0]], x[names[1]], c=np.where(y, "C3", "lightgrey"), s=10)
    for _, r in limits[limits["parameter"].isin(names)].iterrows():
        (b.axvline if r["parameter"] == names[0] else b.axhline)(r["low"], color="C3", ls="--")
        (b.axvline if r["parameter"] == names[0] else b.axhline)(r["high"], color="C3", ls="--")
    b.set_xlabel(names[0], fontsize=8)
    b.set_ylabel(names[1], fontsize=8)
    b.set_title("runs (red: took off); dashed: PRIM box limits", fontsize=8)
    fig.suptitle("Take-off (>= 16% of firms in an active exchange after 10 years): PRIM",
                 fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = experiment_parser(DESIGN, ROOT).parse_args(argv)
    start = time.perf_counter()
    results, done = run_experiment(DESIGN.spec, args)
    out_dir = args.results or (args.out / "report" if args.quick else ROOT / "docs" / "results")
    summary, spec = results.summary, results.spec
    x = summary[list(spec.ranges)].astype(float).reset_index(drop=True)
    y = took_off(summary)
    lines = ["# Experiment `takeoff`: under which conditions does a network take off?", "",
             f"A Latin hypercube of {len(summary)} points (one run each, {spec.ticks} "
             "months) over the eight parameter ranges in `experiments/takeoff.toml`, on a "
             f"synthetic region of {int(summary['firms'].iloc[0])} firms with the default "
             "facilitator"
             + (f"; {done.seconds / 60:.1f} min on {results.manifest.get('workers')} "
                "worker(s)" if done else "")
             + f"; code at {code_version(ROOT)}. Command: `symbiosis-abm experiment takeoff"
             f"{' --quick' if args.quick else ''}`.", "",
             f"**Take-off**: at least {TAKEOFF_SHARE:.0%} of the firms are in an active "
             "exchange at the end of the run; the share of firms that have adopted when a "
             "diffusion S-curve takes off (Rogers 2003: innovators and early adopters, "
             "10-20%). A convention, so the share of runs that took off at other lines: "
             + ", ".join(f"{s:.0%}: {took_off(summary, s).mean():.0%}"
                         for s in (0.10, TAKEOFF_SHARE, 0.20)) + ".", ""]
    if 0 < y.sum() < len(y):
        traj, limits, chosen = prim_box(x, y)
        traj.to_parquet(Path(args.out) / "prim_trajectory.parquet", index=False)
        limits.to_parquet(Path(args.out) / "prim_box.parquet", index=False)
        figure(x, y, traj, limits, chosen, out_dir / "takeoff.png")
        row = traj.loc[chosen]
        lines += ["![takeoff](takeoff.png)", "",
                  f"PRIM box (highest coverage with density >= {MIN_DENSITY:.0%}): coverage "
                  f"{row['coverage']:.2f}, density {row['density']:.2f} (base rate "
                  f"{y.mean():.2f}), mass {row['mass']:.2f} ({int(row['n'])} runs).", "",
                  "| parameter | box | full range | quasi-p |", "|---|---|---|---|"]
        lines += [f"| {r.parameter} | {fmt(r.low)} - {fmt(r.high)} | {fmt(r.range_low)} - "
                  f"{fmt(r.range_high)} | {r.quasi_p:.2g} |"
                  for r in limits.sort_values("quasi_p").itertuples()]
        lines += ["", "Parameters not listed are unrestricted: take-off does not depend on "
                  "them enough for PRIM to cut them. Quasi-p: a binomial test of whether the "
                  "restriction raises density (ema-workbench); values above 0.05 mark "
                  "restrictions PRIM made that may be noise."]
    else:
        lines += [f"No PRIM box: {int(y.sum())} of {len(y)} runs took off (PRIM needs both "
                  "outcomes)."]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "takeoff.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(summary)} runs in {time.perf_counter() - start:.0f} s; wrote "
          f"{out_dir / 'takeoff.md'}", file=sys.stderr)
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
