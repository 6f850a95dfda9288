"""Issue 18: investment that counts the model's own hazards, notice and compensation on an
early end.

The hazards are checked against the model's own rules (pace.process_change and
contracts.within_band drawn many times); the annuity against economics.annuity_factor; the
payments on a hand-made two-firm region whose stream falls below the contract's minimum.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import make_region

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.contracts import within_band
from symbiosis_abm.economics import annuity_factor
from symbiosis_abm.hazards import (
    annuity_factor_at,
    firm_exit_chance,
    link_end_chance,
    process_end_chance,
    risk_rate,
)
from symbiosis_abm.pace import process_change
from symbiosis_abm.params import STATIC_WORLD, Parameters
from symbiosis_abm.termination import early_end_payment


def test_process_end_chance_is_the_models_own_rule_drawn_many_times():
    p = Parameters()
    rng = np.random.default_rng(7)
    n = 400_000
    level, fell = process_change(np.ones(n), rng.random(n), rng.random(n),
                                 rng.standard_normal(n), p.process_change_rate,
                                 p.process_stop_share, p.process_change_sigma)
    # one contract holding the whole of each stream: does it end below its minimum?
    k = int(fell.sum())
    below, _ = within_band(np.arange(k), level[fell], np.ones(k), np.ones(k),
                           p.min_volume_share)
    simulated = below.sum() / n
    expected = process_end_chance(p.process_change_rate, p.process_stop_share,
                                  p.process_change_sigma, p.min_volume_share)
    assert simulated == pytest.approx(expected, rel=0.05)
    assert 0.0139 < expected < 0.0142


def test_link_end_chance_combines_exits_and_process_changes_and_respects_bounds():
    exits = firm_exit_chance(np.array([0, 1]), np.array([True, True]), 0.06, 0.015, 0.0)
    end = link_end_chance(exits[[0, 0, 1]], exits[[0, 1, 1]], 0.01)
    survive = (1 - np.array([0.06, 0.06, 0.015])) * (1 - np.array([0.06, 0.015, 0.015]))
    np.testing.assert_allclose(end, 1 - survive * 0.99 ** 2)
    assert (np.diff(end) < 0).all()          # larger firms: a safer link
    assert link_end_chance(np.zeros(1), np.zeros(1), 0.0).tolist() == [0.0]
    # a uniform closure hazard adds to every firm's
    both = firm_exit_chance(np.array([0]), np.array([False]), 0.06, 0.015, 0.1)
    assert both.tolist() == pytest.approx([0.1])


@pytest.mark.parametrize("years", [1.0, 5.0, 20.0, 40.0])
def test_the_risk_annuity_is_the_plain_one_at_no_risk_and_grows_with_it(years):
    assert annuity_factor_at(np.array([0.06]), np.array([years]))[0] == pytest.approx(
        annuity_factor(0.06, years))
    rates = risk_rate(0.06, np.array([0.0, 0.05, 0.15]))
    assert rates[0] == pytest.approx(0.06)
    factors = annuity_factor_at(rates, np.full(3, years))
    assert (np.diff(factors) > 0).all()
    # the present value of the risky annuity at the plain rate, paid while the link
    # survives (chance (1 - h) ** k in year k), repays the capex exactly
    h = 0.15
    k = np.arange(1, int(years) + 1)
    pv = (factors[2] * (1 - h) ** k / 1.06 ** k).sum()
    assert pv == pytest.approx(1.0)


def _pair(**overrides) -> SymbiosisModel:
    region = make_region([
        {"id": "plant", "streams": [("steam", 80000.0)]},
        {"id": "mill", "x": 1.5, "needs": [("steam", 80000.0)]}])
    base = dict(STATIC_WORLD, facilitator=False, initial_trust=0.9, initial_awareness=1.0,
                negotiation_failure_rate=0.0)
    model = SymbiosisModel(region, rng=2, **{**base, **overrides})
    while not (len(model.exchanges) and model.exchanges["first"][0] < model.tick):
        assert model.tick < 80, "the pair never signed"
        model.step()
    return model


def test_deals_are_priced_at_the_risk_annuity_and_assets_paid_at_the_plain_one():
    safe, risky = _pair(), _pair(process_change_rate=0.2)
    for model in (safe, risky):
        ex = model.exchanges
        plain = model.mode_annuity[ex["resource"][0], ex["mode"][0]]
        assert ex["annuity"][0] == pytest.approx(plain * (ex["capex"][0] - ex["subsidy"][0]))
    # a static world has no hazard: the price counts the plain annuity; with process
    # changes at 20 % a year the receiver's priced annuity is higher (same capex)
    assert safe.exchanges["priced_annuity"][0] == pytest.approx(safe.exchanges["annuity"][0])
    assert risky.exchanges["capex"][0] == safe.exchanges["capex"][0]
    assert risky.exchanges["priced_annuity"][0] > 1.05 * risky.exchanges["annuity"][0]
    assert risky.exchanges["expected_receiver"][0] < safe.exchanges["expected_receiver"][0]


def _stream_stops(model: SymbiosisModel) -> tuple[float, float]:
    """The plant's stream stops (a process change); each firm's savings change at once."""
    before = model.firm_savings.copy()
    model.stream_level[0] = 0.0
    model._fit_to_capacity("stream", np.array([True]), model.tick)
    assert model.exchanges_frame()["reason"].tolist() == ["below minimum volume"]
    delta = model.firm_savings - before
    return float(delta[0]), float(delta[1])   # plant, mill


def test_the_side_that_ends_early_pays_notice_and_compensation_where_the_contract_says_so():
    none = _pair(notice_months=0.0)
    assert _stream_stops(none) == (0.0, 0.0)
    notice = _pair(notice_months=3.0)
    gain = notice.exchanges["expected_receiver"][0]
    plant, mill = _stream_stops(notice)
    assert mill == pytest.approx(gain * 3 / 12) and plant == pytest.approx(-mill)
    both = _pair(notice_months=3.0, stranded_compensation_share=0.5)
    ex, t = both.exchanges, both.tick
    left = ex["annuity"][0] / 12 * (both.assets.table["until"][ex["asset"][0]] - (t + 1))
    plant, mill = _stream_stops(both)
    assert left > 0 and mill == pytest.approx(gain * 3 / 12 + 0.5 * left)
    assert both.firm_stranded[1] == pytest.approx(left)   # the receiver's asset is stranded
    assert both.counts["early termination paid (EUR)"] == pytest.approx(mill)


def test_a_receiver_ending_early_pays_notice_but_no_compensation():
    paid = early_end_payment(np.array([False]), np.array([6000.0]), np.array([9000.0]),
                             np.array([50000.0]), 6.0, 1.0)
    assert paid.tolist() == [3000.0]


@pytest.mark.parametrize("review", [True, False])
def test_a_losing_receiver_asks_for_a_price_review_before_it_walks_out(review):
    # steam by pipe, its virgin price down to 30 %: the receiver loses at the signed price,
    # the deal still pays both at a new one
    model = _pair(price_review=review, notice_months=0.0)
    steam = list(model.world.catalogue.names).index("steam")
    model.price_log[steam] = np.log(0.3)
    signed = model.exchanges["price"][0]
    model.run(int(model.rates.patience) + 2)
    log = model.exchanges_frame()
    if review:
        assert log["status"].tolist() == ["active"] and model.counts["price reviews"] == 1
        assert model.exchanges["price"][0] < signed
        terms, _ = model.expected_terms(model.exchanges["edge"][:1],
                                        volume=model.exchanges["volume"][:1],
                                        held=model.exchanges["volume"][:1])
        assert terms.supplier_gain[0] > 0 and terms.receiver_gain[0] > 0
    else:
        assert log["reason"].tolist() == ["unprofitable"]
        assert model.counts["price reviews"] == 0
