"""The firm ``kind`` of the region schema and the link census of ``validate --provenance``
(candidate links, viable at full trust, documented, viable distractors per documented link).
"""

from __future__ import annotations

import json

import pytest

from symbiosis_abm.catalogue import read_toml
from symbiosis_abm.cli import main
from symbiosis_abm.opportunities import link_census, opportunities
from symbiosis_abm.region import FIRM_KINDS, FirmSpec, bundled_regions, load_region

REGIONS = sorted(bundled_regions())

TWO_FIRMS = '''schema_version = 1
[region]
name = "pair"
title = "Pair"
description = "a sawmill and a heating plant"
year = 2020
start = "1990-01"
[[firms]]
id = "mill"
sector = "sawmill"
size = "sme"
lat = 56.88
lon = 14.80
{mill_dates}
[[firms.streams]]
resource = "wood_residues"
volume_per_year = 20000
[[firms]]
id = "heat"
sector = "district_heating"
size = "large"
kind = "utility"
lat = 56.87
lon = 14.81
opens = "2005-01"
[[firms.needs]]
resource = "wood_residues"
volume_per_year = 30000
'''


def write_pair(tmp_path, mill_dates: str = ""):
    path = tmp_path / "pair.toml"
    path.write_text(TWO_FIRMS.format(mill_dates=mill_dates), encoding="utf-8")
    return path


def test_kind_defaults_to_industrial_plant_and_is_read(tmp_path):
    region = load_region(write_pair(tmp_path))
    assert [f.kind for f in region.firms] == ["industrial_plant", "utility"]
    assert FirmSpec("a", "x", "sme", 0.0, 0.0).kind == "industrial_plant"


@pytest.mark.parametrize("name", REGIONS)
def test_every_firm_of_a_bundled_region_states_its_kind(name):
    firms = read_toml(bundled_regions()[name])["firms"]
    missing = [f["id"] for f in firms if "kind" not in f]
    assert not missing, f"{name}: firms without kind: {missing}"
    assert {f["kind"] for f in firms} <= set(FIRM_KINDS)


def test_public_actors_of_the_regions_are_not_plants():
    kinds = {(n, f.id): f.kind for n in REGIONS for f in load_region(n).firms}
    assert kinds["vastra_malardalen", "vme"] == "utility"
    assert kinds["vastra_malardalen", "koping_kommun"] == "municipality"
    assert kinds["kalundborg", "forsyning"] == "utility"
    assert kinds["kalundborg_history", "forsyning"] == "utility"
    assert kinds["sotenas", "kristineberg"] == "public_body"
    assert kinds["kalundborg", "equinor"] == "industrial_plant"


def test_firms_that_never_coexist_are_no_candidates(tmp_path):
    both = link_census(load_region(write_pair(tmp_path)))
    assert (both["candidate_links"], both["never_coexist"]) == (1, 0)
    gone = link_census(load_region(write_pair(tmp_path, 'closes = "2004-12"')))
    assert (gone["candidate_links"], gone["never_coexist"]) == (0, 1)
    overlap = link_census(load_region(write_pair(tmp_path, 'closes = "2005-02"')))
    assert overlap["candidate_links"] == 1


@pytest.mark.parametrize("name", ["kalundborg", "vastra_malardalen"])
def test_viable_links_are_the_opportunity_map(name):
    table = opportunities(name, cascade=False)
    mapped = set(zip(table["supplier"], table["receiver"], table["resource"]))
    census = link_census(name, set(list(mapped)[:2]))
    assert census["viable_at_full_trust"] == len(mapped)
    assert census["documented_viable"] == 2
    assert census["viable_distractors"] == len(mapped) - 2
    assert census["viable_distractors_per_documented_link"] == round((len(mapped) - 2) / 2, 2)


def test_produced_streams_count_at_their_full_volume():
    """The biogas plant's gas and digestate are empty at tick 0 until its input arrives;
    the census counts them as if it had arrived, so its documented links are viable."""
    link = ("bioenergi", "gas_grid", "biogas")
    assert link_census("kalundborg", {link})["documented_viable"] == 1
    assert link_census("kalundborg", {link}, cascade=True)["documented_viable"] == 0


