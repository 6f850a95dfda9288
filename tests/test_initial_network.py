"""Start-date networks (issue 19): a region with a start month starts with the exchanges
documented as running then, active at tick 0, their assets sunk, trust from their age."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import load_catalogue, read_toml
from symbiosis_abm.errors import RegionError
from symbiosis_abm.initial_network import formed_in_run, trust_of_age
from symbiosis_abm.region import bundled_regions, load_region, region_from_dict

VALIDATION = Path(__file__).resolve().parents[1] / "docs" / "validation"
REGIONS = sorted(bundled_regions())


def _years(period: str) -> tuple[int, int | None]:
    """First and last year of a documented period ("1982-", "1990-2000", "2010s-2022",
    "c. 2018-2019", "1982-2010s"); None: still running."""
    first, _, last = period.partition("-")
    start = int(re.search(r"\d{4}", first).group())
    found = re.search(r"\d{4}", last)
    if not found:
        return start, None
    end = int(found.group())
    return start, end + 9 if last.strip().endswith("s") else end


def running_at_start(name: str) -> set[tuple[str, str, str]]:
    """Documented links (docs/validation/<region>_observed_links.csv) running in the
    region's start year."""
    region = load_region(name)
    path = VALIDATION / f"{name}_observed_links.csv"
    if region.start is None or not path.exists():
        return set()
    year = int(region.start[:4])
    rows = pd.read_csv(path, comment="#")
    out = set()
    for row in rows.itertuples():
        first, last = _years(str(row.period))
        if first < year and (last is None or last >= year):
            out.add((row.supplier, row.receiver, row.resource))
    return out


def active_links(model: SymbiosisModel) -> set[tuple[str, str, str]]:
    ex = model.exchanges_frame()
    ex = ex[ex["status"] == "active"]
    return set(zip(ex["supplier"], ex["receiver"], ex["resource"]))


@pytest.mark.parametrize("name", REGIONS)
def test_documented_exchanges_running_at_the_start_are_active_at_tick_0(name):
    expected = running_at_start(name)
    model = SymbiosisModel(name, rng=0)
    assert active_links(model) == expected            # before the first tick ...
    model.step()                                      # ... and after tick 0
    assert expected <= active_links(model)
    ex = model.exchanges_frame()
    started_before = ex[ex["start"] < 0]
    assert set(zip(started_before["supplier"], started_before["receiver"],
                   started_before["resource"])) == expected
    if expected:
        delivered = ex.loc[ex["start"] < 0, "delivered"]
        assert len(delivered) == len(expected)


def test_the_start_date_regions_do_start_with_documented_exchanges():
    assert running_at_start("vastra_malardalen") == {("yara", "vme", "waste_heat_high")}
    assert len(running_at_start("sotenas")) == 6
    assert len(running_at_start("kronoberg_kalmar_water")) == 2
    assert running_at_start("kalundborg_history") == set()   # first link 1961


def test_yaras_heat_runs_since_1982_with_its_pipe_sunk_and_old_trust():
    model = SymbiosisModel("vastra_malardalen", rng=0)
    ex, assets = model.exchanges_frame(), model.assets.table
    row = ex.index[(ex["supplier"] == "yara") & (ex["receiver"] == "vme")][0]
    assert ex.loc[row, "start"] == -(2010 - 1982) * 12
    asset = int(ex.loc[row, "asset_id"])
    life = 40 * 12                      # district-heat pipe (catalogue)
    assert assets["built"][asset] == -336 and assets["until"][asset] == life - 336
    assert model.exchanges["first"][row] == 0           # delivering from tick 0
    e = model.exchanges["edge"][row]
    trust = model.pairs.trust[model.edge_slot_rs[e]]
    assert trust == pytest.approx(trust_of_age(model.params.initial_trust,
                                               model.rates.gain_delivery, 336))
    assert trust > 0.99
    model.run(12)
    ex = model.exchanges_frame()
    assert ex.loc[row, "delivered"] > 0
    # a renewal books no capex: the live asset is sunk
    terms, info = model.expected_terms(np.array([e]), volume=np.array([1000.0]))
    assert info["capex"][0] == 0.0


def test_an_asset_older_than_its_life_counts_from_its_last_renewal(tmp_path):
    data = read_toml(bundled_regions()["vastra_malardalen"])
    data["initial_exchanges"][0]["since"] = "1960-01"    # 600 months: one 480-month life
    region = region_from_dict(data, "v.toml", load_catalogue())
    model = SymbiosisModel(region, rng=0)
    asset = model.exchanges["asset"][0]
    assert model.assets.table["built"][asset] == -(600 - 480)
    assert model.exchanges["start"][0] == -600


def test_formed_in_run_counts_only_what_forms_after_the_start():
    model = SymbiosisModel("sotenas", rng=1)
    model.run(24)
    ex = model.exchanges_frame()
    assert (ex["start"] < 0).sum() == 6
    assert (formed_in_run(ex)["start"] >= 0).all()
    assert len(formed_in_run(ex)) == len(ex) - 6


def _bad(**row) -> list[str]:
    data = read_toml(bundled_regions()["vastra_malardalen"])
    data["initial_exchanges"] = [{"supplier": "yara", "receiver": "vme",
                                  "resource": "waste_heat_high", "since": "1982-01", **row}]
    with pytest.raises(RegionError) as err:
        region_from_dict(data, "v.toml", load_catalogue())
    return [line for line in str(err.value).splitlines() if "initial_exchanges" in line]


def test_bad_initial_exchanges_are_one_line_each_naming_file_field_and_what_is_allowed():
    assert _bad(since="2012-05") == [
        "v.toml: initial_exchanges[0].since: '2012-05' is after the region's start 2010-01; "
        "allowed a month up to 2010-01 (later links must form in the run)"]
    line, = _bad(supplier="yaraa")
    assert line.startswith("v.toml: initial_exchanges[0].supplier: unknown firm id 'yaraa'")
    assert "did you mean 'yara'" in line
    lines = _bad(resource="steam")   # neither yara's streams nor vme's needs have it
    assert len(lines) == 2 and lines[1].startswith("v.toml: initial_exchanges[0].resource: "
                                                   "'vme' has no need of 'steam'")
    line = lines[0]
    assert line.startswith("v.toml: initial_exchanges[0].resource: 'yara' has no stream of "
                           "'steam'; allowed: ")
    line, = _bad(since="1982")
    assert line.startswith("v.toml: initial_exchanges[0].since: ")


def test_compare_links_scores_only_what_formed_after_the_start():
    from symbiosis_abm.compare import compare_links, format_comparison
    emerged = pd.DataFrame({"supplier": ["yara", "nordkalk", "vme"],
                            "receiver": ["vme", "vme", "x"],
                            "resource": ["waste_heat_high"] * 3, "start": [-336, 40, 50],
                            "status": ["active"] * 3})
    observed = pd.DataFrame({"supplier": ["yara", "nordkalk"], "receiver": ["vme", "vme"],
                             "resource": ["waste_heat_high"] * 2})
    result = compare_links(emerged, observed)
    assert result.given == (("yara", "vme", "waste_heat_high"),)
    assert (result.n_emerged, result.n_observed, len(result.matched)) == (2, 1, 1)
    assert "running at the start (given, not scored): 1" in format_comparison(result)
