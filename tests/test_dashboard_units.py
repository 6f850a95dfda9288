"""Dashboard logic without a browser: controls from the parameter record, translation
table, the paired run, key figures, extreme values, exports."""

from __future__ import annotations

import io
import re
from dataclasses import fields

import networkx as nx
import pandas as pd
import pytest
from PIL import Image

from symbiosis_abm.dashboard import controls as ctl
from symbiosis_abm.dashboard.events import events
from symbiosis_abm.dashboard.export import (
    TWIN_SUFFIX,
    animation_gif,
    exchanges_csv,
    graphml,
    map_png,
    timeseries_csv,
)
from symbiosis_abm.dashboard.i18n import TEXT, tr
from symbiosis_abm.dashboard.kpi import key_figures
from symbiosis_abm.dashboard.run import DashboardRun
from symbiosis_abm.params import Parameters


@pytest.fixture(scope="module")
def kalundborg_24():
    run = DashboardRun("kalundborg", rng=1)
    for _ in range(24):
        run.step()
    return run


def test_controls_take_unit_tooltip_and_range_from_the_record():
    meta = {f.name: f.metadata for f in fields(Parameters)}
    shown = ctl.controls()
    assert {c.name for c in shown} >= {"facilitator", "broker_capacity", "initial_trust",
                                       "search_cost_eur", "cofund_share", "n_firms"}
    for c in shown:
        assert c.tooltip == meta[c.name]["description"] and c.unit == meta[c.name]["unit"]
        if c.kind.startswith("slider"):
            assert c.low < c.high
            if meta[c.name]["low"] is not None:
                assert c.low >= meta[c.name]["low"]
            if meta[c.name]["high"] is not None:
                assert c.high == meta[c.name]["high"]
            # every slider end is a value the model accepts
            Parameters().replace(**{c.name: c.low})
            Parameters().replace(**{c.name: c.high})


def test_a_parameter_drops_in_with_one_list_entry(monkeypatch):
    groups = ctl.CONTROL_GROUPS + (("group_trust", ("reputation_weight", "no_such_lever")),)
    monkeypatch.setattr(ctl, "CONTROL_GROUPS", groups)
    names = [c.name for c in ctl.controls()]
    assert "reputation_weight" in names and "no_such_lever" not in names


def test_translation_table_is_complete():
    for key, (en, sv) in TEXT.items():
        assert en and sv, key
        assert set(re.findall(r"{(\w+)}", en)) == set(re.findall(r"{(\w+)}", sv)), key
    assert tr("kpi_active_exchanges", "sv") == "Aktiva utbyten"


def test_twin_advances_in_step_and_differs_only_by_the_facilitator(kalundborg_24):
    run = kalundborg_24
    assert run.main.steps == run.twin.steps == 24
    assert run.main.facilitator is not None and run.twin.facilitator is None
    assert run.twin.params.replace(facilitator=True) == run.main.params
    # the twin is exactly the plain model without facilitator (same seed, same draws)
    from symbiosis_abm import SymbiosisModel
    alone = SymbiosisModel("kalundborg", rng=1, facilitator=False)
    alone.run(24)
    pd.testing.assert_frame_equal(alone.timeseries(), run.twin.timeseries())


def test_key_figures_show_difference_to_twin(kalundborg_24):
    figures = {k.key: k for k in key_figures(kalundborg_24)}
    ts, twin = kalundborg_24.main.timeseries(), kalundborg_24.twin.timeseries()
    k = figures["kpi_active_exchanges"]
    assert (k.value, k.twin) == (ts["active_exchanges"].iloc[-1], twin["active_exchanges"].iloc[-1])
    assert k.difference == k.value - k.twin
    cost = figures["kpi_public_cost"]
    assert cost.value > 0 and cost.twin == 0
    extra = ts["materials_diverted_t"].sum() - twin["materials_diverted_t"].sum()
    per_tonne = figures["kpi_cost_per_tonne"].value
    if extra > 0:   # defined only where the facilitator adds tonnes
        assert per_tonne == pytest.approx(cost.value / extra)
    else:
        assert per_tonne is None
    diverted = figures["kpi_diverted"].value
    assert diverted == pytest.approx(ts["materials_diverted_t"].iloc[-12:].sum())


def test_no_twin_without_facilitator():
    run = DashboardRun("kalundborg", rng=1, facilitator=False)
    run.step()
    assert run.twin is None
    assert all(k.twin is None and k.difference is None for k in key_figures(run))


@pytest.mark.parametrize(("name", "value"), ctl.extreme_settings())
def test_extreme_values_give_a_message_never_an_exception(name, value):
    region = "synthetic" if ctl.control(name).group == "group_synthetic" else "kalundborg"
    extra = {"n_firms": 60} if region == "synthetic" and name != "n_firms" else {}
    run = DashboardRun(region, rng=2, **{name: value}, **extra)
    for _ in range(3):
        run.step()
    if run.error is not None:
        assert "\n" not in run.error and "Traceback" not in run.error
        assert name in run.error or "parameter" in run.error
    else:
        assert run.main.steps == 3


