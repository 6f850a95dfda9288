"""The facilitator's roles, closures, timeouts and seasons, each on a small case."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from helpers import make_region

from symbiosis_abm import SymbiosisModel, load_region
from symbiosis_abm.params import STATIC_WORLD

CLUSTER = make_region([
    {"id": "plant", "x": 0, "y": 0, "member": True,
     "streams": [("steam", 90000.0), ("fly_ash", 40000.0)]},
    {"id": "a", "x": 1, "y": 0, "member": True, "needs": [("steam", 40000.0)]},
    {"id": "b", "x": 0, "y": 1, "member": True, "needs": [("steam", 40000.0)]},
    {"id": "c", "x": 20, "y": 0, "member": True, "needs": [("fly_ash", 40000.0)]},
])


def test_broker_proposals_cost_firms_no_search():
    no_search = dict(search_budget_sme_eur=0.0, search_budget_large_eur=0.0,
                     initial_trust=0.6, convener=False, cofunder=False)
    brokered = SymbiosisModel(CLUSTER, rng=1, **no_search)
    brokered.run(36)
    alone = SymbiosisModel(CLUSTER, rng=1, broker=False, **no_search)
    alone.run(36)
    assert len(alone.exchanges) == 0                   # nobody can afford to search
    assert len(brokered.exchanges) >= 2
    assert brokered.facilitator.proposals_made >= 2
    assert brokered.counts["evaluations"] == 0          # every talk came from the broker
    assert brokered.negotiations["via_broker"].all()


def test_convener_events_raise_attendees_trust_and_awareness():
    model = SymbiosisModel(CLUSTER, rng=2, broker=False, cofunder=False,
                           convener_interval_months=1, initial_awareness=0.0,
                           search_budget_large_eur=0.0, discovery_rate=0.0)
    model.step()
    plant, c = model.firm("plant"), model.firm("c")
    assert model.facilitator.events_held == 1
    assert "c" in plant.known_firms and "plant" in c.known_firms
    assert plant.trust_in("c") > model.params.initial_trust


def test_cofunding_stays_within_its_budget():
    # four district-heat links over 4.5 km (40-year pipe assets), each paying only with
    # co-funding (additionality); the budget covers two of them (about 1.96 MEUR each)
    firms = []
    for i in range(4):
        firms += [{"id": f"plant{i}", "x": 100 * i, "member": True,
                   "streams": [("waste_heat_high", 10000.0)]},
                  {"id": f"town{i}", "x": 100 * i + 4.5, "member": True,
                   "needs": [("waste_heat_high", 10000.0)]}]
    model = SymbiosisModel(make_region(firms), rng=1, cofund_budget_eur=4e6,
                           cofund_share=0.5, initial_trust=0.9, initial_awareness=1.0)
    model.run(60)
    log = model.exchanges_frame()
    assert 0 < log["subsidy_eur"].sum() <= 4e6
    assert 0 < (log["subsidy_eur"] > 0).sum() < 4
    assert model.facilitator.cofund_budget_left >= 0
    assert (log["subsidy_eur"] <= 0.5 * log["capex_eur"] + 1e-6).all()


def test_an_anchor_firm_closing_ends_its_exchanges():
    model = SymbiosisModel("kalundborg", rng=1)
    model.run(48)
    assert model.firm("asnaes").partners
    region = load_region("kalundborg")
    closing = tuple(replace(f, closes_at_tick=48) if f.id == "asnaes" else f
                    for f in region.firms)              # the anchor closes after 4 years
    model2 = SymbiosisModel(replace(region, firms=closing), rng=1)
    model2.run(60)
    log = model2.exchanges_frame()
    ended = log[(log["supplier"] == "asnaes") | (log["receiver"] == "asnaes")]
    assert len(ended) > 0 and (ended["status"] == "ended").all()
    at_close = ended[ended["end"] >= 48]       # those still running when it closed (others
    assert len(at_close) > 0                   # may have ended before: issue 9 endings)
    assert (at_close["reason"] == "partner closed").all() and (at_close["end"] == 48).all()
    assert not model2.firm("asnaes").is_open and model2.firm("asnaes").partners == []


def test_low_trust_slows_negotiations_into_timeouts():
    model = SymbiosisModel("synthetic", rng=3, n_firms=150, negotiation_months=5,
                           initial_trust=0.05, trust_gain_contact=0.0, facilitator=False)
    model.run(36)
    assert model.summary()["failure_reasons"].get("timeout", 0) > 0


def test_winter_pause_delivers_no_heat_in_winter():
    summer_only = [0.0, 0.0, 0.0, 1, 1, 1, 1, 1, 1, 1, 1, 0.0]
    region = make_region([
        {"id": "plant", "x": 0, "y": 0, "streams": [("waste_heat_high", 60000.0)]},
        {"id": "town", "x": 3, "y": 0, "needs": [("waste_heat_high", 30000.0)]},
    ])
    plant, town = region.firms
    need = replace(town.needs[0], demand_seasonality=tuple(summer_only))
    region = replace(region, firms=(plant, replace(town, needs=(need,))))
    model = SymbiosisModel(region, rng=1, initial_trust=0.9, initial_awareness=1.0)
    delivered = []
    for _ in range(36):
        model.step()
        delivered.append(model.last_delivery["delivered"].sum())
    months = np.arange(36) % 12
    winter = np.isin(months, [0, 1, 2, 11])
    assert len(model.exchanges) == 1
    assert np.all(np.array(delivered)[winter] == 0)
    assert np.array(delivered)[~winter].max() > 0


def test_yearly_budget_ceiling_limits_optional_spending():
    ceiling = 30000.0
    # enough co-funding demand for the ceiling to bind: no hold-up, a static world (issue 9)
    busy = dict(STATIC_WORLD, holdup_weight=0.0)
    model = SymbiosisModel("synthetic", rng=5, n_firms=200,
                           facilitator_budget_eur_per_year=ceiling, **busy)
    model.run(48)
    spent = model.timeseries()["public_cost_eur"].diff().fillna(
        model.timeseries()["public_cost_eur"].iloc[0])
    optional = spent - model.rates.staff_cost          # staff is outside the ceiling
    per_year = optional.groupby(optional.index // 12).sum()
    assert (per_year <= ceiling + 1e-6).all()
    assert per_year.max() > 0.5 * ceiling             # the ceiling binds, not an idle broker
    unlimited = SymbiosisModel("synthetic", rng=5, n_firms=200, **busy)
    unlimited.run(48)
    assert unlimited.facilitator.spent_total > model.facilitator.spent_total
