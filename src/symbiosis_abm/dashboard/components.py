"""Solara components of the dashboard. Each takes the :class:`~.run.DashboardRun` and the
language and redraws when Mesa's ``update_counter`` moves (after Step or Play)."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import solara
from mesa.visualization.utils import update_counter

from . import export
from .controls import Control, controls
from .events import event_lines
from .i18n import param_label, tr
from .inspector import firm_choices, firm_details, html_table
from .kpi import format_number, key_figures
from .maphtml import map_base, map_html
from .plots import twin_figure
from .run import DashboardRun
from .timeline import month_label, passed_milestones, region_milestones, region_start

__all__ = ["StepCounter", "Messages", "KpiCards", "MapView", "TwinPlots", "FirmInspector",
           "EventLog", "Downloads", "Milestones", "ControlPanel", "counter_text"]


def counter_text(run: DashboardRun, lang: str) -> str:
    """"Month 3" or, where the region has a start date, "Mar 1984 (month 3)"."""
    if run.main is None:
        return tr("step_counter", lang, n=0)
    n = run.main.steps
    date = month_label(region_start(run.main.world.region), max(0, n - 1),
                       run.main.params.tick_months, lang)
    return tr("date_counter", lang, date=date, n=n) if date and n else tr(
        "step_counter", lang, n=n)


@solara.component
def StepCounter(run: DashboardRun, lang: str):
    update_counter.get()
    solara.Text(counter_text(run, lang), classes=["step-counter"])


@solara.component
def Messages(run: DashboardRun, lang: str):
    """The run's error (it could not start or stopped) or warnings, in words."""
    update_counter.get()
    if run.error:
        title = tr("error_title" if run.main is None else "error_step", lang)
        solara.Error(f"{title}: {run.error}", classes=["run-message"])
    for key in run.warnings:
        solara.Warning(tr(key, lang), classes=["run-message"])


@solara.component
def KpiCards(run: DashboardRun, lang: str):
    """One card per key figure: with facilitator, without it, and the difference."""
    update_counter.get()
    figures = key_figures(run)
    with solara.Row(classes=["kpi-row"], style={"flex-wrap": "wrap", "gap": "8px"}):
        for fig in figures:
            with solara.Column(classes=["kpi-card"], gap="0px",
                               style={"border": "1px solid #ddd", "border-radius": "6px",
                                      "padding": "6px 10px", "min-width": "150px"}):
                solara.Text(tr(fig.key, lang), classes=["kpi-label"],
                            style={"font-size": "0.8em", "color": "#555"})
                solara.Text(format_number(fig.value), classes=["kpi-value"],
                            style={"font-size": "1.6em", "font-weight": "600"})
                if fig.twin is not None:
                    solara.Text(f"{tr('without_fac', lang)}: {format_number(fig.twin)}",
                                classes=["kpi-twin"], style={"font-size": "0.75em"})
                    solara.Text(f"{tr('difference', lang)}: "
                                f"{format_number(fig.difference, signed=True)}",
                                classes=["kpi-diff"],
                                style={"font-size": "0.85em", "color": "#1565c0"})


@solara.component
def _Figure(make: Callable[[], Any], name: str, run: DashboardRun, lang: str):
    """A matplotlib figure drawn once per step and language (PNG: cheap for many points)."""
    counter = update_counter.get()
    deps = [id(run), run.main.steps if run.main else 0, counter, lang]
    fig = solara.use_memo(lambda: make() if run.main is not None else None, deps)
    if fig is not None:
        with solara.Column(classes=[name]):
            solara.FigureMatplotlib(fig, format="png", dependencies=deps)


@solara.component
def MapView(run: DashboardRun, lang: str):
    """The map: a static background drawn once per run and language, firms and exchanges
    drawn over it as SVG each step (hover names a firm)."""
    counter = update_counter.get()
    base = solara.use_memo(lambda: map_base(run.main, lang) if run.main else None,
                           [id(run), lang])
    html = solara.use_memo(lambda: map_html(run.main, base) if base else None,
                           [id(run), run.main.steps if run.main else 0, counter, lang])
    if html is not None:
        solara.HTML(tag="div", unsafe_innerHTML=html, classes=["map-view"])


@solara.component
def TwinPlots(run: DashboardRun, lang: str):
    _Figure(lambda: twin_figure(run, lang), "twin-plots", run, lang)