def test_facilitator_ending_before_it_starts_is_a_message():
    run = DashboardRun("kalundborg", rng=1, facilitator_start_tick=24, facilitator_end_tick=12)
    run.step()
    assert run.main is None and not run.running
    assert run.error == ("parameter 'facilitator_end_tick': 12 is before "
                         "facilitator_start_tick 24; must be >= it, or none")


def test_region_with_no_possible_exchange_warns():
    run = DashboardRun("synthetic", rng=1, n_firms=2, area_km=200.0, region_seed=3)
    run.step()
    assert run.error is None and run.warnings == ["no_exchange_possible"]
    assert run.main.timeseries()["active_exchanges"].iloc[-1] == 0


def test_event_log_is_newest_first_with_reasons():
    run = DashboardRun("kalundborg", rng=1, closure_rate_per_year=0.3, twin=False)
    for _ in range(36):
        run.step()
    log = events(run.main)
    assert [e.tick for e in log] == sorted((e.tick for e in log), reverse=True)
    ended = [e for e in log if e.kind == "ended"]
    assert ended and all(e.reason for e in ended)
    assert len([e for e in log if e.kind == "formed"]) == len(run.main.exchanges_frame())


def test_exports_round_trip(kalundborg_24):
    ts = pd.read_csv(io.StringIO(timeseries_csv(kalundborg_24)), index_col="tick")
    assert len(ts) == 24 and f"active_exchanges{TWIN_SUFFIX}" in ts.columns
    log = pd.read_csv(io.StringIO(exchanges_csv(kalundborg_24)))
    assert len(log) == len(kalundborg_24.main.exchanges_frame())
    g = nx.read_graphml(io.StringIO(graphml(kalundborg_24)))
    assert g.number_of_nodes() == kalundborg_24.main.world.n_firms
    assert g.number_of_edges() == kalundborg_24.main.network().number_of_edges() > 0
    png = Image.open(io.BytesIO(map_png(kalundborg_24)))
    assert png.format == "PNG" and png.size[0] > 600


def test_animation_of_kalundborg_is_a_playable_gif(kalundborg_24):
    data = animation_gif(kalundborg_24, max_frames=60, size=(6.4, 5.0), dpi=80)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.is_animated
    assert gif.n_frames == 24 and gif.size == (512, 400)
    assert gif.info["duration"] == 250 and gif.info.get("loop") == 0
    first, last = (gif.seek(0), gif.convert("RGB"))[1], (gif.seek(23), gif.convert("RGB"))[1]
    assert first.tobytes() != last.tobytes()  # the network forms between the frames
    fewer = Image.open(io.BytesIO(animation_gif(kalundborg_24, max_frames=8)))
    assert fewer.n_frames == 8


def test_closed_firms_are_marked_on_the_map():
    from symbiosis_abm.dashboard.vegamap import map_data

    run = DashboardRun("kalundborg", rng=1, twin=False)
    run.step()
    states = {r["id"]: r["state"] for r in map_data(run.main, "en")["firms"]}
    assert set(states.values()) == {"open"}
    run.main.firm_open[run.main.firm("novo").index] = False   # as a closure would
    states = {r["id"]: r["state"] for r in map_data(run.main, "en")["firms"]}
    assert states["novo"] == "closed" and list(states.values()).count("closed") == 1


def test_ab_mode_advances_two_lever_settings_in_step():
    """A/B mode: B is the same region and seed with other levers, stepped with A, and
    each run equals the plain model with its own settings (bit for bit)."""
    from symbiosis_abm.model import SymbiosisModel

    run = DashboardRun("vastra_malardalen", rng=1, compare={"facilitator": False})
    assert run.mode == "ab" and run.twin is None and run.comparison is run.other
    for _ in range(12):
        run.step()
    assert run.main.steps == run.other.steps == 12
    for model, settings in ((run.main, {}), (run.other, {"facilitator": False})):
        alone = SymbiosisModel("vastra_malardalen", rng=1, **settings)
        alone.run(12)
        pd.testing.assert_frame_equal(alone.timeseries(), model.timeseries())
    cards = {k.key: k for k in key_figures(run)}
    a, b = run.main.timeseries().iloc[-1], run.other.timeseries().iloc[-1]
    k = cards["kpi_active_exchanges"]
    assert (k.value, k.twin) == (a["active_exchanges"], b["active_exchanges"]) == (5, 3)
    assert k.difference == k.twin - k.value == -2          # B - A
    assert cards["kpi_public_cost"].difference == -cards["kpi_public_cost"].value < 0
    assert cards["kpi_cost_per_tonne"].note == "note_ab_cost"
    assert len(run.ties) == 12
    csv = pd.read_csv(io.StringIO(timeseries_csv(run)))
    assert list(csv["active_exchanges_B"])[-1] == b["active_exchanges"] == 3


