"""Regression tests for issue 8: contracts and money the model can be trusted with.

One test (or a few) per defect found in review; each failed on the code before the fix
(commit 40b9d8f). Small runs on bundled and hand-made regions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import make_region

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.codes import REASONS
from symbiosis_abm.params import STATIC_WORLD

PLACEBO = dict(facilitator=True, broker=False, convener=False, cofunder=False,
               expert_support=0.0, mapper=False, facilitator_staff_cost_eur=0.0)


def _pair(model, supplier, receiver):
    log = model.exchanges_frame()
    return log[(log["supplier"] == supplier) & (log["receiver"] == receiver)]


# 1. planned seasonality is not a delivery failure ---------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_summer_heat_trough_keeps_forsyning_trust_in_asnaes(seed):
    # the pipe must be signed for its trough to be tested: no hold-up in the way (issue 9)
    model = SymbiosisModel("kalundborg", rng=seed, **STATIC_WORLD, facilitator=False,
                           holdup_weight=0.0)
    forsyning, asnaes = model.firm("forsyning"), model.firm("asnaes")
    lowest = 1.0
    for _ in range(120):
        model.step()
        if len(_pair(model, "asnaes", "forsyning")):
            lowest = min(lowest, forsyning.trust_in(asnaes))
    pair = _pair(model, "asnaes", "forsyning")
    assert len(pair) >= 1
    assert lowest > 0.3
    assert not pair["reason"].isin(["expired", "unprofitable"]).any()


# 3. an exchange's survival does not depend on the month it was signed ------------------
@pytest.mark.parametrize("months", [1.0, 2.0, 3.0, 6.0, 8.0])
def test_planned_trough_does_not_end_an_exchange_as_unprofitable(months):
    # a thin district-heat deal: its summer months lose money by plan, the year pays
    region = make_region([
        {"id": "plant", "streams": [("waste_heat_high", 5000.0)]},
        {"id": "town", "x": 1, "needs": [("waste_heat_high", 5000.0)]}])
    model = SymbiosisModel(region, rng=1, **STATIC_WORLD, facilitator=False, initial_trust=0.9,
                           initial_awareness=1.0, negotiation_months=months,
                           negotiation_failure_rate=0.0)
    model.run(48)
    log = model.exchanges_frame()
    assert len(log) >= 1
    assert not (log["reason"] == "unprofitable").any()


# 2. infrastructure is a sunk asset --------------------------------------------------------
def test_a_link_is_built_and_co_funded_once():
    model = SymbiosisModel("sotenas", rng=9)
    model.run(120)
    assets = model.assets_frame()
    # a link builds again only once its asset's life is over (worn out, or retired with a
    # closed partner's site: issue 18), or, for a pipe, for a contract its line cannot
    # carry (docs/ODD.md 7.15)
    link = ["supplier", "receiver", "resource", "mode"]
    for _, group in assets.groupby(link):
        again = (group["built"].iloc[1:].to_numpy()
                 >= group["lifetime_end"].iloc[:-1].to_numpy())
        larger = ((group["mode"].iloc[1:] == "pipe").to_numpy()
                  & (group["capacity_per_year"].iloc[1:].to_numpy()
                     > group["capacity_per_year"].iloc[:-1].to_numpy()))
        assert (again | larger).all()
    log = model.exchanges_frame()
    built = log[log["capex_eur"] > 0]
    assert len(built) == len(assets)
    funded = log[log["subsidy_eur"] > 0]
    assert not funded.duplicated(["supplier", "receiver", "resource"]).any()
    assert set(log.loc[log["asset_id"] >= 0, "asset_id"]) <= set(assets["asset_id"])


def test_renewal_over_an_existing_asset_books_no_new_capex():
    region = make_region([
        {"id": "plant", "streams": [("steam", 80000.0)]},
        {"id": "mill", "x": 1.5, "needs": [("steam", 80000.0)]}])
    model = SymbiosisModel(region, rng=2, **STATIC_WORLD, facilitator=False, initial_trust=0.9,
                           initial_awareness=1.0, contract_years=1.0,
                           negotiation_failure_rate=0.0)
    model.run(72)   # the pipe is built for 18 months first (issue 9)
    log, assets = model.exchanges_frame(), model.assets_frame()
    assert len(log) >= 1 and len(assets) == 1
    assert assets["capex_eur"].iloc[0] > 0
    assert (log["capex_eur"] > 0).sum() == 1   # built once, renewed over it
    assert model.counts["renewals"] >= 3


def test_early_end_strands_the_remaining_annuity_on_the_owner():
    region = make_region([
        {"id": "plant", "closes_at_tick": 30, "streams": [("steam", 80000.0)]},
        {"id": "mill", "x": 1.5, "needs": [("steam", 80000.0)]}])
    model = SymbiosisModel(region, rng=2, **STATIC_WORLD, facilitator=False, initial_trust=0.9,
                           initial_awareness=1.0)
    model.run(40)   # the plant closes at tick 30, 18 years before the pipe is paid
    assets = model.assets_frame()
    assert (model.exchanges_frame()["reason"] == "partner closed").any()
    stranded = assets["stranded_eur"]
    assert (stranded > 0).any()
    assert model.summary()["stranded_capex_eur"] == pytest.approx(stranded.sum())
    owners = assets.loc[stranded > 0, "owner"]
    assert all(model.firm(o).stranded_cost > 0 for o in owners)
    before = model.timeseries()["firm_net_savings_eur"]
    assert before.iloc[-1] < before.iloc[29]   # the stranded annuity is a cost


# 4, 5, 9. co-funding: one rule, additionality, honest reasons ----------------------------
def test_cofunding_pays_only_for_deals_that_would_not_pay_without_it():
    region = make_region([
        {"id": "plant", "member": True, "streams": [("steam", 80000.0)]},
        {"id": "mill", "member": True, "x": 1.0, "needs": [("steam", 80000.0)]}])
    model = SymbiosisModel(region, rng=1, **STATIC_WORLD, initial_trust=0.9, initial_awareness=1.0)
    model.run(24)
    log = model.exchanges_frame()
    assert len(log) >= 1
    assert (log["subsidy_eur"] == 0).all()          # it pays anyway: no deadweight


def test_a_deal_that_cannot_get_its_cofunding_fails_once_with_its_own_reason():
    # events of every firm, as when this was written (issue 19 made them reach a share)
    model = SymbiosisModel("high_coast", rng=1, convener_share=1.0)
    model.run(120)
    reasons = model.summary()["failure_reasons"]
    book, w = model.negotiations, model.world
    ids = np.array(w.firm_ids)
    sup, rec = ids[w.edge_supplier[book["edge"]]], ids[w.edge_receiver[book["edge"]]]
    sel = (sup == "sekab") & (rec == "ovik_energi")
    # it fails for want of co-funding once (it may fail for other reasons too: issue 9)
    cofund = book["reason"] == REASONS.index("no co-funding")
    assert (book["status"][sel & cofund] == 2).sum() <= 1
    # a handful of genuine capacity failures (granted 0, allocation_reasons); 3 since
    # deals are priced at the hazard-adjusted annuity (issue 18), 2 before
    assert reasons.get("no capacity left", 0) <= 3


def test_allocation_failure_reasons_say_what_happened():
    from symbiosis_abm.contracts import allocation_reasons

    granted = np.array([0.0, 10.0, 10.0, 10.0, 10.0])
    gains_ok = np.array([True, False, True, True, True])
    affordable = np.array([True, True, False, True, True])
    funded = np.array([True, True, True, False, True])
    codes = allocation_reasons(granted, gains_ok, affordable, funded)
    assert codes.tolist() == ["no capacity left", "no gain at granted volume", "no capital",
                              "no co-funding", ""]


def test_broker_proposes_a_match_that_pays_only_with_its_cofunding():
    # waste heat over 4.5 km by pipe (a 40-year asset): pays with 30 % co-funding, not
    # without
    region = make_region([
        {"id": "plant", "member": True, "streams": [("waste_heat_high", 10000.0)]},
        {"id": "mill", "member": True, "x": 4.5, "needs": [("waste_heat_high", 10000.0)]}])
    base = dict(initial_trust=0.9, initial_awareness=0.0, discovery_rate=0.0,
                convener=False, expert_support=0.0)
    model = SymbiosisModel(region, rng=1, **STATIC_WORLD, **base)
    edges = np.arange(len(model.world.edges))
    without = model.expected_terms(edges)[0].surplus
    with_cofund = model.expected_terms(edges, cofund=model.params.cofund_share)[0].surplus
    assert without.max() <= 0 < with_cofund.max()     # the case the test is about
    model.step()
    assert model.negotiations["via_broker"].any()
    assert model.negotiations["cofund"][0] == model.params.cofund_share
    model.run(12)
    log = model.exchanges_frame()
    assert len(log) == 1 and log["subsidy_eur"].iloc[0] > 0


# 6, 7. negotiation room -------------------------------------------------------------------
def _hub_region():
    firms = [{"id": "hub", "streams": [("steam", 1e5), ("fly_ash", 1e5)],
              "needs": [("process_water", 1e5), ("food_residues", 1e5)]}]
    for i in range(6):
        firms.append({"id": f"b{i}", "x": 1 + i * 0.2, "needs": [("steam", 2e4), ("fly_ash", 2e4)],
                      "streams": [("process_water", 2e4), ("food_residues", 2e4)]})
    return make_region(firms)


def test_no_firm_exceeds_max_negotiations_counting_both_roles():
    model = SymbiosisModel(_hub_region(), rng=1, **STATIC_WORLD,
                           initial_awareness=1.0, initial_trust=0.8,
                           max_negotiations=3, negotiation_months=6.0)
    for _ in range(24):
        model.step()
        assert model.firm_negotiations.max() <= 3
        book, w = model.negotiations, model.world
        open_edges = book["edge"][book["status"] == 0]
        per_firm = np.bincount(np.concatenate([w.edge_supplier[open_edges],
                                               w.edge_receiver[open_edges]]),
                               minlength=w.n_firms)
        assert per_firm.max() <= 3
        assert np.array_equal(per_firm, model.firm_negotiations)


def test_candidates_without_negotiation_room_wait_without_being_charged():
    model = SymbiosisModel(_hub_region(), rng=1, **STATIC_WORLD,
                           facilitator=False, initial_awareness=1.0,
                           initial_trust=0.8, max_negotiations=1, negotiation_months=12.0,
                           negotiation_failure_rate=0.0, search_budget_large_eur=1e6)
    model.step()
    hub = model.firm("hub").index
    assert model.firm_negotiations[hub] == 1
    evaluations, costs = model.counts["evaluations"], model.firm_costs[hub]
    model.step()
    negotiating = model.rates.negotiation_cost
    assert model.firm_costs[hub] == pytest.approx(costs + negotiating)
    assert model.counts["evaluations"] <= evaluations + 0  # nobody has room: no evaluation


# 8. common random numbers ----------------------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_placebo_facilitator_changes_nothing_in_kalundborg(seed):
    a = SymbiosisModel("kalundborg", rng=seed, facilitator=False)
    b = SymbiosisModel("kalundborg", rng=seed, **PLACEBO)
    a.run(60)
    b.run(60)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)
    pd.testing.assert_frame_equal(a.exchanges_frame(), b.exchanges_frame(), check_exact=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_placebo_facilitator_changes_nothing_in_a_synthetic_region(seed):
    a = SymbiosisModel("synthetic", rng=seed, n_firms=200, facilitator=False)
    b = SymbiosisModel("synthetic", rng=seed, n_firms=200, **PLACEBO)
    a.run(36)
    b.run(36)
    pd.testing.assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)


def test_a_generator_rng_is_reproducible_too():
    runs = [SymbiosisModel("kalundborg", rng=np.random.default_rng(7)) for _ in range(2)]
    for m in runs:
        m.run(24)
    pd.testing.assert_frame_equal(runs[0].timeseries(), runs[1].timeseries(), check_exact=True)
