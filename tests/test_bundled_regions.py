"""Must show 1: every bundled region loads, validates and runs 120 ticks with and without
its facilitator, and forms at least one exchange with the facilitator on (default
parameters, fixed seed)."""

from __future__ import annotations

import pytest

from symbiosis_abm import SymbiosisModel, bundled_regions, load_region
from symbiosis_abm.cli import main

REGIONS = sorted(bundled_regions())
SEED = 20240601
TICKS = 120


def test_the_five_cases_are_bundled():
    assert set(REGIONS) >= {"kalundborg", "vastra_malardalen", "sotenas", "high_coast",
                            "kronoberg_kalmar_water"}


@pytest.mark.parametrize("name", REGIONS)
def test_region_loads_and_validates(name, capsys):
    region = load_region(name)
    assert region.name == name
    assert region.title and region.description and region.year
    assert region.references, "a bundled region cites its sources"
    assert len(region.firms) >= 10
    assert all(f.lat is not None and f.lon is not None for f in region.firms), \
        "bundled firms sit at their real (approximate) locations"
    assert main(["validate", str(bundled_regions()[name])]) == 0


@pytest.mark.parametrize("facilitator", [True, False], ids=["facilitator", "none"])
@pytest.mark.parametrize("name", REGIONS)
def test_region_runs_120_ticks(name, facilitator):
    model = SymbiosisModel(name, rng=SEED, facilitator=facilitator)
    model.run(TICKS)
    series = model.timeseries()
    assert len(series) == TICKS
    assert (model.facilitator is not None) == facilitator
    if facilitator:
        assert len(model.exchanges_frame()) >= 1, (
            f"{name}: no exchange in {TICKS} ticks; counts {dict(model.counts)}")


def test_regions_command_lists_every_region(capsys):
    assert main(["regions"]) == 0
    out = capsys.readouterr().out.splitlines()
    for name in REGIONS:
        row = next(line for line in out if line.split()[0] == name)
        assert str(len(load_region(name).firms)) in row.split()
    assert any(line.startswith("synthetic") for line in out)
