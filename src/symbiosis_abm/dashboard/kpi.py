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

In A/B mode ``twin`` holds run B's figure and ``difference`` is B - A:

>>> ab = DashboardRun("kalundborg", rng=1, compare={"facilitator": False})
>>> for _ in range(24): ab.step()
>>> k = {k.key: k for k in key_figures(ab)}["kpi_public_cost"]
>>> k.difference == k.twin - k.value
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import SymbiosisModel
from . import frames
from .run import DashboardRun

__all__ = ["KeyFigure", "key_figures", "format_number"]


@dataclass(frozen=True)
class KeyFigure:
    """One card: the value with facilitator, without it (twin) and the difference; in A/B
    mode the value of A, of B (``twin``) and B - A (``difference``)."""

    key: str                    # translation key of the label
    value: float | None
    twin: float | None
    difference: float | None
    unit: str = ""              # key of :data:`~.i18n.UNITS`
    per_year: bool = False
    note: str | None = None     # translation key of an explanation (negative, undefined)


def _per_year(values: list, model: SymbiosisModel) -> float:
    """Yearly rate over the last year of ticks (annualised while the run is younger)."""
    if not values:
        return 0.0
    per_year = model.params.ticks_per_year
    window = _floats(values[-max(1, int(round(per_year))):])
    return float(window.sum() / len(window) * per_year)


def _floats(values: list) -> np.ndarray:
    # the sum pandas takes of a column (numpy's, over float64): the same bits as before
    return np.asarray(values, dtype=np.float64)


def _figures(model: SymbiosisModel | None) -> dict[str, float | None]:
    if model is None:
        return {}
    def column(name: str) -> list:
        return frames.series(model, name) if model.steps else []

    def pick(name: str) -> float:
        values = column(name)
        return float(values[-1]) if values else 0.0

    return {
        "kpi_active_exchanges": pick("active_exchanges"),
        "kpi_participating_firms": pick("participating_firms"),
        "kpi_diverted": _per_year(column("materials_diverted_t"), model),
        "kpi_energy": _per_year(column("energy_recovered_mwh"), model),
        "kpi_water": _per_year(column("water_reused_m3"), model),
        "kpi_co2e": _per_year(column("co2e_avoided_t"), model),
        "kpi_savings": pick("firm_net_savings_eur"),
        "kpi_public_cost": pick("public_cost_eur"),
        "_diverted_total": float(_floats(column("materials_diverted_t")).sum()),
    }


def key_figures(run: DashboardRun) -> list[KeyFigure]:
    """The KPI cards of ``run`` (empty when the run could not start)."""
    if run.main is None:
        return []
    main, twin = _figures(run.main), _figures(run.comparison)
    ab = run.mode == "ab"
    out = []
    for key, unit, yearly in _CARDS:
        value, other = main[key], twin.get(key)
        diff = None if other is None else (other - value if ab else value - other)
        note = "note_negative" if (not ab and diff is not None and diff < 0
                                   and key != "kpi_public_cost") else None
        out.append(KeyFigure(key, value, other, diff, unit, yearly, note))
    if ab:
        # cost per additional tonne is the facilitator's (against the twin): not in A/B
        out.append(KeyFigure("kpi_cost_per_tonne", None, None, None, "EUR/t", False,
                             "note_ab_cost"))
        return out
    additional = main["_diverted_total"] - twin.get("_diverted_total", math.nan)
    cost = main["kpi_public_cost"]
    # defined only when the facilitator added tonnes (a difference of 0 or less, or no
    # twin, has no cost per additional tonne) and spent money
    defined = run.twin is not None and additional > 1e-9 and cost > 0
    out.append(KeyFigure("kpi_cost_per_tonne", cost / additional if defined else None, None,
                         None, "EUR/t", False,
                         None if defined else ("note_no_twin" if run.twin is None
                                               else "note_cost_undefined")))
    return out


#: (key, unit, per year) of the cards, in page order.
_CARDS = (("kpi_active_exchanges", "", False), ("kpi_participating_firms", "", False),
          ("kpi_diverted", "t", True), ("kpi_energy", "MWh", True), ("kpi_water", "m3", True),
          ("kpi_co2e", "t CO2e", True), ("kpi_savings", "EUR", False),
          ("kpi_public_cost", "EUR", False))


def format_number(value: float | None, *, signed: bool = False, unit: str = "",
                  lang: str = "en", exact: bool = False) -> str:
    """One number format for the whole page: ``12``, ``3.4k``, ``1.2M`` with the unit
    after a space; a decimal comma in Swedish; ``-`` for none. ``exact`` writes every
    digit (a lever's value), grouped by thousands.

    >>> format_number(1234567.0), format_number(-2500.0, signed=True), format_number(None)
    ('1.2M', '-2.5k', '-')
    >>> format_number(3.0, signed=True), format_number(0.25), format_number(6000.0, unit="t")
    ('+3', '0.25', '6.0k t')
    >>> format_number(1500.5, lang="sv", unit="m³"), format_number(20000.0, exact=True)
    ('1,5k m³', '20,000')
    >>> format_number(0.35, exact=True, lang="sv"), format_number(0.0, signed=True)
    ('0,35', '0')
    >>> format_number(862.5, signed=True, unit="t"), format_number(12.34)
    ('+862 t', '12.3')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    sign = "+" if signed and value > 0 else ""
    size = abs(value)
    text = None
    if exact:
        text = f"{value:,.0f}" if value == int(value) else f"{value:,.4g}"
    else:
        for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if size >= limit:
                text = f"{value / limit:.1f}{suffix}"
                break
        if text is None:   # three significant digits at most
            text = str(int(value)) if value == int(value) else (
                f"{value:.0f}" if size >= 100 else f"{value:.1f}" if size >= 10 else
                f"{value:.2f}" if size >= 0.01 else f"{value:.2g}")
    if lang == "sv":
        text = text.replace(",", "\u202f").replace(".", ",")
    return f"{sign}{text}" + (f" {unit}" if unit else "")
