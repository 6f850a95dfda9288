"""What a sweep shows: paired arm differences, Morris and Sobol' indices (CSV and PNG).

- **Means** of every metric with 95% t intervals per region, arm and ``[vary]`` values.
- **Arms** (two or more): every arm against the first arm of the spec, paired by region,
  design point and replicate (the arms share seeds): mean difference with its 95% t
  interval (``scipy.stats.t``) and the Wilcoxon signed-rank test (``scipy.stats.wilcoxon``).
- **Morris** (``[sampler] method = "morris"``): ``mu*``, its 95% bootstrap CI, ``mu`` and
  ``sigma`` per parameter and metric (``SALib.analyze.morris``), on the mean over
  replicates at each point of the Morris sample.
- **Sobol'** (``method = "sobol"``): first-order ``S1`` and total ``ST`` indices with 95%
  CIs (``SALib.analyze.sobol``, no second-order terms).

Each is computed per region, arm and combination of ``[vary]`` values. Charts label axes
with the metric's unit (:func:`unit_of`).

Examples
--------
>>> unit_of("co2e_avoided_t_total"), unit_of("public_cost_eur"), unit_of("density")
('t', 'EUR', '-')
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import SymbiosisInputError
from ..reporting import mean_ci
from .design import design_points, salib_problem, sample_matrix
from .results import SweepResults

__all__ = ["analyze", "paired_differences", "morris_indices", "sobol_indices", "unit_of"]

_UNITS = ((r"_eur(_|$)", "EUR"), (r"_t(_total)?$", "t"), (r"_mwh(_|$)", "MWh"),
          (r"_m3(_|$)", "m3"), (r"_km(_|$)", "km"), (r"_per_t", "EUR/t"),
          (r"(exchanges|firms|pairs|component|members|negotiations|proposals)", "count"))


def unit_of(metric: str) -> str:
    """The unit of a metric, read from its name's suffix (``-``: dimensionless/unknown)."""
    for pattern, unit in _UNITS:
        if re.search(pattern, metric):
            return unit
    return "-"


def analyze(results: SweepResults, out: Path | str, metrics: list[str] | None = None
            ) -> list[Path]:
    """Write every analysis the sweep's design allows to ``out``; return the files."""
    from .charts import difference_chart, morris_chart, sobol_chart

    if results.summary.empty:
        raise SymbiosisInputError(f"{results.root}: no finished runs to analyse")
    metrics = _metrics(results, metrics)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    spec = results.spec
    if len(spec.arms) > 1:
        table = paired_differences(results, metrics)
        written += _write(table, out / "arm_differences.csv")
        written += difference_chart(table, out / "arm_differences.png")
    if spec.sampler == "morris":
        table = morris_indices(results, metrics)
        written += _write(table, out / "morris.csv")
        written += morris_chart(table, out / "morris.png")
    elif spec.sampler == "sobol":
        table = sobol_indices(results, metrics)
        written += _write(table, out / "sobol.csv")
        written += sobol_chart(table, out / "sobol.png")
    means = _means(results, metrics)
    written += _write(means, out / "means.csv")
    return written


def _metrics(results: SweepResults, asked: list[str] | None) -> list[str]:
    available = results.metrics
    if asked is None:
        return available
    unknown = [m for m in asked if m not in available]
    if unknown:
        raise SymbiosisInputError([f"--metrics {m}: not a metric of {results.root}; "
                                   f"choose from {', '.join(available)}" for m in unknown])
    return asked


def _write(table: pd.DataFrame, path: Path) -> list[Path]:
    table.to_csv(path, index=False)
    return [path]


