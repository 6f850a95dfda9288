"""Unit tests of the dynamics rules (issue 9) on hand-computed cases.

Each rule is a pure function; these tests pin its arithmetic and its edge cases. The
mechanism tests (tests/test_dynamics_mechanisms.py) check the rules acting in the model.
"""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.cascade import STARVED, produced_level, received_share, smooth, starvation
from symbiosis_abm.demography import entries, exit_hazard, exits, pairs_of
from symbiosis_abm.errors import ParameterError
from symbiosis_abm.fading import dissolved, lapse
from symbiosis_abm.holdup import dedicated_capex, required_trust, specificity
from symbiosis_abm.markets import price_step
from symbiosis_abm.measures import (
    endings_after,
    endings_per_year,
    persistence,
    time_to_first,
    time_to_share,
)
from symbiosis_abm.pace import hazard_per_tick, lead_ticks, process_change, project_room
from symbiosis_abm.policy import Schedule, carbon_value, landfill_cost, schedule_or_constant
from symbiosis_abm.relations import after_breach, broken, common_partner_pairs, introduced
from symbiosis_abm.trust import toward

# ---------------------------------------------------------------- hold-up


def test_pipe_between_strangers_needs_more_trust_than_talks_build():
    """A 1.6 MEUR heat pipe (0.4 MEUR fixed + 2 km x 0.6 MEUR, catalogue waste_heat_high)
    earning its investor 150 kEUR/yr risks s = 1.6 / (1.6 + 5 x 0.15) = 0.681; at a base
    of 0.45 and weight 0.45 it needs 0.756. Strangers start at 0.35 and six months of
    talks at 3 %/month of the gap bring them to 0.35 + 0.65 x (1 - 0.97^6) = 0.458."""
    capex = 4e5 + 2 * 6e5
    s = specificity(dedicated_capex(np.array([capex]), np.array([True]), 0.25),
                    np.array([1.5e5]), payback_years=5.0)
    assert s[0] == pytest.approx(1.6 / 2.35)
    need = required_trust(np.array([0.45]), s, 0.45)[0]
    assert need == pytest.approx(0.45 + 0.45 * 1.6 / 2.35)
    after_talks = 0.35
    for _ in range(6):
        after_talks = float(toward(np.array([after_talks]), 1.0, 0.03)[0])
    assert after_talks == pytest.approx(0.35 + 0.65 * (1 - 0.97**6))
    assert after_talks < need                      # no pipe at first contact
    # two years of reliable deliveries (2 %/month) on a trial get them there
    built = float(toward(np.array([after_talks]), 1.0, 1 - 0.98**24)[0])
    assert built < need < float(toward(np.array([after_talks]), 1.0, 1 - 0.98**60)[0])


def test_truck_link_needs_only_the_base_threshold():
    """A truck link's 20 kEUR of containers is 25 % specific: 5 kEUR against 5 x 30 kEUR."""
    d = dedicated_capex(np.array([2e4]), np.array([False]), 0.25)
    s = specificity(d, np.array([3e4]), 5.0)
    assert s[0] == pytest.approx(5e3 / (5e3 + 1.5e5))
    assert required_trust(np.array([0.45]), s, 0.45)[0] < 0.47


def test_specificity_edges():
    s = specificity(np.array([0.0, 1.0, 1.0]), np.array([0.0, 0.0, -5.0]), 5.0)
    assert s.tolist() == [0.0, 1.0, 1.0]
    assert required_trust(np.array([0.9]), np.array([1.0]), 0.5)[0] == 1.0


# ---------------------------------------------------------------- relations


