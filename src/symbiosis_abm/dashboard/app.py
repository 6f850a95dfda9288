"""The dashboard page: ``solara run symbiosis_abm.dashboard.app`` (or the top-level
``app.py``, or ``symbiosis-abm dashboard``).

Every browser session gets its own :class:`~.run.DashboardRun` (built inside :func:`Page`,
never at module level: a module-level model would be shared by every visitor) and its own
:class:`~.playback.Player`, stopped when the page goes.

The levers hold the user's choices only (``params``: region, seed and the levers the user
moved); a lever the user did not move shows the chosen region's own value, so switching
region never carries a value over. Changes wait, listed as pending, until Reset rebuilds
the run from them; the URL then records region, seed and levers (a shareable link).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import solara
from mesa.visualization.utils import force_update, update_counter

from ..region import bundled_regions
from .components import (
    AbSummary,
    ControlPanel,
    Downloads,
    EventLog,
    FirmInspector,
    KpiCards,
    MapView,
    Messages,
    Milestones,
    PendingChanges,
    StepCounter,
    TwinPlots,
)
from .controls import controls
from .i18n import tr
from .playback import Player
from .run import DashboardRun
from .timeline import milestone_steps, next_chapter
from .upload import accept_region_upload

__all__ = ["Page", "DEFAULT_REGION", "PRESENTER_CSS", "params_from_query", "query_from_params",
           "build_run"]

DEFAULT_REGION = "kalundborg"
PRESENTER_CSS = """
.presenter .kpi-label { font-size: 0.85rem !important; }
.presenter .kpi-value { font-size: 1.35rem !important; white-space: nowrap; }
.presenter .kpi-twin, .presenter .kpi-diff { font-size: 0.85rem !important; }
.presenter .step-counter { font-size: 1.9rem !important; }
.presenter .milestone { font-size: 1.2rem !important; }
.step-counter { font-size: 1.4rem; font-weight: 600; }
.dash-table { border-collapse: collapse; margin-bottom: 6px; }
.dash-table td, .dash-table th { border: 1px solid #ddd; padding: 2px 6px; text-align: left;
                                 vertical-align: top; }
