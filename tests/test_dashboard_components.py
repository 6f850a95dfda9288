"""In-process tests of the dashboard's Solara components (``solara.render``, no browser)."""

from __future__ import annotations

import io

import ipyvuetify as v
import ipywidgets as w
import solara
from dashboard_support import button, click_step, having, labelled, render_page, text_of, walk
from PIL import Image

from symbiosis_abm.dashboard.components import FirmInspector, KpiCards, MapView, TwinPlots
from symbiosis_abm.dashboard.kpi import format_number, key_figures
from symbiosis_abm.dashboard.run import DashboardRun


def _run(steps: int, **settings) -> DashboardRun:
    run = DashboardRun("kalundborg", rng=1, **settings)
    for _ in range(steps):
        run.step()
    return run


def _image(box) -> Image.Image:
    images = [x for x in walk(box) if isinstance(x, w.Image)]
    assert len(images) == 1
    return Image.open(io.BytesIO(bytes(images[0].value)))


def _map_png(box) -> tuple[Image.Image, str]:
    import base64
    import re

    html = having(box, "map-view")[0].unsafe_innerHTML
    data = re.search(r'href="data:image/png;base64,([^"]+)"', html).group(1)
    return Image.open(io.BytesIO(base64.b64decode(data))), html


def test_map_renders_the_network_names_firms_on_hover_and_changes():
    run = _run(0)
    box, _ = solara.render(MapView(run, "en"), handle_error=False)
    background, html = _map_png(box)
    assert background.format == "PNG" and background.size == (800, 640)
    n = run.main.world.n_firms
    # every firm is drawn and named on hover, on the map and again on the inset zoom
    assert html.count('class="firm"') == 2 * n and "<title>Aalborg Portland" in html
    assert html.count('class="exchange"') == 0
    later = _run(24)
    box, _ = solara.render(MapView(later, "en"), handle_error=False)
    html = _map_png(box)[1]
    active = int(later.main.exchanges["active"].sum())
    assert active > 0 and html.count('class="exchange"') == 2 * active


def test_kpi_cards_show_value_twin_and_difference():
    run = _run(24)
    box, _ = solara.render(KpiCards(run, "en"), handle_error=False)
    cards = having(box, "kpi-card")
    figures = key_figures(run)
    assert len(cards) == len(figures) == 7
    first = cards[0]
    assert text_of(having(first, "kpi-label")[0]) == "Active exchanges"
    assert text_of(having(first, "kpi-value")[0]) == format_number(figures[0].value)
    assert text_of(having(first, "kpi-diff")[0]) == \
        f"difference: {format_number(figures[0].difference, signed=True)}"
    assert figures[0].difference > 0   # Kalundborg's facilitator adds exchanges by month 24
    box, _ = solara.render(KpiCards(run, "sv"), handle_error=False)
    assert text_of(having(box, "kpi-label")[0]) == "Aktiva utbyten"


def test_twin_plots_render_both_runs():
    from symbiosis_abm.dashboard.plots import twin_figure

    run = _run(12)
    box, _ = solara.render(TwinPlots(run, "en"), handle_error=False)
    assert _image(box).size[0] == 720   # 8 inches at 90 dpi
    fig = twin_figure(run, "en")
    styles = [line.get_linestyle() for line in fig.axes[0].get_lines()]
    assert styles.count("-") == 2 and styles.count("--") == 2   # with and without
    dashed = fig.axes[0].get_lines()[2].get_ydata()
    assert list(dashed) == list(run.twin.timeseries()["active_exchanges"])


def test_firm_inspector_shows_streams_partners_and_trust():
    run = _run(24)
    box, rc = solara.render(FirmInspector(run, "en"), handle_error=False)
    picker = rc.find(v.Select).widget
    assert picker.v_model.endswith("(asnaes)")
    body = text_of(having(box, "inspector-body")[0])
    firm = run.main.firm("asnaes")
    assert firm.streams[0]["resource"] in body
    for partner in firm.partners:
        assert f"<td>{partner}</td><td>{firm.trust_in(partner):.3g}" in body
    picker.v_model = next(x for x in picker.items if x.endswith("(novo)"))
    body = text_of(having(box, "inspector-body")[0])
    assert "Novo Nordisk" in body and run.main.firm("novo").needs[0]["resource"] in body


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
    start = labelled(box, v.Slider, "Facilitator start tick [tick]")
    start.v_model = 24
    labelled(box, v.Checkbox, "Facilitator end tick [tick]: never").v_model = False
    button(rc, "Reset").click()
    errors = having(box, "run-message")
    assert len(errors) == 1 and "This run cannot start" in text_of(errors[0])
    assert "facilitator_end_tick" in text_of(errors[0])
    click_step(rc)   # stepping a run that could not start does nothing, quietly
    assert having(box, "step-counter")[0].children == ["Month 0"]
    labelled(box, v.Select, "Region").v_model = "synthetic"
    start.v_model = 0
    labelled(box, v.Slider, "N firms [firms]").v_model = 2
    labelled(box, v.Slider, "Area km [km]").v_model = 200.0
    button(rc, "Reset").click()
    click_step(rc)
    text = text_of(having(box, "run-message")[0])
    assert "No exchange is possible in this region" in text


def test_page_survives_every_slider_at_its_minimum_and_maximum():
    from symbiosis_abm.dashboard.controls import controls
    from symbiosis_abm.dashboard.i18n import param_label

    box, rc = render_page()
    labelled(box, v.Select, "Region").v_model = "synthetic"
    for end in ("low", "high"):
        for c in controls():
            if c.kind.startswith("slider"):
                label = param_label(c.name) + ("" if c.unit in ("-", "") else f" [{c.unit}]")
                if c.optional:
                    labelled(box, v.Checkbox, f"{label}: never").v_model = False
                labelled(box, v.Slider, label).v_model = getattr(c, end)
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
    assert len(shown) == 2 and "Gypsum to the board plant" in shown[0]   # newest first


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
