"""What the research experiments share: paired effects, figures with CI bands, the report.

An experiment script (``experiments/NAME.py``) names its spec, the outcome metrics and
the time series to plot, and optionally adds experiment-specific paragraphs; then
:func:`run_standard` runs the sweep (:func:`.experiment.run_experiment`), writes the data
(``OUT/effects.parquet``; the runs are already in ``OUT/summary.parquet``), the figures
``RESULTS/NAME.png`` (time series, mean and 95% CI band over replicates per arm) and
``RESULTS/NAME_effects.png`` (paired effects with 95% CIs), and the markdown report
``RESULTS/NAME.md``.

Effects are paired by seed: every arm ran on the same seeds (common random numbers), so
an arm's effect is the mean of its per-seed differences to the reference arm, with a 95%
t interval and the Wilcoxon signed-rank test (:func:`.analyze.paired_differences`).

Examples
--------
>>> fmt(1234.5), fmt(0.12345), fmt(float("nan"))
('1,234', '0.123', '-')
>>> verdict(1.0, 0.2, 1.8, 0.01)
'clear increase'
>>> verdict(-0.1, -0.5, 0.3, 0.6)
'no clear effect'
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..reporting import code_version, mean_ci
from .analyze import adjust_p, unit_of
from .experiment import add_experiment_arguments, report_folder, run_experiment, with_banner
from .results import SweepResults

__all__ = ["Design", "fmt", "verdict", "effects_table", "paired_effect", "band_figure", "effects_figure", "wall_seconds",
           "run_commit",
           "experiment_parser", "run_standard", "label_of"]

#: Readable labels (with units) of the model's metrics, for figures and tables.
LABELS = {
    "active_exchanges": "active exchanges (count)",
    "participating_firms": "firms in an active exchange (count)",
    "largest_component": "largest connected group (firms)",
    "exchanges_started": "exchanges started (count, whole run)",
    "materials_diverted_t_total": "materials diverted (t, whole run)",
    "materials_diverted_t": "materials diverted (t/month)",
    "co2e_avoided_t_total": "CO2e avoided (t, whole run)",
    "co2e_avoided_t": "CO2e avoided (t/month)",
    "energy_recovered_mwh_total": "energy recovered (MWh, whole run)",
    "firm_net_savings_eur": "firms' net savings (EUR, cumulative)",
    "public_cost_eur": "public cost (EUR, cumulative)",
    "stranded_capex_eur": "stranded capex (EUR)",
    "mean_trust": "mean trust (0-1)",
    "strong_ties": "strong ties (count)",
    "weak_ties": "weak ties (count)",
    "open_firms": "open firms (count)",
    "registry_members": "registry members (count)",
    "sme_participation": "SME participation (share of SMEs)",
    "survived_share": "exchanges alive at month 60 still active at the end (share)",
    "started_after_y5": "exchanges started after month 60 (count)",
    "others_exchanges": "active exchanges not involving the anchor (count)",
    "mean_exchange_km": "mean distance of exchanges started (km)",
}


def label_of(metric: str) -> str:
    """A readable label with unit for a metric (its name and unit when not listed)."""
    return LABELS.get(metric, f"{metric.replace('_', ' ')} ({unit_of(metric)})")


def fmt(value: float) -> str:
    """A number for a table: 3 decimals below 10, thousands separators above 1000."""
    if value is None or not np.isfinite(value):
        return "-"
    if abs(value) < 10:
        return f"{value:.3f}"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def verdict(mean: float, low: float, high: float, p: float) -> str:
    """Plain words for a paired effect: clear when the 95% CI excludes 0 and p < 0.05."""
    if np.isfinite(low) and (low > 0 or high < 0) and np.isfinite(p) and p < 0.05:
        return "clear increase" if mean > 0 else "clear decrease"
    return "no clear effect"


@dataclass(frozen=True)
class Design:
    """What an experiment script declares; :func:`run_standard` does the rest."""

    name: str
    spec: Path
    title: str
    metrics: tuple[str, ...]
    series: tuple[str, ...] = ("active_exchanges",)
    question: str = ""
    notes: Callable[[SweepResults, pd.DataFrame], list[str]] | None = None
    #: (summary, timeseries) -> (summary, timeseries, arms): regroup runs into arms
    relabel: Callable[[pd.DataFrame, pd.DataFrame], tuple] | None = None
    #: the outcome the question is about, named before the runs (default: first metric)
    primary: str = ""

    @property
    def primary_outcome(self) -> str:
        """The primary outcome: ``primary`` or the first metric."""
        return self.primary or (self.metrics[0] if self.metrics else "")


def effects_table(summary: pd.DataFrame, arms: Sequence[str],
                  metrics: Sequence[str], correction: str = "bh") -> pd.DataFrame:
    """Paired effects of every arm against the first (reference) arm, per region.

    Runs pair on (region, point, replicate): the same seed in every arm. One row per
    region, arm and metric: ``n`` pairs, both means, ``mean_diff`` with its 95% interval,
    a raw ``p``, ``p_adjusted`` over the whole table (the report's family of tests;
    Benjamini-Hochberg by default, ``correction="holm"`` for Holm) and a ``verdict``
    read from the adjusted p.

    Where a region's runs were made on several generated regions (a ``region_seed``
    column with more than one value, ``sweep.region_seed_draw = "by_replicate"``), the
    region seed is a random factor: the effect is the mean of the per-region-seed mean
    differences, with a t interval and a one-sample t test over those ``k`` means
    (``test = "t over k region seeds"``), so that the interval covers the variation
    between generated regions, not only between seeds. Otherwise the interval is the t
    interval of the pairs and the test the Wilcoxon signed-rank test (p NaN when every
    difference is 0).

    Examples
    --------
    >>> runs = pd.DataFrame({"region": "synthetic", "point": 0, "replicate": [0, 1, 2, 3] * 2,
    ...     "arm": ["a"] * 4 + ["b"] * 4, "region_seed": [1, 2, 1, 2] * 2,
    ...     "x": [1.0, 5.0, 2.0, 6.0, 2.0, 9.0, 3.0, 10.0]})
    >>> row = effects_table(runs, ["a", "b"], ["x"]).iloc[0]
    >>> float(row.mean_diff), row.test, int(row.n)
    (2.5, 't over 2 region seeds', 4)
    """
    keys = ["region", "point", "replicate"]
    base = summary[summary["arm"] == arms[0]]
    rows = []
    for arm in arms[1:]:
        both = base.merge(summary[summary["arm"] == arm], on=keys, suffixes=("@r", "@a"))
        for region, pairs in both.groupby("region", sort=False):
            clusters = _region_seed_clusters(pairs)
            for metric in metrics:
                ref, val = pairs[f"{metric}@r"], pairs[f"{metric}@a"]
                m, low, high, p, test, n = paired_effect(val - ref, clusters)
                rows.append({"region": region, "arm": arm, "reference": arms[0],
                             "metric": metric, "n": n, "mean_reference": float(ref.mean()),
                             "mean_arm": float(val.mean()), "mean_diff": m, "ci_low": low,
                             "ci_high": high, "p": p, "test": test})
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_adjusted"] = adjust_p(table["p"], correction)
    table["correction"] = correction
    table["verdict"] = [verdict(r.mean_diff, r.ci_low, r.ci_high, r.p_adjusted)
                        for r in table.itertuples()]
    return table


def _region_seed_clusters(pairs: pd.DataFrame) -> pd.Series | None:
    """The region seed of each pair when the pairs span several generated regions."""
    column = "region_seed@r"
    if column not in pairs or pairs[column].nunique(dropna=True) < 2:
        return None
    return pairs[column]


def paired_effect(diff: pd.Series, clusters: pd.Series | None = None
                  ) -> tuple[float, float, float, float, str, int]:
    """Mean paired difference, 95% interval, p value, the test's name and the pairs used.

    Without ``clusters``: the pairs' t interval and the Wilcoxon signed-rank test. With
    ``clusters`` (a label per pair): a two-stage random-effects estimate, the mean of the
    cluster means with their t interval and one-sample t test (``k - 1`` degrees of
    freedom), which is what a random factor with balanced clusters calls for.

    Examples
    --------
    >>> m, low, high, p, test, n = paired_effect(pd.Series([1.0, 2.0, 3.0, 4.0]))
    >>> m, test, n
    (2.5, 'Wilcoxon', 4)
    >>> paired_effect(pd.Series([0.0, 0.0]))[3]
    nan
    >>> paired_effect(pd.Series([5.0, 5.0, 5.0, 5.0]), pd.Series([1, 2, 1, 2]))[3]  # constant
    0.0
    """
    ok = diff.notna()
    values = diff[ok].to_numpy(dtype=float)
    if clusters is None:
        m, low, high = mean_ci(values)
        p = (np.nan if len(values) < 2 or np.allclose(values, 0)
             else float(stats.wilcoxon(values).pvalue))
        return m, low, high, p, "Wilcoxon", len(values)
    means = pd.Series(values).groupby(clusters[ok].to_numpy()).mean().to_numpy()
    m, low, high = mean_ci(means)
    if len(means) < 2:
        p = np.nan
    elif np.allclose(means, means[0]):   # no spread: certain unless there is no effect
        p = np.nan if np.allclose(means, 0) else 0.0
    else:
        p = float(stats.ttest_1samp(means, 0.0).pvalue)
    return m, low, high, p, f"t over {len(means)} region seeds", len(values)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def band_figure(ts: pd.DataFrame, arms: Sequence[str], series: Sequence[str], path: Path,
                title: str, tick_months: float = 1.0) -> None:
    """Mean and 95% CI band over replicates of each series, per arm; a panel per region
    (rows) and series (columns). ``ts``: kept time series with ``region``, ``arm``,
    ``run_id``, ``tick``."""
    plt = _plt()
    regions = list(dict.fromkeys(ts["region"]))
    fig, axes = plt.subplots(len(regions), len(series), squeeze=False,
                             figsize=(4.2 * len(series), 2.8 * len(regions)))
    for r, region in enumerate(regions):
        for c, column in enumerate(series):
            ax = axes[r, c]
            for k, arm in enumerate(arms):
                sub = ts[(ts["region"] == region) & (ts["arm"] == arm)]
                if sub.empty:
                    continue
                wide = sub.pivot_table(index="tick", columns="run_id", values=column)
                stats = [mean_ci(row.dropna()) for _, row in wide.iterrows()]
                m, low, high = (np.array(x) for x in zip(*stats))
                years = wide.index.to_numpy() * tick_months / 12.0
                ax.plot(years, m, color=f"C{k}", lw=1.4, label=arm)
                ax.fill_between(years, low, high, color=f"C{k}", alpha=0.2, lw=0)
            ax.set_title(f"{region}: {label_of(column)}", fontsize=8)
            ax.set_xlabel("years since start", fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0, 0].legend(fontsize=7, frameon=False)
    fig.suptitle(f"{title}: mean and 95% CI over replicates", fontsize=10)
    fig.tight_layout()
    _save(fig, path)


def effects_figure(effects: pd.DataFrame, path: Path, title: str) -> None:
    """Paired effect of each arm vs the reference, with 95% CIs; a panel per metric
    (columns) and region (rows)."""
    plt = _plt()
    regions = list(dict.fromkeys(effects["region"]))
    metrics = list(dict.fromkeys(effects["metric"]))
    arms = list(dict.fromkeys(effects["arm"]))
    fig, axes = plt.subplots(len(regions), len(metrics), squeeze=False,
                             figsize=(3.4 * len(metrics), 0.5 + 0.45 * len(arms) * len(regions)
                                      + 0.9 * len(regions)))
    ypos = np.arange(len(arms))
    for r, region in enumerate(regions):
        for c, metric in enumerate(metrics):
            ax = axes[r, c]
            sub = (effects[(effects["region"] == region) & (effects["metric"] == metric)]
                   .groupby("arm").first().reindex(arms))
            err = np.vstack([sub["mean_diff"] - sub["ci_low"], sub["ci_high"] - sub["mean_diff"]])
            ax.errorbar(sub["mean_diff"], ypos, xerr=np.nan_to_num(err), fmt="o", capsize=3)
            ax.axvline(0, color="grey", lw=0.8, ls="--")
            ax.set_yticks(ypos, arms if c == 0 else [""] * len(arms), fontsize=7)
            ax.invert_yaxis()
            ax.set_title(f"{region}: {label_of(metric)}", fontsize=7)
            ax.tick_params(axis="x", labelsize=7)
    reference = effects["reference"].iloc[0] if len(effects) else "?"
    fig.suptitle(f"{title}: paired difference to '{reference}' (same seeds), mean and "
                 "95% CI", fontsize=9)
    fig.tight_layout()
    _save(fig, path)


def _save(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    _plt().close(fig)


def effects_markdown(effects: pd.DataFrame) -> list[str]:
    """One table per region: arm, metric, means, paired difference [95% CI], raw and
    adjusted p, after a line saying how the effects were tested and corrected."""
    if effects.empty:
        return []
    family = len(effects)
    correction = CORRECTION_NAMES.get(effects["correction"].iloc[0], "?")
    lines = [f"p values are adjusted for multiple comparisons ({correction}) over the "
             f"{family} tests of this report. **Bold**: 95% CI excludes 0 and adjusted "
             "p < 0.05.", ""]
    for region, sub in effects.groupby("region", sort=False):
        n = int(sub["n"].max()) if len(sub) else 0
        lines += [f"### {region}", "",
                  f"Paired by seed ({n} pairs; test: {sub['test'].iloc[0]}); reference "
                  f"arm `{sub['reference'].iloc[0]}`.", "",
                  "| arm | measure | reference mean | arm mean | difference [95% CI] "
                  "| p | adjusted p |", "|---|---|---|---|---|---|---|"]
        for row in sub.itertuples():
            diff = f"{fmt(row.mean_diff)} [{fmt(row.ci_low)}, {fmt(row.ci_high)}]"
            if row.verdict != "no clear effect":
                diff = f"**{diff}**"
            lines.append(f"| {row.arm} | {label_of(row.metric)} | {fmt(row.mean_reference)} "
                         f"| {fmt(row.mean_arm)} | {diff} | {_p(row.p)} "
                         f"| {_p(row.p_adjusted)} |")
        lines.append("")
    return lines


#: How the reports name the corrections of :func:`.analyze.adjust_p`.
CORRECTION_NAMES = {"bh": "Benjamini-Hochberg", "holm": "Holm"}


def _p(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.2g}"


def experiment_parser(design: Design, root: Path) -> argparse.ArgumentParser:
    """The shared options plus ``--results`` (default ``OUT/report``; the committed reports
    are remade with ``--results docs/results``)."""
    parser = argparse.ArgumentParser(description=design.title)
    add_experiment_arguments(parser, root / "runs" / design.name)
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for NAME.png, NAME_effects.png and NAME.md "
                             "(default OUT/report; docs/results for the committed "
                             "report)")
    return parser


def size_line(spec, summary: pd.DataFrame, arms: Sequence[str]) -> str:
    """How big the sweep was: regions, arms, replicates, ticks, runs."""
    firms = summary.groupby("region")["firms"].first().to_dict() if len(summary) else {}
    regions = ", ".join(f"{r} ({int(firms[r])} firms)" if r in firms else r
                        for r in dict.fromkeys(summary["region"]))
    return (f"{len(summary)} runs: regions {regions}; arms {', '.join(spec.arms)}; "
            f"{spec.replicates} replicates per arm; {spec.ticks} ticks (months)")


def run_commit(results: SweepResults, root: Path) -> str:
    """The git commit the sweep's runs were made with (from its manifest; else now)."""
    commit = str(results.manifest.get("git_commit") or "")
    if not commit:
        return code_version(root)
    dirty = [s["git"].get("diff_sha256") for s in results.manifest.get("sessions", [])
             if (s.get("git") or {}).get("dirty")]
    return commit[:7] + (f" with uncommitted changes (diff {', '.join(dirty)})"
                         if dirty else "")


