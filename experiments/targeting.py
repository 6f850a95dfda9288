"""Experiment ``targeting``: which matches should a broker with little staff time propose?

The five targeting strategies (``symbiosis_abm.targeting``) are compared on a synthetic
region (drawn anew for each replicate from ``sweep.region_seeds``) and on the bundled ``high_coast`` region, with a broker that
can make only one proposal a month, so the choice matters. The design is the sweep spec
``experiments/targeting.toml`` (strategies are arms sharing seeds, so differences to
``random`` are paired); this script adds the measures the model's summary does not have
(:func:`measures`, the spec's collect hook) and writes the report.

Outputs
-------
``OUT/``
    The sweep folder (``symbiosis_abm.load_results``; git-ignored).
``RESULTS/targeting.png`` (``--results``; default ``OUT/report``)
    Means and 95% confidence intervals per strategy, region and measure.
``RESULTS/targeting.md``
    The table of means and 95% CIs and a plain-language summary generated from it.

Usage::

    python experiments/targeting.py                     # the full experiment
    python experiments/targeting.py --results docs/results   # ... into the committed report
    python experiments/targeting.py --quick --out runs/targeting-quick --results /tmp/t
    python experiments/targeting.py --report-only       # remake the report from OUT
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiosis_abm.params import TARGETING_STRATEGIES
from symbiosis_abm.reporting import code_version, mean_ci
from symbiosis_abm.sweep.experiment import (
    add_experiment_arguments,
    report_folder,
    run_experiment,
    with_banner,
)
from symbiosis_abm.sweep.findings import effects_table

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path(__file__).with_suffix(".toml")

#: Outcome measures: column, label for tables and figure, whether higher is better.
MEASURES = (
    ("exchanges_active", "active exchanges at the end", True),
    ("sme_participation", "SME participation (share of SMEs with >= 1 exchange)", True),
    ("materials_diverted_t", "waste diverted, t (materials, whole run)", True),
    ("co2e_avoided_t", "CO2e avoided, t (whole run)", True),
    ("public_cost_per_t", "public cost per t diverted, EUR", False),
)


def measures(model: Any) -> dict[str, float]:
    """The spec's collect hook: SMEs, their participation and the broker's proposals."""
    from symbiosis_abm.measures import sme_participation
    from symbiosis_abm.world import SME

    ex = model.exchanges
    sme = model.world.firm_size == SME
    share = sme_participation(sme, ex["supplier"], ex["receiver"])
    return {"smes": int(sme.sum()),
            "sme_participation": share,
            "proposals": model.facilitator.proposals_made if model.facilitator else 0}


def runs_frame(summary: pd.DataFrame, regions: tuple[str, ...]) -> pd.DataFrame:
    """One row per run with the experiment's names, in region and strategy order."""
    frame = summary.rename(columns={
        "targeting": "strategy", "active_exchanges": "exchanges_active",
        "materials_diverted_t_total": "materials_diverted_t",
        "co2e_avoided_t_total": "co2e_avoided_t"})
    diverted = frame["materials_diverted_t"]
    frame["public_cost_per_t"] = (frame["public_cost_eur"] / diverted).where(diverted > 0)
    order = {s: i for i, s in enumerate(TARGETING_STRATEGIES)}
    place = {r: i for i, r in enumerate(regions)}
    return (frame.assign(_r=frame["region"].map(place), _o=frame["strategy"].map(order))
            .sort_values(["_r", "_o", "seed"]).drop(columns=["_r", "_o"])
            .reset_index(drop=True))


def summarise(frame: pd.DataFrame) -> pd.DataFrame:
    """Long table: region, strategy, measure, n, mean, ci_low, ci_high."""
    rows = []
    for (region, strategy), group in frame.groupby(["region", "strategy"], sort=False):
        for column, _, _ in MEASURES:
            m, low, high = mean_ci(group[column])
            rows.append({"region": region, "strategy": strategy, "measure": column,
                         "n": int(group[column].notna().sum()), "mean": m, "ci_low": low,
                         "ci_high": high})
    return pd.DataFrame(rows)


