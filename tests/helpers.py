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
    how many edges it was asked about. The broker's month goes a pass at a time, so that
    its surpluses too are asked of ``expected_surplus`` (in one call it reads the same
    memo inside the kernel: tests/test_broker_month.py holds the two months equal)."""
    import numpy as np

    fac = model.facilitator
    if fac is not None:
        fac._month_in_one_call = fac._month_step_by_step

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


def same_array(a, b) -> bool:
    """``a`` and ``b`` hold the same dtype, shape and bytes (floats bit for bit)."""
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def same_allocation_state(got, want) -> None:
    """The state a start and an allocation write, bit for bit, in models ``got`` and
    ``want``: the exchange, negotiation and asset tables, the assets' loads and users,
    the committed volumes, edge states, firms' talks, co-funding waits and the counts."""
    assert len(got.exchanges) == len(want.exchanges) and len(got.assets) == len(want.assets)
    for table in ("exchanges", "negotiations"):
        for name in getattr(want, table):
            assert same_array(getattr(got, table)[name], getattr(want, table)[name]), (table, name)
    for name in want.assets.table:
        assert same_array(got.assets.table[name], want.assets.table[name]), name
    for name in ("load", "edge_user", "route_asset"):
        assert same_array(getattr(got.assets, name), getattr(want.assets, name)), name
    for name in ("stream_committed", "need_committed", "edge_status", "edge_retry",
                 "firm_negotiations", "cofund_wait"):
        assert same_array(getattr(got, name), getattr(want, name)), name
    assert got.counts == want.counts and list(got.counts) == list(want.counts)
    assert got.cofunding_available() == want.cofunding_available()


def measure_extras(rng: np.random.Generator, t: int, rows: int, n_firms: int) -> tuple:
    """A measure pass's inputs besides the pair store, exchanges and talks, drawn in this
    order: the exchanges' first and ended ticks and reasons, the reasons counted internal,
    the open firms and members, three money arrays, nine resources' deliveries and three
    unit masks."""
    first, ended = rng.integers(t - 5, t + 5, rows), rng.integers(t - 2, t + 2, rows)
    reason, internal = rng.integers(0, 6, rows).astype(np.int8), rng.random(6) < 0.5
    firm_open, member = rng.random(n_firms) < 0.8, rng.random(n_firms) < 0.5
    money = [rng.normal(0, 1e5, n_firms) for _ in range(3)]
    delivered = rng.random(9) * 1e3
    units = [rng.random(9) < 0.4 for _ in range(3)]
    return first, ended, reason, internal, firm_open, member, money, delivered, units
