"""Report ``posterior_compare``: the research question's experiments at the default
parameters beside the same experiments under the calibration's posterior (issue 20).

For each experiment (default ``facilitator_roles`` and ``withdrawal``) it reads two
finished result folders made from the same spec, hence on the same seeds: the default run
(``runs/NAME``, ``symbiosis-abm experiment NAME``) and the run under the posterior
(``runs/NAME-posterior``, ``symbiosis-abm experiment NAME --posterior FILE --out
runs/NAME-posterior``). For every region, arm and measure it gives the paired effect
(arm minus the reference arm) under each, and the change of the effect, posterior minus
defaults, paired by replicate: the replicate's seed, and on the synthetic region its
generated region, are the same in both, so the change is itself a paired difference. As in
the experiment reports, on the synthetic region the replicates are first averaged per
region seed and the interval is a t interval over the region seeds; elsewhere a t
interval over the replicates.

Writes ``RESULTS/posterior_compare.md`` (``--results``; default ``RUNS/posterior_compare``).

Usage::

    python experiments/posterior_compare.py
    python experiments/posterior_compare.py --results docs/results   # the committed report
    python experiments/posterior_compare.py --experiments withdrawal --results /tmp/r
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from symbiosis_abm.reporting import code_version
from symbiosis_abm.sweep.results import load_results

ROOT = Path(__file__).resolve().parents[1]
#: experiment -> (reference arm, measures compared)
EXPERIMENTS = {
    "facilitator_roles": ("none", ("active_exchanges", "materials_diverted_t_total")),
    "withdrawal": ("stays", ("active_exchanges", "materials_diverted_t_total",
                             "started_after_y5", "survived_share")),
}


def paired_effects(summary: pd.DataFrame, reference: str, measure: str) -> pd.DataFrame:
    """Per region, arm and replicate: the arm's value minus the reference arm's.

    Examples
    --------
    >>> s = pd.DataFrame({"region": "r", "replicate": [0, 0, 1, 1], "region_seed": None,
    ...                   "arm": ["a", "ref", "a", "ref"], "x": [3.0, 1.0, 5.0, 2.0]})
    >>> paired_effects(s, "ref", "x")["effect"].tolist()
    [2.0, 3.0]
    """
    wide = summary.pivot_table(index=["region", "replicate"], columns="arm", values=measure,
                               aggfunc="first")
    seeds = summary.groupby(["region", "replicate"])["region_seed"].first()
    rows = []
    for arm in wide.columns:
        if arm == reference:
            continue
        effect = (wide[arm] - wide[reference]).rename("effect").reset_index()
        effect["arm"] = arm
        effect["region_seed"] = seeds.reindex(
            pd.MultiIndex.from_frame(effect[["region", "replicate"]])).to_numpy()
        rows.append(effect)
    return pd.concat(rows, ignore_index=True)


def interval(values: pd.DataFrame, column: str) -> tuple[float, float, float, int]:
    """Mean and 95% t interval; over region seeds where the region is generated."""
    x = values
    if x["region_seed"].notna().any() and x["region_seed"].nunique() > 1:
        x = x.groupby("region_seed")[column].mean().to_frame()
    v = x[column].dropna().to_numpy(float)
    if len(v) < 2 or np.std(v) == 0:
        return float(np.mean(v)) if len(v) else np.nan, np.nan, np.nan, len(v)
    low, high = stats.t.interval(0.95, len(v) - 1, loc=v.mean(), scale=stats.sem(v))
    return float(v.mean()), float(low), float(high), len(v)


def compare(defaults: pd.DataFrame, posterior: pd.DataFrame, reference: str,
            measures: tuple[str, ...]) -> pd.DataFrame:
    """One row per region, arm and measure: the effect at the defaults, under the
    posterior, and their paired difference."""
    rows = []
    for measure in measures:
        if measure not in defaults or measure not in posterior:
            continue
        d = paired_effects(defaults, reference, measure)
        p = paired_effects(posterior, reference, measure)
        both = d.merge(p, on=["region", "arm", "replicate"], suffixes=("_d", "_p"))
        both["region_seed"] = both["region_seed_d"]
        both["change"] = both["effect_p"] - both["effect_d"]
        # facilitator_roles' *_defaults arms repeat arms without documented ties: their
        # effect against `none` (with ties) mixes two changes, so they are left out
        both = both[~both["arm"].astype(str).str.endswith("_defaults")]
        for (region, arm), g in both.groupby(["region", "arm"], sort=False):
            row = {"region": region, "arm": arm, "measure": measure}
            for key, column in (("defaults", "effect_d"), ("posterior", "effect_p"),
                                ("change", "change")):
                m, lo, hi, n = interval(g, column)
                row |= {key: m, f"{key}_low": lo, f"{key}_high": hi}
            row["n"] = n
            rows.append(row)
    return (pd.DataFrame(rows).sort_values(["measure", "region", "arm"], kind="stable",
                                           key=_measure_order(measures))
            .reset_index(drop=True) if rows else pd.DataFrame(rows))


def _measure_order(measures: tuple[str, ...]):
    """Sort key: measures in the order asked, regions and arms alphabetically."""
    def key(column: pd.Series) -> pd.Series:
        return column.map(measures.index) if column.name == "measure" else column
    return key


def _cell(row: pd.Series, key: str) -> str:
    m, lo, hi = row[key], row[f"{key}_low"], row[f"{key}_high"]
    scale = max(abs(m), abs(lo) if np.isfinite(lo) else 0, 1e-12)
    digits = 0 if scale >= 1000 else 2
    text = f"{m:,.{digits}f}" + (f" [{lo:,.{digits}f}, {hi:,.{digits}f}]" if np.isfinite(lo)
                                 else "")
    clear = np.isfinite(lo) and (lo > 0 or hi < 0)
    return f"**{text}**" if clear else text


def markdown(name: str, table: pd.DataFrame, reference: str) -> list[str]:
    out = [f"## {name}", "",
           f"Effects are arm minus `{reference}`, paired by seed; **bold**: the 95% interval "
           "excludes 0.", "",
           "| region | arm | measure | effect at the defaults | effect under the posterior "
           "| change (posterior - defaults) | pairs |", "|---|---|---|---|---|---|---:|"]
    for _, r in table.iterrows():
        out.append(f"| {r['region']} | {r['arm']} | {r['measure']} | {_cell(r, 'defaults')} "
                   f"| {_cell(r, 'posterior')} | {_cell(r, 'change')} | {int(r['n'])} |")
    return out + [""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", default=",".join(EXPERIMENTS),
                        help="comma-separated experiment names")
    parser.add_argument("--runs", type=Path, default=ROOT / "runs",
                        help="folder holding NAME and NAME-posterior")
    parser.add_argument("--results", type=Path, default=None,
                        help="folder for posterior_compare.md (default RUNS/posterior_compare; "
                             "docs/results for the committed report)")
    args = parser.parse_args(argv)
    results = args.results or args.runs / "posterior_compare"
    lines = ["# The research question under the posterior", "",
             "Generated by `python experiments/posterior_compare.py` from the result folders "
             "of each experiment at the defaults and under the posterior of "
             "`experiments/calibrate_kalundborg.toml` (docs/results/calibration.md); report "
             f"made with the code at commit {code_version(ROOT)}.", ""]
    for name in args.experiments.split(","):
        if name not in EXPERIMENTS:
            print(f"error: --experiments: {name!r} is not one of {', '.join(EXPERIMENTS)}",
                  file=sys.stderr)
            return 2
        folders = [args.runs / name, args.runs / f"{name}-posterior"]
        missing = [str(f) for f in folders if not (f / "summary.parquet").exists()]
        if missing:
            print(f"error: {', '.join(missing)}: no finished results (summary.parquet); run "
                  f"symbiosis-abm experiment {name} (with --posterior FILE --out "
                  f"runs/{name}-posterior)", file=sys.stderr)
            return 2
        defaults, posterior = (load_results(f).summary for f in folders)
        reference, measures = EXPERIMENTS[name]
        table = compare(defaults, posterior, reference, measures)
        lines += markdown(name, table, reference)
    results.mkdir(parents=True, exist_ok=True)
    (results / "posterior_compare.md").write_text("\n".join(lines))
    print(f"wrote {results / 'posterior_compare.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
