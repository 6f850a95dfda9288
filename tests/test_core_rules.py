"""Each rule on hand-computed cases: economics, trust, negotiation, allocation, search."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.allocation import allocate
from symbiosis_abm.economics import (
    annuity_factor,
    choose_mode,
    evaluate,
    nash_payment,
    seasonal_utilisation,
    transaction_cost,
)
from symbiosis_abm.negotiation import can_sign, duration
from symbiosis_abm.search import candidate_edges, discovery_chance, first_per_group
from symbiosis_abm.trust import PairStore, after_delivery, reputation_pull, toward


class TestEconomics:
    def test_annuity_factor_matches_the_textbook_formula(self):
        # 1,000,000 EUR at 5 % over 10 years: 129,504.57 EUR/year
        assert annuity_factor(0.05, 10) * 1e6 == pytest.approx(129504.57, abs=0.01)
        assert annuity_factor(0.0, 4) == 0.25

    def test_transport_cost_is_volume_times_distance_times_unit_cost(self):
        mode, transport, capex, ok = choose_mode(
            np.array([2000.0]), np.array([15.0]), np.array([[0.0, 0.12]]),
            np.array([[0.0, 0.0]]), np.array([[0.0, 0.0]]), np.array([[0.0, 300.0]]), 0.1)
        assert ok[0] and mode[0] == 1
        assert transport[0] == pytest.approx(2000 * 15 * 0.12)
        assert capex[0] == 0.0

    def test_pipe_wins_for_a_large_flow_and_truck_for_a_small_one(self):
        # pipe: 0.01 EUR/unit-km, capex 50,000 + 100,000/km; truck: 0.5 EUR/unit-km
        args = (np.array([[0.01, 0.5]]), np.array([[50000.0, 0.0]]),
                np.array([[100000.0, 0.0]]), np.array([[10.0, 200.0]]), 0.1)
        big, *_ = choose_mode(np.array([100000.0]), np.array([2.0]), *args)
        small, *_ = choose_mode(np.array([100.0]), np.array([2.0]), *args)
        # big: pipe 2,000 + 25,000 = 27,000 < truck 100,000; small: pipe 25,002 > truck 100
        assert (big[0], small[0]) == (0, 1)

    def test_no_mode_beyond_every_range(self):
        mode, transport, capex, ok = choose_mode(
            np.array([10.0]), np.array([25.0]), np.array([[0.01]]), np.array([[0.0]]),
            np.array([[1.0]]), np.array([[20.0]]), 0.1)
        assert not ok[0] and mode[0] == -1

    def test_surplus_and_nash_split_by_hand(self):
        # 500 t, virgin 40, disposal 10, transport 2,000, capex 30,000 at factor 0.1,
        # transaction 500 + 1,500, supplier power 0.3
        terms = evaluate(np.array([500.0]), np.array([1.0]), np.array([40.0]),
                         np.array([10.0]), np.array([2000.0]), np.array([30000.0]), 0.1,
                         np.array([500.0]), np.array([1500.0]), 0.3)
        surplus = 500 * 40 + 500 * 10 - 2000 - 3000 - 500 - 1500
        assert terms.surplus[0] == pytest.approx(surplus)           # 18,000
        assert terms.supplier_gain[0] == pytest.approx(0.3 * surplus)
        assert terms.receiver_gain[0] == pytest.approx(0.7 * surplus)
        # supplier: avoided disposal 5,000 - own tc 500 + payment = 5,400 -> payment 900
        assert terms.payment[0] == pytest.approx(900.0)
        receiver = 500 * 40 - 2000 - 3000 - 1500 - terms.payment[0]
        assert receiver == pytest.approx(terms.receiver_gain[0])

    def test_cofunding_lowers_the_receivers_annuity(self):
        base = dict(volume=np.array([100.0]), utilisation=np.array([1.0]),
                    virgin_price=np.array([10.0]), disposal_cost=np.array([0.0]),
                    transport=np.array([0.0]), capex=np.array([10000.0]), annuity=0.1,
                    tc_supplier=np.array([0.0]), tc_receiver=np.array([0.0]),
                    bargaining_power=0.5)
        without = evaluate(**base)
        half = evaluate(**base, cofund_share=0.5)
        assert without.annuity[0] == 1000.0 and half.annuity[0] == 500.0
        assert half.surplus[0] - without.surplus[0] == pytest.approx(500.0)

    def test_transaction_cost_rises_as_trust_falls(self):
        cost = transaction_cost(np.array([1.0, 0.25]), 2000.0, 3.0)
        assert cost.tolist() == [2000.0, 2000.0 * (1 + 3 * 0.75)]

    def test_nash_payment_gives_the_supplier_its_share(self):
        pay = nash_payment(np.array([1000.0]), np.array([200.0]), np.array([50.0]), 0.6)
        assert 200.0 - 50.0 + pay[0] == pytest.approx(600.0)

    def test_seasonal_utilisation_caps_delivery_by_the_weaker_side(self):
        supply = np.ones((1, 12))
        summer_only = np.array([[0.0] * 3 + [2.0] * 6 + [0.0] * 3])
        assert seasonal_utilisation(supply, summer_only)[0] == pytest.approx(0.5)


class TestTrust:
    def test_toward_moves_a_share_of_the_gap(self):
        assert toward(np.array([0.2]), 1.0, 0.25)[0] == pytest.approx(0.4)

    def test_delivery_builds_and_shortfall_destroys(self):
        out = after_delivery(np.array([0.6, 0.6, 0.6]), np.array([0.05, 0.1, 0.5]),
                             tolerance=0.1, gain=0.5, loss=0.5)
        assert out[0] == pytest.approx(0.8) and out[1] == pytest.approx(0.8)
        assert out[2] == pytest.approx(0.6 - 0.5 * 0.4)

    def test_trust_stays_in_unit_interval(self):
        out = after_delivery(np.array([0.05]), np.array([1.0]), 0.0, 0.1, 1.0)
        assert out[0] == 0.0

    def test_reputation_only_raises(self):
        out = reputation_pull(np.array([0.9, 0.1]), np.array([0.8, 0.8]),
                              np.array([0.5, 0.5]), 0.5)
        assert out[0] == 0.9                      # hearsay 0.4 < own 0.9: unchanged
        assert out[1] == pytest.approx(0.1 + 0.5 * (0.4 - 0.1))

    def test_pair_store_is_directed_and_sparse(self):
        store = PairStore(1000, initial_trust=0.3)
        slots = store.slots(np.array([1, 2]), np.array([2, 1]))
        store.trust[slots] = [0.9, 0.2]
        assert store.trust_of(np.array([1, 2, 5]), np.array([2, 1, 6])).tolist() == [0.9, 0.2, 0.3]
        assert store.size == 2                    # only the pairs that were touched
        again = store.slots(np.array([2, 7]), np.array([1, 8]))
        assert again[0] == slots[1] and store.size == 3


class TestNegotiation:
    def test_duration_grows_as_trust_falls(self):
        assert duration(np.array([1.0, 0.75, 0.0]), 3).tolist() == [3, 5, 9]

    def test_both_sides_must_trust_enough(self):
        ok = can_sign(np.array([0.5, 0.49, 0.9]), np.array([0.5, 0.9, 0.39]),
                      np.array([0.5, 0.5, 0.5]), np.array([0.4, 0.4, 0.4]))
        assert ok.tolist() == [True, False, False]


class TestAllocation:
    def test_competing_buyers_are_served_in_surplus_order(self):
        # one seller of 100; buyers want 60, 70 and 30 with surpluses 5, 9, 7
        granted = allocate(np.array([0, 0, 0]), np.array([0, 1, 2]),
                           np.array([60.0, 70.0, 30.0]), np.array([5.0, 9.0, 7.0]),
                           np.array([100.0]), np.array([60.0, 70.0, 30.0]))
        assert granted.tolist() == [0.0, 70.0, 30.0]

    def test_competing_sellers_do_not_overfill_a_need(self):
        # one need of 50; sellers offer 40 and 40; the better gets 40, the other 10 < 50 %
        granted = allocate(np.array([0, 1]), np.array([0, 0]), np.array([40.0, 40.0]),
                           np.array([1.0, 2.0]), np.array([40.0, 40.0]), np.array([50.0]))
        assert granted.tolist() == [0.0, 40.0]

    def test_partial_grant_above_the_minimum_share(self):
        granted = allocate(np.array([0, 0]), np.array([0, 1]), np.array([60.0, 60.0]),
                           np.array([2.0, 1.0]), np.array([100.0]), np.array([60.0, 60.0]))
        assert granted.tolist() == [60.0, 40.0]

    def test_inputs_are_not_modified(self):
        free = np.array([10.0])
        allocate(np.array([0]), np.array([0]), np.array([5.0]), np.array([1.0]), free,
                 np.array([5.0]))
        assert free[0] == 10.0


class TestSearch:
    def test_candidates_match_resource_range_and_exclude_self(self):
        xy = np.array([[0.0, 0.0], [3.0, 4.0], [30.0, 0.0], [0.0, 0.0]])
        edges = candidate_edges(
            stream_xy=xy[[0]], stream_resource=np.array([0]), stream_firm=np.array([0]),
            need_xy=xy[[1, 2, 3]], need_resource=np.array([0, 0, 1]),
            need_firm=np.array([1, 2, 0]), max_range_km=np.array([10.0, 10.0]), k=5)
        assert edges.need.tolist() == [0]          # 2 is out of range, 3 another resource
        assert edges.distance_km.tolist() == [5.0]

    def test_detour_factor_lengthens_routes_and_shrinks_reach(self):
        xy = np.array([[0.0, 0.0], [8.0, 0.0]])
        args = dict(stream_xy=xy[[0]], stream_resource=np.array([0]), stream_firm=np.array([0]),
                    need_xy=xy[[1]], need_resource=np.array([0]), need_firm=np.array([1]),
                    max_range_km=np.array([10.0]), k=3)
        assert candidate_edges(**args, detour_factor=1.2).distance_km[0] == pytest.approx(9.6)
        assert len(candidate_edges(**args, detour_factor=1.3)) == 0

    def test_discovery_decays_with_distance(self):
        p = discovery_chance(np.array([0.0, 5.0, 50.0]), 0.2, 5.0)
        assert p[0] == 0.2 and p[1] == pytest.approx(0.2 / np.e) and p[2] < 1e-5

    def test_first_per_group_respects_each_budget(self):
        group = np.array([3, 3, 3, 1, 1])
        key = np.array([0.3, 0.1, 0.2, 0.9, 0.8])
        # group 3 may take 2 (its smallest keys 0.1, 0.2), group 1 may take 1 (0.8)
        mask = first_per_group(group, key, np.array([0, 1, 0, 2]))
        assert mask.tolist() == [False, True, True, False, True]
