"""Experiment ``sensitivity``: which parameters move the outcomes most?

Two stages. First, Morris elementary effects (``SALib.analyze.morris`` via
:func:`symbiosis_abm.sweep.analyze.morris_indices`) over the sixteen parameters in
``experiments/sensitivity.toml``, each over its plausible range, on 300-firm synthetic
regions (one per replicate) with the default facilitator. mu* (mean absolute elementary effect, in the
outcome's unit per move across the range) ranks parameters by influence; sigma large
against mu* signals interactions or non-linearity. A screening: it ranks. Second, Sobol'
indices (``SALib.analyze.sobol`` via :func:`symbiosis_abm.sweep.analyze.sobol_indices`)
over the ``SOBOL_TOP`` parameters with the largest mu* on active exchanges, the others at
their defaults: S1 (share of the output variance from a parameter alone) and ST (with
its interactions) apportion the variance among them.

Usage::

    symbiosis-abm experiment sensitivity [--quick]
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import pandas as pd

from symbiosis_abm.sweep.analyze import morris_indices, sobol_indices
from symbiosis_abm.sweep.experiment import report_folder, run_experiment, with_banner
from symbiosis_abm.sweep.findings import (
    Design,
    experiment_parser,
    fmt,
    label_of,
    run_commit,
    wall_seconds,
)
from symbiosis_abm.sweep.results import load_results
from symbiosis_abm.sweep.runner import run_sweep
from symbiosis_abm.sweep.spec import SweepSpec

ROOT = Path(__file__).resolve().parents[1]
METRICS = ("active_exchanges", "materials_diverted_t_total", "participating_firms")
DESIGN = Design(name="sensitivity", spec=Path(__file__).with_suffix(".toml"),
                title="which parameters matter most?", metrics=METRICS)
#: Sobol' stage: the most influential parameters of the screening, and its base sample
#: size N (a power of two; N x (SOBOL_TOP + 2) design points, SALib without 2nd order).
SOBOL_TOP, SOBOL_N, SOBOL_N_QUICK = 4, 16, 2


def sobol_stage(morris: pd.DataFrame, screening: SweepSpec, args) -> tuple:
    """Sobol' indices over the ``SOBOL_TOP`` parameters with the largest mu* on active
    exchanges, in the screening's ranges, seeds and replicates (written to OUT/sobol)."""
    ranked = (morris[morris["metric"] == "active_exchanges"]
              .sort_values("mu_star", ascending=False)["parameter"].tolist())
    top = ranked[:SOBOL_TOP]
    spec = dataclasses.replace(
        screening, name="sensitivity_sobol", ranges={k: screening.ranges[k] for k in top},
        sampler="sobol", samples=SOBOL_N_QUICK if args.quick else SOBOL_N, quick={})
    out = Path(args.out) / "sobol"
    if not args.report_only:
        report = run_sweep(spec, out, backend="dask" if args.scheduler else args.backend,
                           workers=args.workers, scheduler=args.scheduler, fresh=args.fresh,
                           stale="restart")
        print(report.line, file=sys.stderr)
    results = load_results(out)
    return sobol_indices(results, list(METRICS)), results


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


def sobol_lines(sobol: pd.DataFrame, results) -> list[str]:
    """The report's Sobol' section: S1 and ST with 95% CIs per metric."""
    spec = results.spec
    lines = ["## Sobol' indices of the most influential parameters", "",
             f"Second stage: {', '.join(f'`{k}`' for k in spec.ranges)} (the {len(spec.ranges)} "
             f"largest mu* on active exchanges above) over the same ranges, the other "
             f"parameters at their defaults; Saltelli sample N = {spec.samples} "
             f"({len(results.summary)} runs with {spec.replicates} replicate(s) per point, "
             "outcomes averaged per point). S1: share of the outcome's variance from the "
             "parameter alone; ST: with its interactions. Mean [95% CI].", ""]
    for metric in METRICS:
        sub = sobol[sobol["metric"] == metric].sort_values("ST", ascending=False)
        if not len(sub):
            continue
        lines += [f"### {label_of(metric)}", "", "| parameter | S1 | ST |", "|---|---|---|"]
        lines += [f"| {r.parameter} | {r.S1:.2f} [{r.S1 - r.S1_conf:.2f}, "
                  f"{r.S1 + r.S1_conf:.2f}] | {r.ST:.2f} [{r.ST - r.ST_conf:.2f}, "
                  f"{r.ST + r.ST_conf:.2f}] |" for r in sub.itertuples()]
        lines.append("")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = experiment_parser(DESIGN, ROOT).parse_args(argv)
    start = time.perf_counter()
    results, done = run_experiment(DESIGN.spec, args)
    seconds = wall_seconds(done, Path(args.out))
    out_dir = report_folder(args)
    table = morris_indices(results, list(METRICS))
    table.to_parquet(Path(args.out) / "morris.parquet", index=False)
    figure(table, out_dir / "sensitivity.png")
    sobol, sobol_results = sobol_stage(table, results.spec, args)
    sobol.to_parquet(Path(args.out) / "sobol.parquet", index=False)
    spec = results.spec
    lines = ["# Experiment `sensitivity`: which parameters matter most?", "",
             "**Primary outcome:** active exchanges after ten years (the parameters are "
             "ranked and the Sobol' stage chosen by it); named before the runs, the other "
             "measures are secondary.",
             "",
             f"Morris screening (SALib) of {len(spec.ranges)} parameters over the ranges in "
             "`experiments/sensitivity.toml`, on synthetic regions of "
             f"{int(results.summary['firms'].iloc[0])} firms with the default facilitator; "
             f"{spec.samples} trajectories x {len(spec.ranges) + 1} points x "
             f"{spec.replicates} replicates = {len(results.summary)} runs of {spec.ticks} "
             "months (outcomes averaged over replicates at each point"
             + (f"; replicate r runs on the r-th of the generated regions with seeds "
                f"{', '.join(map(str, spec.region_seeds))}, so each point averages over "
                "regions as well as seeds" if spec.region_seed_draw == "by_replicate" else "")
             + ")"
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
    lines += sobol_lines(sobol, sobol_results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sensitivity.md").write_text(with_banner("\n".join(lines), args),
                                       encoding="utf-8")
    print(f"{len(results.summary) + len(sobol_results.summary)} runs in {time.perf_counter() - start:.0f} s; wrote "
          f"{out_dir / 'sensitivity.md'}", file=sys.stderr)
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
