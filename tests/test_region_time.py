"""Region schema additions: start month, milestones, firm opening/closing dates, facilitator
roles, budgets and dates, stream alternatives; and how they reach parameters and the world.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from symbiosis_abm import RegionError, SymbiosisModel
from symbiosis_abm.catalogue import load_catalogue, read_toml
from symbiosis_abm.params import Parameters
from symbiosis_abm.region import region_from_dict
from symbiosis_abm.world import build_world

TINY = Path(__file__).parent / "fixtures" / "regions" / "tiny.toml"
CAT = load_catalogue()


def tiny(**header) -> dict:
    data = copy.deepcopy(read_toml(TINY))
    data["region"].update(header)
    return data


def build(data: dict):
    return region_from_dict(data, "t.toml", CAT)


def test_start_and_milestones_are_exposed():
    data = tiny(start="1982-01")
    data["milestones"] = [{"date": "2013-01", "text": "Nordkalk joins", "text_sv": "Nordkalk"},
                          {"date": "2017-04", "text": "First transit delivery"}]
    region = build(data)
    assert region.start == "1982-01"
    assert [(m.date, m.text, m.text_sv) for m in region.milestones] == [
        ("2013-01", "Nordkalk joins", "Nordkalk"), ("2017-04", "First transit delivery", None)]


def test_firm_dates_become_ticks_at_the_runs_resolution():
    data = tiny(start="1982-01")
    data["firms"][0].update(opens="2013-01", closes="2017-01")
    region = build(data)
    world = build_world(region, CAT, Parameters())
    assert world.firm_open_tick.tolist() == [372, 0]
    assert world.firm_close_tick.tolist() == [420, -1]
    # the conversion itself follows any tick length (the model accepts monthly ticks only)
    spec = region.firms[0]
    assert (spec.open_tick(region.start, 3.0), spec.close_tick(region.start, 3.0)) == (124, 140)


def test_opening_before_the_start_means_open_from_tick_zero_and_ticks_pass_through():
    data = tiny(start="2000-01")
    data["firms"][0]["opens"] = "1995-06"
    data["firms"][1].update(opens_at_tick=7, closes_at_tick=9)
    world = build_world(build(data), CAT, Parameters())
    assert world.firm_open_tick.tolist() == [0, 7]
    assert world.firm_close_tick.tolist() == [-1, 9]


def test_exists_at_follows_opening_and_closing():
    data = tiny(start="2000-01")
    data["firms"][0].update(opens="2000-04", closes="2000-07")
    world = build_world(build(data), CAT, Parameters())
    assert [world.exists_at(t).tolist() for t in (0, 2, 3, 5, 6, 9)] == [
        [False, True], [False, True], [True, True], [True, True], [False, True], [False, True]]


def test_without_dates_every_firm_is_open_from_the_start():
    world = build_world(build(tiny()), CAT, Parameters())
    assert world.firm_open_tick.tolist() == [0, 0]


def facilitated(**fac) -> dict:
    data = tiny(start="2010-01")
    data["facilitator"] = {"name": "Kommun", **fac}
    return data


def test_listed_roles_become_the_regions_defaults():
    region = build(facilitated(roles=["mapper", "convener"]))
    p = region.resolve_parameters()
    assert (p.mapper, p.broker, p.convener, p.cofunder) == (True, False, True, False)
    assert p.expert_support == 0.0


def test_expert_support_listed_keeps_the_default_share():
    p = build(facilitated(roles=["expert_support"])).resolve_parameters()
    assert p.expert_support == Parameters().expert_support > 0
    assert not (p.broker or p.convener or p.cofunder or p.mapper)


def test_without_roles_the_model_defaults_apply():
    p = build(facilitated()).resolve_parameters()
    d = Parameters()
    assert (p.mapper, p.broker, p.convener, p.cofunder, p.expert_support) == (
        d.mapper, d.broker, d.convener, d.cofunder, d.expert_support)


def test_explicit_overrides_win_over_the_regions_roles():
    data = facilitated(roles=["mapper"])
    data["parameters"] = {"convener": True, "assumption": "x"}
    region = build(data)
    assert region.resolve_parameters().convener is True  # [parameters] beats roles
    p = region.resolve_parameters({"mapper": False, "broker": True})
    assert (p.mapper, p.broker) == (False, True)         # the user's beat both


def test_budgets_and_staff_cost_set_their_parameters():
    p = build(facilitated(cofund_budget_eur=0.0, staff_cost_eur_per_year=96000.0,
                          budget_eur_per_year=5e5)).resolve_parameters()
    assert p.cofund_budget_eur == 0.0
    assert p.facilitator_staff_cost_eur == 8000.0       # per month
    assert p.facilitator_budget_eur_per_year == 5e5


@pytest.mark.parametrize("tick_months, first, last", [(1.0, 24, 60), (3.0, 8, 20), (12.0, 2, 5)])
def test_facilitator_dates_follow_the_runs_tick_length(tick_months, first, last):
    region = build(facilitated(start="2012-01", end="2015-01"))
    values = region.parameter_defaults(tick_months)
    assert (values["facilitator_start_tick"], values["facilitator_end_tick"]) == (first, last)
    if tick_months == 1.0:
        p = region.resolve_parameters({"tick_months": tick_months})
        assert (p.facilitator_start_tick, p.facilitator_end_tick) == (first, last)


def test_model_runs_a_region_with_every_new_key():
    data = facilitated(roles=["broker", "cofunder"], start="2010-06", cofund_budget_eur=1e5)
    data["firms"][1]["opens"] = "2011-01"
    data["firms"][0]["streams"][0].update(alternative="sale", alternative_price=5.0)
    data["milestones"] = [{"date": "2011-01", "text": "The plant opens"}]
    model = SymbiosisModel(build(data), rng=3)
    model.run(6)
    assert len(model.timeseries()) == 6


def test_alternative_is_kept_on_the_stream():
    data = tiny()
    data["firms"][0]["streams"][0].update(alternative="landfill", alternative_price=12.0)
    stream = build(data).firms[0].streams[0]
    assert (stream.alternative, stream.alternative_price) == ("landfill", 12.0)


def test_problems_are_all_reported_at_once():
    data = tiny()  # no start: both dates need one
    data["firms"][0]["opens"] = "2013-01"
    data["milestones"] = [{"date": "2013-01", "text": "x"}]
    with pytest.raises(RegionError) as info:
        build(data)
    assert len(info.value.problems) == 2
    assert all("start" in p for p in info.value.problems)
