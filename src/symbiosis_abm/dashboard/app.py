"""The dashboard page: ``solara run symbiosis_abm.dashboard.app`` (or the top-level
``app.py``, or ``symbiosis-abm dashboard``).

Every browser session gets its own :class:`~.run.DashboardRun` (built with
``solara.use_memo`` inside :func:`Page`, never at module level: a module-level model would
be shared by every visitor). Mesa's ``ModelController`` gives Step, Play and Reset; Reset
rebuilds the run from the levers (``params``: region, seed and the user's overrides).
"""

from __future__ import annotations

import solara
from mesa.visualization.solara_viz import ModelController

from ..region import bundled_regions
from .components import (
    ControlPanel,
    Downloads,
    EventLog,
    FirmInspector,
    KpiCards,
    MapView,
    Messages,
    Milestones,
    StepCounter,
    TwinPlots,
)
from .i18n import tr
from .run import DashboardRun

__all__ = ["Page", "DEFAULT_REGION", "PRESENTER_CSS"]

DEFAULT_REGION = "kalundborg"
PRESENTER_CSS = """
.presenter .v-card__title, .presenter .kpi-label { font-size: 1.3rem !important; }
.presenter .kpi-value { font-size: 2.6rem !important; }
.presenter .step-counter { font-size: 2.6rem !important; }
.presenter .milestone, .presenter .run-message { font-size: 1.4rem !important; }
.step-counter { font-size: 1.4rem; font-weight: 600; }
.dash-table { border-collapse: collapse; margin-bottom: 6px; }
.dash-table td, .dash-table th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
"""


def region_names() -> list[str]:
    return [*bundled_regions(), "synthetic"]


@solara.component
def Levers(model: solara.Reactive[DashboardRun], params: solara.Reactive[dict],
           speed: solara.Reactive[int], code: str):
    """The sidebar: Mesa's Step/Play/Reset, speed, region, seed and every lever. Only this
    component reads ``params``, so moving a lever does not redraw the figures."""
    render_interval = solara.use_reactive(1)
    use_threads = solara.use_reactive(False)
    with solara.Card(tr("controls", code)):
        ModelController(model, model_parameters=params, play_interval=speed,
                        render_interval=render_interval, use_threads=use_threads)
        solara.SliderInt(tr("speed", code), value=speed, min=50, max=3000, step=50)
        solara.Select(tr("region", code), values=region_names(),
                      value=params.value.get("region", DEFAULT_REGION),
                      on_value=lambda v: params.set({**params.value, "region": v}))
        solara.InputInt(tr("seed", code), value=params.value.get("rng", 1),
                        on_value=lambda v: params.set({**params.value, "rng": int(v or 0)}))
        solara.Text(tr("apply_hint", code), style={"font-size": "0.8em"})
        ControlPanel(model.value, params, code)


@solara.component
def Page():
    lang = solara.use_reactive("en")
    presenter = solara.use_reactive(False)
    speed = solara.use_reactive(500)
    params = solara.use_reactive({"region": DEFAULT_REGION, "rng": 1})
    first = solara.use_memo(lambda: DashboardRun(DEFAULT_REGION, rng=1), [])
    model = solara.use_reactive(first)
    run: DashboardRun = model.value
    code = lang.value

    solara.Style(PRESENTER_CSS)
    solara.Title(tr("title", code))
    with solara.AppBar():
        solara.AppBarTitle(tr("title", code))
    with solara.Sidebar():
        Levers(model, params, speed, code)

    with solara.Column(classes=["presenter"] if presenter.value else [], style={"width": "100%"}):
        with solara.Row(style={"align-items": "baseline", "gap": "16px"}):
            StepCounter(run, code)
            solara.Text(run.main.world.region.title if run.main else run.region_name,
                        style={"color": "#666"})
            solara.Button(tr("presenter", code), outlined=True, classes=["presenter-toggle"],
                          on_click=lambda: presenter.set(not presenter.value))
            solara.Button(tr("language", code), outlined=True, classes=["language-toggle"],
                          on_click=lambda: lang.set("sv" if lang.value == "en" else "en"))
        Messages(run, code)
        Milestones(run, code, large=presenter.value)
        KpiCards(run, code)
        with solara.Columns([4, 3]):
            MapView(run, code)
            TwinPlots(run, code)
        if not presenter.value:
            with solara.Columns([1, 1]):
                with solara.Card(tr("inspector", code)):
                    FirmInspector(run, code)
                with solara.Card(tr("events", code)):
                    EventLog(run, code)
            with solara.Card(tr("downloads", code)):
                Downloads(run, code)
