"""Helpers for tests: small hand-made regions built in code, scripts loaded as modules."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from symbiosis_abm.region import FirmSpec, NeedSpec, Region, StreamSpec


def make_region(firms: list[dict], name: str = "handmade") -> Region:
    """A Region from short dicts: id, x, y, size, streams/needs as (resource, volume)."""
    specs = []
    for f in firms:
        specs.append(FirmSpec(
            id=f["id"], sector=f.get("sector", "test"), size=f.get("size", "large"),
            x_km=float(f.get("x", 0.0)), y_km=float(f.get("y", 0.0)),
            member=f.get("member", False), closes_at_tick=f.get("closes_at_tick"),
            streams=tuple(StreamSpec(r, v, f.get("variability", 0.0)) for r, v in f.get("streams", ())),
            needs=tuple(NeedSpec(r, v) for r, v in f.get("needs", ()))))
    return Region(name=name, title=name, firms=tuple(specs))


def run_frames(region, seed: int, ticks: int = 48, **overrides):
    """Time series and exchange log of one run (a top-level function for process pools)."""
    from symbiosis_abm import SymbiosisModel

    model = SymbiosisModel(region, rng=seed, **overrides)
    model.run(ticks)
    return model.timeseries(), model.exchanges_frame()


def synthetic_frames(seed: int):
    return run_frames("synthetic", seed, n_firms=150)


def load_script(path: Path, name: str | None = None) -> ModuleType:
    """A script (``experiments/*.py``, ``docs/validation/*.py``) imported as a module, and
    registered in ``sys.modules`` (dataclasses and pickling look a module up by name)."""
    spec = importlib.util.spec_from_file_location(name or Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def check_every_surplus(model) -> list[int]:
    """Make ``model.expected_surplus`` check each answer (surplus and remembered capex)
    against ``expected_terms`` computed anew; returns the list to which each call appends
    how many edges it was asked about."""
    import numpy as np

    inner, asked = model.expected_surplus, []

    def checked(edges, cofund=0.0, with_capex=False):
        surplus, capex = inner(edges, cofund=cofund, with_capex=True)
        fresh, info = model.expected_terms(edges, cofund=cofund)
        np.testing.assert_array_equal(surplus, fresh.surplus)
        np.testing.assert_array_equal(capex, info["capex"])
        asked.append(len(edges))
        return (surplus, capex) if with_capex else surplus

    model.expected_surplus = checked
    return asked


def priced_synthetic_model():
    """A synthetic region of 300 firms after 40 ticks with some of its lines carrying
    contracts again, so that a deal joining one pays a share of its annuity: the state
    the pricing tests read (its lines were all left and paid off by tick 40)."""
    from symbiosis_abm import SymbiosisModel

    model = SymbiosisModel("synthetic", rng=3, n_firms=300)
    model.run(40)
    table = model.assets.table
    table["paid_off"][::2] = False
    table["volume"][:] = np.maximum(table["volume"], 10.0)
    return model
