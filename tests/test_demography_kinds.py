"""Demography by kind of firm (issue 19): utilities, municipalities, public bodies and
aggregates never close at random; plants of a real region close only at their documented
dates unless the region opts into random exit with a sourced hazard; the synthetic region
keeps its random exits."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import load_catalogue, read_toml
from symbiosis_abm.errors import RegionError
from symbiosis_abm.region import bundled_regions, load_region, region_from_dict
from symbiosis_abm.region_schema import NEVER_RANDOM_EXIT
from symbiosis_abm.world import random_exit

REGIONS = sorted(bundled_regions())
#: yearly ticks over each region's documented span (kalundborg_history: 1960-2020)
YEARS = {"kalundborg_history": 61}


def sourced_closing_dates(name: str) -> dict[str, str]:
    """Firm id -> its ``closes`` date, for the firms whose closing date carries a source
    (a ``sources.closes`` entry that is not an assumption)."""
    out = {}
    for firm in read_toml(bundled_regions()[name])["firms"]:
        source = firm.get("sources", {}).get("closes", "")
        if "closes" in firm and source and not source.startswith("assumption"):
            out[firm["id"]] = firm["closes"]
    return out


@pytest.mark.parametrize("name", REGIONS)
def test_no_real_region_lets_a_firm_close_at_random(name):
    region = load_region(name)
    assert not region.random_exit
    assert not random_exit(region).any()


@pytest.mark.parametrize("name", REGIONS)
def test_utilities_and_public_actors_never_close_at_random_even_when_a_region_opts_in(name):
    region = dataclasses.replace(load_region(name), random_exit=True)
    kinds = np.array([f.kind for f in region.firms])
    allowed = random_exit(region)
    assert not allowed[np.isin(kinds, NEVER_RANDOM_EXIT)].any()
    assert allowed[kinds == "industrial_plant"].all()


@pytest.mark.slow
@pytest.mark.parametrize("name", REGIONS)
def test_over_20_runs_firms_close_only_at_sourced_dates(name):
    """Must-show 2 of issue 19 over the region's span (monthly ticks: the only length
    the model accepts): no utility, municipality, public body or aggregate closes, and a
    plant closes only in the tick of a closing date the region file gives with its
    source."""
    dated = sourced_closing_dates(name)
    months = 12 * YEARS.get(name, 20)
    closed_any = 0
    for seed in range(20):
        model = SymbiosisModel(name, rng=seed)
        model.run(months)
        w, region = model.world, model.world.region
        for tick, firms in model.closure_log:
            for f in firms:
                spec = region.firms[f]
                assert spec.kind not in NEVER_RANDOM_EXIT, (seed, spec.id)
                assert spec.id in dated and w.firm_close_tick[f] == tick, (seed, tick, spec.id)
                closed_any += 1
        assert model.counts["firms_exited"] == 0
        # every sourced date inside the span is honoured
        due = [i for i, fid in enumerate(w.firm_ids)
               if fid in dated and 0 <= w.firm_close_tick[i] < months]
        assert not model.firm_open[due].any()
        closed_any += len(due)
    if name == "kalundborg_history":   # the dated closures happen (not vacuously true)
        assert closed_any == 2 * 20 * len(due) > 0


def test_the_synthetic_region_keeps_its_random_exits():
    model = SymbiosisModel("synthetic", rng=2, n_firms=120)
    assert model.world.region.random_exit and model.world.firm_random_exit.all()
    model.run(120)
    assert model.counts["firms_exited"] > 0


def test_a_real_region_opting_in_needs_its_hazard_in_parameters():
    data = read_toml(bundled_regions()["sotenas"])
    data["region"]["random_exit"] = True
    with pytest.raises(RegionError) as err:
        region_from_dict(data, "sotenas.toml", load_catalogue())
    line = [s for s in str(err.value).splitlines() if "random_exit" in s]
    assert line == ["sotenas.toml: region.random_exit: true needs the hazard in [parameters]: "
                    "exit_rate_sme and exit_rate_large (with its source); or remove "
                    "random_exit"]
    data["parameters"] = {"exit_rate_sme": 0.05, "exit_rate_large": 0.02,
                          "sources": {"exit_rate_sme": "symbioscentrum: test",
                                      "exit_rate_large": "symbioscentrum: test"}}
    region = region_from_dict(data, "sotenas.toml", load_catalogue())
    assert region.random_exit
    model = SymbiosisModel(region, rng=0)
    kinds = np.array([f.kind for f in region.firms])
    assert (model.world.firm_random_exit == (kinds == "industrial_plant")).all()
    assert model.params.exit_rate_sme == 0.05
