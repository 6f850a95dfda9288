"""Catalogue rules: the seller's alternative and its value, the ship mode's range, country
tariffs and taxes (DK against SE), and saleable by-products in Kalundborg's terms."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import MODES, load_catalogue
from symbiosis_abm.economics import alternative_cost, annuity_factor, choose_mode
from symbiosis_abm.opportunities import opportunities
from symbiosis_abm.params import Parameters
from symbiosis_abm.region import FirmSpec, NeedSpec, Region, StreamSpec
from symbiosis_abm.world import build_world

CAT = load_catalogue()
ANNUITY = annuity_factor(0.06, 20)


def seller_region(streams, country="SE", x_receiver=1.0, needs=None) -> Region:
    needs = needs or tuple(NeedSpec(s.resource, s.volume_per_year) for s in streams)
    return Region("r", "R", (
        FirmSpec("seller", "x", "large", 0.0, 0.0, streams=tuple(streams)),
        FirmSpec("buyer", "x", "large", x_receiver, 0.0, needs=tuple(needs))),
        country=country)


def avoided(stream: StreamSpec, country="SE", **params) -> float:
    world = build_world(seller_region([stream], country), CAT, Parameters(**params))
    return float(world.stream_disposal_cost[0])


# ---------------------------------------------------------------- the alternative's value
def test_sale_landfill_and_discharge_are_valued_by_their_rule():
    se = CAT.for_country("SE")
    gypsum, ash = se.index("fgd_gypsum"), se.index("biomass_ash")
    water = se.index("treated_wastewater")
    assert se.alternatives[gypsum] == "sale"
    assert avoided(StreamSpec("fgd_gypsum", 1000.0)) == -se.alternative_price[gypsum] < 0
    assert se.alternatives[ash] == "landfill"
    assert avoided(StreamSpec("biomass_ash", 1000.0)) == pytest.approx(
        se.alternative_price[ash] + se.landfill_tax)
    assert se.alternatives[water] == "discharge"
    assert 0 <= avoided(StreamSpec("treated_wastewater", 1000.0)) <= 0.05  # no sewer tariff


def test_a_streams_own_alternative_and_price_replace_the_catalogues():
    own = StreamSpec("fgd_gypsum", 1000.0, alternative="landfill", alternative_price=12.0)
    assert avoided(own) == pytest.approx(12.0 + CAT.for_country("SE").landfill_tax)
    no_price = StreamSpec("fgd_gypsum", 1000.0, alternative="landfill")
    assert avoided(no_price) == pytest.approx(CAT.for_country("SE").landfill_tax)
    assert avoided(StreamSpec("fgd_gypsum", 1000.0, alternative_price=9.0)) == -9.0
    assert avoided(StreamSpec("fgd_gypsum", 1000.0, disposal_cost=33.0)) == 33.0


def test_the_disposal_multiplier_scales_fees_and_taxes_not_sale_prices():
    assert avoided(StreamSpec("fgd_gypsum", 1000.0), disposal_cost_multiplier=2.0) == \
        avoided(StreamSpec("fgd_gypsum", 1000.0))
    ash = StreamSpec("biomass_ash", 1000.0)
    assert avoided(ash, disposal_cost_multiplier=2.0) == pytest.approx(2 * avoided(ash))


def test_taxes_per_tonne_apply_only_to_tonnes():
    cost = alternative_cost(np.array(["incineration", "incineration"]), np.array([2.0, 2.0]),
                            50.0, 30.0, np.array([False, True]))
    assert cost.tolist() == [2.0, 32.0]


@pytest.mark.parametrize("resource", ["fgd_gypsum", "fly_ash", "fish_residues"])
def test_saleable_by_products_never_cost_their_seller(resource):
    for code in CAT.countries:
        cat = CAT.for_country(code)
        r = cat.index(resource)
        assert cat.alternatives[r] == "sale" and cat.disposal_cost[r] < 0, code


def test_fermentation_biomass_is_not_sludge():
    r, s = CAT.index("fermentation_biomass"), CAT.index("sludge")
    assert CAT.disposal_cost[r] < CAT.disposal_cost[s] / 5  # sludge's 45 EUR/t is 5-9x it


# ---------------------------------------------------------------- ship mode
def modes_at(resource: str, km: float, volume: float = 50_000.0):
    r = CAT.index(resource)
    return choose_mode(np.array([volume]), np.array([km]), CAT.cost_per_unit_km[[r]],
                       CAT.capex_fixed[[r]], CAT.capex_per_km[[r]], CAT.max_distance_km[[r]],
                       ANNUITY, cost_per_unit=CAT.cost_per_unit[[r]])


@pytest.mark.parametrize("resource", ["fgd_gypsum", "fly_ash", "sulphur"])
def test_ship_carries_bulk_beyond_truck_range_and_truck_nearby(resource):
    truck = CAT.max_distance_km[CAT.index(resource), MODES.index("truck")]
    mode, _, _, ok = modes_at(resource, truck + 100.0)
    assert ok[0] and MODES[mode[0]] == "ship"
    mode, _, _, ok = modes_at(resource, 20.0)
    assert ok[0] and MODES[mode[0]] == "truck"  # port handling outweighs 20 km of road


@pytest.mark.parametrize("resource", ["waste_heat_high", "waste_heat_low", "steam"])
def test_heat_never_goes_by_ship(resource):
    assert "ship" not in CAT.modes_of(resource)
    reach = CAT.max_range_km()[CAT.index(resource)]
    assert not modes_at(resource, reach + 1.0)[3][0]


def test_the_model_chooses_ship_for_gypsum_across_water():
    region = seller_region([StreamSpec("fgd_gypsum", 50_000.0)], x_receiver=250.0,
                           needs=(NeedSpec("fgd_gypsum", 50_000.0, virgin_price=40.0),))
    table = opportunities(region)
    assert table["mode"].tolist() == ["ship"] and table["distance_km"][0] > 300


# ---------------------------------------------------------------- countries
def test_danish_and_swedish_tariffs_differ_where_they_should():
    dk, se = CAT.for_country("DK"), CAT.for_country("SE")
    assert dk.landfill_tax != se.landfill_tax
    heat = dk.index("waste_heat_high")
    assert dk.surplus_heat[heat] and dk.surplus_heat_tax and not se.surplus_heat_tax
    assert dk.virgin_price[heat] != se.virgin_price[heat]
    assert dk.co2e_avoided[heat] != se.co2e_avoided[heat]
    steam = dk.index("steam")                                      # CHP steam is not surplus heat
    assert dk.exchange_tax[steam] == 0 and not dk.surplus_heat[steam]
    water = dk.index("process_water")                              # Danish water is dearer
    assert dk.virgin_price[water] > se.virgin_price[water]
    cooling = dk.index("cooling_water")                            # no Danish figure: the same
    assert dk.virgin_price[cooling] == se.virgin_price[cooling]


def test_the_surplus_heat_tax_lowers_what_the_danish_seller_avoids():
    # the tax is dated (tests/test_surplus_heat_tax.py): a region of 2023 pays 25.80 DKK/GJ
    heat = StreamSpec("waste_heat_high", 10_000.0)
    dk = SymbiosisModel(dataclasses.replace(seller_region([heat], "DK"), year=2023), rng=0)
    se = SymbiosisModel(dataclasses.replace(seller_region([heat], "SE"), year=2023), rng=0)
    assert dk.disposal_now[0] == pytest.approx(se.disposal_now[0] - 12.5)


def test_the_world_uses_the_regions_country_and_the_default_otherwise():
    for code, expect in (("DK", "DK"), ("SE", "SE"), ("", "SE"), ("NO", "SE")):
        world = build_world(seller_region([StreamSpec("steam", 10.0)], code), CAT, Parameters())
        assert world.catalogue.country == expect


# ---------------------------------------------------------------- Kalundborg
def test_gypsum_and_fly_ash_change_hands_at_non_negative_prices_in_kalundborg():
    model = SymbiosisModel("kalundborg", rng=0)
    w = model.world
    names = [w.catalogue.index("fgd_gypsum"), w.catalogue.index("fly_ash")]
    streams = np.isin(w.stream_resource, names)
    assert streams.any() and (w.stream_disposal_cost[streams] <= 0).all()
    edges = np.flatnonzero(np.isin(w.edge_resource, names))
    terms, _ = model.expected_terms(edges)
    paying = terms.surplus > 0
    assert paying.any() and (terms.payment[paying] >= 0).all()


def test_the_swedish_landfill_tax_is_the_one_in_force_in_the_regions_year():
    taxes = {}
    for year in (1995, 2005, 2018, 2023):
        region = Region("r", "R", (FirmSpec("a", "x", "large", 0.0, 0.0,
                                            streams=(StreamSpec("biomass_ash", 10.0),)),),
                        country="SE", year=year)
        world = build_world(region, CAT, Parameters())
        taxes[year] = world.catalogue.landfill_tax
        ash = CAT.index("biomass_ash")
        assert world.stream_disposal_cost[0] == pytest.approx(
            CAT.alternative_price[ash] + taxes[year])
    assert taxes[1995] == 0.0 < taxes[2005] < taxes[2018] < taxes[2023]
    assert taxes[2018] == pytest.approx(500 / 11.5, abs=0.05)   # 500 SEK/t from 2015


# ---------------------------------------------------------------- direct use (no heat pump)
def test_a_direct_use_need_is_not_charged_the_heat_pump_share():
    """A fish farm on warm cooling water: the low-grade heat pipe costs its fixed capex less
    the catalogue's heat-pump share; the same need without ``direct_use`` pays it all."""
    from symbiosis_abm.catalogue import MODES
    r = CAT.names.index("waste_heat_low")
    pipe = MODES.index("pipe")
    hp, fixed = CAT.heat_pump_capex[r, pipe], CAT.capex_fixed[r, pipe]
    assert 0 < hp < fixed
    stream = StreamSpec("waste_heat_low", 20_000.0)
    capex = {}
    for direct in (False, True):
        need = NeedSpec("waste_heat_low", 20_000.0, direct_use=direct)
        model = SymbiosisModel(seller_region([stream], "DK", 0.7, needs=(need,)), rng=0)
        _, info = model.expected_terms(np.array([0]), trust=1.0)
        assert info["mode"][0] == pipe
        capex[direct] = float(info["capex"][0])
    assert capex[False] - capex[True] == pytest.approx(hp)


def test_direct_use_changes_nothing_for_a_resource_without_a_heat_pump_share():
    r = CAT.names.index("waste_heat_high")
    assert not CAT.heat_pump_capex[r].any()
    stream = StreamSpec("waste_heat_high", 20_000.0)
    capex = []
    for direct in (False, True):
        need = NeedSpec("waste_heat_high", 20_000.0, direct_use=direct)
        model = SymbiosisModel(seller_region([stream], "SE", 2.0, needs=(need,)), rng=0)
        capex.append(float(model.expected_terms(np.array([0]), trust=1.0)[1]["capex"][0]))
    assert capex[0] == capex[1]


def test_bundled_fish_farms_use_warm_water_directly():
    from symbiosis_abm import load_region
    for name in ("kalundborg", "kalundborg_history"):
        farm = next(f for f in load_region(name).firms if f.id == "fish_farm")
        heat = [n for n in farm.needs if n.resource == "waste_heat_low"]
        assert heat and all(n.direct_use for n in heat)