def test_ab_mode_in_links_pending_lines_and_resets():
    from symbiosis_abm.dashboard.app import build_run, params_from_query, query_from_params
    from symbiosis_abm.dashboard.components import ab_summary, pending_changes

    params = {"region": "kalundborg", "rng": 3, "landfill_tax_eur_per_t": 50.0,
              "compare": {"landfill_tax_eur_per_t": 250.0}}
    assert params_from_query(query_from_params(params)) == params
    run = build_run(params)
    assert run.main.params.landfill_tax_eur_per_t == 50.0
    assert run.other.params.landfill_tax_eur_per_t == 250.0
    assert pending_changes(run, params, "en") == []
    assert ab_summary(run, "en") == "B differs from A in: Landfill tax: 50 EUR/t → 250 EUR/t"
    moved = {**params, "compare": {"landfill_tax_eur_per_t": 300.0}}
    assert pending_changes(run, moved, "en") == ["B · Landfill tax: 250 EUR/t → 300 EUR/t"]
    off = {k: v for k, v in params.items() if k != "compare"}
    assert pending_changes(run, off, "en") == ["A/B comparison: on → off"]
    assert build_run(off).mode == "twin"


def test_map_labels_of_kalundborg_do_not_overlap():
    """Labels placed greedily in pixels: no two label boxes overlap, none covers another
    firm's point, the best-connected firms keep their name (the rest: tooltip only; the
    core is about 120 x 80 px at the opening zoom); the former fixed placement (every
    label above right) did overlap."""
    import numpy as np

    from symbiosis_abm.dashboard.labels import label_box, overlaps
    from symbiosis_abm.dashboard.vegamap import map_data, view_geometry

    run = DashboardRun("kalundborg", rng=1, twin=False)
    for _ in range(36):
        run.step()
    geometry = view_geometry(run.main, height=520)
    firms = map_data(run.main, "en", geometry)["firms"]
    k = geometry["km_per_px"]
    points = [(r["x"] / k, -r["y"] / k) for r in firms]
    boxes = [label_box(*p, r["_label"], r["_pos"]) for p, r in zip(points, firms)
             if r["_pos"]]
    candidates = [r for r in firms if r["partners"]]
    assert len(candidates) >= 8 and len(boxes) >= 5
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    discs = [(x - np.sqrt(r["_area"] / np.pi), y - np.sqrt(r["_area"] / np.pi),
              x + np.sqrt(r["_area"] / np.pi), y + np.sqrt(r["_area"] / np.pi))
             for (x, y), r in zip(points, firms)]
    for (p, r) in zip(points, firms):
        if r["_pos"]:
            box = label_box(*p, r["_label"], r["_pos"])
            mine = discs[firms.index(r)]
            assert not any(overlaps(box, d) for d in discs if d is not mine), r["name"]
    fixed = [label_box(*p, r["name"], "tr") for p, r in zip(points, firms) if r["partners"]]
    assert any(overlaps(a, b) for i, a in enumerate(fixed) for b in fixed[i + 1:])


def test_guided_replay_chapters_end_where_each_milestone_first_shows():
    from symbiosis_abm.dashboard.timeline import (
        milestone_steps,
        next_chapter,
        passed_milestones,
        region_milestones,
        region_start,
    )
    from symbiosis_abm.region import load_region

    region = load_region("kalundborg_history")
    start, stones = region_start(region), region_milestones(region)
    chapters = milestone_steps(region, 1.0)
    assert len(chapters) == len(stones) == 8
    dates = sorted(m.date for m in stones)
    for k, steps in enumerate(chapters):
        shown = passed_milestones(start, steps - 1, 1.0, stones, "en")
        before = passed_milestones(start, steps - 2, 1.0, stones, "en")
        assert shown[0][0] == dates[k] and len(before) == k
    assert next_chapter(chapters[0], chapters) == chapters[1]
    assert milestone_steps(load_region("kalundborg"), 1.0) == []


def test_a_region_upload_loads_or_lists_the_loaders_problems(tmp_path):
    from symbiosis_abm.dashboard.upload import accept_region_upload
    from symbiosis_abm.model import SymbiosisModel
    from symbiosis_abm.region import bundled_regions

    good = bundled_regions()["vastra_malardalen"].read_bytes()
    path, problems = accept_region_upload("my region.toml", good, tmp_path)
    assert problems == [] and path == str(tmp_path / "my_region.toml")
    assert SymbiosisModel(path, rng=1).world.n_firms == SymbiosisModel(
        "vastra_malardalen", rng=1).world.n_firms
    bad = good.replace(b'size = "large"', b'size = "huge"', 1).replace(
        b"volume_per_year = 120000", b"volume_per_year = -5", 1)
    path, problems = accept_region_upload("bad.toml", bad, tmp_path)
    assert path is None and len(problems) == 2, problems
    assert all(p.startswith("bad.toml") for p in problems), problems
    text = " ".join(problems)
    assert "size" in text and "huge" in text and "volume_per_year" in text
    assert str(tmp_path) not in text
    assert sorted(x.name for x in tmp_path.iterdir()) == ["my_region.toml"]
