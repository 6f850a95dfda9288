"""Issue 18: exchanges that last as real ones do.

Hand-made two-firm regions in a static world (no price path, no process changes), where
the test itself moves a price or a level at a chosen month and follows each side's money.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.params import STATIC_WORLD

TERM_YEARS = 2.0


def _pair(resource: str = "steam", volume: float = 80000.0, x_km: float = 1.5,
          **overrides) -> SymbiosisModel:
    """A supplier and a receiver of ``resource`` 1.5 km apart (steam: a pipe)."""
    region = make_region([
        {"id": "plant", "streams": [(resource, volume)]},
        {"id": "mill", "x": x_km, "needs": [(resource, volume)]}])
    base = dict(STATIC_WORLD, facilitator=False, initial_trust=0.9, initial_awareness=1.0,
                contract_years=TERM_YEARS, negotiation_failure_rate=0.0)
    return SymbiosisModel(region, rng=2, **{**base, **overrides})


def _first_exchange(model: SymbiosisModel, limit: int = 60) -> None:
    while len(model.exchanges) == 0:
        assert model.tick < limit, "the pair never signed"
        model.step()


def _run_with_price_fall(model: SymbiosisModel, fall_tick: int, factor: float, ticks: int):
    """Step to ``ticks``, the resource's price falling to ``factor`` of itself before tick
    ``fall_tick``; each tick's gain of each side against its alternative (ending the
    exchange): its savings that tick, the receiver's owed annuity of its pipe added back
    (ending the exchange would strand it, docs/ODD.md 7.6)."""
    resource = int(model.world.need_resource[0])
    ex, tpy = model.exchanges, model.params.ticks_per_year
    gains = []
    while model.tick < ticks - 1:
        if model.tick + 1 == fall_tick:
            model.price_log[resource] = np.log(factor)
        before = model.firm_savings.copy()
        active = bool(ex["active"][0])
        model.step()
        gain = model.firm_savings - before
        until = model.assets.table["until"][0]
        owed = ex["annuity"][0] / tpy if model.tick < until else 0.0
        if active and model.tick >= ex["first"][0]:
            gains.append((gain[0], gain[1] + owed))
    return np.array(gains)


def _longest_loss(gains: np.ndarray) -> int:
    longest, run = 0, 0
    for losing in (gains < -1e-6).any(axis=1):
        run = run + 1 if losing else 0
        longest = max(longest, run)
    return longest


# must show 2: renewal re-prices; no side loses money beyond its patience -----------------
@pytest.mark.parametrize("months_before", range(1, int(TERM_YEARS * 12) + 1))
@pytest.mark.parametrize("resource", ["steam", "fly_ash"])
def test_a_price_fall_before_a_renewal_never_leaves_a_side_losing_beyond_patience(
        resource, months_before):
    # steam (a pipe): the receiver loses at the signed price, the deal still pays at the
    # new one; fly ash (a container park): at 30 % of its price the ash is worth less
    # than the supplier gets selling it elsewhere, and no price pays both sides
    model = _pair(resource, 80000.0 if resource == "steam" else 50000.0)
    _first_exchange(model)
    renewal = int(model.exchanges["end"][0])
    gains = _run_with_price_fall(model, renewal - months_before + 1, 0.3, renewal + 40)
    patience = model.rates.patience
    assert (gains < 0).any()   # the fall makes a side lose
    assert _longest_loss(gains) <= patience
    log = model.exchanges_frame()
    if months_before >= patience and resource == "steam":
        # the losses ran out the patience before the renewal: a price review re-priced it
        assert log["status"].iloc[0] == "active" and model.counts["price reviews"] >= 1
        assert (gains[-12:] > 0).all()
    elif months_before >= patience:   # no price pays both sides: it ends
        assert log["reason"].iloc[0] == "unprofitable"
        assert model.counts["price reviews"] == 0
    elif resource == "steam":     # renewed at the new price
        assert log["status"].iloc[0] == "active" and model.counts["renewals"] >= 1
        assert (gains[-12:] > 0).all()
    else:
        assert log["reason"].iloc[0] == "renegotiation failed"
        assert log["end"].iloc[0] == renewal


def test_renewal_sets_the_price_at_the_nash_split_of_todays_surplus_with_the_asset_sunk():
    model = _pair()
    _first_exchange(model)
    renewal = int(model.exchanges["end"][0])
    model.run(renewal - 1 - model.tick)      # up to the renewal
    steam = list(model.world.catalogue.names).index("steam")
    model.price_log[steam] = np.log(0.5)
    signed = model.exchanges["price"][0]
    model.step()
    assert model.counts["renewals"] >= 1
    ex = model.exchanges
    terms, info = model.expected_terms(ex["edge"][:1], volume=ex["volume"][:1],
                                       held=ex["volume"][:1])
    assert info["capex"][0] == 0.0            # the pipe is sunk
    assert ex["price"][0] < signed             # a cheaper alternative: a lower price
    assert ex["expected_supplier"][0] == pytest.approx(terms.supplier_gain[0])
    assert ex["expected_receiver"][0] == pytest.approx(terms.receiver_gain[0])
    assert ex["expected_supplier"][0] == pytest.approx(ex["expected_receiver"][0])
    assert ex["price"][0] * ex["planned"][0] == pytest.approx(terms.payment[0])


# volume band: a stream or need that falls adjusts its contracts, or ends them below the
# minimum ------------------------------------------------------------------------------------
def _shared_stream(**overrides) -> SymbiosisModel:
    """One plant's steam (80,000 t) taken by two mills of 40,000 t each."""
    region = make_region([
        {"id": "plant", "streams": [("steam", 80000.0)]},
        {"id": "mill_a", "x": 1.0, "needs": [("steam", 40000.0)]},
        {"id": "mill_b", "y": 1.0, "needs": [("steam", 40000.0)]}])
    base = dict(STATIC_WORLD, facilitator=False, initial_trust=0.9, initial_awareness=1.0,
                negotiation_failure_rate=0.0)
    model = SymbiosisModel(region, rng=3, **{**base, **overrides})
    while not (len(model.exchanges) == 2
               and (model.exchanges["first"] < model.tick).all()):
        assert model.tick < 80, "the mills never both took steam"
        model.step()
    return model