def wall_seconds(done, out: Path) -> float:
    """Wall time of the sweep that made ``out``: measured when this call ran every run,
    else the time recorded when they ran (``OUT/wall_seconds.txt``; 0 if unknown), so a
    report remade with ``--report-only`` or a resumed sweep keeps its run time."""
    record = out / "wall_seconds.txt"
    if done is not None and done.ran == done.total and done.total:
        record.write_text(f"{done.seconds:.1f}\n", encoding="utf-8")
        return done.seconds
    return float(record.read_text()) if record.is_file() else 0.0


def run_standard(design: Design, argv: list[str] | None, root: Path) -> int:
    """Run ``design``'s sweep, write data, figures and the report; exit code 0/1."""
    args = experiment_parser(design, root).parse_args(argv)
    start = time.perf_counter()
    results, done = run_experiment(design.spec, args)
    seconds = wall_seconds(done, Path(args.out))
    out_dir = report_folder(args)
    summary, ts, arms = results.summary, results.timeseries(), list(results.spec.arms)
    if design.relabel:        # e.g. region variants that are really arms
        summary, ts, arms = design.relabel(summary, ts)
    effects = effects_table(summary, arms, design.metrics)
    effects.to_parquet(Path(args.out) / "effects.parquet", index=False)
    band_figure(ts, arms, design.series, out_dir / f"{design.name}.png", design.title)
    if len(effects):
        effects_figure(effects, out_dir / f"{design.name}_effects.png", design.title)
    notes = design.notes(results, effects) if design.notes else []
    text = report(design, results, effects, notes, seconds, args, root,
                  size_line(results.spec, summary, arms))
    (out_dir / f"{design.name}.md").write_text(with_banner(text, args), encoding="utf-8")
    print(f"{len(results.summary)} runs in {time.perf_counter() - start:.0f} s; wrote "
          f"{out_dir / design.name}.md", file=sys.stderr)
    return 1 if len(results.failures) else 0