def test_common_partners_are_introduced_both_ways():
    # 0-1, 1-2, 2-3: pairs sharing a partner are {0,2} (via 1) and {1,3} (via 2)
    keys = common_partner_pairs(np.array([0, 1, 2]), np.array([1, 2, 3]), 4)
    assert sorted((k // 4, k % 4) for k in keys) == [(0, 2), (1, 3), (2, 0), (3, 1)]


def test_common_partners_bounded_per_hub():
    hub = np.zeros(10, dtype=np.int64)
    others = np.arange(1, 11)
    assert len(common_partner_pairs(hub, others, 11)) == 10 * 9
    assert len(common_partner_pairs(hub, others, 11, max_degree=4)) == 4 * 3


def test_introduction_chance_and_membership():
    pairs = common_partner_pairs(np.array([0, 0]), np.array([1, 2]), 3)   # keys 5, 7
    cand = np.array([5, 7, 3])
    got = introduced(cand, pairs, np.array([0.01, 0.5, 0.01]), chance=0.1)
    assert got.tolist() == [True, False, False]
    assert not introduced(cand, np.zeros(0, dtype=np.int64), np.zeros(3), 1.0).any()


def test_breach_and_broken_trust():
    assert after_breach(np.array([0.5]), 0.3)[0] == pytest.approx(0.2)
    assert broken(after_breach(np.array([0.5]), 0.35), 0.2).tolist() == [True]


# ---------------------------------------------------------------- pace


def test_lead_times_in_ticks():
    # pipe 18 months, truck 1 month; quarterly ticks: 6 and 0 (under half a tick)
    months = np.array([18.0, 1.0, 3.0, 0.0])
    assert lead_ticks(np.array([0, 1, 2, 3]), months, 3.0,
                      np.zeros(4, dtype=bool)).tolist() == [6, 0, 1, 0]
    assert lead_ticks(np.array([1]), months, 1.0, np.array([False])).tolist() == [1]
    assert lead_ticks(np.array([0]), months, 1.0, np.array([True])).tolist() == [0]


def test_projects_count_negotiations_and_builds():
    assert project_room(np.array([1, 0]), np.array([1, 0]), 2).tolist() == [0, 2]


def test_process_change_rates():
    """Over 200,000 items the shares of events, stops and appearances match the rates."""
    rng = np.random.default_rng(0)
    n = 200_000
    level = np.where(np.arange(n) < n // 2, 1.0, 0.0)
    new, fell = process_change(level, rng.random(n), rng.random(n), rng.standard_normal(n),
                               hazard=0.1, stop_share=0.3, sigma=0.5)
    active = level > 0
    assert (new[~active] == 1.0).mean() == pytest.approx(0.1, abs=0.005)
    assert (new[active] == 0.0).mean() == pytest.approx(0.03, abs=0.003)
    # a change that does not stop draws min(1, lognormal): below 1 half the time
    assert fell[active].mean() == pytest.approx(0.03 + 0.07 * 0.5, abs=0.005)
    assert not fell[~active].any()
    assert new.max() <= 1.0


def test_yearly_hazard_compounds_to_its_year():
    h = hazard_per_tick(0.07, 1.0)
    assert 1 - (1 - h) ** 12 == pytest.approx(0.07)
    assert hazard_per_tick(0.07, 12.0) == 0.07


# ---------------------------------------------------------------- demography


def test_exit_hazard_by_size_class():
    h = exit_hazard(np.array([0, 1, 0]), 0.06, 0.015, 1.0)
    assert 1 - (1 - h[0]) ** 12 == pytest.approx(0.06)
    assert 1 - (1 - h[1]) ** 12 == pytest.approx(0.015)
    assert exits(np.array([True, False]), np.array([0.0, 0.0]), h[:2]).tolist() == [True, False]
    assert entries(np.array([True, False]), np.array([0.0, 0.0]), 0.1).tolist() == [True, False]


def test_newcomer_relationships_restart():
    src, dst = np.array([0, 1, 2, 3]), np.array([1, 0, 3, 2])
    assert pairs_of(src, dst, np.array([2]), 4).tolist() == [2, 3]
    assert pairs_of(src, dst, np.zeros(0, dtype=np.int64), 4).tolist() == []


# ---------------------------------------------------------------- cascades


def test_chain_a_b_c_follows_the_input():
    """B needs 1,200 t/yr of feedstock (100 t/month) and makes 0.5 MWh per t; its gas is
    declared at 600 MWh/yr. A delivers 100, then 50, then nothing."""
    need_month, stream_year = 100.0, 600.0
    share = received_share(np.array([100.0, 50.0, 0.0]), np.array([need_month] * 3))
    assert share.tolist() == [1.0, 0.5, 0.0]
    level = produced_level(share, np.array([0.5] * 3), np.array([1200.0] * 3),
                           np.array([stream_year] * 3))
    assert level.tolist() == [1.0, 0.5, 0.0]
    # a running mean lags: after A stops, B's level falls by alpha each tick
    assert smooth(np.array([1.0]), np.array([0.0]), 0.5)[0] == 0.5


def test_starvation_needs_a_running_input_then_patience():
    counter = np.array([STARVED])
    for share in (0.0, 0.0):                        # never ran: a plant not yet fed
        counter = starvation(counter, np.array([share]), 0.5)
    assert counter[0] == STARVED
    counter = starvation(counter, np.array([0.9]), 0.5)
    assert counter[0] == 0
    for expected in (1, 2, 3):
        counter = starvation(counter, np.array([0.1]), 0.5)
        assert counter[0] == expected
    assert starvation(counter, np.array([0.6]), 0.5)[0] == 0


# ---------------------------------------------------------------- prices


def test_price_path_reverts_with_the_stated_spread():
    """The stationary s.d. of x' = (1-k) x + s z is s / sqrt(1 - (1-k)^2) (yearly steps)."""
    k, s = 0.3, 0.15
    rng = np.random.default_rng(1)
    x = np.zeros(20_000)
    for _ in range(100):
        x = price_step(x, rng.standard_normal(len(x)), k, s)
    assert x.std() == pytest.approx(s / np.sqrt(1 - (1 - k) ** 2), rel=0.03)
    assert abs(x.mean()) < 0.01


# ---------------------------------------------------------------- policy


def test_schedule_steps_and_ramps():
    s = Schedule.parse("5:60, ~10:110", before=40.0)
    assert [s.at(y) for y in (0, 4.99, 5, 6, 10, 50)] == [40, 40, 60, 70, 110, 110]
    ramp_from_start = Schedule.parse("~4:80", before=40.0)
    assert ramp_from_start.at(2) == 60.0
    assert schedule_or_constant(None, 7.0, "x").at(100) == 7.0


@pytest.mark.parametrize("text", ["5", "a:1", "5:1, 3:2", "-1:4"])
def test_schedule_rejects_bad_text_in_one_line(text):
    with pytest.raises(ParameterError) as err:
        Schedule.parse(text, name="landfill_tax_schedule")
    msg = str(err.value)
    assert msg.startswith("landfill_tax_schedule: ") and "\n" not in msg


def test_landfill_tax_only_on_landfilled_tonnes():
    base = np.array([60.0, 1.5, 0.2, 45.0])
    landfill = np.array([True, False, False, False])   # gypsum; heat; water; sludge to incin.
    tonnes = np.array([True, False, False, True])
    out = landfill_cost(base, landfill, tonnes, 30.0)
    assert out.tolist() == [90.0, 1.5, 0.2, 45.0]


def test_carbon_value_per_unit():
    assert carbon_value(np.array([0.10, 0.3]), 100.0).tolist() == pytest.approx([10.0, 30.0])


# ---------------------------------------------------------------- fading


def test_lapse_and_dissolve():
    rng = np.random.default_rng(2)
    gone = lapse(np.ones(100_000, dtype=bool), rng.random(100_000), 0.05)
    assert gone.mean() == pytest.approx(0.05, abs=0.003)
    assert dissolved(np.array([True]), np.array([False]), np.array([0.35]), 0.3,
                     0.01).tolist() == [False]


# ---------------------------------------------------------------- measures


def test_pace_measures():
    active = np.array([0, 0, 0, 1, 2, 5, 8, 10])
    assert time_to_first(active) == 3
    assert time_to_share(active, 0.5) == 5
    assert persistence(active, 5, 2) == 2.0
    assert np.isnan(persistence(active, 5, 9))


def test_endings_per_year_and_after_closure():
    frame = endings_per_year(np.array([0, 11, 12, 30, -1]),
                             np.array(["process change", "expired", "expired", "x", ""]), 12,
                             years=3)
    assert frame.loc[0, "expired"] == 1 and frame.loc[1, "expired"] == 1
    assert frame.loc[2].sum() == 1 and frame.sum().sum() == 4
    n = endings_after(np.array([10, 10]), np.array([0, 7]), np.array([11, 12, 30]),
                      np.array([0, 1, 2]), np.array([5, 6, 7]), window=6)
    assert n.tolist() == [1, 2]