def _stream_falls(model: SymbiosisModel, level: float) -> None:
    """The plant's process change (docs/ODD.md 7.19) to ``level`` of its steam."""
    model.stream_level[0] = level
    model._fit_to_capacity("stream", np.array([True]), model.tick)


def test_a_stream_that_falls_cuts_its_contracts_pro_rata_within_their_band():
    model = _shared_stream()
    ex = model.exchanges
    volume, planned = ex["volume"].copy(), ex["planned"].copy()
    gains = ex["expected_supplier"].copy(), ex["expected_receiver"].copy()
    assert volume.sum() == pytest.approx(80000.0)
    _stream_falls(model, 0.8)
    assert ex["active"].all()
    np.testing.assert_allclose(ex["volume"], 0.8 * volume)
    np.testing.assert_allclose(ex["planned"], 0.8 * planned)
    assert ex["max_volume"].tolist() == volume.tolist()    # the band stays as signed
    assert model.stream_committed[0] == pytest.approx(64000.0)
    np.testing.assert_allclose(model.need_committed, 0.8 * volume)
    assert (ex["expected_supplier"] < gains[0]).all() and (ex["expected_receiver"]
                                                           < gains[1]).all()
    trust = [model.firm("mill_a").trust_in(model.firm("plant")),
             model.firm("mill_b").trust_in(model.firm("plant"))]
    delivered = ex["delivered"].copy()
    model.step()
    # the smaller deliveries are what the contracts now expect: no shortfall, no breach
    np.testing.assert_allclose(ex["delivered"] - delivered, 0.8 * volume / 12)
    assert model.firm("mill_a").trust_in(model.firm("plant")) >= trust[0]
    assert model.firm("mill_b").trust_in(model.firm("plant")) >= trust[1]
    assert model.counts["volumes adjusted"] == 2
    model.run(24)
    assert model.exchanges_frame()["status"].eq("active").all()


def test_a_stream_that_falls_below_the_contracts_minimum_ends_them_with_that_reason():
    model = _shared_stream()
    _stream_falls(model, 0.4)   # below half of each contract (min_volume_share 0.5)
    log = model.exchanges_frame()
    assert log["reason"].tolist() == ["below minimum volume"] * 2
    assert model.stream_committed[0] == 0.0
    assert model.counts["ended: below minimum volume"] == 2


def test_a_wider_band_keeps_the_same_contracts_at_a_smaller_volume():
    model = _shared_stream(min_volume_share=0.3)
    _stream_falls(model, 0.4)
    assert model.exchanges["active"].all()
    np.testing.assert_allclose(model.exchanges["volume"], 16000.0)


