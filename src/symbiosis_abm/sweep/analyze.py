"""What a sweep shows: paired arm differences, Morris and Sobol' indices (CSV and PNG).

- **Means** of every metric with 95% t intervals per region, arm and ``[vary]`` values.
- **Arms** (two or more): every arm against the first arm of the spec, paired by region,
  design point and replicate (the arms share seeds): mean difference with its 95% t
  interval (``scipy.stats.t``) and the Wilcoxon signed-rank test (``scipy.stats.wilcoxon``).
- **Morris** (``[sampler] method = "morris"``): ``mu*``, its 95% bootstrap CI, ``mu`` and
  ``sigma`` per parameter and metric (``SALib.analyze.morris``), on the mean over
  replicates at each point of the Morris sample.
- **Sobol'** (``method = "sobol"``): first-order ``S1`` and total ``ST`` indices with 95%
  CIs (``SALib.analyze.sobol``, no second-order terms); :func:`unstable_indices` flags
  indices that a larger sample is needed for (S1 < 0, ST > 1, CI wider than the index).
- **Interactions** (two or more arms and ``[vary]`` lists, shared seeds): how much an
  arm's paired effect changes between the first ``[vary]`` combination and each other
  one (difference of differences, paired by region and replicate), with its 95% t
  interval and one-sample t test.
- **Multiplicity**: each table of tests (arm differences, interactions) gets p values
  adjusted over the table as one family: Benjamini-Hochberg by default
  (``scipy.stats.false_discovery_control``), Holm as an option; raw and adjusted p both.
- **Replication check** (``primary``): :func:`replication`, the CI half-width of the
  primary outcome against the number of replicates.
- **Missing runs**: :func:`missing_runs` counts, per region, arm and design point, the
  runs the spec has that did not finish (failed or never run).

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

__all__ = ["analyze", "paired_differences", "morris_indices", "sobol_indices", "unit_of",
           "interactions", "adjust_p", "missing_runs", "unstable_indices", "CORRECTIONS",
           "replication"]

#: Multiplicity corrections: Benjamini-Hochberg (false discovery rate; default) and Holm
#: (family-wise error rate).
CORRECTIONS = ("bh", "holm")

_UNITS = ((r"_eur(_|$)", "EUR"), (r"_t(_total)?$", "t"), (r"_mwh(_|$)", "MWh"),
          (r"_m3(_|$)", "m3"), (r"_km(_|$)", "km"), (r"_per_t", "EUR/t"),
          (r"(exchanges|firms|pairs|component|members|negotiations|proposals)", "count"))


def unit_of(metric: str) -> str:
    """The unit of a metric, read from its name's suffix (``-``: dimensionless/unknown)."""
    for pattern, unit in _UNITS:
        if re.search(pattern, metric):
            return unit
    return "-"


