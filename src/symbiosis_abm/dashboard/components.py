"""Solara components of the dashboard. Each takes the :class:`~.run.DashboardRun`, the
language and ``counter``, Mesa's ``update_counter`` (moved after Step or a playback
redraw), read once by the page's :func:`~.app.RunView` and passed down: one component
subscribed means one render pass per step (nine subscribers cost nine passes over the
whole page). Each reads the run under its lock (a step is never read half done)."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from html import escape
from typing import Any

import solara

#: reacton's renderer that skips every subtree a redraw leaves unchanged (opt-in by this
#: variable, reacton >= 1.11; tested by reacton against the default one): a step then
#: walks only the components showing per-step figures, not the sidebar, the levers or the
#: playback buttons (the default walks and re-applies the whole page: about 500 elements
#: and 240 widgets per step). ``REACTON_FAST=0`` in the environment keeps the default.
os.environ.setdefault("REACTON_FAST", "1")

from ..region import load_region
from . import export
from .controls import Control, controls, region_values, slider_range
from .events import event_lines
from .i18n import choice_label, param_description, param_label, tr, unit_label
from .inspector import firm_choices, firm_details, html_table
from .kpi import KeyFigure, format_number, key_figures
from .run import DashboardRun
from .timeline import month_label, passed_milestones, region_milestones, region_start
from .vegamap import map_data, map_spec, view_geometry
from .vegaplots import plot_data, plot_spec
from .widgets import VegaView

__all__ = ["AbSummary", "ab_summary", "model_counter_text", "StepCounter", "Messages", "KpiCards", "MapView", "TwinPlots", "FirmInspector",
           "EventLog", "Downloads", "Milestones", "ControlPanel", "PendingChanges",
           "counter_text", "pending_changes", "lever_value_text"]


def counter_text(run: DashboardRun, lang: str) -> str:
    """"Month 3" or, where the region has a start date, "Mar 1984 (month 3)"."""
    return model_counter_text(run.main, lang)


def model_counter_text(model: Any, lang: str) -> str:
    """:func:`counter_text` of one model (run A or B in A/B mode)."""
    if model is None:
        return tr("step_counter", lang, n=0)
    n = model.steps
    date = month_label(region_start(model.world.region), max(0, n - 1),
                       model.params.tick_months, lang)
    return tr("date_counter", lang, date=date, n=n) if date and n else tr(
        "step_counter", lang, n=n)


@solara.component
def StepCounter(run: DashboardRun, lang: str, counter: int = 0):
    with run.lock:
        text = counter_text(run, lang)
    solara.Text(text, classes=["step-counter"])


@solara.component
def Messages(run: DashboardRun, lang: str, counter: int = 0):
    """The run's error (it could not start or stopped) or warnings, in words."""
    if run.error:
        title = tr("error_title" if run.main is None else "error_step", lang)
        solara.Error(f"{title}: {run.error}", classes=["run-message"])
    for key in run.warnings:
        solara.Warning(tr(key, lang), classes=["run-message"])


@solara.component
def KpiCards(run: DashboardRun, lang: str, counter: int = 0, compact: bool = False):
    """One card per key figure: with facilitator, without it, the difference, and a line
    explaining a negative or undefined effect (in ``compact`` presenter cards, the
    explanation is the card's tooltip). A card whose figures did not change in a step is
    not redrawn."""
    with run.lock:
        figures = key_figures(run)
    ab = run.mode == "ab"
    with solara.Row(classes=["kpi-row"], style={"flex-wrap": "nowrap" if compact else "wrap",
                                                "gap": "6px", "width": "100%"}):
        for fig in figures:
            KpiCard(fig, lang, ab, compact)