def test_a_contract_already_cut_ends_first_and_the_rest_share_what_is_left():
    model = _shared_stream()
    ex = model.exchanges
    model._resize(np.array([1]), np.array([25000.0]))   # mill_b took less before
    _stream_falls(model, 0.5)   # 40,000 t left of 65,000 t contracted
    # at 40/65 of 25,000 t mill_b would be under half its 40,000 t; mill_a takes all
    assert ex["active"].tolist() == [True, False]
    assert model.exchanges_frame()["reason"].iloc[1] == "below minimum volume"
    assert ex["volume"][0] == pytest.approx(40000.0)
    assert model.stream_committed[0] == pytest.approx(40000.0)


def test_process_changes_adjust_or_end_contracts_and_never_overcommit_a_stream():
    model = SymbiosisModel("kalundborg", rng=4, process_change_rate=0.3)
    w = model.world
    for _ in range(120):
        model.step()
        cap_s = w.stream_volume * model.stream_level
        cap_n = w.need_volume * model.need_level
        assert (model.stream_committed <= cap_s * (1 + 1e-9) + 1e-6).all()
        assert (model.need_committed <= cap_n * (1 + 1e-9) + 1e-6).all()
    reasons = model.exchanges_frame()["reason"]
    assert not (reasons == "process change").any()
    assert model.counts["volumes adjusted"] > 0


# co-funding: offered only to deals not viable alone; never the reason a viable deal fails
def _heat_over_four_km(**overrides) -> SymbiosisModel:
    """Waste heat over 4.5 km by pipe: pays with 30 % co-funding, not without."""
    region = make_region([
        {"id": "plant", "member": True, "streams": [("waste_heat_high", 10000.0)]},
        {"id": "mill", "member": True, "x": 4.5, "needs": [("waste_heat_high", 10000.0)]}])
    base = dict(STATIC_WORLD, initial_trust=0.9, initial_awareness=0.0, discovery_rate=0.0,
                convener=False, expert_support=0.0)
    return SymbiosisModel(region, rng=1, **{**base, **overrides})


def test_a_deal_that_came_to_pay_on_its_own_starts_without_the_cofunding_it_counted_on():
    model = _heat_over_four_km()
    model.step()
    assert model.negotiations["cofund"][0] == model.params.cofund_share   # counted on it
    heat = int(model.world.need_resource[0])
    model.price_log[heat] = np.log(1.5)   # heat dearer: the deal now pays on its own
    model.run(12)
    log = model.exchanges_frame()
    assert len(log) == 1 and log["subsidy_eur"].iloc[0] == 0.0
    assert model.summary()["failure_reasons"].get("no co-funding", 0) == 0
    assert model.counts["no co-funding while viable alone"] == 0


def test_a_grant_refused_for_want_of_budget_leaves_the_deal_as_without_a_cofunder():
    # the budget is spent between the broker's proposal and the deal's allocation
    model = _heat_over_four_km()
    model.step()
    model.facilitator.cofund_budget_left = 0.0
    model.run(12)
    assert len(model.exchanges) == 0   # not viable alone: it fails, as without co-funding
    assert model.summary()["failure_reasons"] == {"no co-funding": 1}
    assert model.counts["no co-funding while viable alone"] == 0
    # once it pays alone, a refused grant does not stop it
    model = _heat_over_four_km()
    model.step()
    model.facilitator.cofund_budget_left = 0.0
    model.price_log[int(model.world.need_resource[0])] = np.log(1.5)
    model.run(12)
    assert len(model.exchanges) == 1 and model.exchanges["subsidy"][0] == 0.0


def _heat_run(distance: float, volume: float, factor: float, at: int, budget: float,
              share: float, cofunder: bool) -> SymbiosisModel:
    region = make_region([
        {"id": "plant", "member": True, "streams": [("waste_heat_high", volume)]},
        {"id": "mill", "member": True, "x": distance, "needs": [("waste_heat_high", volume)]}])
    model = SymbiosisModel(region, rng=1, **STATIC_WORLD, initial_trust=0.9,
                           initial_awareness=1.0, convener=False, expert_support=0.0,
                           cofunder=cofunder, cofund_budget_eur=budget, cofund_share=share)
    model.run(at)
    model.price_log[int(model.world.need_resource[0])] = np.log(factor)   # a price move
    model.run(24 - at)
    return model


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(distance=st.floats(2.0, 5.0), volume=st.floats(5e3, 2e4),
       factor=st.floats(0.7, 1.6), at=st.integers(1, 8),
       budget=st.sampled_from([0.0, 1e5, 1e7]), share=st.floats(0.1, 0.6))