def adjust_p(p: pd.Series | np.ndarray, method: str = "bh") -> np.ndarray:
    """p values adjusted over one family of tests (NaN stays NaN, not counted).

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03, float("nan")], "bh").round(3)
    array([0.03, 0.04, 0.04,  nan])
    >>> adjust_p([0.01, 0.04, 0.03], "holm").round(3)
    array([0.03, 0.06, 0.06])
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if not ok.any():
        return out
    if method == "bh":
        out[ok] = stats.false_discovery_control(p[ok], method="bh")
    elif method == "holm":
        values = p[ok]
        order = np.argsort(values)
        scaled = values[order] * (len(values) - np.arange(len(values)))
        adjusted = np.minimum(1.0, np.maximum.accumulate(scaled))
        result = np.empty_like(values)
        result[order] = adjusted
        out[ok] = result
    else:
        raise ValueError(f"correction {method!r}: choose one of {', '.join(CORRECTIONS)}")
    return out


def analyze(results: SweepResults, out: Path | str, metrics: list[str] | None = None,
            correction: str = "bh", primary: str | None = None) -> list[Path]:
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
        table["p_adjusted"] = adjust_p(table["wilcoxon_p"], correction)
        table["correction"] = correction
        written += _write(table, out / "arm_differences.csv")
        written += difference_chart(table, out / "arm_differences.png")
        if spec.vary and not spec.ranges and spec.seeds == "shared":
            table = interactions(results, metrics)
            if len(table):
                table["p_adjusted"] = adjust_p(table["t_p"], correction)
                table["correction"] = correction
                written += _write(table, out / "interactions.csv")
    if spec.sampler == "morris":
        table = morris_indices(results, metrics)
        written += _write(table, out / "morris.csv")
        written += _per_panel(table, out, "morris", morris_chart)
    elif spec.sampler == "sobol":
        table = sobol_indices(results, metrics)
        written += _write(table, out / "sobol.csv")
        written += _per_panel(table, out, "sobol", sobol_chart)
    means = _means(results, metrics)
    written += _write(means, out / "means.csv")
    if primary and results.spec.replicates > 2:
        written += _write(replication(results, primary), out / "replication.csv")
    return written


def _per_panel(table: pd.DataFrame, out: Path, name: str, chart) -> list[Path]:
    """One figure per region, arm and group (``NAME.png`` when there is only one)."""
    if table.empty:
        return []
    keys = ["region", "arm", "group"]
    groups = list(table.groupby(keys, sort=False))
    written = []
    for values, sub in groups:
        label = "_".join(re.sub(r"[^A-Za-z0-9_.=-]+", "-", str(v)) for v in values
                         if v != "all")
        written += chart(sub, out / (f"{name}.png" if len(groups) == 1
                                     else f"{name}_{label}.png"))
    return written


def unstable_indices(table: pd.DataFrame) -> list[str]:
    """One line per Sobol' index a reader should not trust, with advice.

    Flags S1 < 0 (impossible; sampling noise), ST > 1 (likewise) and a 95% CI wider
    than the index itself.

    Examples
    --------
    >>> t = pd.DataFrame({"region": ["k"], "arm": ["a"], "metric": ["m"],
    ...                   "parameter": ["p"], "S1": [-0.2], "S1_conf": [0.5],
    ...                   "ST": [1.3], "ST_conf": [0.1]})
    >>> print(unstable_indices(t)[0])  # doctest: +NORMALIZE_WHITESPACE
    sobol k/a m, p: S1 = -0.2 < 0; ST = 1.3 > 1; S1's CI (+-0.5) is wider than S1; the
    sample is too small for these indices: raise sampler.samples (N) and rerun (the sweep
    grows)
    """
    out = []
    for r in table.itertuples():
        flags = []
        if r.S1 < 0:
            flags.append(f"S1 = {r.S1:.3g} < 0")
        if r.ST > 1:
            flags.append(f"ST = {r.ST:.3g} > 1")
        for name, value, conf in (("S1", r.S1, r.S1_conf), ("ST", r.ST, r.ST_conf)):
            if np.isfinite(conf) and conf > abs(value):
                flags.append(f"{name}'s CI (+-{conf:.3g}) is wider than {name}")
        if flags:
            out.append(f"sobol {r.region}/{r.arm} {r.metric}, {r.parameter}: "
                       + "; ".join(flags) + "; the sample is too small for these indices: "
                       "raise sampler.samples (N) and rerun (the sweep grows)")
    return out


def missing_runs(results: SweepResults) -> pd.DataFrame:
    """Per region, arm and design point: runs expected, finished, failed and missing
    (rows only where some did not finish). ``failed_runs`` lists the failed run ids."""
    from .design import count_points, region_variants

    spec = results.spec
    done = results.summary.groupby(["region", "arm", "point"]).size()
    failures = results.failures
    rows = []
    for region, _, _ in region_variants(spec):
        for arm in spec.arms:
            for point in range(count_points(spec)):
                finished = int(done.get((region, arm, point), 0))
                if finished == spec.replicates:
                    continue
                bad = failures[(failures["region"] == region) & (failures["arm"] == arm)
                               & (failures["point"] == point)] if len(failures) else failures
                rows.append({"region": region, "arm": arm, "point": point,
                             "expected": spec.replicates, "finished": finished,
                             "failed": len(bad),
                             "missing": spec.replicates - finished - len(bad),
                             "failed_runs": " ".join(bad["run_id"]) if len(bad) else "",
                             "errors": "; ".join(dict.fromkeys(bad["error"]))
                             if len(bad) else ""})
    return pd.DataFrame(rows, columns=["region", "arm", "point", "expected", "finished",
                                       "failed", "missing", "failed_runs", "errors"])


def interactions(results: SweepResults, metrics: list[str]) -> pd.DataFrame:
    """How each arm's paired effect differs between ``[vary]`` combinations.

    For every non-reference arm, region, metric and ``[vary]`` combination ``c`` after
    the first (``c0``): per replicate, ``(arm - reference at c) - (arm - reference at
    c0)``; the mean (the interaction, a difference of differences) with its 95% t
    interval and the one-sample t test's p. Needs shared seeds (the default), so that a
    replicate is the same random world at every combination.
    """
    spec = results.spec
    arms = list(spec.arms)
    combo = _combo_labels(results)
    summary = results.summary
    keys = ["region", "point", "replicate"]
    base = summary[summary["arm"] == arms[0]]
    rows = []
    for arm in arms[1:]:
        both = base.merge(summary[summary["arm"] == arm], on=keys, suffixes=("@ref", "@arm"))
        for metric in metrics:
            both[metric] = both[f"{metric}@arm"] - both[f"{metric}@ref"]
        for region, sub in both.groupby("region", sort=True):
            wide = sub.pivot_table(index="replicate", columns="point", values=metrics)
            for metric in metrics:
                if metric not in wide.columns.get_level_values(0):
                    continue
                effects = wide[metric]
                first = effects.columns.min()
                for c in effects.columns:
                    if c == first:
                        continue
                    dod = (effects[c] - effects[first]).dropna().to_numpy(dtype=float)
                    m, low, high = mean_ci(dod)
                    p = (float(stats.ttest_1samp(dod, 0.0).pvalue)
                         if len(dod) > 1 and np.ptp(dod) > 0 else np.nan)
                    rows.append({"region": region, "arm": arm, "reference": arms[0],
                                 "group": combo[c], "baseline_group": combo[first],
                                 "metric": metric, "unit": unit_of(metric), "n": len(dod),
                                 "effect_baseline": float(effects[first].mean()),
                                 "effect_group": float(effects[c].mean()),
                                 "interaction": m, "ci_low": low, "ci_high": high,
                                 "t_p": p})
    return pd.DataFrame(rows)


def replication(results: SweepResults, metric: str) -> pd.DataFrame:
    """The replication check: the 95% CI half-width of ``metric``'s mean over the first
    ``n`` replicates, n = 2 ... replicates, per region, arm and design point; if it still
    shrinks fast at the last n, more replicates would change what a reader can claim.

    Examples
    --------
    >>> import types
    >>> s = pd.DataFrame({"region": "k", "arm": "a", "point": 0, "replicate": range(4),
    ...                   "m": [1.0, 3.0, 2.0, 2.0]})
    >>> replication(types.SimpleNamespace(summary=s), "m")["n"].tolist()
    [2, 3, 4]
    """
    rows = []
    keys = ["region", "arm", "point"]
    for values, group in results.summary.groupby(keys, sort=True):
        series = group.sort_values("replicate")[metric].to_numpy(dtype=float)
        for n in range(2, len(series) + 1):
            m, low, high = mean_ci(series[:n])
            rows.append({**dict(zip(keys, values)), "metric": metric, "n": n, "mean": m,
                         "half_width": (high - low) / 2,
                         "relative_half_width": (high - low) / 2 / abs(m) if m else np.nan})
    return pd.DataFrame(rows)


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