@solara.component
def KpiCard(fig: KeyFigure, lang: str, ab: bool, compact: bool):
    """One key figure's card (see :func:`KpiCards`)."""
    other_label = tr("run_b" if ab else "without_fac", lang)
    diff_label = tr("b_minus_a" if ab else "difference", lang)
    card = ({"flex": "1 1 0", "min-width": "0", "padding": "2px 6px"} if compact else
            {"min-width": "120px", "max-width": "230px", "padding": "4px 8px"})
    unit = unit_label(fig.unit, lang) + (f"/{tr('year', lang)}" if fig.per_year else "")
    with solara.Column(classes=["kpi-card"], gap="0px",
                       style={"border": "1px solid #ddd", "border-radius": "6px", **card}):
        solara.Text(tr(fig.key, lang), classes=["kpi-label"],
                    style={"font-size": "0.8em", "color": "#444", "line-height": "1.15"})
        value = (format_number(fig.value, unit=unit, lang=lang)
                 if fig.value is not None else tr("not_defined", lang))
        if ab and fig.value is not None:
            value = f"{tr('run_a', lang)}: {value}"
        solara.Text(value, classes=["kpi-value"],
                    style={"font-size": "1.4em", "font-weight": "600"})
        if fig.twin is not None:
            solara.Text(f"{other_label}: {format_number(fig.twin, unit=unit, lang=lang)}",
                        classes=["kpi-twin"], style={"font-size": "0.8em"})
            solara.Text(f"{diff_label}: "
                        f"{format_number(fig.difference, signed=True, unit=unit, lang=lang)}",
                        classes=["kpi-diff"],
                        style={"font-size": "0.85em", "color": "#0b4f8a",
                               "font-weight": "600"})
        if fig.note and not compact:
            solara.Text(tr(fig.note, lang), classes=["kpi-note"],
                        style={"font-size": "0.7em", "color": "#7a4a00", "line-height": "1.2"})


@solara.component
def MapView(run: DashboardRun, lang: str, counter: int = 0,
            on_pick: Callable[[str], None] | None = None, height: int = 520,
            legend: str = "bottom", which: str = "main"):
    """The map, drawn in the browser: its specification once per run and language, its
    rows each step (swapped into the live view: zoom and pan are kept). ``which`` is
    "other" for run B's map in A/B mode."""
    main = getattr(run, which)
    widget = solara.use_memo(VegaView, [])
    with run.lock:
        spec = solara.use_memo(
            lambda: map_spec(main, lang, height=height, legend=legend) if main else None,
            [id(run), lang, height, legend, which])
        geometry = solara.use_memo(
            lambda: view_geometry(main, height=height, legend=legend) if main else None,
            [id(run), height, legend, which])
        data = solara.use_memo(lambda: map_data(main, lang, geometry) if main else None,
                               [id(run), lang, counter, main.steps if main else 0, geometry])
        version = main.steps if main else 0
    if spec is None:
        return
    classes = ["map-view"] + ([f"map-{which}"] if run.mode == "ab" else [])
    with solara.Column(classes=classes, gap="0px", style={"width": "100%"}):
        if run.mode == "ab":
            side = "a" if which == "main" else "b"
            solara.Text(f"{tr('run_' + side, lang)} · {model_counter_text(main, lang)}",
                        classes=[f"ab-month-{side}"],
                        style={"font-weight": "600", "font-size": "1.1em"})
        live_vega(widget, spec, data, version, on_pick)
        MapHint(lang)


@solara.component
def MapHint(lang: str):
    """The line under the map (a component of its own: not redrawn by a step)."""
    solara.Text(tr("map_hint", lang), style={"font-size": "0.8em", "color": "#555"})


def live_vega(widget: VegaView, spec: dict, datasets: dict, version: int,
              on_pick: Callable[[str], None] | None = None) -> None:
    """Show ``datasets`` in ``widget`` (one :class:`~.widgets.VegaView` kept for its
    component's life) and place it on the page. Its rows are given to the widget directly
    (:meth:`~.widgets.VegaView.show`, which sends the browser only what changed), never
    as element arguments: the renderer walks every argument's nested values on each
    redraw, and compares them with the last (thousands of rows: most of a step's cost)."""
    widget.on_pick = on_pick
    widget.show(spec, datasets, version)
    solara.Column(children=[widget], style={"width": "100%", "overflow-x": "auto",
                                            "align-items": "flex-start"})


@solara.component
def TwinPlots(run: DashboardRun, lang: str, counter: int = 0):
    """The runs over time, drawn in the browser (solid: with facilitator, dashed: twin)."""
    main = run.main
    widget = solara.use_memo(VegaView, [])
    with run.lock:
        spec = solara.use_memo(lambda: plot_spec(run, lang) if main else None, [id(run), lang])
        data = solara.use_memo(lambda: plot_data(run, lang) if main else None,
                               [id(run), lang, counter, main.steps if main else 0])
        version = main.steps if main else 0
    if spec is None:
        return
    with solara.Column(classes=["twin-plots"], gap="0px"):
        live_vega(widget, spec, data, version)
        PlotNote(lang, run.mode == "ab")


