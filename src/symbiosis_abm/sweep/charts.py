"""PNG charts of :mod:`.analyze` tables (matplotlib, Agg backend), axes with units."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["difference_chart", "morris_chart", "sobol_chart"]

COLUMNS = 4


def _figure(n_panels: int, width: float = 3.6, height: float = 2.8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(COLUMNS, max(1, n_panels))
    rows = max(1, math.ceil(n_panels / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return plt, fig, list(axes.flat)


def _save(plt, fig, title: str, path: Path) -> list[Path]:
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return [path]


def _varying(table: pd.DataFrame, value: str) -> list[str]:
    """Metrics whose values are not all 0/NaN (constant outputs make empty panels)."""
    keep = table.groupby("metric", sort=False)[value].apply(
        lambda s: bool(np.nanmax(np.abs(s.to_numpy(dtype=float)), initial=0) > 0))
    return [m for m, ok in keep.items() if ok]


def difference_chart(table: pd.DataFrame, path: Path) -> list[Path]:
    """One panel per metric: each arm's mean paired difference to the reference arm with
    its 95% CI, per region and group."""
    metrics = _varying(table, "mean_diff") or list(dict.fromkeys(table["metric"]))[:1]
    plt, fig, axes = _figure(len(metrics), width=3.0)
    for i, (ax, metric) in enumerate(zip(axes, metrics)):
        sub = table[table["metric"] == metric].reset_index(drop=True)
        labels = [f"{r.arm} [{r.region}{'' if r.group == 'all' else ', ' + r.group}]"
                  for r in sub.itertuples()]
        y = np.arange(len(sub))
        err = np.vstack([sub["mean_diff"] - sub["ci_low"], sub["ci_high"] - sub["mean_diff"]])
        ax.errorbar(sub["mean_diff"], y, xerr=np.nan_to_num(err), fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=0.8, ls="--")
        # Rows are the same in every panel: label them once per row of panels.
        ax.set_yticks(y, labels if i % COLUMNS == 0 else [""] * len(y), fontsize=6)
        ax.invert_yaxis()
        ax.set_title(metric, fontsize=8)
        ax.set_xlabel(f"difference ({sub['unit'].iloc[0]})", fontsize=7)
        ax.tick_params(labelsize=6)
    ref = table["reference"].iloc[0]
    return _save(plt, fig, f"Paired difference to arm '{ref}' (same seeds): mean and 95% CI",
                 path)


def morris_chart(table: pd.DataFrame, path: Path) -> list[Path]:
    """One panel per metric (first region, arm and group): sigma against mu* per
    parameter, with mu*'s 95% CI."""
    first = table.iloc[0]
    table = table[(table["region"] == first["region"]) & (table["arm"] == first["arm"])
                  & (table["group"] == first["group"])]
    metrics = _varying(table, "mu_star") or list(dict.fromkeys(table["metric"]))[:1]
    plt, fig, axes = _figure(len(metrics))
    for ax, metric in zip(axes, metrics):
        sub = table[table["metric"] == metric]
        unit = sub["unit"].iloc[0]
        ax.errorbar(sub["mu_star"], sub["sigma"], xerr=sub["mu_star_conf"], fmt="o",
                    capsize=2, ms=4)
        for r in sub.itertuples():
            ax.annotate(r.parameter, (r.mu_star, r.sigma), fontsize=5,
                        xytext=(2, 2), textcoords="offset points")
        ax.set_title(metric, fontsize=8)
        ax.set_xlabel(f"mu* ({unit})", fontsize=7)
        ax.set_ylabel(f"sigma ({unit})", fontsize=7)
        ax.tick_params(labelsize=6)
    return _save(plt, fig, f"Morris screening, {first['region']} / {first['arm']}: "
                 "mean |elementary effect| (mu*, 95% CI) and its spread (sigma)", path)


def sobol_chart(table: pd.DataFrame, path: Path) -> list[Path]:
    """One panel per metric (first region, arm and group): S1 and ST per parameter with
    95% CIs."""
    first = table.iloc[0]
    table = table[(table["region"] == first["region"]) & (table["arm"] == first["arm"])
                  & (table["group"] == first["group"])]
    metrics = list(dict.fromkeys(table["metric"]))
    plt, fig, axes = _figure(len(metrics))
    for ax, metric in zip(axes, metrics):
        sub = table[table["metric"] == metric].reset_index(drop=True)
        y = np.arange(len(sub))
        ax.barh(y - 0.2, sub["S1"], 0.4, xerr=sub["S1_conf"], label="S1 (first order)")
        ax.barh(y + 0.2, sub["ST"], 0.4, xerr=sub["ST_conf"], label="ST (total)")
        ax.set_yticks(y, sub["parameter"], fontsize=6)
        ax.invert_yaxis()
        ax.set_title(metric, fontsize=8)
        ax.set_xlabel("share of output variance (-)", fontsize=7)
        ax.tick_params(labelsize=6)
    axes[0].legend(fontsize=6)
    return _save(plt, fig, f"Sobol' indices, {first['region']} / {first['arm']} "
                 "(95% CIs)", path)
