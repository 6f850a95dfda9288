"""Experiment ``sensitivity``: which parameters move the outcomes most?

Morris elementary effects (``SALib.analyze.morris`` via
:func:`symbiosis_abm.sweep.analyze.morris_indices`) over the ten parameters in
``experiments/sensitivity.toml``, each over its plausible range, on a 300-firm synthetic
region with the default facilitator. mu* (mean absolute elementary effect, in the
outcome's unit per move across the range) ranks parameters by influence; sigma large
against mu* signals interactions or non-linearity. A screening, not a variance
decomposition: it ranks, it does not apportion.

Usage::

    symbiosis-abm experiment sensitivity [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from symbiosis_abm.sweep.analyze import morris_indices
from symbiosis_abm.sweep.experiment import run_experiment
from symbiosis_abm.sweep.findings import (
    Design,
    experiment_parser,
    fmt,
    label_of,
    run_commit,
    wall_seconds,
)

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("active_exchanges", "materials_diverted_t_total", "participating_firms")
DESIGN = Design(name="sensitivity", spec=Path(__file__).with_suffix(".toml"),
                title="which parameters matter most?", metrics=METRICS)


def figure(table: pd.DataFrame, path: Path) -> None:
    """mu* with its 95% bootstrap CI per parameter, a panel per metric."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(METRICS), figsize=(4.3 * len(METRICS), 3.6))
    for ax, metric in zip(axes, METRICS):
        sub = table[table["metric"] == metric].sort_values("mu_star")
        ax.barh(sub["parameter"], sub["mu_star"], xerr=sub["mu_star_conf"], color="C0",
                alpha=0.8, capsize=2)
        ax.set_xlabel(f"mu* ({label_of(metric)})", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.suptitle("Morris screening: mean absolute elementary effect with 95% CI", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = experiment_parser(DESIGN, ROOT).parse_args(argv)
    start = time.perf_counter()
    results, done = run_experiment(DESIGN.spec, args)
    seconds = wall_seconds(done, Path(args.out))
    out_dir = args.results or (args.out / "report" if args.quick else ROOT / "docs" / "results")
    table = morris_indices(results, list(METRICS))
    table.to_parquet(Path(args.out) / "morris.parquet", index=False)
    figure(table, out_dir / "sensitivity.png")
    spec = results.spec
    lines = ["# Experiment `sensitivity`: which parameters matter most?", "",
             "Morris screening (SALib) of ten parameters over the ranges in "
             "`experiments/sensitivity.toml`, on a synthetic region of "
             f"{int(results.summary['firms'].iloc[0])} firms with the default facilitator; "
             f"{spec.samples} trajectories x {len(spec.ranges) + 1} points x "
             f"{spec.replicates} replicates = {len(results.summary)} runs of {spec.ticks} "
             "months (outcomes averaged over replicates at each point)"
             + (f"; {seconds / 60:.1f} min on {results.manifest.get('workers')} "
                "worker(s)" if seconds else "")
             + f"; runs made with the code at commit {run_commit(results, ROOT)}. Command: `symbiosis-abm experiment "
             f"sensitivity{' --quick' if args.quick else ''}`.", "",
             "![sensitivity](sensitivity.png)", ""]
    for metric in METRICS:
        sub = table[table["metric"] == metric].sort_values("mu_star", ascending=False)
        lines += [f"## {label_of(metric)}", "", "| parameter | mu* [95% CI half-width] | mu "
                  "| sigma |", "|---|---|---|---|"]
        lines += [f"| {r.parameter} | {fmt(r.mu_star)} [± {fmt(r.mu_star_conf)}] | "
                  f"{fmt(r.mu)} | {fmt(r.sigma)} |" for r in sub.itertuples()]
        if len(sub):
            top = sub.iloc[0]
            lines += ["", f"Most influential: `{top.parameter}` (mu* {fmt(top.mu_star)}); "
                      f"least: `{sub.iloc[-1].parameter}` (mu* {fmt(sub.iloc[-1].mu_star)})."]
        lines.append("")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sensitivity.md").write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(results.summary)} runs in {time.perf_counter() - start:.0f} s; wrote "
          f"{out_dir / 'sensitivity.md'}", file=sys.stderr)
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