@solara.component
def PlotNote(lang: str, ab: bool):
    solara.Text(tr("ab_note" if ab else "twin_note", lang),
                style={"font-size": "0.8em", "color": "#555"})


def ab_summary(run: DashboardRun, lang: str) -> str:
    """What B's levers differ in from A's, in words (A/B mode), e.g.
    ``"B differs from A in: Facilitator: on → off"``.

    >>> run = DashboardRun("kalundborg", rng=1, compare={"facilitator": False})
    >>> ab_summary(run, "en")
    'B differs from A in: Facilitator: on → off'
    """
    if run.main is None or run.other is None:
        return ""
    parts = []
    for c in controls():
        a, b = getattr(run.main.params, c.name), getattr(run.other.params, c.name)
        if a != b:
            parts.append(f"{param_label(c.name, lang)}: "
                         f"{lever_value_text(c, a, run.region_name, lang)} → "
                         f"{lever_value_text(c, b, run.region_name, lang)}")
    return f"{tr('ab_differs', lang)}: {'; '.join(parts)}" if parts else tr("ab_same", lang)


@solara.component
def AbSummary(run: DashboardRun, lang: str):
    solara.Text(ab_summary(run, lang), classes=["ab-summary"],
                style={"font-size": "0.95em", "color": "#0b4f8a"})


@solara.component
def FirmInspector(run: DashboardRun, lang: str, counter: int,
                  picked: solara.Reactive[str | None]):
    """The picked firm (click it on the map, or choose it here)."""
    if run.main is None:
        return
    with run.lock:
        choices = firm_choices(run.main)
        ids = list(choices.values())
        firm_id = picked.value if picked.value in ids else ids[0]
        label = next(k for k, v in choices.items() if v == firm_id)
        info = firm_details(run.main, firm_id, lang)
    with solara.Column(classes=["firm-inspector"]):
        solara.Select(tr("pick_firm", lang), values=list(choices), value=label,
                      on_value=lambda k: picked.set(choices[k]))
        none = tr("none", lang)
        parts = [f"<b class='inspector-title'>{escape(info['title'])}</b>"]
        for key in ("streams", "needs", "partners", "history"):
            parts.append(f"<p><b>{escape(tr(key, lang))}</b></p>{html_table(info[key], none)}")
        solara.HTML(tag="div", unsafe_innerHTML="".join(parts), classes=["inspector-body"],
                    style={"overflow-x": "auto", "font-size": "0.85em"})


@solara.component
def EventLog(run: DashboardRun, lang: str, counter: int = 0):
    if run.main is None:
        return
    with run.lock:
        lines = event_lines(run.main, lang)
    body = ("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>" if lines
            else f"<i>{escape(tr('no_events', lang))}</i>")
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["event-log"],
                style={"max-height": "320px", "overflow-y": "auto", "font-size": "0.85em"})


@solara.component
def Milestones(run: DashboardRun, lang: str, counter: int = 0, large: bool = False):
    """The latest of the region's documented milestones reached so far (one banner)."""
    if run.main is None:
        return
    with run.lock:
        region = run.main.world.region
        reached = passed_milestones(region_start(region), max(0, run.main.steps - 1),
                                    run.main.params.tick_months, region_milestones(region),
                                    lang)
    if reached:
        date, text = reached[0]
        solara.Info(f"{date}: {text}", classes=["milestone"], dense=True,
                    style={"font-size": "1.2em" if large else "1em"})


@solara.component
def Downloads(run: DashboardRun, lang: str, counter: int = 0):
    if run.main is None:
        return
    name = f"{run.main.world.region.name}_seed{run.seed}_m{run.main.steps}"

    def locked(f: Callable[[], Any]) -> Callable[[], Any]:
        def call():
            with run.lock:
                return f()
        return call

    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(locked(lambda: export.timeseries_csv(run)),
                            f"{name}_timeseries.csv", label=tr("dl_timeseries", lang),
                            mime_type="text/csv")
        solara.FileDownload(locked(lambda: export.exchanges_csv(run)),
                            f"{name}_exchanges.csv", label=tr("dl_exchanges", lang),
                            mime_type="text/csv")
        solara.FileDownload(locked(lambda: export.graphml(run)), f"{name}.graphml",
                            label=tr("dl_graphml", lang), mime_type="application/xml")
        solara.FileDownload(locked(lambda: export.map_png(run, lang)), f"{name}_map.png",
                            label=tr("dl_png", lang), mime_type="image/png")
        solara.FileDownload(locked(lambda: export.animation_gif(run, lang)), f"{name}.gif",
                            label=tr("dl_gif", lang), mime_type="image/gif")


