"""Key figures of a run and its twin without facilitator, and their difference.

Examples
--------
>>> from symbiosis_abm.dashboard.run import DashboardRun
>>> run = DashboardRun("kalundborg", rng=1)
>>> [k.key for k in key_figures(run)][:2]
['kpi_active_exchanges', 'kpi_participating_firms']
>>> for _ in range(24): run.step()
>>> k = {k.key: k for k in key_figures(run)}["kpi_active_exchanges"]
>>> k.difference == k.value - k.twin
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..model import SymbiosisModel
from .run import DashboardRun

__all__ = ["KeyFigure", "key_figures", "format_number"]


@dataclass(frozen=True)
class KeyFigure:
    """One card: the value with facilitator, without it (twin) and the difference."""

    key: str                    # translation key of the label
    value: float | None
    twin: float | None
    difference: float | None


def _per_year(ts: pd.DataFrame, column: str, model: SymbiosisModel) -> float:
    """Yearly rate over the last year of ticks (annualised while the run is younger)."""
    if len(ts) == 0:
        return 0.0
    per_year = model.params.ticks_per_year
    window = ts[column].iloc[-max(1, int(round(per_year))):]
    return float(window.mean() * per_year)


def _figures(model: SymbiosisModel | None) -> dict[str, float | None]:
    if model is None:
        return {}
    ts = model.timeseries() if model.steps else pd.DataFrame()
    last = ts.iloc[-1] if len(ts) else None
    pick = (lambda c: float(last[c])) if last is not None else (lambda c: 0.0)
    return {
        "kpi_active_exchanges": pick("active_exchanges"),
        "kpi_participating_firms": pick("participating_firms"),
        "kpi_diverted": _per_year(ts, "materials_diverted_t", model),
        "kpi_co2e": _per_year(ts, "co2e_avoided_t", model),
        "kpi_savings": pick("firm_net_savings_eur"),
        "kpi_public_cost": pick("public_cost_eur"),
        "_diverted_total": float(ts["materials_diverted_t"].sum()) if len(ts) else 0.0,
    }


def key_figures(run: DashboardRun) -> list[KeyFigure]:
    """The KPI cards of ``run`` (empty when the run could not start)."""
    if run.main is None:
        return []
    main, twin = _figures(run.main), _figures(run.twin)
    out = []
    for key in ("kpi_active_exchanges", "kpi_participating_firms", "kpi_diverted",
                "kpi_co2e", "kpi_savings", "kpi_public_cost"):
        value, other = main[key], twin.get(key)
        out.append(KeyFigure(key, value, other, None if other is None else value - other))
    additional = main["_diverted_total"] - twin.get("_diverted_total", math.nan)
    per_tonne = (main["kpi_public_cost"] / additional
                 if additional > 0 and main["kpi_public_cost"] > 0 else None)
    out.append(KeyFigure("kpi_cost_per_tonne", per_tonne, None, None))
    return out


def format_number(value: float | None, *, signed: bool = False) -> str:
    """Short, readable figures for cards: ``12``, ``3.4k``, ``1.2M``; ``-`` for none.

    >>> format_number(1234567.0), format_number(-2500.0, signed=True), format_number(None)
    ('1.2M', '-2.5k', '-')
    >>> format_number(3.0, signed=True), format_number(0.25)
    ('+3', '0.25')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    sign = "+" if signed and value > 0 else ""
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return f"{sign}{value / limit:.1f}{suffix}"
    if value == int(value):
        return f"{sign}{int(value)}"
    return f"{sign}{value:.2f}"