def primary_lines(design: Design, effects: pd.DataFrame) -> list[str]:
    """The primary outcome and how precisely each arm's effect on it was estimated (the
    95% CI's half-width with the pairs it rests on), so a reader can judge the replicates.

    Examples
    --------
    >>> d = Design("e", Path("e.toml"), "t", metrics=("active_exchanges",))
    >>> primary_lines(d, pd.DataFrame())[0]
    '**Primary outcome:** active exchanges (count), named before the runs; the other measures are secondary.'
    """
    metric = design.primary_outcome
    if not metric:
        return []
    lines = [f"**Primary outcome:** {label_of(metric)}, named before the runs; the other "
             "measures are secondary.", ""]
    rows = effects[effects["metric"] == metric] if len(effects) else effects
    if len(rows):
        parts = [f"{r.region} `{r.arm}` ±{fmt((r.ci_high - r.ci_low) / 2)} ({r.n} pairs)"
                 for r in rows.itertuples()]
        lines += ["Replication check, half-width of the 95% CI of each effect on it: "
                  + "; ".join(parts) + ".", ""]
    return lines


def posterior_option(spec, root: Path) -> str:
    """`` --posterior FILE`` for the report's command line ("" without a posterior)."""
    if spec.posterior is None:
        return ""
    path = Path(spec.posterior)
    return f" --posterior {path.relative_to(root) if path.is_relative_to(root) else path}"