def _tooltip(c: Control, lang: str) -> str:
    span = f" [{c.low:g} .. {c.high:g}]" if c.low is not None else ""
    return f"{param_description(c.name, c.tooltip, lang)} ({unit_label(c.unit, lang)}{span})"


def lever_value_text(c: Control, value: Any, region: str, lang: str) -> str:
    """The value a lever shows beside its label, with its unit, and a date for a tick
    in a region with a calendar: ``"348 (Jan 2011)"``.

    >>> from symbiosis_abm.dashboard.controls import control
    >>> lever_value_text(control("landfill_tax_eur_per_t"), 120.0, "kalundborg", "en")
    '120 EUR/t'
    >>> lever_value_text(control("facilitator_start_tick"), 348, "kalundborg_history", "en")
    'month 349 (Jan 1989)'
    """
    if value is None:
        return tr("never", lang)
    if c.kind == "checkbox":
        return tr("on" if value else "off", lang)
    if c.kind == "select":
        return choice_label(str(value), lang)
    if c.name.endswith("_tick"):
        # a tick t is "month t+1", as on the counter and in the event log
        text = f"{tr('month_word', lang)} {int(value) + 1}"
        if region != "synthetic":
            date = month_label(region_start(_region(region)), int(value), 1.0, lang)
            if date:
                text += f" ({date})"
        return text
    return format_number(float(value), unit=unit_label(c.unit, lang), lang=lang, exact=True)


@lru_cache(maxsize=32)
def _region(name: str):
    return load_region(name)


@solara.component
def ControlInput(c: Control, value: Any, on_value: Callable[[Any], None], region: str,
                 lang: str):
    """One lever: its label, its value in words and units, and the input. A slider's range
    widens to hold the region's own value (never clamped)."""
    label = param_label(c.name, lang)
    with solara.Tooltip(_tooltip(c, lang)):
        with solara.Column(gap="0px", classes=["lever", f"control-{c.name}"]):
            if c.kind == "checkbox":
                solara.Checkbox(label=label, value=bool(value), on_value=on_value)
                return
            if c.kind == "select":
                shown = {choice_label(x, lang): x for x in c.choices}
                solara.Select(label, values=list(shown), value=choice_label(value, lang),
                              on_value=lambda v: on_value(shown[v]))
                return
            with solara.Row(gap="6px", style={"align-items": "baseline"}):
                solara.Text(label, classes=["lever-label"])
                solara.Text(lever_value_text(c, value, region, lang), classes=["lever-value"])
            if c.optional:
                never = value is None
                solara.Checkbox(label=tr("never", lang), value=never,
                                on_value=lambda v: on_value(None if v else c.low))
                if never:
                    return
            low, high = slider_range(c, value)
            slider = solara.SliderInt if c.kind == "slider_int" else solara.SliderFloat
            slider("", value=value, min=low, max=high, step=c.step, on_value=on_value)


@solara.component
def ControlPanel(params: solara.Reactive[dict], lang: str, side: str = "A"):
    """Every lever, grouped. A lever shows the user's choice, else the chosen region's own
    value (:func:`~.controls.region_values`): nothing is carried over from another region.
    ``side`` "B" shows and sets run B's levers (A/B mode: ``params["compare"]``)."""
    region = params.value.get("region", "kalundborg")
    own = region_values(region)
    b = side == "B" and params.value.get("compare") is not None
    choices = params.value["compare"] if b else params.value

    def setter(name: str) -> Callable[[Any], None]:
        def set_value(v: Any) -> None:
            mine = params.value["compare"] if b else params.value
            if v == own.get(name) and type(v) is type(own.get(name)):
                mine = {k: x for k, x in mine.items() if k != name}  # the region's value
            else:
                mine = {**mine, name: v}
            params.set({**params.value, "compare": mine} if b else mine)
        return set_value

    synthetic = region == "synthetic"
    group = None
    for c in controls():
        if c.group == "group_synthetic" and not synthetic:
            continue
        if c.group != group:
            group = c.group
            solara.Text(tr(group, lang), style={"font-weight": "600", "margin-top": "8px"})
        ControlInput(c, choices.get(c.name, own[c.name]), setter(c.name), region, lang)


