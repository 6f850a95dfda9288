"""Firms and the facilitator are Mesa agents a user can inspect."""

from __future__ import annotations

import pytest

from symbiosis_abm import Facilitator, Firm, SymbiosisModel
from symbiosis_abm.params import Parameters, parameter_table


def test_agents_are_registered_with_mesa():
    model = SymbiosisModel("kalundborg", rng=1)
    firms = model.agents_by_type[Firm]
    assert len(firms) == model.world.n_firms
    assert len(model.agents_by_type[Facilitator]) == 1
    assert SymbiosisModel("kalundborg", rng=1, facilitator=False).facilitator is None


def test_firm_views_follow_the_state():
    model = SymbiosisModel("kalundborg", rng=1)
    model.run(60)
    log = model.exchanges_frame()
    active = log[log["status"] == "active"].iloc[0]
    supplier = model.firm(active["supplier"])
    assert active["receiver"] in supplier.partners
    stream = next(s for s in supplier.streams if s["resource"] == active["resource"])
    assert stream["free_per_year"] < stream["volume_per_year"]
    assert 0.0 <= supplier.trust_in(active["receiver"]) <= 1.0
    assert active["receiver"] in supplier.known_firms
    mine = supplier.exchanges
    assert len(mine) == ((log["supplier"] == supplier.firm_id)
                         | (log["receiver"] == supplier.firm_id)).sum()
    assert any(x.receiver == active["receiver"] and x.end is None for x in mine)
    with pytest.raises(KeyError, match="did you mean"):
        model.firm(active["supplier"][:-1] + "x")


def test_facilitator_roles_and_budget():
    model = SymbiosisModel("kalundborg", rng=1, convener=False)
    assert "convener" not in model.facilitator.roles
    before = model.facilitator.cofund_budget_left
    model.run(60)
    assert model.facilitator.spent_total > 0
    assert model.facilitator.cofund_budget_left <= before


def test_sme_expert_support_moves_traits_toward_a_large_firm():
    model = SymbiosisModel("synthetic", rng=1, n_firms=60, expert_support=0.5,
                           registry_join_rate=1.0)
    model.run(2)
    sme = next(f for f in model.firms if f.size == "sme" and f.member)
    p = model.params
    assert sme.min_trust == pytest.approx(p.min_trust_sme + 0.5 * (p.min_trust_large - p.min_trust_sme))
    assert sme.capital_access == pytest.approx(p.capital_sme_eur + 0.5 * (p.capital_large_eur - p.capital_sme_eur))


def test_scenario_carries_parameters():
    from mesa.experimental.scenarios import Scenario
    model = SymbiosisModel("kalundborg", rng=3, scenario=Scenario(rng=3, broker_capacity=7))
    assert model.params.broker_capacity == 7 and model.scenario.model is model


def test_parameter_record_is_frozen_and_documented():
    p = Parameters()
    with pytest.raises(AttributeError):
        p.discount_rate = 0.1
    table = parameter_table()
    assert table["description"].str.len().min() > 10
    assert table["unit"].notna().all()
