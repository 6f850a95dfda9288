"""Denmark's surplus-heat tax by year and scope (issue 19): it applies only to surplus heat
(not to heat from combined heat and power) and only in the years each rule was in force
(resources.toml, [countries.DK]; surplus_heat.py)."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import load_catalogue
from symbiosis_abm.region import FirmSpec, NeedSpec, Region, StreamSpec, load_region

CAT = load_catalogue()
DK = CAT.for_country("DK")
HIGH = DK.virgin_price[DK.index("waste_heat_high")]


def heat_region(start: str | None, year: int = 2018, country: str = "DK") -> Region:
    """Industrial heat, CHP heat and steam, each with a buyer next door."""
    streams = (StreamSpec("waste_heat_high", 10_000.0),
               StreamSpec("waste_heat_high", 10_000.0, surplus_heat=False),
               StreamSpec("steam", 10_000.0))
    needs = tuple(NeedSpec(s.resource, s.volume_per_year) for s in streams)
    return Region("h", "H", (FirmSpec("plant", "x", "large", 0.0, 0.0, streams=streams),
                             FirmSpec("town", "x", "large", 1.0, 0.0, needs=needs)),
                  country=country, year=year, start=start)


def tax_by_tick(model: SymbiosisModel, ticks: list[int]) -> np.ndarray:
    """Per tick and stream: the tax in the seller's avoided cost (untaxed base - now)."""
    out = []
    for t in ticks:
        model._prices(t, draw=False)
        out.append(model.world.stream_disposal_cost - model.disposal_now)
    return np.array(out)


def test_the_tax_applies_only_in_its_years():
    model = SymbiosisModel(heat_region("1990-01"), rng=0)
    ticks = {1995: 71, 1996: 72, 2019: 359, 2020: 360, 2021: 383, 2022: 384}
    tax = tax_by_tick(model, list(ticks.values()))[:, 0]
    assert tax[0] == 0.0                                # before 1996: no tax
    assert tax[1] == tax[2] == pytest.approx(0.33 * HIGH)   # a third of the heat's value
    assert tax[3] == tax[4] == pytest.approx(12.1)      # 25 DKK/GJ from 2020
    assert tax[5] == pytest.approx(12.5)                # 25.80 DKK/GJ from 2022


def test_the_tax_applies_only_to_surplus_heat():
    model = SymbiosisModel(heat_region("2021-01"), rng=0)
    tax = tax_by_tick(model, [0, 24])
    assert (tax[:, 0] > 12).all()                       # industrial surplus heat pays
    assert (tax[:, 1] == 0).all()                       # CHP heat does not
    assert (tax[:, 2] == 0).all()                       # nor steam


def test_a_region_without_a_start_pays_the_rule_of_its_year_and_sweden_none():
    for year, expected in ((1990, 0.0), (2018, 0.33 * HIGH), (2023, 12.5)):
        model = SymbiosisModel(heat_region(None, year), rng=0)
        assert tax_by_tick(model, [0, 120])[:, 0] == pytest.approx([expected, expected])
    swedish = SymbiosisModel(heat_region("1990-01", country="SE"), rng=0)
    assert not tax_by_tick(swedish, [0, 400]).any()


def test_asnaes_chp_heat_is_not_taxed_in_the_kalundborg_regions():
    for name in ("kalundborg", "kalundborg_history"):
        region = load_region(name)
        asnaes = next(f for f in region.firms if f.id == "asnaes")
        heat = [s for s in asnaes.streams if s.resource.startswith("waste_heat")]
        assert heat and not any(s.surplus_heat for s in heat)
        refinery = next(f for f in region.firms if f.id == "equinor")
        assert all(s.surplus_heat for s in refinery.streams
                   if s.resource.startswith("waste_heat"))
    model = SymbiosisModel("kalundborg_history", rng=0)
    w = model.world
    ids = np.array(w.firm_ids)[w.stream_firm]
    assert not w.stream_surplus_heat[ids == "asnaes"].any()
    assert w.stream_surplus_heat[ids == "equinor"].any()