def _means(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Mean and 95% CI of every metric per region, arm and combination of ``[vary]``
    values (over sampled points and replicates)."""
    keys = ["region", "arm", *results.spec.vary]
    rows = []
    for values, group in results.summary.groupby(keys, sort=True, dropna=False):
        for metric in metrics:
            m, low, high = mean_ci(group[metric])
            rows.append({**dict(zip(keys, values)), "metric": metric,
                         "unit": unit_of(metric), "n": int(group[metric].notna().sum()),
                         "mean": m, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows)


def paired_differences(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Each arm minus the first arm, paired by (region, point, replicate).

    Returns one row per region, ``[vary]`` combination, arm and metric: ``n`` pairs, the
    two means, ``mean_diff`` with its 95% t interval, and the Wilcoxon signed-rank
    statistic and two-sided p value (NaN when every difference is 0).
    """
    spec = results.spec
    arms = list(spec.arms)
    summary = results.summary
    keys = ["region", "point", "replicate"]
    combo = _combo_labels(results)
    base = summary[summary["arm"] == arms[0]]
    rows = []
    for arm in arms[1:]:
        both = base.merge(summary[summary["arm"] == arm], on=keys, suffixes=("@ref", "@arm"))
        both["combo"] = both["point"] // max(1, len(sample_matrix(spec)))
        for (region, c), pairs in both.groupby(["region", "combo"], sort=True):
            for metric in metrics:
                ref, val = pairs[f"{metric}@ref"], pairs[f"{metric}@arm"]
                diff = (val - ref).dropna().to_numpy(dtype=float)
                m, low, high = mean_ci(diff)
                stat, p = _wilcoxon(diff)
                rows.append({"region": region, "group": combo[c], "arm": arm,
                             "reference": arms[0], "metric": metric, "unit": unit_of(metric),
                             "n": len(diff), "mean_reference": float(ref.mean()),
                             "mean_arm": float(val.mean()), "mean_diff": m, "ci_low": low,
                             "ci_high": high, "wilcoxon_stat": stat, "wilcoxon_p": p})
    return pd.DataFrame(rows)


def _wilcoxon(diff: np.ndarray) -> tuple[float, float]:
    if len(diff) < 2 or np.allclose(diff, 0):
        return np.nan, np.nan
    result = stats.wilcoxon(diff)
    return float(result.statistic), float(result.pvalue)


def _combo_labels(results: SweepResults) -> list[str]:
    """A label per ``[vary]`` combination (``all`` when nothing is varied by lists)."""
    spec = results.spec
    rows = len(sample_matrix(spec))
    points = design_points(spec)[::max(1, rows)]
    return [", ".join(f"{k}={p[k]}" for k in spec.vary) or "all" for p in points]


def _point_means(results: SweepResults, metrics: list[str]):
    """Per region, arm and [vary] combination: the mean over replicates at each sample
    row, in sample order (None where a row has no finished run)."""
    spec = results.spec
    x = sample_matrix(spec)
    combo = _combo_labels(results)
    summary = results.summary.assign(combo=lambda f: f["point"] // len(x),
                                     row=lambda f: f["point"] % len(x))
    for (region, arm, c), group in summary.groupby(["region", "arm", "combo"], sort=False):
        means = group.groupby("row")[metrics].mean().reindex(range(len(x)))
        yield region, arm, combo[c], x, means


def morris_indices(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Morris elementary effects (SALib) per region, arm, group, metric and parameter."""
    from SALib.analyze import morris

    spec = results.spec
    problem = salib_problem(spec)
    rows = []
    for region, arm, group, x, means in _point_means(results, metrics):
        for metric in metrics:
            y = means[metric].to_numpy(dtype=float)
            if not np.isfinite(y).all():
                warnings.warn(f"morris: {region}/{arm}/{metric}: runs missing or NaN at "
                              "some points; skipped", stacklevel=2)
                continue
            res = morris.analyze(problem, x, y, num_levels=spec.levels, conf_level=0.95,
                                 seed=spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"region": region, "arm": arm, "group": group, "metric": metric,
                             "unit": unit_of(metric), "parameter": name,
                             "mu_star": res["mu_star"][i], "mu_star_conf": res["mu_star_conf"][i],
                             "mu": res["mu"][i], "sigma": res["sigma"][i]})
    return pd.DataFrame(rows)


def sobol_indices(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """Sobol' first-order and total indices with 95% CIs (SALib), per metric and
    parameter; metrics that do not vary are left out (their indices are undefined)."""
    from SALib.analyze import sobol

    spec = results.spec
    problem = salib_problem(spec)
    rows = []
    for region, arm, group, _, means in _point_means(results, metrics):
        for metric in metrics:
            y = means[metric].to_numpy(dtype=float)
            if not np.isfinite(y).all() or np.ptp(y) == 0:
                continue
            res = sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95,
                                seed=spec.seed)
            for i, name in enumerate(problem["names"]):
                rows.append({"region": region, "arm": arm, "group": group, "metric": metric,
                             "unit": unit_of(metric), "parameter": name,
                             "S1": res["S1"][i], "S1_conf": res["S1_conf"][i],
                             "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})
    return pd.DataFrame(rows)