def test_no_deal_fails_for_want_of_cofunding_while_it_pays_on_its_own(
        distance, volume, factor, at, budget, share):
    # a heat link that pays, or not, without co-funding; its price moves during talks
    args = (distance, volume, factor, at, budget, share)
    helped, alone = _heat_run(*args, cofunder=True), _heat_run(*args, cofunder=False)
    assert helped.counts["no co-funding while viable alone"] == 0
    # a co-funder (whatever its budget) never stops a deal made without one
    if len(alone.exchanges):
        assert len(helped.exchanges) >= 1


# assets: paid from the start of construction, replaced (or the exchange ends) when worn out
def test_the_owner_pays_the_annuity_from_the_start_of_construction():
    model = _pair()
    _first_exchange(model)
    ex, tpy = model.exchanges, model.params.ticks_per_year
    built, first = int(model.assets.table["built"][0]), int(ex["first"][0])
    assert first - built >= 12   # a pipe: months of construction
    while model.tick < first - 1:
        model.step()
    # the receiver has paid every month since the pipe was begun, the supplier nothing
    assert built == ex["start"][0] + 1     # work begins the month after signing
    months = first - built
    assert model.firm_savings[1] == pytest.approx(-ex["annuity"][0] / tpy * months, rel=1e-9)
    assert model.firm_savings[0] == 0.0


def _short_lived_pipe(**overrides) -> SymbiosisModel:
    model = _pair(contract_years=10.0, **overrides)
    model.assets.lifetime_ticks = np.asarray(36)   # a pipe that lasts three years
    _first_exchange(model)
    return model


def test_a_worn_out_pipe_is_replaced_and_its_capex_booked_again():
    model = _short_lived_pipe()
    until = int(model.assets.table["until"][0])
    model.run(until + 2 - model.tick)
    assets = model.assets_frame()
    assert len(assets) == 2 and assets["capex_eur"].iloc[1] == assets["capex_eur"].iloc[0]
    assert assets["built"].iloc[1] == until          # no month without a paid-for asset
    log = model.exchanges_frame()
    assert log["status"].iloc[0] == "active" and log["asset_id"].iloc[0] == 1
    assert log["capex_eur"].iloc[0] == pytest.approx(assets["capex_eur"].sum())
    assert model.counts["assets replaced"] == 1
    assert model.exchanges["annuity"][0] > 0 and model._annuity_due(np.array([0]),
                                                                     model.tick)[0] == 1.0


def test_an_exchange_whose_worn_out_pipe_does_not_pay_again_ends():
    model = _short_lived_pipe()
    model._capital[:] = 0.0   # the mill can no longer fund a pipe
    until = int(model.assets.table["until"][0])
    model.run(until + 2 - model.tick)
    log = model.exchanges_frame()
    assert log["reason"].iloc[0] == "asset worn out" and log["end"].iloc[0] == until
    assert len(model.assets_frame()) == 1


def test_a_firm_taking_over_a_closed_site_builds_its_own_connection():
    region = make_region([
        {"id": "plant", "closes_at_tick": 40, "streams": [("steam", 80000.0)]},
        {"id": "mill", "x": 1.5, "needs": [("steam", 80000.0)]}])
    model = SymbiosisModel(region, rng=2, **STATIC_WORLD, facilitator=False, initial_trust=0.9,
                           initial_awareness=1.0, negotiation_failure_rate=0.0)
    model.run(42)
    assert model.exchanges_frame()["reason"].iloc[0] == "partner closed"
    edge = model.exchanges["edge"][:1]
    assert model.assets.live(edge, model.tick).tolist() == [-1]   # retired with the site
    model.firm_vacant[0] = True
    model._newcomers(np.array([0]))          # a newcomer takes the plant's site over
    model.pairs.aware[:] = True
    model.run(60)
    assets = model.assets_frame()
    assert len(model.exchanges) == 2 and len(assets) == 2
    assert model.exchanges["asset"][1] == 1
    assert assets["capex_eur"].iloc[1] == pytest.approx(assets["capex_eur"].iloc[0])
