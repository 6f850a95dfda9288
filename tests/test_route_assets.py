"""One physical asset per route (issue 18, must-show 5): a line between two sites for one
resource is one asset with a capacity, used by flows in both directions and by every
contract routed through it, its capex booked once and its annuity shared pro rata of
contracted volume (docs/ODD.md 7.6)."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.region import load_region

SUMMER = "[0.5, 0.5, 0.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 0.5, 0.5, 0.5]"
WINTER = "[2.0, 2.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0, 2.0, 2.0]"
FLAT = "[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]"

#: a (summer heat) and b (winter heat) 5 km apart, each needing the other's heat; c1
#: (summer) and c2 (winter) on one site, 5 km from the receiver r
HEADER = """schema_version = 1

[region]
name = "one_route"
title = "Hand-made: one line each way, two suppliers of one site into one receiver"
description = "test region"
year = 2020
start = "2020-01"
"""

def firm(fid: str, sector: str, x: float, y: float, supply: float = 0.0,
         season: str = "", need: float = 0.0) -> str:
    """One large firm of the hand-made region with a heat stream and/or a heat need."""
    text = (f'\n[[firms]]\nid = "{fid}"\nsector = "{sector}"\nsize = "large"\n'
            f"x_km = {x}\ny_km = {y}\n")
    if supply:
        text += ('[[firms.streams]]\nresource = "waste_heat_high"\n'
                 f"volume_per_year = {supply:g}\nsupply_seasonality = {season}\n")
    if need:
        text += ('[[firms.needs]]\nresource = "waste_heat_high"\n'
                 f"volume_per_year = {need:g}\n")
    return text


REGION = (HEADER
          + firm("a", "chemicals", 0.0, 0.0, 40000, "SUMMER", need=100000)
          + firm("b", "district_heating", 0.0, 5.0, 15000, "WINTER", need=100000)
          + firm("c1", "chemicals", 30.0, 0.0, 30000, "SUMMER")
          + firm("c2", "chemicals", 30.0, 0.0, 10000, "C2_SEASON")
          + firm("r", "district_heating", 30.0, 5.0, need=100000))

#: the catalogue's heat pipe: 0.4 MEUR fixed + 0.6 MEUR/km over 5 km x detour 1.3
ONE_PIPE = 4.0e5 + 6.0e5 * 5.0 * 1.3


def running(*links: tuple[str, str]) -> str:
    return "".join(f'\n[[initial_exchanges]]\nsupplier = "{s}"\nreceiver = "{r}"\n'
                   f'resource = "waste_heat_high"\nsince = "2020-01"\n' for s, r in links)


def region_file(tmp_path, links=(), c2_season=WINTER) -> str:
    text = (REGION.replace("SUMMER", SUMMER).replace("WINTER", WINTER)
            .replace("C2_SEASON", c2_season) + running(*links))
    path = tmp_path / "one_route.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def model_of(tmp_path, links=(), **kw) -> SymbiosisModel:
    return SymbiosisModel(load_region(region_file(tmp_path, links, **kw)), rng=0)


def edge(model: SymbiosisModel, supplier: str, receiver: str) -> np.ndarray:
    ids, w = np.array(model.world.firm_ids), model.world
    return np.flatnonzero((ids[w.edge_supplier] == supplier) & (ids[w.edge_receiver] == receiver)
                          & (w.edge_resource == w.catalogue.names.index("waste_heat_high")))


def full_volume(model: SymbiosisModel, e: np.ndarray) -> np.ndarray:
    w = model.world
    return np.minimum(w.stream_volume[w.edges.stream[e]], w.need_volume[w.edges.need[e]])


def start(model: SymbiosisModel, e: np.ndarray):
    """Sign the deal of edge ``e`` now at full trust and start it; its terms and info."""
    terms, info = model.expected_terms(e, volume=full_volume(model, e), trust=1.0)
    model._start_exchanges(max(model.tick, 0), e, terms, info, np.zeros(1), np.ones(1, bool))
    return terms, info


def users(model: SymbiosisModel, asset: int) -> np.ndarray:
    ex = model.exchanges
    return np.flatnonzero(ex["active"] & (ex["asset"] == asset))


ALL = (("a", "b"), ("b", "a"), ("c1", "r"), ("c2", "r"))


def test_both_directions_and_two_suppliers_of_one_site_book_one_asset_per_route(tmp_path):
    model = model_of(tmp_path, ALL)
    assets, ex = model.assets_frame(), model.exchanges_frame()
    # four exchanges, two routes: one asset each (the old rule built four pipes)
    assert (ex["status"] == "active").sum() == 4
    assert len(assets) == 2 and model.summary()["assets_built"] == 2
    assert ex.groupby("asset_id").size().to_dict() == {0: 2, 1: 2}
    assert sorted(map(tuple, assets[["supplier", "receiver"]].values)) == [("a", "b"),
                                                                          ("c1", "r")]
    # capex booked once: one pipe's catalogue cost per route, none for its second user
    assert assets["capex_eur"].tolist() == pytest.approx([ONE_PIPE, ONE_PIPE])
    assert ex["capex_eur"].sum() == pytest.approx(assets["capex_eur"].sum())
    assert sorted(ex["capex_eur"].tolist()) == pytest.approx([0.0, 0.0, ONE_PIPE, ONE_PIPE])


def test_each_user_pays_the_annuity_pro_rata_of_its_contracted_volume(tmp_path):
    model = model_of(tmp_path, ALL)
    ex, table = model.exchanges, model.assets.table
    for asset in (0, 1):
        rows = users(model, asset)
        annuity = table["annuity"][asset]
        assert annuity > 0
        assert ex["annuity"][rows].sum() == pytest.approx(annuity)     # paid once
        assert ex["annuity"][rows] == pytest.approx(annuity * ex["volume"][rows]
                                                    / ex["volume"][rows].sum())
    # a -> b carries 40,000 of the line's 55,000 MWh a year
    ab = np.flatnonzero(ex["supplier"] == model.world.firm_ids.index("a"))
    assert ex["annuity"][ab][0] == pytest.approx(table["annuity"][0] * 40 / 55)


def test_the_second_user_of_a_line_prices_its_share_not_a_new_pipe(tmp_path):
    model = model_of(tmp_path, [("a", "b")])
    back = edge(model, "b", "a")
    (tmp_path / "alone").mkdir()
    alone = model_of(tmp_path / "alone", [])    # the same pair with no line yet
    _, fresh = alone.expected_terms(back, volume=full_volume(alone, back), trust=1.0)
    assert fresh["capex"][0] == pytest.approx(ONE_PIPE)
    annuity = model.assets.table["annuity"][0]
    terms, info = start(model, back)
    # no new capex; its share of the annuity as it is once it joins: 15,000 / 55,000
    assert info["capex"][0] == 0.0 and info["mode"][0] == 0
    assert terms.annuity[0] == pytest.approx(annuity * 15 / 55)
    assert len(model.assets) == 1
    rows = users(model, 0)
    assert len(rows) == 2
    assert model.exchanges["annuity"][rows].sum() == pytest.approx(annuity)
    # the first user now pays only its share: 40 / 55
    assert model.exchanges["annuity"][rows[0]] == pytest.approx(annuity * 40 / 55)


def test_a_line_at_capacity_gets_a_second_asset_priced_in_full(tmp_path):
    # c2's flat 10,000 MWh a year does not fit the summer peak (45,000) c1's line was
    # built for: it builds a second line at the catalogue's full cost
    model = model_of(tmp_path, [("c1", "r")], c2_season=FLAT)
    assert model.assets.table["capacity"][0] == pytest.approx(30000 * 1.5)
    terms, info = start(model, edge(model, "c2", "r"))
    assert info["capex"][0] == pytest.approx(ONE_PIPE)
    assert len(model.assets) == 2
    assert model.assets_frame()["capex_eur"].tolist() == pytest.approx([ONE_PIPE] * 2)
    # booked at the plain annuity; priced at the one that counts the link's hazards
    assert model.exchanges["annuity"][1] == pytest.approx(info["booked_annuity"][0])
    assert terms.annuity[0] > info["booked_annuity"][0]


def test_the_last_contract_to_leave_a_line_strands_it_once(tmp_path):
    model = model_of(tmp_path, ALL[:2])
    table, ex = model.assets.table, model.exchanges
    annuity, until = table["annuity"][0], table["until"][0]
    tpy = model.params.ticks_per_year
    model._end_exchanges(np.array([0]), 0, "expired")          # a -> b ends
    assert model.firm_stranded.sum() == 0.0                     # b -> a still uses it
    assert ex["annuity"][1] == pytest.approx(annuity)           # and now pays all of it
    model._end_exchanges(np.array([1]), 0, "expired")
    expected = annuity / tpy * (until - 1)
    assert model.firm_stranded.sum() == pytest.approx(expected)
    assert table["stranded"][0] == pytest.approx(expected)
    a = model.world.firm_ids.index("a")                         # b -> a's receiver owes it
    assert model.firm_stranded[a] == pytest.approx(expected)
    assert model.summary()["stranded_capex_eur"] == pytest.approx(expected)


def test_a_closed_supplier_leaves_the_line_to_the_other_firm_of_its_site(tmp_path):
    model = model_of(tmp_path, ALL[2:])
    line = model.exchanges["asset"][0]
    model._end_exchanges(np.array([0]), 5, "partner closed")       # c1 closes
    assert model.assets.live(edge(model, "c2", "r"), 6).tolist() == [line]
    assert model.exchanges["annuity"][1] == pytest.approx(model.assets.table["annuity"][line])
    model._end_exchanges(np.array([1]), 7, "partner closed")       # then c2
    assert model.assets.live(edge(model, "c2", "r"), 8).tolist() == [-1]   # retired


def test_a_resized_contract_resplits_the_annuity(tmp_path):
    model = model_of(tmp_path, ALL[:2])
    annuity = model.assets.table["annuity"][0]
    model._resize(np.array([0]), np.array([25000.0]))           # a -> b at 25,000
    ex = model.exchanges
    assert ex["annuity"][[0, 1]].tolist() == pytest.approx([annuity * 25 / 40,
                                                            annuity * 15 / 40])
    assert model.assets.table["volume"][0] == pytest.approx(40000.0)


def test_money_and_capex_are_counted_once_over_a_run(tmp_path):
    model = model_of(tmp_path, ALL)
    model.run(36)
    ex, table = model.exchanges, model.assets.table
    assert ex["capex"].sum() == pytest.approx(table["capex"].sum())
    for asset in range(len(table)):
        rows = users(model, asset)
        if len(rows):
            assert ex["annuity"][rows].sum() == pytest.approx(table["annuity"][asset])
    assert table["stranded"].sum() == pytest.approx(model.firm_stranded.sum())


def test_the_arboga_reverse_flow_runs_on_the_transit_line(tmp_path):
    """Issue 19: VME's documented reversible transit line (vme-2017) carries Arboga's
    winter heat to Köping as the same asset, at a share of its annuity."""
    model = SymbiosisModel("vastra_malardalen", rng=0)
    fwd, back = edge(model, "vme", "arboga_dh"), edge(model, "arboga_dh", "vme")
    alone, _ = model.expected_terms(back, volume=full_volume(model, back), trust=1.0)
    start(model, fwd)
    line = model.exchanges["asset"][-1]
    terms, info = start(model, back)
    assert model.exchanges["asset"][-1] == line                 # the same line
    assert info["capex"][0] == 0.0
    assert (model.exchanges_frame()["capex_eur"] > 0).sum() == 2   # Yara's, and the line
    # Arboga's 10 GWh of winter heat fits the summer line (peak 1.7 x 38 GWh) and pays
    # 10/48 of its annuity: it gains, where a line of its own loses money
    table = model.assets.table
    assert terms.annuity[0] == pytest.approx(table["annuity"][line] * 10 / 48)
    assert alone.surplus[0] < 0 < terms.surplus[0]


def test_routes_are_unordered_site_pairs_per_resource(tmp_path):
    model = model_of(tmp_path)
    route = model.assets.edge_route
    assert route[edge(model, "a", "b")] == route[edge(model, "b", "a")]
    assert route[edge(model, "c1", "r")] == route[edge(model, "c2", "r")]
    assert route[edge(model, "a", "b")] != route[edge(model, "c1", "r")]
