"""Each targeting strategy makes the real broker propose what the strategy says.

The tests drive :meth:`Facilitator._broker` through a small model and read the proposals
it made (``model.facilitator.last_proposals``) on the first tick the facilitator is active.
The hand-made region is built so that the four deterministic strategies each pick a
different match:

=====  =========================  =============  ==========  ===========================
match  pair                       stream value   surplus     why it is special
=====  =========================  =============  ==========  ===========================
H      x -> z, 40 kt sludge       1.9 MEUR/yr    highest     x already has a partner (y)
L      bigwater -> smallwater     4.5 MEUR/yr    lowest      largest stream, small need
I      i1 -> i2, 10 kt fly ash    0.9 MEUR/yr    2nd         both firms without partners
S      sme -> mill, 2 kt fibre    0.1 MEUR/yr    3rd         the only match with an SME
=====  =========================  =============  ==========  ===========================

Before the facilitator starts (tick 6), x and y, who know and trust each other, find one
another by their own search and sign a gypsum exchange; nobody else knows anybody
(no initial awareness, no discovery, no events), so the broker's candidates at tick 6 are
exactly H, L, I and S, and only x and y have a partner.
"""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.params import STATIC_WORLD, TARGETING_STRATEGIES
from symbiosis_abm.region import FirmSpec, NeedSpec, Region, Relationship, StreamSpec
from symbiosis_abm.targeting import STRATEGY_READS, rank_matches

START = 6
H = ("x", "z", "sludge")
L = ("bigwater", "smallwater", "process_water")
I = ("i1", "i2", "fly_ash")  # noqa: E741
S = ("sme", "mill", "fibre_residues")


def region(member: dict[str, bool] | None = None) -> Region:
    member = member or {}

    def firm(fid, size, x, y, streams=(), needs=()):
        return FirmSpec(id=fid, sector="test", size=size, x_km=x, y_km=y,
                        member=member.get(fid, True), streams=tuple(streams),
                        needs=tuple(needs))

    firms = (
        firm("x", "large", 0.0, 0.0, streams=[StreamSpec("fgd_gypsum", 10_000.0, 0.0),
                                              StreamSpec("sludge", 40_000.0, 0.0)]),
        firm("y", "large", 0.5, 0.0, needs=[NeedSpec("fgd_gypsum", 10_000.0)]),
        firm("z", "large", 1.0, 0.0, needs=[NeedSpec("sludge", 40_000.0)]),
        firm("bigwater", "large", 0.0, 1.0,
             streams=[StreamSpec("process_water", 5_000_000.0, 0.0)]),
        firm("smallwater", "large", 1.0, 1.0, needs=[NeedSpec("process_water", 100_000.0)]),
        firm("i1", "large", 0.0, 2.0, streams=[StreamSpec("fly_ash", 10_000.0, 0.0)]),
        firm("i2", "large", 1.0, 2.0, needs=[NeedSpec("fly_ash", 10_000.0)]),
        firm("sme", "sme", 0.0, 3.0, streams=[StreamSpec("fibre_residues", 2_000.0, 0.0)]),
        firm("mill", "large", 1.0, 3.0, needs=[NeedSpec("fibre_residues", 2_000.0)]),
    )
    return Region(name="targeting", title="Targeting test region", firms=firms,
                  relationships=(Relationship(("x", "y"), "business_club", 0.9),))


def broker_model(targeting: str, seed: int = 0, **overrides) -> SymbiosisModel:
    """A model whose only route to new partners after tick 0 is the broker.

    Search stays on (x and y need it to find each other before the facilitator starts),
    but with no awareness, no discovery and no events it cannot open anything else.
    """
    # the region stands still (issue 9 processes off): the broker is the only change
    settings = dict(**STATIC_WORLD, targeting=targeting, broker_capacity=1,
                    facilitator_start_tick=START,
                    convener=False, cofunder=False, expert_support=0.0,
                    initial_awareness=0.0, discovery_rate=0.0, negotiation_failure_rate=0.0,
                    registry_join_rate=0.0, registry_network_effect=0.0)
    return SymbiosisModel(region(overrides.pop("member", None)), rng=seed,
                          **{**settings, **overrides})


