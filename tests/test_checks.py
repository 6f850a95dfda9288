"""The equal-volume check (symbiosis_abm.checks) and `validate --provenance` on every
bundled region: a stream and a need of one resource at different firms with equal volumes
are flagged unless each volume has its own reference source.
"""

from __future__ import annotations

import json

import pytest

from symbiosis_abm.catalogue import read_toml
from symbiosis_abm.checks import equal_volume_problems
from symbiosis_abm.cli import main
from symbiosis_abm.region import bundled_regions

REFS = [{"id": "r1", "citation": "c"}, {"id": "r2", "citation": "c"}]


def pair(stream: dict, need: dict, same_firm: bool = False) -> dict:
    s = {"resource": "steam", "volume_per_year": 500.0, **stream}
    n = {"resource": "steam", "volume_per_year": 500.0, **need}
    if same_firm:
        return {"references": REFS, "firms": [{"id": "a", "streams": [s], "needs": [n]}]}
    return {"references": REFS, "firms": [{"id": "a", "streams": [s]},
                                          {"id": "b", "needs": [n]}]}


def test_equal_volumes_with_an_assumption_are_flagged():
    lines = equal_volume_problems(pair({"assumption": "sized to b"}, {"source": "r1"}), "f")
    assert lines == [lines[0]] and lines[0].startswith(
        "f: firms[0].streams[0].volume_per_year: 500 steam equals firms[1].needs[0]")


def test_equal_volumes_without_any_provenance_are_flagged():
    assert len(equal_volume_problems(pair({}, {}), "f")) == 1


def test_one_text_for_both_is_not_two_own_sources():
    data = pair({"source": "r1: p. 4"}, {"source": "r1: p. 4"})
    assert len(equal_volume_problems(data, "f")) == 1


def test_each_with_its_own_reference_passes():
    data = pair({"source": "r1: annual report"},
                {"sources": {"volume_per_year": "r2: permit"}, "assumption": "site"})
    assert equal_volume_problems(data, "f") == []


@pytest.mark.parametrize("change", [{"volume_per_year": 501.0}, {"resource": "waste_heat_high"}])
def test_different_volume_or_resource_passes(change):
    data = pair({"assumption": "x"}, {"assumption": "y", **change})
    assert equal_volume_problems(data, "f") == []


def test_a_firms_own_stream_and_need_are_not_a_pair():
    assert equal_volume_problems(pair({}, {}, same_firm=True), "f") == []


def test_validate_provenance_reports_the_check_and_the_counts(tmp_path, capsys):
    path = tmp_path / "r.toml"
    path.write_text('''schema_version = 1
[region]
name = "r"
title = "R"
description = "d"
year = 2020
assumption = "test"
[[firms]]
id = "a"
sector = "x"
size = "sme"
x_km = 0.0
y_km = 0.0
assumption = "site"
[[firms.streams]]
resource = "steam"
volume_per_year = 500.0
assumption = "sized to b"
[[firms]]
id = "b"
sector = "x"
size = "sme"
x_km = 1.0
y_km = 0.0
assumption = "site"
[[firms.needs]]
resource = "steam"
volume_per_year = 500.0
assumption = "guess"
''', encoding="utf-8")
    assert main(["validate", "--provenance", str(path)]) == 2
    assert "500 steam equals firms[1].needs[0]" in capsys.readouterr().err
    assert main(["validate", str(path)]) == 0  # a user's own file need not pass it
    text = path.read_text().replace("volume_per_year = 500.0\nassumption = \"guess\"",
                                    "volume_per_year = 450.0\nassumption = \"guess\"")
    path.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["validate", "--provenance", str(path)]) == 0
    report = json.loads(capsys.readouterr().out)
    # year, 2 x (x_km, y_km), 2 volumes: all assumptions
    assert (report["sourced"], report["assumptions"]) == (0, 7)


# Regions whose data still size a volume to a partner (issue 10): the regions branch
# rewrites them; the lead removes a region from this set once its data pass.
NOT_YET_FIXED: set[str] = set()  # all bundled regions pass since the regions branch (issue 10)
REGIONS = sorted(bundled_regions())


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="data not yet fixed"))
    if n in NOT_YET_FIXED else n for n in REGIONS])
def test_every_bundled_region_passes_the_equal_volume_check(name):
    path = bundled_regions()[name]
    assert equal_volume_problems(read_toml(path), str(path)) == []


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="data not yet fixed"))
    if n in NOT_YET_FIXED else n for n in REGIONS])
def test_validate_provenance_passes_on_every_bundled_region(name, capsys):
    assert main(["validate", "--provenance", name]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sourced"] + report["assumptions"] > 0