def applied_settings(run: DashboardRun) -> dict[str, Any]:
    """What ``run`` was built from, in the page's terms (region, seed, levers moved, and
    B's levers under ``compare`` in A/B mode)."""
    out = {"region": run.region_name, "rng": run.seed, **run.settings}
    if run.compare is not None:
        out["compare"] = dict(run.compare)
    return out


def pending_changes(run: DashboardRun, params: dict[str, Any], lang: str) -> list[str]:
    """Lines naming each change not yet applied (Reset applies them), e.g.
    ``"Landfill tax: 0 EUR/t → 120 EUR/t"``.

    >>> run = DashboardRun("kalundborg", rng=1)
    >>> pending_changes(run, {"region": "kalundborg", "rng": 1}, "en")
    []
    >>> pending_changes(run, {"region": "kalundborg", "rng": 2, "facilitator": False}, "en")
    ['Seed: 1 → 2', 'Facilitator: on → off']
    >>> pending_changes(run, {"region": "kalundborg", "rng": 1,
    ...                       "compare": {"facilitator": False}}, "en")
    ['A/B comparison: off → on', 'B · Facilitator: off']
    """
    applied = applied_settings(run)
    lines = _ab_pending(run, params, lang)
    a = {k: v for k, v in params.items() if k != "compare"}
    return _a_pending(run, a, applied, lang) + lines


def _ab_pending(run: DashboardRun, params: dict[str, Any], lang: str) -> list[str]:
    """Pending lines of the A/B mode: switched on or off, and B's levers."""
    new, old = params.get("compare"), run.compare
    lines = []
    if (new is None) != (old is None):
        lines.append(f"{tr('ab_mode', lang)}: {tr('on' if old is not None else 'off', lang)}"
                     f" → {tr('on' if new is not None else 'off', lang)}")
    if new is None:
        return lines
    region = params.get("region", "kalundborg")
    same = old is not None and region == run.region_name and run.other is not None
    now = region_values(region)
    for c in controls():
        value = new.get(c.name, now[c.name])
        if same:
            before = getattr(run.other.params, c.name)
            if value != before:
                lines.append(f"B · {param_label(c.name, lang)}: "
                             f"{lever_value_text(c, before, region, lang)} → "
                             f"{lever_value_text(c, value, region, lang)}")
        elif c.name in new:
            lines.append(f"B · {param_label(c.name, lang)}: "
                         f"{lever_value_text(c, value, region, lang)}")
    return lines


def _a_pending(run: DashboardRun, params: dict[str, Any], applied: dict[str, Any],
               lang: str) -> list[str]:
    lines = []
    if params.get("region") != applied["region"]:
        lines.append(f"{tr('region', lang)}: {applied['region']} → {params.get('region')}")
    if params.get("rng") != applied["rng"]:
        lines.append(f"{tr('seed', lang)}: {applied['rng']} → {params.get('rng')}")
    region = params.get("region", "kalundborg")
    now = region_values(region)
    if region != applied["region"] or run.main is None:
        # another region: its own values throughout; list only what the user moved
        for c in controls():
            if c.name in params:
                lines.append(f"{param_label(c.name, lang)}: "
                             f"{lever_value_text(c, params[c.name], region, lang)}")
        return lines
    for c in controls():
        new, old = params.get(c.name, now[c.name]), getattr(run.main.params, c.name)
        if new != old:
            lines.append(f"{param_label(c.name, lang)}: "
                         f"{lever_value_text(c, old, region, lang)} → "
                         f"{lever_value_text(c, new, region, lang)}")
    return lines


@solara.component
def PendingChanges(run: DashboardRun, params: dict[str, Any], lang: str):
    """Changes waiting for Reset, listed until Reset applies them."""
    lines = pending_changes(run, params, lang)
    if not lines:
        solara.Text(tr("apply_hint", lang), style={"font-size": "0.8em"})
        return
    with solara.Column(classes=["pending-changes"], gap="0px",
                       style={"background": "#fff3e0", "padding": "4px 8px",
                              "border-radius": "4px", "font-size": "0.85em"}):
        solara.Text(tr("pending_title", lang), style={"font-weight": "600"})
        for line in lines:
            solara.Text(line, classes=["pending-line"])