def first_proposals(model: SymbiosisModel) -> list[tuple[str, str, str]]:
    model.run(START + 1)
    return model.facilitator.last_proposals


def test_setup_only_x_and_y_have_a_partner_when_the_broker_starts():
    model = broker_model("highest_surplus")
    model.run(START)
    assert model.facilitator.last_proposals == []  # not active yet
    assert model.firm("x").partners == ["y"]
    assert sum(1 for f in model.firms if f.partners) == 2


@pytest.mark.parametrize("strategy, expected", [
    ("highest_surplus", H),   # the best deal, even though x already has a partner
    ("largest_streams", L),   # the largest stream, though the deal is the smallest
    ("most_isolated", I),     # the best deal between two firms without partners
    ("smes_first", S),        # the only match with an SME, though it ranks third
])
def test_strategy_picks_what_it_says(strategy, expected):
    assert first_proposals(broker_model(strategy)) == [expected]


def test_the_four_strategies_disagree_on_this_region():
    """Guards the test design: if two strategies agreed, a swap would go unnoticed."""
    picks = {s: tuple(first_proposals(broker_model(s)))
             for s in ("highest_surplus", "largest_streams", "most_isolated", "smes_first")}
    assert len(set(picks.values())) == 4


def test_full_order_under_each_strategy():
    order = {s: first_proposals(broker_model(s, broker_capacity=4))
             for s in ("highest_surplus", "largest_streams", "most_isolated", "smes_first")}
    assert order["highest_surplus"] == [H, I, S, L]
    assert order["largest_streams"] == [L, H, I, S]
    assert order["most_isolated"] == [I, S, L, H]
    assert order["smes_first"] == [S, H, I, L]


def test_random_varies_with_the_seed_and_stays_among_candidates():
    picks = [tuple(first_proposals(broker_model("random", seed=seed))) for seed in range(30)]
    assert all(len(p) == 1 for p in picks)
    chosen = {p[0] for p in picks}
    assert chosen <= {H, L, I, S}
    assert len(chosen) >= 3


def test_broker_proposes_only_between_registry_members():
    model = broker_model("most_isolated", member={"i2": False})
    assert first_proposals(model) == [S]  # I would be first, but i2 is not a member


def test_proposals_cost_the_public_and_not_the_firms():
    model = broker_model("highest_surplus")
    model.run(START)
    costs_before = model.firm_costs.copy()
    spent_before = model.facilitator.spent_total
    model.step()
    p = model.params
    assert model.facilitator.spent_total - spent_before == pytest.approx(
        p.facilitator_staff_cost_eur + p.proposal_cost_eur)
    x, z = model.firm("x").index, model.firm("z").index
    # x and z pay for the tick of talks the proposal opened, but no search cost
    assert model.firm_costs[z] - costs_before[z] == pytest.approx(p.negotiation_cost_eur)
    assert model.firm_costs[x] - costs_before[x] == pytest.approx(p.negotiation_cost_eur)
    assert np.all(model.firm_costs >= costs_before)


@pytest.mark.parametrize("strategy", sorted(TARGETING_STRATEGIES))
def test_a_strategy_ranks_the_same_given_only_the_inputs_it_declares(strategy):
    # the broker computes only STRATEGY_READS[strategy]: with the others None the order
    # (draws included) must be the one all inputs give
    rng = np.random.default_rng(5)
    inputs = {"stream_value": rng.random(40) * 1e6, "surplus": rng.normal(size=40),
              "involves_sme": rng.random(40) < 0.3,
              "partner_count": rng.integers(0, 4, 40).astype(float)}
    full = rank_matches(strategy, **inputs, rng=np.random.default_rng(1))
    declared = {k: (v if k == "surplus" or k in STRATEGY_READS[strategy] else None)
                for k, v in inputs.items()}
    only = rank_matches(strategy, **declared, rng=np.random.default_rng(1))
    assert np.array_equal(full, only)
    first = rank_matches(strategy, **declared, rng=np.random.default_rng(1), first=5)
    assert np.array_equal(first[:5], full[:5])