.lever-value { font-weight: 600; }
.lever-out { color: #b71c1c; }
"""



@solara.component_vue(str(Path(__file__).parent / "vue" / "keys.vue"))
def KeyControl(event_key: Callable[[str], None]):
    """Keys on the whole page (not while typing in a field) call ``event_key(key)``."""


def region_names() -> list[str]:
    return [*bundled_regions(), "synthetic"]


def params_from_query(search: str | None) -> dict[str, Any]:
    """The page's settings from a URL query (region, seed and levers; unknown keys and
    unreadable values are left out: a link never breaks the page).

    >>> params_from_query("region=vastra_malardalen&seed=7&landfill_tax_eur_per_t=120&x=1")
    {'region': 'vastra_malardalen', 'rng': 7, 'landfill_tax_eur_per_t': 120.0}
    >>> params_from_query("seed=abc&facilitator=false")
    {'region': 'kalundborg', 'rng': 1, 'facilitator': False}

    A/B mode: ``ab=1`` and B's levers prefixed ``b.``:

    >>> params_from_query("ab=1&b.facilitator=false")
    {'region': 'kalundborg', 'rng': 1, 'compare': {'facilitator': False}}
    """
    out: dict[str, Any] = {"region": DEFAULT_REGION, "rng": 1}
    by_name = {c.name: c for c in controls()}
    compare: dict[str, Any] = {}
    ab = False
    for key, text in parse_qsl(search or ""):
        try:
            if key == "region" and text in region_names():
                out["region"] = text
            elif key == "seed":
                out["rng"] = int(text)
            elif key == "ab":
                ab = text in ("1", "true")
            elif key.startswith("b.") and key[2:] in by_name:
                compare[key[2:]] = _parse(by_name[key[2:]].kind, text)
            elif key in by_name:
                out[key] = _parse(by_name[key].kind, text)
        except ValueError:
            continue
    if ab or compare:
        out["compare"] = compare
    return out


def _parse(kind: str, text: str) -> Any:
    if text == "none":
        return None
    if kind == "checkbox":
        if text not in ("true", "false"):
            raise ValueError(text)
        return text == "true"
    if kind == "slider_int":
        return int(text)
    if kind == "slider_float":
        return float(text)
    return text


def query_from_params(params: dict[str, Any]) -> str:
    """The URL query of ``params`` (inverse of :func:`params_from_query`).

    >>> query_from_params({"region": "kalundborg", "rng": 3, "facilitator": False})
    'region=kalundborg&seed=3&facilitator=false'
    >>> query_from_params({"region": "kalundborg", "rng": 3, "compare": {"facilitator": False}})
    'region=kalundborg&seed=3&ab=1&b.facilitator=false'
    """
    def text(v: Any) -> str:
        return "none" if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    pairs = [("region", params.get("region", DEFAULT_REGION)), ("seed", params.get("rng", 1))]
    pairs += [(k, text(v)) for k, v in params.items() if k not in ("region", "rng", "compare")]
    if params.get("compare") is not None:
        pairs.append(("ab", "1"))
        pairs += [(f"b.{k}", text(v)) for k, v in params["compare"].items()]
    return urlencode(pairs)


def build_run(params: dict[str, Any]) -> DashboardRun:
    """A run from the page's settings (region, seed, the levers the user moved and, in A/B
    mode, B's levers under ``compare``).

    >>> run = build_run({"region": "kalundborg", "rng": 2, "landfill_tax_eur_per_t": 50.0,
    ...                  "compare": {"landfill_tax_eur_per_t": 150.0}})
    >>> run.main.params.landfill_tax_eur_per_t, run.other.params.landfill_tax_eur_per_t
    (50.0, 150.0)
    """
    settings = {k: v for k, v in params.items() if k not in ("region", "rng", "compare")}
    return DashboardRun(params.get("region", DEFAULT_REGION), rng=params.get("rng", 1),
                        compare=params.get("compare"), **settings)


@solara.component
def Playback(model: solara.Reactive[DashboardRun], params: solara.Reactive[dict],
             lang: str, presenter: solara.Reactive[bool]):
    """Reset, play/pause and Step; in a region with a dated history, a guided replay that
    plays on to the next milestone (its caption then shows); playback speed and redraw
    interval; keyboard control (space: play/pause, right arrow: step, n: next milestone,
    r: reset, p: presenter mode)."""
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(4)           # months per second: right is faster
    every = solara.use_reactive(1)           # redraw every N months while playing
    router = solara.use_router()
    run = model.value
    context = solara.use_memo(_current_context, [])

    def stopped():
        playing.set(False)
        chapter.set(None)
        force_update()      # a redraw with the final state (buttons enabled again)

    chapter = solara.use_reactive(None)      # guided replay: the steps to stop at

    def start_stop():
        if not playing.value:
            return None
        guided = chapter.value
        stop_after = None if guided is None else max(1, guided - run.main.steps)
        # a guided chapter (up to decades) runs at least 24 months/s, drawn every 3 months
        player = Player(run, interval_s=lambda: 1.0 / max(24 if guided else 1, speed.value),
                        render_every=lambda: max(3 if guided else 1, every.value),
                        on_render=force_update, on_stop=stopped, context=context,
                        stop_after=stop_after)
        player.start()
        return player.stop        # on pause, Reset, a new run or the page going: stop

    solara.use_effect(start_stop, [playing.value, id(run)])
    chapters = (milestone_steps(run.main.world.region, run.main.params.tick_months)
                if run.main is not None else [])

    def guided_next():
        """Play on to the next milestone of the region's history (its caption shows)."""
        target = next_chapter(run.main.steps, chapters) if run.main is not None else None
        if playing.value or not run.running or target is None:
            return
        chapter.set(target)
        playing.set(True)

    def step():
        if not playing.value and run.running:
            run.step()
            force_update()

    def reset():
        playing.set(False)
        model.set(build_run(params.value))
        force_update()
        try:
            router.push(f"{router.path or '/'}?{query_from_params(params.value)}")
        except Exception:   # outside a server (in-process tests) there is no location
            pass

    def toggle():
        if run.running or playing.value:
            chapter.set(None)
            playing.set(not playing.value)

    def key(name: str):
        {" ": toggle, "ArrowRight": step, "r": reset, "n": guided_next,
         "p": lambda: presenter.set(not presenter.value)}.get(name, lambda: None)()

    KeyControl(event_key=key)
    with solara.Row(classes=["playback"], style={"align-items": "center", "gap": "6px"}):
        solara.Button(tr("reset", lang), color="primary", on_click=reset, classes=["reset"])
        solara.Button("❚❚" if playing.value else "▶", color="primary", on_click=toggle,
                      disabled=not (run.running or playing.value), classes=["play"])
        solara.Button(tr("step", lang), color="primary", on_click=step,
                      disabled=playing.value or not run.running, classes=["step"])
        if chapters:
            left = sum(c > run.main.steps for c in chapters)
            solara.Button(f"{tr('guided', lang)} ({left}/{len(chapters)})", outlined=True,
                          on_click=guided_next, classes=["guided"],
                          disabled=playing.value or not run.running or not left)
    if not presenter.value:
        with solara.Sidebar():
            with solara.Card(tr("playback", lang)):
                solara.SliderInt(f"{tr('speed', lang)}: {speed.value}", value=speed, min=1,
                                 max=24)
                solara.SliderInt(f"{tr('render_every', lang)}: {every.value}", value=every,
                                 min=1, max=24)


