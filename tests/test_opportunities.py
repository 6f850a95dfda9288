"""The opportunity map lists exactly the feasible pairs, valued by the model's own rules."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from symbiosis_abm import Parameters, load_catalogue
from symbiosis_abm.cli import main
from symbiosis_abm.economics import (
    annuity_factor,
    choose_mode,
    evaluate,
    seasonal_utilisation,
    transaction_cost,
)
from symbiosis_abm.opportunities import OPPORTUNITY_COLUMNS, opportunities
from symbiosis_abm.region import FirmSpec, NeedSpec, Region, StreamSpec


def hand_region() -> Region:
    """Seven firms on a line (x in km) built so every kind of pair occurs:

    - in range and paying (gypsum, sludge, steam, small);
    - beyond range: steam to ``far`` (pipe limit 6 km route);
    - negative surplus even at full trust: 20 t of sludge cannot pay the transaction cost;
    - pays only once trust is high: 200 t of sludge barely cover the fixed costs;
    - a firm with a stream and a need of the same resource (never paired with itself);
    - two resources between the same two firms, one each way (they share trust slots),
      both paying only at high trust (brewery -> farm sludge, farm -> brewery digestate).
    """
    firm = lambda fid, size, x, streams=(), needs=(): FirmSpec(  # noqa: E731
        id=fid, sector="test", size=size, x_km=x, y_km=0.0, streams=tuple(streams),
        needs=tuple(needs))
    firms = (
        firm("power", "large", 0.0,
             streams=[StreamSpec("fgd_gypsum", 50_000.0), StreamSpec("steam", 80_000.0),
                      StreamSpec("sludge", 20.0)],
             needs=[NeedSpec("sludge", 5_000.0)]),
        firm("board", "large", 1.0, needs=[NeedSpec("fgd_gypsum", 30_000.0),
                                          NeedSpec("steam", 20_000.0)]),
        firm("pharma", "large", 2.0,
             streams=[StreamSpec("sludge", 8_000.0)], needs=[NeedSpec("steam", 60_000.0)]),
        firm("farm", "sme", 3.0, needs=[NeedSpec("sludge", 3_000.0)],
             streams=[StreamSpec("digestate", 1_000.0)]),
        firm("far", "large", 12.0, needs=[NeedSpec("steam", 40_000.0)]),
        firm("tiny", "sme", 0.5, needs=[NeedSpec("sludge", 20.0)]),
        firm("brewery", "sme", 2.5, streams=[StreamSpec("sludge", 200.0)],
             needs=[NeedSpec("digestate", 1_000.0)]),
    )
    return Region(name="hand", title="Hand-made test region", firms=firms)


def brute_force(region: Region, params: Parameters, trust: float) -> pd.DataFrame:
    """Every same-resource stream/need pair of different firms, valued with the economics
    functions directly (no KD-tree, no candidate bound), at a given common trust."""
    cat = load_catalogue()
    # priced at the rate that counts the link's hazards (docs/ODD.md 7.2): firms of a
    # region without random exits close never at random; the stream and the need each end
    # the contract with a process change that stops them or takes them below the minimum
    process = params.process_change_rate * (
        params.process_stop_share + (1 - params.process_stop_share)
        * norm.cdf(np.log(params.min_volume_share) / params.process_change_sigma))
    end = 1 - (1 - process) ** 2
    annuity = annuity_factor((1 + params.discount_rate) / (1 - end) - 1,
                             params.lifetime_years)
    rows = []
    for a in region.firms:
        for s in a.streams:
            for b in region.firms:
                for n in b.needs:
                    if a.id == b.id or s.resource != n.resource:
                        continue
                    r = cat.index(s.resource)
                    dist = np.hypot(a.x_km - b.x_km, a.y_km - b.y_km) * params.detour_factor
                    volume = np.array([min(s.volume_per_year, n.volume_per_year)])
                    mode, transport, capex, ok = choose_mode(
                        volume, np.array([dist]), cat.cost_per_unit_km[r:r + 1],
                        cat.capex_fixed[r:r + 1], cat.capex_per_km[r:r + 1],
                        cat.max_distance_km[r:r + 1], annuity)
                    util = seasonal_utilisation(cat.supply_seasonality[r:r + 1],
                                                cat.demand_seasonality[r:r + 1])
                    tc = transaction_cost(np.array([trust]), params.transaction_cost_eur / 2,
                                          params.distrust_cost_factor)
                    terms = evaluate(volume, util, np.array([cat.virgin_price[r]]),
                                     np.array([cat.disposal_cost[r]]), transport, capex,
                                     annuity, tc, tc, params.bargaining_power)
                    rows.append({"supplier": a.id, "receiver": b.id, "resource": s.resource,
                                 "in_range": bool(ok[0]), "surplus": float(terms.surplus[0]),
                                 "capex": float(capex[0])})
    return pd.DataFrame(rows)


KEY = ["supplier", "receiver", "resource"]


def test_hand_region_equals_brute_force():
    region, params = hand_region(), Parameters()
    table = opportunities(region)
    full = brute_force(region, params, trust=1.0)
    start = brute_force(region, params, trust=params.initial_trust)
    feasible = full[full["in_range"] & (full["surplus"] > 0)]
    assert sorted(map(tuple, table[KEY].values)) == sorted(map(tuple, feasible[KEY].values))
    merged = table.merge(start, on=KEY).merge(full, on=KEY, suffixes=("_start", "_full"))
    np.testing.assert_allclose(merged["surplus_eur_per_year"], merged["surplus_start"],
                               rtol=1e-9)
    np.testing.assert_allclose(merged["surplus_full_trust_eur_per_year"],
                               merged["surplus_full"], rtol=1e-9)
    np.testing.assert_allclose(merged["capex_eur"], merged["capex_start"], rtol=1e-9)


def test_hand_region_excludes_each_kind_of_infeasible_pair():
    table = opportunities(hand_region())
    pairs = set(map(tuple, table[KEY].values))
    assert ("power", "far", "steam") not in pairs          # beyond the pipe's range
    assert ("power", "tiny", "sludge") not in pairs        # never pays
    assert not (table["supplier"] == table["receiver"]).any()
    # ...while the in-range pairs of the same stream are listed
    assert {("power", "board", "steam"), ("power", "pharma", "steam")} <= pairs
    assert ("power", "board", "fgd_gypsum") in pairs       # two resources, same firm pair


def test_ranked_by_surplus_and_columns():
    table = opportunities(hand_region())
    assert list(table.columns) == list(OPPORTUNITY_COLUMNS)
    assert table["surplus_eur_per_year"].is_monotonic_decreasing
    # 60 GWh of steam 2.6 km away is best; gypsum is saleable (its seller forgoes a sale),
    # so 30 kt of it are worth only the gap between the virgin and the sale price
    assert (table.loc[0, "resource"], table.loc[0, "receiver"]) == ("steam", "pharma")


def test_trust_for_surplus_is_the_break_even_trust():
    region, params = hand_region(), Parameters()
    table = opportunities(region).set_index(KEY)
    small = table.loc[("brewery", "farm", "sludge")]
    # the small sludge stream only pays once the two trust each other well
    assert 0.3 < small["trust_for_surplus"] < 1.0
    assert small["surplus_eur_per_year"] < 0 < small["surplus_full_trust_eur_per_year"]
    marginal = table[(table["trust_for_surplus"] > 0)]
    assert ("farm", "brewery", "digestate") in marginal.index
    for key, row in marginal.iterrows():
        for delta, pays in ((1e-6, True), (-1e-6, False)):
            value = brute_force(region, params, row["trust_for_surplus"] + delta).set_index(KEY)
            assert bool(value.loc[key, "surplus"] > 0) is pays, key
    # large, lucrative pairs pay even between strangers
    assert table.loc[("power", "board", "fgd_gypsum"), "trust_for_surplus"] == 0.0


def test_trust_needed_includes_signing_thresholds():
    params = Parameters()
    table = opportunities(hand_region())
    sme_receiver = table["receiver_size"] == "sme"
    assert (table.loc[sme_receiver, "min_trust_receiver"] == params.min_trust_sme).all()
    assert (table.loc[~sme_receiver, "min_trust_receiver"] == params.min_trust_large).all()
    expected = np.maximum(table["trust_for_surplus"], table["min_trust_supplier"])
    np.testing.assert_array_equal(table["trust_needed_supplier"], expected)


def test_overrides_change_the_evaluation():
    base = opportunities(hand_region())
    dear = opportunities(hand_region(), transaction_cost_eur=50_000.0)
    assert len(dear) < len(base)  # the marginal pairs no longer pay at any trust
    both = base.merge(dear, on=KEY, suffixes=("_base", "_dear"))
    assert (both["trust_for_surplus_dear"] >= both["trust_for_surplus_base"]).all()
    assert (both["trust_for_surplus_dear"] > both["trust_for_surplus_base"]).any()


def test_candidate_bound_is_lifted_for_the_map():
    """The run's search keeps only the nearest partners; the map must not."""
    region = hand_region()
    bounded = opportunities(region, max_candidates=1)
    assert len(bounded) < len(opportunities(region))


def test_kalundborg_lists_known_feasible_exchanges():
    table = opportunities("kalundborg")
    pairs = set(map(tuple, table[KEY].values))
    assert {("asnaes", "gyproc", "fgd_gypsum"), ("asnaes", "novo", "steam")} <= pairs
    assert (table["surplus_full_trust_eur_per_year"] > 0).all()
    pipe = table["mode"] == "pipe"
    assert (table.loc[pipe, "distance_km"] <= 30.0).all()
    assert (table["co2e_avoided_t_per_year"] >= 0).all()


def test_cli_prints_top_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "opp.csv"
    assert main(["opportunities", "kalundborg", "--top", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["supplier", "receiver", "resource"]
    table = pd.read_csv(out)
    assert lines[1].split()[:3] == table.loc[0, ["supplier", "receiver", "resource"]].tolist()
    assert len(table) == len(opportunities("kalundborg"))
    assert "3 of" in text


@pytest.mark.parametrize("argv", [["opportunities", "kalundborg", "--set", "nope=1"],
                                  ["opportunities", "kalundborg", "--top", "0"],
                                  ["opportunities", "atlantis"]])
def test_cli_bad_input_exits_2(argv, capsys):
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error:")