@solara.component
def FirmInspector(run: DashboardRun, lang: str):
    update_counter.get()
    picked, set_picked = solara.use_state(None)
    if run.main is None:
        return
    choices = firm_choices(run.main)
    if picked not in choices:  # first view, or a reset to another region
        picked = next(iter(choices))
    with solara.Column(classes=["firm-inspector"]):
        solara.Select(tr("pick_firm", lang), values=list(choices), value=picked,
                      on_value=set_picked)
        info = firm_details(run.main, choices[picked])
        none = tr("none", lang)
        parts = [f"<b>{escape(info['title'])}</b>"]
        for key, rows in (("streams", info["streams"]), ("needs", info["needs"]),
                          ("partners", info["partners"]), ("history", info["history"])):
            parts.append(f"<p><b>{escape(tr(key, lang))}</b></p>{html_table(rows, none)}")
        solara.HTML(tag="div", unsafe_innerHTML="".join(parts), classes=["inspector-body"],
                    style={"overflow-x": "auto", "font-size": "0.85em"})


@solara.component
def EventLog(run: DashboardRun, lang: str):
    update_counter.get()
    if run.main is None:
        return
    lines = event_lines(run.main, lang)
    body = ("<ul>" + "".join(f"<li>{escape(line)}</li>" for line in lines) + "</ul>" if lines
            else f"<i>{escape(tr('no_events', lang))}</i>")
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["event-log"],
                style={"max-height": "320px", "overflow-y": "auto", "font-size": "0.85em"})


@solara.component
def Milestones(run: DashboardRun, lang: str, large: bool = False):
    """The region's documented milestones reached so far, newest first."""
    update_counter.get()
    if run.main is None:
        return
    region = run.main.world.region
    reached = passed_milestones(region_start(region), max(0, run.main.steps - 1),
                                run.main.params.tick_months, region_milestones(region), lang)
    for i, (date, text) in enumerate(reached):
        style = {"font-size": "1.6em" if large and i == 0 else "1em"}
        solara.Info(f"{date}: {text}", classes=["milestone"], style=style, icon=i == 0)


@solara.component
def Downloads(run: DashboardRun, lang: str):
    update_counter.get()
    if run.main is None:
        return
    name = f"{run.main.world.region.name}_seed{run.seed}_m{run.main.steps}"
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: export.timeseries_csv(run), f"{name}_timeseries.csv",
                            label=tr("dl_timeseries", lang), mime_type="text/csv")
        solara.FileDownload(lambda: export.exchanges_csv(run), f"{name}_exchanges.csv",
                            label=tr("dl_exchanges", lang), mime_type="text/csv")
        solara.FileDownload(lambda: export.graphml(run), f"{name}.graphml",
                            label=tr("dl_graphml", lang), mime_type="application/xml")
        solara.FileDownload(lambda: export.map_png(run, lang), f"{name}_map.png",
                            label=tr("dl_png", lang), mime_type="image/png")
        solara.FileDownload(lambda: export.animation_gif(run, lang), f"{name}.gif",
                            label=tr("dl_gif", lang), mime_type="image/gif")


def _tooltip(c: Control) -> str:
    span = f" [{c.low:g} .. {c.high:g}]" if c.low is not None else ""
    return f"{c.tooltip} ({c.unit}{span})"


@solara.component
def ControlInput(c: Control, value: Any, on_value: Callable[[Any], None], lang: str):
    """One control with its unit in the label and the record's description as tooltip."""
    label = param_label(c.name, lang) + ("" if c.unit in ("-", "") else f" [{c.unit}]")
    with solara.Tooltip(_tooltip(c)):
        with solara.Column(gap="0px", classes=[f"control-{c.name}"]):
            if c.kind == "checkbox":
                solara.Checkbox(label=label, value=bool(value), on_value=on_value)
            elif c.kind == "select":
                solara.Select(label, values=list(c.choices), value=value, on_value=on_value)
            else:
                if c.optional:
                    never = value is None
                    solara.Checkbox(label=f"{label}: {tr('never', lang)}", value=never,
                                    on_value=lambda v: on_value(None if v else c.low))
                    if never:
                        return
                slider = solara.SliderInt if c.kind == "slider_int" else solara.SliderFloat
                slider(label, value=value, min=c.low, max=c.high, step=c.step,
                       on_value=on_value)


@solara.component
def ControlPanel(run: DashboardRun, params: solara.Reactive[dict], lang: str):
    """Every lever, grouped; the value shown is the user's override or the run's value."""
    overrides = params.value

    def setter(name: str) -> Callable[[Any], None]:
        return lambda v: params.set({**params.value, name: v})

    synthetic = overrides.get("region") == "synthetic"
    group = None
    for c in controls():
        if c.group == "group_synthetic" and not synthetic:
            continue
        if c.group != group:
            group = c.group
            solara.Text(tr(group, lang), style={"font-weight": "600", "margin-top": "8px"})
        current = overrides.get(c.name, _current(run, c))
        ControlInput(c, current, setter(c.name), lang)


def _current(run: DashboardRun, c: Control) -> Any:
    if run.main is not None:
        return getattr(run.main.params, c.name, c.default)
    return c.default