def _current_context():
    try:
        from solara.server import kernel_context

        return kernel_context.get_current_context() if kernel_context.has_current_context(
        ) else None
    except Exception:
        return None


def _remove_uploads(folder) -> None:
    """Remove a session's upload folder (``folder.current``), if it made one."""
    if folder.current is not None:
        shutil.rmtree(folder.current, ignore_errors=True)


@solara.component
def Levers(model: solara.Reactive[DashboardRun], params: solara.Reactive[dict], lang: str):
    """Region, seed and every lever. Only this component reads ``params``, so moving a
    lever does not redraw the figures."""
    side = solara.use_reactive("A")          # whose levers the panel shows in A/B mode
    ab = params.value.get("compare") is not None
    uploaded = solara.use_reactive({})       # label -> path of this session's uploads
    problems = solara.use_reactive([])
    folder = solara.use_ref(None)            # this session's uploads: made at the first
    solara.use_effect(lambda: lambda: _remove_uploads(folder), [])   # removed at the end
    labels = {path: label for label, path in uploaded.value.items()}

    def set_region(name: str):
        # a new region starts from its own values: no lever is carried over (A nor B)
        fresh = {"region": uploaded.value.get(name, name), "rng": params.value.get("rng", 1)}
        params.set({**fresh, "compare": {}} if ab else fresh)

    def on_file(info: dict):
        if folder.current is None:
            folder.current = tempfile.mkdtemp(prefix="dash-upload-")
        path, found = accept_region_upload(info["name"], info["data"] or b"",
                                           Path(folder.current))
        problems.set(found)
        if path is not None:
            label = Path(info["name"]).name    # a file name: data, not interface text
            uploaded.set({**uploaded.value, label: path})
            set_region(label)

    def set_seed(value: int | None):
        params.set({**params.value, "rng": value if value is not None else 0})

    def set_ab(on: bool):
        # B starts as a copy of A's levers: the user then moves what B should differ in
        rest = {k: v for k, v in params.value.items() if k != "compare"}
        levers = {k: v for k, v in rest.items() if k not in ("region", "rng")}
        params.set({**rest, "compare": levers} if on else rest)
        side.set("B" if on else "A")

    with solara.Card(tr("controls", lang)):
        region = params.value.get("region", DEFAULT_REGION)
        solara.Select(tr("region", lang), values=region_names() + list(uploaded.value),
                      value=labels.get(region, region), on_value=set_region)
        with solara.Column(classes=["region-upload"], gap="0px"):
            solara.FileDrop(label=tr("upload_region", lang), on_file=on_file, lazy=False)
            for line in problems.value:
                solara.Error(line, dense=True, classes=["upload-problem"])
        solara.InputInt(tr("seed", lang), value=params.value.get("rng", 1), on_value=set_seed,
                        classes=["seed-input"], continuous_update=True)
        with solara.Column(classes=["ab-toggle"], gap="0px"):
            solara.Checkbox(label=tr("ab_mode", lang), value=ab, on_value=set_ab)
        if ab:
            with solara.Row(style={"align-items": "center", "gap": "8px"}):
                solara.Text(tr("edit_side", lang))
                solara.ToggleButtonsSingle(value=side, values=["A", "B"],
                                           classes=["ab-side"])
        PendingChanges(model.value, params.value, lang)
        ControlPanel(params, lang, side=side.value if ab else "A")


