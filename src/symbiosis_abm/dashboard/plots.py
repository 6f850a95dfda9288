"""Time-series figures of the run (solid) and its twin without facilitator (dashed).

Examples
--------
>>> from symbiosis_abm.dashboard.run import DashboardRun
>>> run = DashboardRun("kalundborg", rng=1)
>>> for _ in range(12): run.step()
>>> fig = twin_figure(run, "en")
>>> [ax.get_title() for ax in fig.axes][:1]
['Active exchanges and participating firms']
>>> len(fig.axes[0].get_lines())      # two series, with and without facilitator
4
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from .i18n import tr
from .run import DashboardRun, failure_reasons

__all__ = ["twin_figure", "TOP_RESOURCES"]

#: Resources shown in the delivered-volume panel (the largest by total delivered).
TOP_RESOURCES = 6


def _series(ax, x, y, label: str, colour: str, twin: bool) -> None:
    ax.plot(x, y, color=colour, linestyle="--" if twin else "-", linewidth=1.2 if twin else 1.8,
            label=label if not twin else None, alpha=0.8 if twin else 1.0)


def twin_figure(run: DashboardRun, lang: str = "en", *, size=(8.0, 5.6), dpi=90) -> Figure:
    """Four panels: exchanges and firms; delivered by resource; ties; negotiations."""
    fig = Figure(figsize=size, dpi=dpi)  # fixed margins: a layout engine doubles the cost
    axes = fig.subplots(2, 2).ravel()
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.08, top=0.9, hspace=0.42, wspace=0.2)
    titles = ("plot_exchanges", "plot_diverted", "plot_ties", "plot_negotiations")
    for ax, key in zip(axes, titles):
        ax.set_title(tr(key, lang), fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(tr("month_axis", lang), fontsize=7)
    if run.main is None or run.main.steps == 0:
        return fig
    models = [(run.main, False)] + ([(run.twin, True)] if run.twin is not None else [])
    for model, twin in models:
        ts = model.timeseries()
        x = ts.index.to_numpy()
        _series(axes[0], x, ts["active_exchanges"], tr("exchanges", lang), "C0", twin)
        _series(axes[0], x, ts["participating_firms"], tr("firms", lang), "C1", twin)
        for col, key, colour in (("negotiations_opened", "opened", "C0"),
                                 ("negotiations_concluded", "concluded", "C2"),
                                 ("negotiations_failed", "failed", "C3")):
            _series(axes[3], x, ts[col], tr(key, lang), colour, twin)
    ties = np.array(run.ties).reshape(-1, 4)
    x = np.arange(len(ties))
    _series(axes[2], x, ties[:, 0], tr("strong_ties", lang), "C4", False)
    _series(axes[2], x, ties[:, 1], tr("weak_ties", lang), "C5", False)
    if run.twin is not None:
        _series(axes[2], x, ties[:, 2], "", "C4", True)
        _series(axes[2], x, ties[:, 3], "", "C5", True)
    _delivered(axes[1], run, lang)
    reasons = failure_reasons(run.main)
    if reasons:
        text = "\n".join(f"{k}: {v}" for k, v in list(reasons.items())[:5])
        axes[3].text(0.02, 0.97, f"{tr('failure_reasons', lang)}\n{text}", fontsize=6.5,
                     va="top", transform=axes[3].transAxes, color="C3")
    for ax in (axes[0], axes[2], axes[3]):
        ax.legend(fontsize=7, loc="lower right", frameon=False)
    if run.twin is not None:
        fig.suptitle(tr("twin_note", lang), fontsize=8)
    return fig


def _delivered(ax, run: DashboardRun, lang: str) -> None:
    long = run.main.deliveries_frame()
    if long.empty:
        return
    totals = long.groupby("resource")["delivered"].sum().sort_values(ascending=False)
    ticks = np.arange(run.main.steps)
    for i, resource in enumerate(totals.index[:TOP_RESOURCES]):
        rows = long[long["resource"] == resource]
        y = np.zeros(len(ticks))
        y[rows["tick"].to_numpy()] = rows["delivered"].to_numpy()
        ax.plot(ticks, y, color=f"C{i}", linewidth=1.4,
                label=f"{resource} ({rows['unit'].iloc[0]})")
    ax.set_yscale("symlog")
    ax.legend(fontsize=6.5, loc="upper left", frameon=False)