def test_a_documented_link_that_cannot_pay_is_no_distractor():
    table = opportunities("kalundborg", cascade=False)
    mapped = set(zip(table["supplier"], table["receiver"], table["resource"]))
    fake = ("nobody", "nowhere", "steam")
    census = link_census("kalundborg", {fake})
    assert census["documented_among_candidates"] == 0 and census["documented_viable"] == 0
    assert census["viable_distractors"] == len(mapped)


def test_validate_provenance_reports_the_census(tmp_path, capsys):
    observed = tmp_path / "links.csv"
    observed.write_text("supplier,receiver,resource\nyara,vme,waste_heat_high\n",
                        encoding="utf-8")
    assert main(["validate", "--provenance", "vastra_malardalen",
                 "--observed", str(observed)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["observed"] == str(observed)
    assert report["documented_links"] == 1 and report["documented_viable"] == 1
    census = link_census("vastra_malardalen", {("yara", "vme", "waste_heat_high")})
    assert {k: report[k] for k in census} == census


def test_validate_provenance_refuses_an_observed_list_with_unknown_firms(tmp_path, capsys):
    observed = tmp_path / "links.csv"
    observed.write_text("supplier,receiver,resource\nyarra,vme,waste_heat_high\n",
                        encoding="utf-8")
    assert main(["validate", "--provenance", "vastra_malardalen",
                 "--observed", str(observed)]) == 2
    err = capsys.readouterr().err
    assert "yarra" in err and "Traceback" not in err


def documented_links(name: str) -> set[tuple[str, str, str]]:
    """The region's observed-links list (docs/validation/<name>_observed_links.csv)."""
    from pathlib import Path

    from symbiosis_abm.compare import read_observed

    path = Path(__file__).parents[1] / "docs" / "validation" / f"{name}_observed_links.csv"
    table = read_observed(path, [f.id for f in load_region(name).firms])
    return set(zip(table["supplier"], table["receiver"], table["resource"]))


def coexist(region, a: str, b: str) -> bool:
    """Whether firms ``a`` and ``b`` both exist in some month (from their dates alone)."""
    firms = {f.id: f for f in region.firms}
    spans = []
    for f in (firms[a], firms[b]):
        close = f.close_tick(region.start)
        spans.append((f.open_tick(region.start), float("inf") if close is None else close))
    return max(s[0] for s in spans) < min(s[1] for s in spans)


@pytest.mark.parametrize("name", ["kalundborg", "kalundborg_history"])
def test_kalundborg_regions_offer_three_viable_distractors_per_documented_link(name):
    """Issue 19, must-show 7: a random pick among the viable links must mostly be wrong,
    so each documented link has at least three viable undocumented rivals (real firms of
    the area, docs/validation/README.md), and every documented link is itself viable."""
    documented = documented_links(name)
    census = link_census(name, documented)
    assert census["documented_viable"] == census["documented_links"] == len(documented)
    assert census["viable_distractors"] >= 3 * len(documented)
    assert census["viable_distractors_per_documented_link"] >= 3.0


@pytest.mark.parametrize("name", ["kalundborg", "kalundborg_history"])
def test_no_viable_candidate_joins_firms_that_never_coexist(name):
    """The census counts a viable link only if its two firms exist at the same time:
    the opportunity map at tick 0 ignores dates, so its pairs are filtered here from the
    firms' opening and closing dates alone (Inbicon, closed 2014, and the biogas plants
    of 2015 and 2018 never meet), and no documented link joins such firms."""
    region = load_region(name)
    table = opportunities(name, cascade=False)
    pairs = set(zip(table["supplier"], table["receiver"], table["resource"]))
    meeting = {p for p in pairs if coexist(region, p[0], p[1])}
    assert link_census(name)["viable_at_full_trust"] == len(meeting)
    assert all(coexist(region, s, r) for s, r, _ in documented_links(name))
    if name == "kalundborg_history":
        never = pairs - meeting
        assert ("inbicon", "bioenergi", "food_residues") in never
        assert ("inbicon", "solrod_biogas", "food_residues") in never
        assert ("inbicon", "hashoej_biogas", "food_residues") in meeting
