"""In-process tests of the dashboard's Solara components (``solara.render``, no browser)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import ipyvuetify as v
import solara
from dashboard_support import button, click_step, having, labelled, render_page, text_of, walk

from symbiosis_abm.dashboard.components import FirmInspector, KpiCards, MapView, TwinPlots
from symbiosis_abm.dashboard.kpi import format_number, key_figures
from symbiosis_abm.dashboard.run import DashboardRun
from symbiosis_abm.dashboard.widgets import VegaView


def _run(steps: int, **settings) -> DashboardRun:
    run = DashboardRun("kalundborg", rng=1, **settings)
    for _ in range(steps):
        run.step()
    return run


def _vega(box, css: str):
    views = [x for x in walk(having(box, css)[0]) if isinstance(x, VegaView)]
    assert len(views) == 1
    return views[0]


def test_map_is_drawn_in_the_browser_with_rows_swapped_each_step():
    run = _run(0)
    box, _ = solara.render(MapView(run, "en"), handle_error=False)
    view = _vega(box, "map-view")
    n = run.main.world.n_firms
    assert len(view.datasets["firms"]) == n and view.datasets["exchanges"] == []
    names = {r["name"] for r in view.datasets["firms"]}
    assert "Aalborg Portland" in " ".join(names)
    # zoom and pan on the firms' layer; tooltips on firms and exchanges
    firms_layer = [layer for layer in view.spec["layer"] if layer["mark"]["type"] == "point"][0]
    assert firms_layer["params"][0]["bind"] == "scales"
    exchange_layer = [layer for layer in view.spec["layer"]
                      if layer["data"]["name"] == "exchanges"][0]
    assert [t["field"] for t in exchange_layer["encoding"]["tooltip"]] == [
        "resource", "supplier", "receiver", "volume", "price", "since"]
    assert len(view.spec["datasets"]["land"]) > 100       # the coastline
    later = _run(24)
    box, _ = solara.render(MapView(later, "en"), handle_error=False)
    view = _vega(box, "map-view")
    log = later.main.exchanges_frame()
    active = int((log["status"] == "active").sum())
    assert active > 0 and len(view.datasets["exchanges"]) == active
    assert view.version == 24


def test_kpi_cards_show_value_twin_difference_and_units():
    run = _run(24)
    box, _ = solara.render(KpiCards(run, "en"), handle_error=False)
    cards = having(box, "kpi-card")
    figures = key_figures(run)
    assert len(cards) == len(figures) == 9
    first = cards[0]
    assert text_of(having(first, "kpi-label")[0]) == "Active exchanges"
    assert text_of(having(first, "kpi-value")[0]) == format_number(figures[0].value)
    assert text_of(having(first, "kpi-diff")[0]) == \
        f"difference: {format_number(figures[0].difference, signed=True)}"
    assert figures[0].difference > 0   # Kalundborg's facilitator adds exchanges by month 24
    labels = [text_of(having(c, "kpi-label")[0]) for c in cards]
    assert "Energy recovered" in labels and "Water reused" in labels
    water = cards[labels.index("Water reused")]
    assert text_of(having(water, "kpi-value")[0]).endswith("m³/year")
    box, _ = solara.render(KpiCards(run, "sv"), handle_error=False)
    assert text_of(having(box, "kpi-label")[0]) == "Aktiva utbyten"


def test_twin_plots_hold_both_runs():
    run = _run(12)
    box, _ = solara.render(TwinPlots(run, "en"), handle_error=False)
    view = _vega(box, "twin-plots")
    rows = view.datasets["series"]
    twin = [r["value"] for r in rows if r["run"] == "without facilitator"
            and r["panel"] == "Active exchanges"]
    assert twin == list(run.twin.timeseries()["active_exchanges"])
    dash = view.spec["vconcat"][0]["encoding"]["strokeDash"]["scale"]["range"]
    assert dash[0] == [1, 0] and dash[1] != [1, 0]       # solid with, dashed without


def test_firm_inspector_follows_the_picked_firm():
    run = _run(24)
    picked = solara.reactive("asnaes")
    box, rc = solara.render(FirmInspector(run, "en", 0, picked), handle_error=False)
    body = text_of(having(box, "inspector-body")[0])
    assert "Ørsted Asnæs" in body and "steam" in body and "Trust back" in body
    assert "Month 6" in body or "Month" in body         # months as on the counter
    picked.set("novo")
    body = text_of(having(box, "inspector-body")[0])
    assert "Novo Nordisk" in body


def _lever(box, name: str):
    return having(box, f"control-{name}")[0]


def _slider(box, name: str):
    found = [x for x in walk(_lever(box, name)) if isinstance(x, v.Slider)]
    assert len(found) == 1
    return found[0]


def test_levers_follow_each_region_and_reset_never_clamps():
    from symbiosis_abm.dashboard.controls import controls, region_values

    box, rc = render_page()
    labelled(box, v.Select, "Region").v_model = "kalundborg_history"
    button(rc, "Reset").click()
    own = region_values("kalundborg_history")
    start = _slider(box, "facilitator_start_tick")
    assert start.v_model == own["facilitator_start_tick"] == 348
    assert start.max >= 348                                     # widened, not clamped
    assert "month 349 (Jan 1989)" in text_of(_lever(box, "facilitator_start_tick"))
    for region in ("vastra_malardalen", "kalundborg", "sotenas", "high_coast",
                   "kronoberg_kalmar_water"):
        labelled(box, v.Select, "Region").v_model = region
        values = region_values(region)
        for c in controls():
            if c.kind.startswith("slider") and values[c.name] is not None \
                    and c.group != "group_synthetic":
                assert _slider(box, c.name).v_model == values[c.name], (region, c.name)
        button(rc, "Reset").click()
        assert having(box, "pending-changes") == []


def test_pending_changes_are_listed_until_reset():
    box, rc = render_page()
    assert having(box, "pending-changes") == []
    labelled(box, v.Checkbox, "Facilitator").v_model = False
    pending = text_of(having(box, "pending-changes")[0])
    assert "Facilitator: on → off" in pending
    button(rc, "Reset").click()
    assert having(box, "pending-changes") == []
    assert having(box, "kpi-twin") == []


def test_page_steps_switches_language_and_region():
    box, rc = render_page()
    counter = having(box, "step-counter")[0]
    assert counter.children == ["Month 0"]
    click_step(rc, 2)
    assert counter.children == ["Month 2"]
    button(rc, "Svenska").click()
    assert having(box, "step-counter")[0].children == ["Månad 2"]
    assert "Aktiva utbyten" in text_of(box)
    button(rc, "English").click()
    labelled(box, v.Select, "Region").v_model = "vastra_malardalen"
    button(rc, "Reset").click()
    assert having(box, "step-counter")[0].children == ["Month 0"]
    assert "Västra Mälardalen" in text_of(box)


def test_page_shows_messages_for_impossible_settings():
    box, rc = render_page()
    _slider(box, "facilitator_start_tick").v_model = 24
    [never] = [x for x in walk(_lever(box, "facilitator_end_tick"))
               if isinstance(x, v.Checkbox)]
    never.v_model = False            # the end becomes the slider's low end: 0, before 24
    button(rc, "Reset").click()
    errors = having(box, "run-message")
    assert len(errors) == 1 and "This run cannot start" in text_of(errors[0])
    assert "facilitator_end_tick" in text_of(errors[0])
    click_step(rc)   # stepping a run that could not start does nothing, quietly
    assert having(box, "step-counter")[0].children == ["Month 0"]
    # a negative seed: a message, and the page stays usable
    [seed] = [x for x in walk(having(box, "seed-input")[0]) if isinstance(x, v.TextField)]
    seed.v_model = "-5"
    button(rc, "Reset").click()
    assert "seed -5: must be a whole number" in text_of(having(box, "run-message")[0])
    seed.v_model = "2"
    labelled(box, v.Select, "Region").v_model = "synthetic"
    _slider(box, "n_firms").v_model = 2
    _slider(box, "area_km").v_model = 200.0
    button(rc, "Reset").click()
    click_step(rc)
    text = text_of(having(box, "run-message")[0])
    assert "No exchange is possible in this region" in text


def test_page_survives_every_slider_at_its_minimum_and_maximum():
    from symbiosis_abm.dashboard.controls import controls

    box, rc = render_page()
    labelled(box, v.Select, "Region").v_model = "synthetic"
    for end in ("low", "high"):
        for c in controls():
            if c.kind.startswith("slider"):
                if c.optional:
                    [never] = [x for x in walk(_lever(box, c.name))
                               if isinstance(x, v.Checkbox)]
                    if never.v_model:
                        never.v_model = False
                _slider(box, c.name).v_model = getattr(c, end)
        button(rc, "Reset").click()
        click_step(rc)
        messages = [text_of(m) for m in having(box, "run-message")]
        assert all("Traceback" not in m for m in messages)
        counter = having(box, "step-counter")[0].children[0]
        assert counter == "Month 1" or messages, (end, counter)


def _dated_kalundborg():
    """Kalundborg with a start date and milestones, as the region files will give them."""
    import copy

    from symbiosis_abm.region import load_region

    class Milestone:
        def __init__(self, date, text, text_sv):
            self.date, self.text, self.text_sv = date, text, text_sv

    region = copy.copy(load_region("kalundborg"))
    object.__setattr__(region, "start", "1982-01")
    object.__setattr__(region, "milestones", (
        Milestone("1982-02", "Heat from the power station", "Värme från kraftverket"),
        Milestone("1982-04", "Gypsum to the board plant", "Gips till skivfabriken")))
    return region


def test_presenter_mode_shows_dates_and_milestones_as_they_pass():
    from symbiosis_abm.dashboard.components import Milestones, StepCounter

    run = DashboardRun(_dated_kalundborg(), rng=1)
    box, _ = solara.render(solara.Column(children=[StepCounter(run, "sv"),
                                                   Milestones(run, "sv", large=True)]),
                           handle_error=False)
    assert having(box, "milestone") == []
    for _ in range(3):
        run.step()
    box, _ = solara.render(solara.Column(children=[StepCounter(run, "sv"),
                                                   Milestones(run, "sv", large=True)]),
                           handle_error=False)
    assert having(box, "step-counter")[0].children == ["mar 1982 (månad 3)"]
    shown = [text_of(m) for m in having(box, "milestone")]
    assert len(shown) == 1 and "Värme från kraftverket" in shown[0]
    run.step()
    box, _ = solara.render(Milestones(run, "en"), handle_error=False)
    shown = [text_of(m) for m in having(box, "milestone")]
    assert len(shown) == 1 and "Gypsum to the board plant" in shown[0]   # the latest only


def test_presenter_toggle_enlarges_and_hides_the_detail_panels():
    box, rc = render_page()
    assert having(box, "presenter") == [] and having(box, "firm-inspector")
    button(rc, "Presenter mode").click()
    assert len(having(box, "presenter")) == 1
    assert having(box, "firm-inspector") == [] and having(box, "kpi-card")


def test_cli_dashboard_rejects_a_bad_port(capsys):
    from symbiosis_abm.cli import main

    assert main(["dashboard", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: --port 70000: must be between 1 and 65535"


def test_ab_mode_on_the_page_shows_both_settings_in_step():
    """A/B mode: tick it, move B's facilitator off, Reset: two maps advance together, the
    cards show A, B and B - A, the plots hold A and B, the summary names the change."""
    box, rc = render_page()
    labelled(box, v.Select, "Region").v_model = "vastra_malardalen"
    labelled(box, v.Checkbox, "A/B comparison").v_model = True
    # the panel now shows B's levers (a copy of A's): B without facilitator
    labelled(box, v.Checkbox, "Facilitator").v_model = False
    assert "B · Facilitator: off" in text_of(having(box, "pending-changes")[0])
    button(rc, "Reset").click()
    assert having(box, "pending-changes") == []
    click_step(rc, 12)
    assert text_of(having(box, "ab-month-a")[0]) == "A · Dec 2010 (month 12)"
    assert text_of(having(box, "ab-month-b")[0]) == "B · Dec 2010 (month 12)"
    assert text_of(having(box, "ab-summary")[0]) == \
        "B differs from A in: Facilitator: on → off"
    maps = [_vega(box, "map-main"), _vega(box, "map-other")]
    assert [m.version for m in maps] == [12, 12]
    assert len(maps[0].datasets["exchanges"]) == 5 and len(maps[1].datasets["exchanges"]) == 3
    first = having(box, "kpi-card")[0]
    assert text_of(having(first, "kpi-value")[0]) == "A: 5"
    assert text_of(having(first, "kpi-twin")[0]) == "B: 3"
    assert text_of(having(first, "kpi-diff")[0]) == "B − A: -2"
    rows = _vega(box, "twin-plots").datasets["series"]
    assert {r["run"] for r in rows} == {"A", "B"}
    # the panel switched back to A shows A's facilitator on
    labelled(box, v.Checkbox, "A/B comparison").v_model = False
    assert labelled(box, v.Checkbox, "Facilitator").v_model is True


def _elements(context):
    """Every reacton element rendered under a component context."""
    yield from context.elements.values()
    for child in context.children.values():
        yield from _elements(child)


def test_an_uploaded_region_runs_or_lists_its_problems():
    """The page's handler of a dropped file (what solara.FileDrop calls with the file's
    name and bytes): a bad file lists the loader's problems and leaves the run usable; a
    good one becomes a region to choose, run like the bundled file."""
    from symbiosis_abm.region import bundled_regions

    made_before = set(Path(tempfile.gettempdir()).glob("dash-upload-*"))
    box, rc = render_page()
    assert set(Path(tempfile.gettempdir()).glob("dash-upload-*")) == made_before   # none yet
    drop = [el for el in _elements(rc.context) if el.component is solara.FileDrop]
    assert len(drop) == 1
    on_file = drop[0].kwargs["on_file"]
    good = bundled_regions()["vastra_malardalen"].read_bytes()
    bad = good.replace(b'size = "large"', b'size = "huge"', 1).replace(
        b"volume_per_year = 120000", b"volume_per_year = -5", 1)
    on_file({"name": "bad.toml", "size": len(bad), "data": bad})
    lines = [text_of(x) for x in having(box, "upload-problem")]
    assert len(lines) == 2 and all(line.startswith("bad.toml") for line in lines), lines
    click_step(rc)                                           # still usable
    on_file({"name": "mine.toml", "size": len(good), "data": good})
    assert having(box, "upload-problem") == []
    assert "mine.toml" in labelled(box, v.Select, "Region").items
    assert labelled(box, v.Select, "Region").v_model == "mine.toml"
    button(rc, "Reset").click()
    assert "Västra Mälardalen" in text_of(having(box, "region-title")[0])
    click_step(rc, 12)
    assert text_of(having(having(box, "kpi-card")[0], "kpi-value")[0]) == "5"
    made = set(Path(tempfile.gettempdir()).glob("dash-upload-*")) - made_before
    assert len(made) == 1 and (next(iter(made)) / "mine.toml").exists()   # the session's
    rc.close()   # the session ends: its uploads go with it
    assert not next(iter(made)).exists()


def test_a_step_redraws_the_figures_not_the_levers():
    """Step speed (issue 22, must-show 3): reacton's renderer that skips unchanged subtrees
    is selected, so a step walks the per-step figures only; the levers' widgets are left
    alone and the figures still change."""
    import reacton.core

    assert reacton.core._render_context_class() is reacton.core._RenderContextFast
    box, rc = render_page()
    lever = having(box, "control-landfill_tax_eur_per_t")[0]
    sliders = [x for x in walk(lever) if isinstance(x, v.Slider)]
    changes = []
    sliders[0].observe(lambda change: changes.append(change["name"]), names=v.Slider.class_trait_names())
    click_step(rc, 3)
    assert changes == []
    assert having(box, "step-counter")[0].children == ["Month 3"]
