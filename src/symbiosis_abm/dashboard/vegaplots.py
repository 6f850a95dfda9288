"""The plots over time as one Vega-Lite view drawn in the browser: each panel the run with
the facilitator (solid) and its twin without it (dashed), or in A/B mode run A (solid) and
run B (dashed), with hover values and units.
As for the map, the specification is sent once per run and language; each step sends the
rows only (:func:`plot_data`).

Examples
--------
>>> from symbiosis_abm.dashboard.run import DashboardRun
>>> run = DashboardRun("kalundborg", rng=1)
>>> for _ in range(3): run.step()
>>> rows = plot_data(run, "en")["series"]
>>> sorted({r["run"] for r in rows})
['with facilitator', 'without facilitator']
>>> len({r["month"] for r in rows})
3

A step adds the new month's rows after the rows already drawn:

>>> run.step()
>>> more = plot_data(run, "en")["series"]
>>> more[:len(rows)] == rows, len(more) - len(rows), {r["month"] for r in more[len(rows):]}
(True, 10, {4})
"""

from __future__ import annotations

import weakref
from typing import Any

from . import frames
from .i18n import tr, unit_label
from .run import DashboardRun

__all__ = ["plot_spec", "plot_data", "run_labels", "PANELS"]

#: (time-series column, translation key of the panel, unit key)
PANELS = (("active_exchanges", "kpi_active_exchanges", ""),
          ("participating_firms", "kpi_participating_firms", ""),
          ("materials_diverted_t", "plot_diverted_t", "t"),
          ("energy_recovered_mwh", "plot_energy", "MWh"),
          ("water_reused_m3", "plot_water", "m3"))


def _panel(key: str, unit: str, lang: str) -> str:
    u = unit_label(unit, lang)
    return tr(key, lang) + (f" ({u}/{tr('month_word', lang)})" if u else "")


def run_labels(run: DashboardRun) -> tuple[str, str]:
    """Translation keys of the two lines: facilitator and twin, or A and B."""
    return ("run_a", "run_b") if run.mode == "ab" else ("with_fac", "without_fac")


def plot_data(run: DashboardRun, lang: str) -> dict[str, list[dict[str, Any]]]:
    """Rows (month, panel, run, value) of both runs, month by month. The rows of months
    already shown are kept from the last call (a step adds one month's rows; past months
    never change): a new list each call, whose start is the last call's rows."""
    # month by month: a step only appends rows (the browser is sent just those)
    lines = []
    for model, label in zip((run.main, run.comparison), run_labels(run)):
        if model is None or not model.steps:
            continue
        name = tr(label, lang)
        lines += [(model, column, _panel(key, unit, lang), name)
                  for column, key, unit in PANELS]
    keys = tuple((id(m), column, panel, name) for m, column, panel, name in lines)
    lengths = {len(frames.series(m, "tick")) for m, *_ in lines}
    months = max(lengths, default=0)
    kept = _drawn.get(run, {}).get(lang)
    done, rows = (kept[1], kept[2]) if kept is not None and kept[0] == keys and len(
        lengths) == 1 and kept[1] <= months else (0, [])
    values = [frames.series(m, column)[done:months] for m, column, *_ in lines]
    new = [{"month": done + m + 1, "panel": panel, "run": name,
            "value": round(float(v[m]), 3)}
           for m in range(months - done) for (_, _, panel, name), v in zip(lines, values)
           if m < len(v)]
    rows = rows + new
    if len(lengths) == 1:
        _drawn.setdefault(run, {})[lang] = (keys, months, rows)
    return {"series": rows}


#: per run and language: (lines, months drawn, their rows), kept for the next call
_drawn: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def plot_spec(run: DashboardRun, lang: str) -> dict[str, Any]:
    """The Vega-Lite specification of the plots (rows from :func:`plot_data`)."""
    runs = [tr(k, lang) for k in run_labels(run)]
    def panel(column_key: str, unit: str, last: bool) -> dict[str, Any]:
        title = _panel(column_key, unit, lang)
        return {
            "title": {"text": title, "fontSize": 13, "anchor": "start"},
            "width": 250, "height": 70,
            "transform": [{"filter": {"field": "panel", "equal": title}}],
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2.2},
            "encoding": {
                "x": {"field": "month", "type": "quantitative",
                      "title": tr("month_axis", lang) if last else None},
                "y": {"field": "value", "type": "quantitative", "title": None},
                "color": {"field": "run", "type": "nominal",
                          "scale": {"domain": runs, "range": ["#0072B2", "#D55E00"]},
                          "legend": {"orient": "top", "title": None, "labelFontSize": 13}},
                "strokeDash": {"field": "run", "type": "nominal",
                               "scale": {"domain": runs, "range": [[1, 0], [6, 4]]},
                               "legend": None},
                "tooltip": [{"field": "run", "title": " "},
                            {"field": "month", "title": tr("month_axis", lang)},
                            {"field": "value", "title": title, "format": ",.4~g"}]},
        }

    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "datasets": plot_data(run, lang),
        "data": {"name": "series"},
        # room for the y labels and titles, which the first layout (no rows yet) lacks
        # canvas: five panels redrawn each step cost the browser less than SVG nodes
        "usermeta": {"renderer": "canvas"},
        "padding": {"left": 60, "top": 4, "right": 8, "bottom": 4},
        "vconcat": [panel(k, u, i == len(PANELS) - 1) for i, (_, k, u) in enumerate(PANELS)],
        "spacing": 8,
        "config": {"axis": {"labelFontSize": 12, "titleFontSize": 12}},
    }
