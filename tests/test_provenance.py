"""Must show 2: every number in a bundled data file has a source or an assumption mark.

The rule is in docs/provenance.md; the walker is :mod:`symbiosis_abm.provenance`.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from symbiosis_abm.catalogue import read_toml
from symbiosis_abm.provenance import check_provenance, source_problems, uncovered_numbers
from symbiosis_abm.region import bundled_regions

DATA = Path(str(resources.files("symbiosis_abm") / "data"))
BUNDLED = {"resources.toml": DATA / "resources.toml", "sectors.toml": DATA / "sectors.toml",
           **{f"regions/{name}.toml": path for name, path in bundled_regions().items()}}


def test_every_bundled_region_is_walked():
    expected = {"kalundborg", "vastra_malardalen", "sotenas", "high_coast",
                "kronoberg_kalmar_water"}
    assert expected <= set(bundled_regions())


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_bundled_file_follows_the_provenance_rule(name):
    data = read_toml(BUNDLED[name])
    problems = check_provenance(data, name)
    assert not problems, "\n" + "\n".join(problems)
    assert data.get("references"), f"{name} has no [[references]]"


@pytest.mark.parametrize("name", sorted(BUNDLED))
def test_walker_sees_the_numbers_of_each_file(name):
    """Stripping all provenance must expose numbers: proof the walk reaches them."""
    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()
                    if k not in ("source", "sources", "assumption")}
        return [strip(v) for v in node] if isinstance(node, list) else node

    assert len(uncovered_numbers(strip(read_toml(BUNDLED[name])))) >= 10


HANDMADE = {
    "schema_version": 1,                                   # exempt: about the file
    "references": [{"id": "ks2024", "citation": "Kalundborg Symbiosis (2024)."}],
    "region": {"name": "r", "year": 2024, "assumption": "year of the data"},
    "facilitator": {"name": "f", "budget_eur_per_year": 1e5},           # uncovered
    "firms": [
        {"id": "a", "lat": 55.6, "lon": 11.1, "member": True,           # booleans need none
         "source": "ks2024: map",
         "streams": [
             {"resource": "steam", "volume_per_year": 5e5,              # nested: no inherit
              "supply_seasonality": [1.0] * 12},
             {"resource": "sludge", "volume_per_year": 10.0, "variability": 0.2,
              "sources": {"volume_per_year": "ks2024: p. 3"}},          # variability uncovered
         ]},
    ],
    "parameters": {"bargaining_power": 0.6, "assumption": "even split assumed"},
}


def test_walker_catches_unsourced_numbers():
    assert uncovered_numbers(HANDMADE) == [
        "facilitator.budget_eur_per_year",
        "firms[0].streams[0].volume_per_year",
        "firms[0].streams[0].supply_seasonality",
        "firms[0].streams[1].variability",
    ]
    lines = check_provenance(HANDMADE, "hand.toml")
    assert lines[0] == ('hand.toml: facilitator.budget_eur_per_year: number without a source; '
                        'add source = "<reference id>", sources = { budget_eur_per_year = '
                        '"..." } or assumption = "<reason>" to this table')


def test_sources_must_name_references_and_fields():
    data = {
        "references": [{"id": "ks2024", "citation": "c"}, {"id": "ks2024", "citation": "d"},
                       {"id": "KS 2", "citation": "e"}],
        "a": {"x": 1, "source": "ks2042: p. 1"},
        "b": {"x": 1, "sources": {"x": "assumption:", "y": "ks2024"}},
        "c": {"x": 1, "source": "assumption: guessed"},
    }
    problems = dict(source_problems(data))
    assert "duplicate reference id 'ks2024'" in problems["references[1].id"]
    assert "use lowercase letters" in problems["references[2].id"]
    assert problems["a.source"] == ("source 'ks2042' is not among the file's [[references]] "
                                    "ids (did you mean 'ks2024'?)")
    assert problems["b.sources.x"] == "an assumption needs a reason: 'assumption: <reason>'"
    assert problems["b.sources.y"] == "names no number of this table; numbers here: 'x'"
    assert "c.source" not in problems
    assert uncovered_numbers(data) == []