@solara.component
def Page():
    lang = solara.use_reactive("en")
    presenter = solara.use_reactive(False)
    router = solara.use_router()
    first_params = solara.use_memo(lambda: params_from_query(router.search), [])
    params = solara.use_reactive(first_params)
    first = solara.use_memo(lambda: build_run(first_params), [])
    model = solara.use_reactive(first)
    picked = solara.use_reactive(None)      # the firm in the inspector (map click)
    code = lang.value

    solara.Style(PRESENTER_CSS)
    solara.Title(tr("title", code))
    with solara.AppBar():
        solara.AppBarTitle(tr("title", code))
    if not presenter.value:
        with solara.Sidebar():
            Levers(model, params, code)

    RunView(model, params, code, lang, presenter, picked)


@solara.component
def RunView(model: solara.Reactive[DashboardRun], params: solara.Reactive[dict], code: str,
            lang: solara.Reactive[str], presenter: solara.Reactive[bool],
            picked: solara.Reactive[str | None]):
    """Everything that changes with a step: the only reader of Mesa's ``update_counter``."""
    counter = update_counter.get()
    run = model.value
    with solara.Column(classes=["presenter"] if presenter.value else [],
                       style={"width": "100%", "padding": "4px 8px"}, gap="6px"):
        with solara.Row(style={"align-items": "center", "gap": "16px", "flex-wrap": "wrap"}):
            Playback(model, params, code, presenter)
            StepCounter(run, code, counter)
            solara.Text(_region_title(run, code), style={"color": "#555"},
                        classes=["region-title"])
            solara.Button(tr("presenter", code), outlined=True, classes=["presenter-toggle"],
                          on_click=lambda: presenter.set(not presenter.value))
            solara.Button(tr("language", code), outlined=True, classes=["language-toggle"],
                          on_click=lambda: lang.set("sv" if lang.value == "en" else "en"))
        Messages(run, code, counter)
        Milestones(run, code, counter, large=presenter.value)
        KpiCards(run, code, counter, compact=presenter.value)
        if run.mode == "ab":
            AbSummary(run, code)
            with solara.Columns([1, 1]):
                for which in ("main", "other"):
                    MapView(run, code, counter, on_pick=picked.set, which=which,
                            height=330 if presenter.value else 420, legend="bottom")
            TwinPlots(run, code, counter)
            if not presenter.value:
                _details(run, code, counter, picked)
        elif presenter.value:
            # 1280x720: the map across the page under the figures; plots below the fold
            MapView(run, code, counter, on_pick=picked.set, height=410, legend="right")
            TwinPlots(run, code, counter)
        else:
            with solara.Columns([3, 2]):
                MapView(run, code, counter, on_pick=picked.set, height=520)
                TwinPlots(run, code, counter)
            _details(run, code, counter, picked)


def _details(run: DashboardRun, code: str, counter: int, picked) -> None:
    """Inspector, event log (of run A in A/B mode) and downloads."""
    with solara.Columns([1, 1]):
        with solara.Card(tr("inspector", code)):
            FirmInspector(run, code, counter, picked)
        with solara.Card(tr("events", code)):
            EventLog(run, code, counter)
    with solara.Card(tr("downloads", code)):
        Downloads(run, code, counter)


def _region_title(run: DashboardRun, lang: str) -> str:
    if run.main is None:
        return run.region_name
    region = run.main.world.region
    title = (getattr(region, "title_sv", None) if lang == "sv" else None) or region.title
    return tr("synthetic", lang) if run.region_name == "synthetic" else title
