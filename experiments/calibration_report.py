"""Report ``calibration``: what the Kalundborg calibration estimated, and how it does on
what it never saw (issue 20).

Reads a finished calibration folder (``symbiosis-abm calibrate
experiments/calibrate_kalundborg.toml`` writes ``runs/calibration/kalundborg_history``) and
makes, on the same seeds for every reference (paired):

* **priors and posteriors** of the behavioural parameters, with identifiability: a
  parameter is *identified* when its 90% posterior interval covers under 60% of its prior
  range (the rule ``tests/test_calibration.py`` checks on a synthetic ground truth);
* the **posterior predictive check** on the training patterns (runs drawn from the
  posterior, the prior and the defaults, against the documented values);
* the **held-out scores** (:mod:`symbiosis_abm.calibration.heldout`,
  :mod:`symbiosis_abm.calibration.crosscheck`): formation order after 1995, documented
  links of 1996-2020, lifetimes and non-links in Kalundborg; documented links of the other
  real regions; the stylized facts. Each against the defaults, the prior predictive and
  the opening dates alone.

Writes ``RESULTS/calibration.md``, ``calibration_posteriors.png`` and
``calibration_ppc.png`` (``--results``; default ``OUT/report``) and the per-run scores to
``OUT`` (default ``runs/calibration_report``).

Usage::

    python experiments/calibration_report.py                  # after the full calibration
    python experiments/calibration_report.py --results docs/results   # the committed report
    python experiments/calibration_report.py --quick --calibration runs/calibration/kalundborg_history/quick
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from symbiosis_abm.calibration.crosscheck import (
    NISP_MEDIAN_KM,
    REGION_TICKS,
    STYLIZED,
    opening_dates_region,
    region_checks,
    scored_job,
)
from symbiosis_abm.calibration.heldout import (
    REFERENCES,
    documented_lifetime,
    draws,
    held_out,
    opening_dates_rho,
    opening_dates_window,
    run_scores,
    summarise,
)
from symbiosis_abm.calibration.posterior import Posterior, load_posterior
from symbiosis_abm.calibration.smc import (
    PatternDistance,
    Simulator,
    context_of,
    observed_statistics,
)
from symbiosis_abm.calibration.spec import CalibrationSpec, load_calibration_spec
from symbiosis_abm.errors import SymbiosisInputError
from symbiosis_abm.params import Parameters
from symbiosis_abm.reporting import code_version
from symbiosis_abm.sweep.experiment import report_folder

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "experiments" / "calibrate_kalundborg.toml"
#: a parameter is identified when its 90% interval covers less of the prior than this
IDENTIFIED_BELOW = 0.6
LABELS = {"posterior": "posterior", "defaults": "defaults", "prior": "prior predictive",
          "opening": "opening dates alone"}


# ---------------------------------------------------------------------- parameters
def parameter_table(posterior: Posterior) -> pd.DataFrame:
    """Prior range, default, posterior median and 90% interval, and identified or not."""
    table = posterior.summary()
    defaults = Parameters()
    table.insert(0, "default", [float(getattr(defaults, n)) for n in table.index])
    table["identified"] = table["interval_share_of_prior"] < IDENTIFIED_BELOW
    return table


def truth_table(posterior: Posterior, truth: dict[str, float]) -> pd.DataFrame:
    """A ground-truth calibration: each parameter's truth, posterior interval, whether it
    is identified and whether the 90% interval contains the truth."""
    table = posterior.summary()
    table.insert(0, "truth", [float(truth[n]) for n in table.index])
    table["identified"] = table["interval_share_of_prior"] < IDENTIFIED_BELOW
    table["contains"] = (table["q05"] <= table["truth"]) & (table["truth"] <= table["q95"])
    return table


def weighted_correlations(posterior: Posterior, top: int = 4) -> pd.DataFrame:
    """The strongest weighted correlations between two parameters in the posterior."""
    x = posterior.particles.to_numpy(float)
    w = posterior.weights
    centred = x - w @ x
    cov = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    names = posterior.parameters
    rows = [{"a": names[i], "b": names[j], "r": corr[i, j]}
            for i in range(len(names)) for j in range(i + 1, len(names))]
    frame = pd.DataFrame(rows)
    return frame.reindex(frame["r"].abs().sort_values(ascending=False).index).head(top)


# ---------------------------------------------------------------------- runs
def _ppc_job(job: tuple[Simulator, dict, int]) -> dict[str, float]:
    simulator, params, seed = job
    return simulator.run(params, seed)


def predictive(spec: CalibrationSpec, posterior: Posterior, seeds: list[int], map_: Any
               ) -> pd.DataFrame:
    """Training statistics of runs drawn from each reference (one row per run)."""
    context = context_of(spec)
    simulator = Simulator(spec.region, spec.ticks, spec.fixed, tuple(spec.training), context)
    frames = []
    for ref in REFERENCES:
        jobs = [(simulator, p, s) for p, s in zip(draws(ref, spec, seeds, posterior), seeds)]
        frame = pd.DataFrame(list(map_(_ppc_job, jobs)))
        frames.append(frame.assign(reference=ref, seed=seeds))
    return pd.concat(frames, ignore_index=True)


def crosschecks(spec: CalibrationSpec, posterior: Posterior, seeds: list[int], map_: Any
                ) -> pd.DataFrame:
    """Scores on the other regions and the stylized facts, per reference and seed."""
    checks = region_checks(ROOT / "docs" / "validation")
    rows = []
    for ref in REFERENCES:
        params = draws(ref, spec, seeds, posterior)
        jobs = [("region", c, {}, p, s) for c in checks for p, s in zip(params, seeds)]
        jobs += [("stylized", None, {}, p, s) for p, s in zip(params, seeds)]
        rows += [{"reference": ref, **r} for r in map_(scored_job, jobs)]
    for c in checks:
        rows.append({"reference": "opening", "check": c.region, **opening_dates_region(c)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------- figures
def plot_posteriors(table: pd.DataFrame, posterior: Posterior, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(table.index)
    cols = 4
    fig, axes = plt.subplots(int(np.ceil(len(names) / cols)), cols,
                             figsize=(12, 2.6 * np.ceil(len(names) / cols)), squeeze=False)
    for ax, name in zip(axes.flat, names):
        row = table.loc[name]
        lo, hi = row["prior_low"], row["prior_high"]
        ax.hist(posterior.particles[name], bins=20, range=(lo, hi), weights=posterior.weights,
                density=True, color="tab:blue", alpha=0.7, label="posterior")
        ax.hlines(1 / (hi - lo), lo, hi, color="grey", label="prior")
        ax.axvspan(row["q05"], row["q95"], color="tab:blue", alpha=0.1)
        ax.axvline(row["default"], color="black", ls="--", label="default")
        ax.set_title(name + (" (identified)" if row["identified"] else ""), fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ppc(runs: pd.DataFrame, observed: dict[str, float], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1]})
    for ax, prefix in zip(axes, ("formation_year:", "links_by_decade:")):
        keys = sorted((k for k in observed if k.startswith(prefix)), key=observed.get)
        x = np.arange(len(keys))
        for shift, ref, color in ((-0.2, "prior", "grey"), (0.0, "defaults", "tab:orange"),
                                  (0.2, "posterior", "tab:blue")):
            sub = runs.loc[runs["reference"] == ref, keys]
            lo, mid, hi = (sub.quantile(q).to_numpy() for q in (0.05, 0.5, 0.95))
            ax.errorbar(x + shift, mid, yerr=[mid - lo, hi - mid], fmt="o", ms=3,
                        color=color, label=f"{LABELS[ref]} (median, 90%)")
        ax.plot(x, [observed[k] for k in keys], "k*", ms=9, label="documented")
        ax.set_xticks(x)
        ax.set_xticklabels([k.removeprefix(prefix) for k in keys], rotation=75, fontsize=7)
    axes[0].set_ylabel("first year formed (never: 1996)")
    axes[1].set_ylabel("documented links running")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------- report
def _f(value: float, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _ci(row: pd.Series, digits: int = 2) -> str:
    if not np.isfinite(row["low"]):
        return _f(row["mean"], digits)
    return f"{_f(row['mean'], digits)} [{_f(row['low'], digits)}, {_f(row['high'], digits)}]"


def parameter_lines(table: pd.DataFrame, correlations: pd.DataFrame) -> list[str]:
    out = ["| parameter | prior | default | posterior median [90% interval] | "
           "share of prior | identified |", "|---|---|---:|---|---:|---|"]
    for name, r in table.iterrows():
        out.append(f"| `{name}` | {r['prior_low']:g} to {r['prior_high']:g} | "
                   f"{r['default']:g} | {r['median']:.4g} [{r['q05']:.4g}, {r['q95']:.4g}] "
                   f"| {r['interval_share_of_prior']:.2f} | "
                   f"{'yes' if r['identified'] else 'no'} |")
    out += ["", "Strongest weighted correlations between two parameters in the posterior "
            "(trade-offs the patterns cannot separate):", ""]
    out += [f"- `{r['a']}` and `{r['b']}`: r = {r['r']:+.2f}" for _, r in
            correlations.iterrows()]
    return out + [""]


def truth_lines(folder: Path | None) -> list[str]:
    """The ground-truth section: could these patterns identify the parameters at all?"""
    head = ["## Could these patterns identify the parameters? A synthetic ground truth", ""]
    if folder is None or not (folder / "posterior.parquet").exists():
        return head + ["Not run: `symbiosis-abm calibrate "
                       "experiments/calibrate_kalundborg_truth.toml` makes it.", ""]
    spec = load_calibration_spec(SPEC.with_name("calibrate_kalundborg_truth.toml"))
    table = truth_table(load_posterior(folder / "posterior.parquet"), spec.truth)
    pops = pd.read_csv(folder / "populations.csv")
    out = head + [
        "`experiments/calibrate_kalundborg_truth.toml`: the same priors, patterns and "
        "training window, but the documents replaced by one run of the model at known "
        f"values (the defaults). {len(pops)} populations of {int(pops['particles'].iloc[-1])} particles, "
        f"{int(pops['samples'].sum()):,} runs, last epsilon {pops['epsilon'].iloc[-1]:.3f}. "
        "A parameter that stays at its prior here cannot be learned from these patterns "
        "even when the model is exactly right; one identified here but not on the real "
        "history points to a misfit between model and case.", "",
        "| parameter | truth | posterior median [90% interval] | share of prior | "
        "identified | interval contains the truth |", "|---|---:|---|---:|---|---|"]
    for name, r in table.iterrows():
        out.append(f"| `{name}` | {r['truth']:g} | {r['median']:.4g} [{r['q05']:.4g}, "
                   f"{r['q95']:.4g}] | {r['interval_share_of_prior']:.2f} | "
                   f"{'yes' if r['identified'] else 'no'} | "
                   f"{'yes' if r['contains'] else '**no**'} |")
    identified = table[table["identified"]]
    if len(identified):
        out += ["", "Identified on the ground truth: "
                + ", ".join(f"`{n}`" for n in identified.index)
                + f"; the 90% intervals of {int(identified['contains'].sum())} of "
                f"{len(identified)} contain the true value."]
    else:
        out += ["", "Identified on the ground truth: none. The 90% intervals of "
                f"{int(table['contains'].sum())} of {len(table)} parameters contain their "
                "true value, but none narrows to less than "
                f"{IDENTIFIED_BELOW:.0%} of its prior: these patterns cannot pin the "
                "behavioural parameters down even when the model is exactly right."]
    return out + [""]


def ppc_lines(runs: pd.DataFrame, observed: dict[str, float], spec: CalibrationSpec
              ) -> list[str]:
    distance = PatternDistance(dict(spec.training))
    out = ["| reference | distance to the documents, median [5%, 95%] | training statistics "
           "whose documented value lies in the runs' 90% interval |", "|---|---|---:|"]
    keys = list(observed)
    for ref in REFERENCES:
        sub = runs[runs["reference"] == ref]
        d = np.array([distance(dict(r[keys]), observed) for _, r in sub.iterrows()])
        lo, hi = sub[keys].quantile(0.05), sub[keys].quantile(0.95)
        inside = sum(lo[k] <= observed[k] <= hi[k] for k in keys)
        out.append(f"| {LABELS[ref]} | {np.median(d):.3f} [{np.quantile(d, 0.05):.3f}, "
                   f"{np.quantile(d, 0.95):.3f}] | {inside} of {len(keys)} |")
    return out + [""]


def history_lines(frame: pd.DataFrame, setting: Any) -> list[str]:
    summary = summarise(frame)
    labels = {"rho_formed": "Spearman rho, formation order (links that formed)",
              "rho_never_last": "Spearman rho, formation order (never formed = last)",
              "precision": "precision, links first formed 1996-2020",
              "recall": "recall, links first formed 1996-2020",
              "f1": "F1, links first formed 1996-2020",
              "non_links": "documented non-links formed (of "
                           f"{len(setting.non_links) if setting.non_links is not None else 0})",
              "alive_recall": "documented links running in 2020 that run in the run then",
              "lifetime_years": "median years a documented link ran"}
    opening = {"rho_formed": opening_dates_rho(setting),
               "rho_never_last": opening_dates_rho(setting), **opening_dates_window(setting)}
    documented = {"lifetime_years": documented_lifetime(setting)}
    out = ["| score | " + " | ".join(LABELS[r] for r in REFERENCES)
           + " | opening dates alone | documented |", "|---|" + "---|" * (len(REFERENCES) + 2)]
    for score, label in labels.items():
        cells = []
        for ref in REFERENCES:
            row = summary[(summary["reference"] == ref) & (summary["score"] == score)]
            cells.append(_ci(row.iloc[0]) if len(row) else "n/a")
        out.append(f"| {label} | " + " | ".join(cells)
                   + f" | {_f(opening.get(score, np.nan))} | "
                   f"{_f(documented.get(score, np.nan), 1)} |")
    return out + [""]


def _cells(frame: pd.DataFrame, score: str, refs: tuple[str, ...] = REFERENCES) -> list[str]:
    """Mean [95% bootstrap CI over seeds] of ``score`` per reference (heldout.summarise)."""
    summary = summarise(frame[frame["reference"].isin(refs)], scores=(score,))
    cells = []
    for ref in refs:
        row = summary[summary["reference"] == ref]
        cells.append(_ci(row.iloc[0]) if len(row) else "n/a")
    return cells


def region_lines(frame: pd.DataFrame) -> list[str]:
    regions = frame.loc[frame["check"] != "stylized", "check"].unique()
    out = ["| region | documented links: to form / running at the start | score | "
           + " | ".join(LABELS[r] for r in (*REFERENCES, "opening")) + " |",
           "|---|---|---|" + "---|" * (len(REFERENCES) + 1)]
    for region in regions:
        sub = frame[frame["check"] == region]
        opening = sub[sub["reference"] == "opening"].iloc[0]
        counts = f"{int(opening['documented'])} / {int(opening['given'])}"
        scores = (("precision", "recall", "f1") if opening["documented"] else ()) + \
            (("given_alive",) if opening["given"] else ()) + \
            (("non_links",) if "non_links" in sub and sub["non_links"].notna().any() else ())
        for score in scores:
            cells = _cells(sub, score) + [_f(opening[score])]
            out.append(f"| {region} | {counts} | {score} | " + " | ".join(cells) + " |")
    return out + [""]


def stylized_lines(frame: pd.DataFrame) -> list[str]:
    sub = frame[frame["check"] == "stylized"]
    out = ["| fact | documented | " + " | ".join(LABELS[r] for r in REFERENCES) + " |",
           "|---|---|" + "---|" * len(REFERENCES)]
    facts = {"median_km_transported": ("median distance of exchanges by truck, rail or "
                                       "ship (km)", f"about {NISP_MEDIAN_KM:g} (NISP)"),
             "concluded_share": ("share of negotiations that conclude",
                                 "\"many fail\" (no number)")}
    for score, (label, documented) in facts.items():
        out.append(f"| {label} | {documented} | " + " | ".join(_cells(sub, score)) + " |")
    return out + [""]


def report(spec: CalibrationSpec, folder: Path, table: pd.DataFrame,
           correlations: pd.DataFrame, ppc: pd.DataFrame, observed: dict[str, float],
           history: pd.DataFrame, checks: pd.DataFrame, setting: Any, seeds: int,
           seconds: float, truth_folder: Path | None = None) -> str:
    manifest = json.loads((folder / "manifest.json").read_text())
    finished = [e for e in manifest["events"] if e["event"] == "finished"]
    pops = pd.read_csv(folder / "populations.csv")
    identified = [n for n, r in table.iterrows() if r["identified"]]
    at_prior = [n for n, r in table.iterrows() if not r["identified"]]
    lines = [
        "# Calibration on Kalundborg's history, and how it does on what it never saw",
        "",
        f"Generated by `python experiments/calibration_report.py` from the calibration in "
        f"`{folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}` "
        f"(`symbiosis-abm calibrate {SPEC.relative_to(ROOT)}`); report made with the code "
        f"at commit {code_version(ROOT)} in {seconds:.0f} s. Every number below is as it "
        "came out.",
        "",
        "## What was fitted",
        "",
        f"- Region `{spec.region}`, {spec.ticks} monthly ticks (1960 to {spec.until}). "
        f"Training patterns (weights): "
        + ", ".join(f"`{k}` ({v:g})" for k, v in spec.training.items())
        + f": the documented links running at the end of each decade and the year each "
        f"link documented from 1960 to {spec.until} first formed "
        "(`docs/validation/kalundborg_history_observed_links.csv`, each link with its "
        "sources). Nothing after 1995 and no other region was used.",
        f"- ABC-SMC (pyabc {manifest['versions'].get('pyabc')}), populations of "
        f"{spec.population} particles, epsilon at the {spec.epsilon_quantile:g} quantile of "
        f"the last population's distances; no population starts after "
        f"{spec.max_populations} populations, epsilon <= {spec.min_epsilon:g}, acceptance "
        f"< {spec.min_acceptance:g} or {spec.max_simulations:,} runs (one under way "
        "finishes).",
        f"- It ran {len(pops)} populations and {int(pops['samples'].sum()):,} runs "
        f"(and {spec.population} runs from the prior that set the first epsilon) in "
        + (f"{finished[-1]['wall_s'] / 60:.1f} min on 2 worker processes; stopped: "
           f"{finished[-1]['stop_reason']}." if finished else "(not finished)."),
        "",
        "| population | epsilon | runs | acceptance |", "|---:|---:|---:|---:|",
        *[f"| {int(r['t'])} | {r['epsilon']:.3f} | {int(r['samples'])} | "
          f"{r['acceptance']:.3f} |" for _, r in pops.iterrows()],
        "",
        "## Priors and posteriors",
        "",
        "Priors: uniform over the sensitivity analysis' ranges (ODD Appendix B). "
        f"**Identified** here: the 90% posterior interval covers under "
        f"{IDENTIFIED_BELOW:.0%} of the prior's range, the rule the synthetic ground-truth "
        "test (`tests/test_calibration.py::test_posterior_intervals_contain_a_synthetic_"
        "truth`) checks: there the 90% intervals of the parameters it calls identified "
        "contain the true values.",
        "",
        "![posteriors](calibration_posteriors.png)",
        "",
        *parameter_lines(table, correlations),
        f"Identified: {', '.join(f'`{n}`' for n in identified) or 'none'}. "
        f"At (or near) their prior: {', '.join(f'`{n}`' for n in at_prior) or 'none'}.",
        "",
        *truth_lines(truth_folder),
        "## Posterior predictive check (training patterns)",
        "",
        f"{seeds} runs per reference on the same seeds: parameters drawn from the posterior, "
        "uniformly from the priors (prior predictive) and the defaults. The distance is the "
        "calibration's own (scaled, weighted root mean square).",
        "",
        *ppc_lines(ppc, observed, spec),
        "![posterior predictive check](calibration_ppc.png)",
        "",
        "## Held-out: Kalundborg after 1995",
        "",
        f"The same region run to {setting.until} ({setting.ticks} ticks), {seeds} paired "
        "seeds per reference; mean [95% bootstrap CI over seeds]. *Opening dates alone*: "
        "every candidate link forms when the later of its two firms opens.",
        "",
        *history_lines(history, setting),
        "## Held-out: the other regions",
        "",
        f"Each bundled real region run for {REGION_TICKS} months from its documented "
        "state, scored against its documented links (links it starts with count on neither "
        "side; `given_alive` is the share of those still running at the end). *Opening "
        "dates alone*: every candidate link of the region forms. Mean [95% bootstrap CI "
        "over seeds]. The `kalundborg` snapshot (2018) is the same place as the training history: "
        "most of its links were formed before 1995, so it is not independent.",
        "",
        *region_lines(checks),
        "## Held-out: stylized facts",
        "",
        f"A synthetic region of {STYLIZED['overrides']['n_firms']} firms on "
        f"{STYLIZED['overrides']['area_km']:g} km x {STYLIZED['overrides']['area_km']:g} km "
        f"(about a NISP region: an assumption) with a facilitator, {STYLIZED['ticks']} "
        "months. NISP's figure is for facilitated material exchanges; the model does not "
        "mark which exchange the facilitator brought about, so every exchange moved by "
        "truck, rail or ship counts.",
        "",
        *stylized_lines(checks),
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calibration", type=Path,
                        default=ROOT / "runs" / "calibration" / "kalundborg_history",
                        help="a finished calibration folder")
    parser.add_argument("--spec", type=Path, default=SPEC, help="its spec")
    parser.add_argument("--truth", type=Path,
                        default=ROOT / "runs" / "calibration" / "kalundborg_history_truth",
                        help="the ground-truth calibration's folder (section left as "
                             "'not run' if it has no posterior)")
    parser.add_argument("--seeds", type=int, default=40, help="paired seeds per reference")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "calibration_report")
    parser.add_argument("--results", type=Path, default=None,
                        help="report folder (default OUT/report; docs/results for the "
                             "committed report)")
    parser.add_argument("--quick", action="store_true", help="4 seeds, a smoke test")
    args = parser.parse_args(argv)
    try:
        return _main(args)
    except SymbiosisInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    spec = load_calibration_spec(args.spec)
    posterior = load_posterior(args.calibration / "posterior.parquet")
    if args.quick:
        spec, args.seeds = spec.quickened(), 4
    results = report_folder(args)
    args.out.mkdir(parents=True, exist_ok=True)
    results.mkdir(parents=True, exist_ok=True)
    seeds = list(range(args.seeds))
    setting = held_out(spec)
    observed = observed_statistics(spec, context_of(spec))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        steps = tqdm(total=3, desc="calibration report", unit="step")
        ppc = predictive(spec, posterior, seeds, pool.map)
        steps.update()
        history = pd.concat([run_scores(spec, setting, ref, seeds, posterior, pool.map)
                             for ref in REFERENCES], ignore_index=True)
        steps.update()
        checks = crosschecks(spec, posterior, seeds, pool.map)
        steps.update()
        steps.close()
    for name, frame in (("ppc", ppc), ("held_out", history), ("crosschecks", checks)):
        frame.to_csv(args.out / f"{name}.csv", index=False)
    table = parameter_table(posterior)
    plot_posteriors(table, posterior, results / "calibration_posteriors.png")
    plot_ppc(ppc, observed, results / "calibration_ppc.png")
    text = report(spec, args.calibration.resolve(), table, weighted_correlations(posterior),
                  ppc, observed, history, checks, setting, args.seeds,
                  time.perf_counter() - start, args.truth)
    (results / "calibration.md").write_text(text)
    print(f"wrote {results / 'calibration.md'} and per-run scores to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