def posterior_lines(spec) -> list[str]:
    """What a report under a posterior must say: which parameters were drawn, from what."""
    if spec.posterior is None:
        return []
    from ..calibration.posterior import load_posterior

    posterior = load_posterior(spec.posterior)
    meta = posterior.meta
    names = ", ".join(f"`{n}`" for n in posterior.parameters)
    return [f"**Under the posterior.** Every run drew {names} from the calibration "
            f"`{meta.get('spec')}` (region `{meta.get('region')}`, population "
            f"{meta.get('population')}, {len(posterior.weights)} weighted particles) with a "
            "stream of its own seed; the arms of one replicate share the draw, so each "
            "effect integrates over the posterior and the seeds together "
            "(docs/calibration.md).", ""]


def report(design: Design, results: SweepResults, effects: pd.DataFrame, notes: list[str],
           seconds: float, args: argparse.Namespace, root: Path, size: str) -> str:
    """The markdown report, generated from the numbers."""
    command = f"symbiosis-abm experiment {design.name}" + (" --quick" if args.quick else "")
    for key in ("replicates", "ticks", "region_seeds"):
        if getattr(args, key, None) is not None:
            command += f" --{key.replace('_', '-')} {getattr(args, key)}"
    lines = [f"# Experiment `{design.name}`: {design.title}", "",
             design.question, "",
             f"Generated by `{command}{posterior_option(results.spec, root)}` from "
             f"`experiments/{design.name}.toml`; {size}"
             + (f"; {seconds / 60:.1f} min wall time on "
                f"{results.manifest.get('workers')} worker(s)" if seconds else "")
             + f"; runs made with the code at commit {run_commit(results, root)}.", "",
             *posterior_lines(results.spec),
             *primary_lines(design, effects), f"![{design.name}]({design.name}.png)", ""]
    if len(effects):
        lines += [f"![{design.name} effects]({design.name}_effects.png)", "",
                  "## Paired effects", "", *effects_markdown(effects)]
    lines += [*notes, ""]
    return "\n".join(lines)
