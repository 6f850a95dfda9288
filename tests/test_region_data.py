"""Checks on the bundled regions' data (issue 10).

- No stream/need pair of the same resource has equal volumes unless each number carries
  its own source: equal volumes are the pattern of a need sized to its partner's stream,
  which builds the documented link into the data.
- Every real region has at least three candidate links (pairs the model's partner search
  can consider) per documented link, and every documented link is among them.
- Every ``docs/validation/<region>_observed_links.csv`` names firms of its region with the
  stream and the need of the listed resource, and cites the region's references.

The functions come from ``docs/validation/region_stats.py`` (the script that reports these
figures); they are loaded from there so that the report and the test cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_script

from symbiosis_abm import bundled_regions, load_region

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "validation" / "region_stats.py"
REAL = ["kalundborg", "vastra_malardalen", "sotenas", "high_coast", "kronoberg_kalmar_water"]


@pytest.fixture(scope="module")
def stats():
    return load_script(SCRIPT)


def _region_text(stream: dict, need: dict) -> str:
    def table(key, t):
        lines = [f"[[firms.{key}]]", f'resource = "{t["resource"]}"',
                 f'volume_per_year = {t["volume"]}']
        lines.append(t["prov"])
        return "\n".join(lines)
    return "\n".join([
        'schema_version = 1', '[region]', 'name = "t"',
        '[[references]]', 'id = "r1"', 'citation = "c"',
        '[[firms]]', 'id = "a"', 'sector = "s"', 'size = "sme"', 'x_km = 0.0', 'y_km = 0.0',
        'assumption = "x"', table("streams", stream),
        '[[firms]]', 'id = "b"', 'sector = "s"', 'size = "sme"', 'x_km = 1.0', 'y_km = 0.0',
        'assumption = "x"', table("needs", need), ""])


@pytest.mark.parametrize("prov_stream, prov_need, volumes, flagged", [
    ('assumption = "guess"', 'assumption = "guess"', (100, 100), True),
    ('source = "r1: figure"', 'assumption = "sized to the stream"', (100, 100), True),
    ('source = "r1: figure"', 'sources = { volume_per_year = "assumption: x" }', (100, 100), True),
    ('source = "r1: figure"', 'sources = { volume_per_year = "r1: own figure" }', (100, 100), False),
    ('assumption = "guess"', 'assumption = "guess"', (100, 120), False),
])
def test_equal_volume_check_on_a_toy_region(tmp_path, stats, prov_stream, prov_need, volumes,
                                            flagged):
    path = tmp_path / "t.toml"
    path.write_text(_region_text(
        {"resource": "steam", "volume": volumes[0], "prov": prov_stream},
        {"resource": "steam", "volume": volumes[1], "prov": prov_need}), encoding="utf-8")
    found = stats.equal_volume_pairs(path)
    assert (found == [("a", "b", "steam", 100.0)]) if flagged else (found == [])


@pytest.mark.parametrize("name", sorted(bundled_regions()))
def test_no_need_is_sized_to_a_partner(name, stats):
    pairs = stats.equal_volume_pairs(bundled_regions()[name])
    assert not pairs, f"{name}: equal stream/need volumes without own sources: {pairs}"


@pytest.mark.parametrize("name", REAL)
def test_documented_links_are_few_among_candidates(name, stats):
    documented = {(r["supplier"], r["receiver"], r["resource"])
                  for r in stats.observed_links(name)}
    candidates = stats.candidate_links(name)
    assert documented, f"{name}: docs/validation/{name}_observed_links.csv lists no link"
    assert documented <= candidates, f"{name}: not candidates: {documented - candidates}"
    assert len(candidates) >= 3 * len(documented), (
        f"{name}: {len(candidates)} candidate links for {len(documented)} documented")


@pytest.mark.parametrize("name", REAL)
def test_observed_links_name_streams_needs_and_references(name, stats):
    path = ROOT / "docs" / "validation" / f"{name}_observed_links.csv"
    frame = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True)
    assert list(frame.columns) == ["supplier", "receiver", "resource", "source", "period",
                                   "note"]
    region = load_region(name)
    streams = {(f.id, s.resource) for f in region.firms for s in f.streams}
    needs = {(f.id, n.resource) for f in region.firms for n in f.needs}
    refs = {r["id"] for r in region.references}
    if name == "kalundborg":
        refs |= set(pd.read_csv(path.with_name("kalundborg_sources.csv"), comment="#")["id"])
    for row in frame.itertuples():
        assert (row.supplier, row.resource) in streams, row
        assert (row.receiver, row.resource) in needs, row
        assert {s.strip() for s in row.source.split(";")} <= refs, row


def test_kalundborg_non_links_are_candidates_not_observed(stats):
    path = ROOT / "docs" / "validation" / "kalundborg_non_links.csv"
    frame = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True)
    non = set(zip(frame["supplier"], frame["receiver"], frame["resource"]))
    observed = {(r["supplier"], r["receiver"], r["resource"])
                for r in stats.observed_links("kalundborg")}
    assert non and not (non & observed)
    assert non <= stats.candidate_links("kalundborg")


def test_planned_plants_open_later():
    """Planned plants no longer run from month 0 (issue 10)."""
    planned = {"vastra_malardalen": "biogas_vm", "sotenas": "smogenlax",
               "kronoberg_kalmar_water": "kalmarsundsverket"}
    for region_name, firm_id in planned.items():
        region = load_region(region_name)
        firm = next(f for f in region.firms if f.id == firm_id)
        assert firm.open_tick(region.start, 1) > 0, (region_name, firm_id)


def test_kalundborg_history_opens_and_closes_in_documented_years():
    """Ticks are months from January 1960: the refinery opens in 1961, the FGD gypsum in
    1993, the biogas plant in March 2018; coal ash and gypsum end in January 2020, the fish
    farm in December 2018, the Fredericia sulphur buyer in August 2000."""
    from symbiosis_abm.catalogue import load_catalogue
    from symbiosis_abm.params import Parameters
    from symbiosis_abm.world import build_world

    region = load_region("kalundborg_history")
    assert region.start == "1960-01"
    world = build_world(region, load_catalogue(), Parameters())
    tick = {fid: (int(o), int(c)) for fid, o, c in
            zip(world.firm_ids, world.firm_open_tick, world.firm_close_tick)}
    assert tick["asnaes"] == (0, -1) and tick["forsyning"] == (0, -1)
    assert tick["equinor"][0] == 12 and tick["gyproc"][0] == 12 * 12
    assert tick["asnaes_fgd"] == (33 * 12, 60 * 12) and tick["asnaes_ash"] == (0, 60 * 12)
    assert tick["bioenergi"][0] == 58 * 12 + 2 and tick["forsyning_hp"][0] == 59 * 12
    assert tick["fish_farm"] == (29 * 12, 58 * 12 + 11)
    assert tick["acid_fredericia"] == (0, 40 * 12 + 7)
    alive_1970 = set(np.array(world.firm_ids)[world.exists_at(10 * 12)])
    assert {"asnaes", "equinor", "novo", "forsyning"} <= alive_1970
    assert not alive_1970 & {"gyproc", "fish_farm", "bioenergi", "asnaes_fgd", "soilrem"}


def test_readme_summary_matches_the_code(stats):
    """The per-region summary in docs/validation/README.md is what region_stats computes."""
    text = (ROOT / "docs" / "validation" / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- region-summary:start -->")[1].split("<!-- region-summary:end -->")[0]
    rows = [line.strip("|").split("|") for line in block.strip().splitlines()[2:]]
    table = {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows}
    assert set(table) == set(bundled_regions())
    for name, cells in table.items():
        s = stats.stats(name)
        expected = [str(s["firms"]), str(s["candidate_links"]), str(s["documented_links"]),
                    f"{s['ratio']:.1f}", str(s["viable_links"]),
                    f"{s['distractors_per_documented']:.1f}", str(s["assumed_fields"]),
                    str(s["sourced_fields"]), str(s["equal_volume_pairs"])]
        assert cells == expected, name