def paired_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Paired differences of every strategy to ``random`` (same seeds), per region and
    measure, with raw and Benjamini-Hochberg-adjusted p over the whole report
    (:func:`symbiosis_abm.sweep.findings.effects_table`; the region seed is a random
    factor where the synthetic region was drawn per replicate)."""
    others = [s for s in TARGETING_STRATEGIES if s != "random"]
    return effects_table(frame.assign(arm=frame["strategy"]), ["random", *others],
                         [column for column, _, _ in MEASURES])


def paired_vs_random(paired: pd.DataFrame, region: str, strategy: str,
                     column: str) -> pd.Series:
    """The row of :func:`paired_table` for one region, strategy and measure."""
    return paired[(paired["region"] == region) & (paired["arm"] == strategy)
                  & (paired["metric"] == column)].iloc[0]


def figure(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    regions = list(dict.fromkeys(table["region"]))
    fig, axes = plt.subplots(len(regions), len(MEASURES), figsize=(3.3 * len(MEASURES),
                                                                  2.9 * len(regions)),
                             squeeze=False)
    ypos = np.arange(len(TARGETING_STRATEGIES))
    for r, region in enumerate(regions):
        for c, (column, label, _) in enumerate(MEASURES):
            ax = axes[r, c]
            sub = (table[(table["region"] == region) & (table["measure"] == column)]
                   .set_index("strategy").reindex(TARGETING_STRATEGIES))
            err = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            ax.errorbar(sub["mean"], ypos, xerr=err, fmt="o", color="C0", capsize=3)
            ax.axvline(sub.loc["random", "mean"], color="grey", lw=0.8, ls="--")
            ax.set_yticks(ypos, TARGETING_STRATEGIES if c == 0 else [""] * len(ypos))
            ax.invert_yaxis()
            ax.set_title(label if r == 0 else "", fontsize=8, wrap=True)
            ax.tick_params(labelsize=7)
            if c == 0:
                ax.set_ylabel(region, fontsize=9)
    fig.suptitle("Broker targeting strategies: means and 95% CIs (dashed: random)",
                 fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)


def _seeds(column: pd.Series) -> str:
    """The region seeds the runs used, e.g. ``1-10`` or ``1, 3``."""
    seeds = sorted(int(s) for s in column.dropna().unique())
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}-{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _fmt(value: float) -> str:
    if not np.isfinite(value):
        return "-"
    if abs(value) < 10:
        return f"{value:.3f}"
    return f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"


def report(frame: pd.DataFrame, table: pd.DataFrame, manifest: dict, seconds: float,
           paired: pd.DataFrame) -> str:
    """The markdown report: settings, table of means and CIs, generated summary."""
    synth = frame["region"] == "synthetic"
    lines = [
        "# Experiment `targeting`: which matches should a busy broker propose first?",
        "",
        "**Primary outcome:** active exchanges at the end; named before the runs, the "
        "other measures are secondary.",
        "",
        "Generated by `experiments/targeting.py` from the sweep spec "
        "`experiments/targeting.toml` "
        f"(`--replicates {frame['seed'].nunique()} --ticks {int(frame['ticks'].iloc[0])}`; "
        f"broker capacity {int(frame['broker_capacity'].iloc[0])} proposal(s) a month, "
        f"synthetic region of "
        f"{int(frame.loc[synth, 'firms'].iloc[0]) if synth.any() else '-'} firms with "
        f"region seeds {_seeds(frame.loc[synth, 'region_seed']) if synth.any() else '-'})"
        f"; {len(frame)} runs"
        + (f" ({seconds / 60:.1f} min wall time on {manifest.get('workers')} workers)"
           if seconds else "")
        + ", "
        f"code at {code_version(ROOT)}. "
        "All other parameters are the defaults (and, for `high_coast`, the region's own "
        "settings, e.g. its facilitator budget). Every strategy ran on the same seeds, so "
        "differences to `random` are paired by seed.",
        "",
        "Measures: active exchanges at the end of the run; SME participation (share of "
        "SMEs that took part in at least one exchange during the run); materials "
        "diverted (tonnes delivered, whole run); CO2e avoided (t, whole run); public cost "
        "per tonne diverted (all facilitator spending over the run / tonnes diverted).",
        "",
        "![targeting](targeting.png)",
        "",
    ]
    for region in dict.fromkeys(table["region"]):
        runs = frame[frame["region"] == region]
        lines += [f"## {region} ({int(runs['firms'].iloc[0])} firms, "
                  f"{int(runs['smes'].iloc[0])} SMEs)", "",
                  "Mean [95% CI] over " f"{runs['seed'].nunique()} seeds.", ""]
        header = "| strategy | " + " | ".join(label for _, label, _ in MEASURES) + " |"
        lines += [header, "|---" * (len(MEASURES) + 1) + "|"]
        for strategy in TARGETING_STRATEGIES:
            cells = []
            for column, _, _ in MEASURES:
                row = table[(table["region"] == region) & (table["strategy"] == strategy)
                            & (table["measure"] == column)].iloc[0]
                cells.append(f"{_fmt(row['mean'])} [{_fmt(row['ci_low'])}, "
                             f"{_fmt(row['ci_high'])}]")
            lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
        test = paired[paired["region"] == region]["test"].iloc[0]
        lines += ["", f"Paired difference to `random` (same seeds; test: {test}), mean "
                  "[95% CI] (adjusted p); **bold** where the CI excludes 0 and the p value "
                  f"adjusted for multiple comparisons (Benjamini-Hochberg over the "
                  f"{len(paired)} tests of this report) is below 0.05:", ""]
        lines += [header, "|---" * (len(MEASURES) + 1) + "|"]
        for strategy in TARGETING_STRATEGIES:
            if strategy == "random":
                continue
            cells = []
            for column, _, _ in MEASURES:
                row = paired_vs_random(paired, region, strategy, column)
                p = "-" if not np.isfinite(row.p_adjusted) else f"{row.p_adjusted:.2g}"
                text = f"{_fmt(row.mean_diff)} [{_fmt(row.ci_low)}, {_fmt(row.ci_high)}] ({p})"
                cells.append(f"**{text}**" if row.verdict != "no clear effect" else text)
            lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
        lines += ["", *summary_sentences(frame, table, region, paired), ""]
    return "\n".join(lines)


def summary_sentences(frame: pd.DataFrame, table: pd.DataFrame, region: str,
                      paired: pd.DataFrame) -> list[str]:
    """Plain-language findings for one region, read off the numbers (not hand-written)."""
    out = ["What came out:", ""]
    for column, label, higher_better in MEASURES:
        sub = table[(table["region"] == region) & (table["measure"] == column)]
        sub = sub.set_index("strategy")["mean"]
        if sub.isna().all():
            continue
        if np.allclose(sub, sub.iloc[0]):
            out.append(f"- {label}: the same under every strategy ({_fmt(sub.iloc[0])}).")
            continue
        best = sub.idxmax() if higher_better else sub.idxmin()
        clear = []
        for strategy in TARGETING_STRATEGIES:
            if strategy == "random":
                continue
            row = paired_vs_random(paired, region, strategy, column)
            m = row.mean_diff
            if row.verdict != "no clear effect":
                better = (m > 0) == higher_better
                clear.append(f"`{strategy}` {'better' if better else 'worse'} "
                             f"({'+' if m > 0 else ''}{_fmt(m)})")
        verdict = ("; clearly different from `random`: " + ", ".join(clear)) if clear \
            else ("; no strategy differs clearly from `random` (no paired CI excludes 0 "
              "with an adjusted p below 0.05)")
        versus = "" if best == "random" else f" vs {_fmt(sub['random'])} under `random`"
        out.append(f"- {label}: best mean under `{best}` ({_fmt(sub[best])}{versus})"
                   f"{verdict}.")
    runs = frame[frame["region"] == region]
    out += ["", f"Context: the broker made {runs['proposals'].mean():.0f} proposals per run "
            f"on average, against {runs['exchanges_started'].mean():.0f} exchanges started "
            "in all (the rest come from the firms' own search)."]
    return out


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_experiment_arguments(parser, ROOT / "runs" / "targeting")
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for targeting.png and targeting.md (default "
                             "OUT/report; docs/results for the committed report)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    results, done = run_experiment(SPEC, args)
    frame = runs_frame(results.summary, results.spec.regions)
    table = summarise(frame)
    args.results = report_folder(args)
    args.results.mkdir(parents=True, exist_ok=True)
    figure(table, args.results / "targeting.png")
    text = report(frame, table, results.manifest, done.seconds if done else 0.0,
                  paired_table(frame))
    (args.results / "targeting.md").write_text(with_banner(text, args) + "\n",
                                               encoding="utf-8")
    print(f"{len(frame)} runs; wrote {args.results / 'targeting.png'}, "
          f"{args.results / 'targeting.md'}")
    return 1 if len(results.failures) else 0


if __name__ == "__main__":
    sys.exit(main())
