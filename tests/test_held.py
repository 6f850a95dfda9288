"""Arrays held in one record across a run's calls (held.py): the record is made again
exactly when an anchor moves, a replaced array behind an unmoved anchor is caught, the
compiled record is of the type the pure-Python stand-in names."""

from __future__ import annotations

import numpy as np
import pytest
from numba import typeof

from symbiosis_abm import SymbiosisModel, held
from symbiosis_abm.held import RUN_FIELDS, HeldArrays, RunArrays, _StandIn, run_arrays
from symbiosis_abm.kernels_tick import hold_run


class _Arrays:
    """Two arrays and an anchor, each replaceable, and how many records were made."""

    def __init__(self):
        self.a, self.b, self.anchor, self.built = np.arange(3), np.zeros(2), object(), 0

    def held(self, checked: bool) -> HeldArrays:
        def build(*arrays):
            self.built += 1
            return _StandIn(("a", "b"), arrays)
        return HeldArrays(RunArrays, lambda: (self.a, self.b), lambda: (self.anchor,),
                          build=build, checked=checked, fields=("a", "b"))


def test_a_record_is_made_again_only_when_an_anchor_moves():
    arrays = _Arrays()
    holder = arrays.held(checked=False)
    first = holder.record()
    assert holder.record() is first and arrays.built == 1
    arrays.a[0] = 7   # (written in place: the record holds the same array)
    assert holder.record().a[0] == 7 and arrays.built == 1
    arrays.a, arrays.anchor = np.arange(5), object()
    again = holder.record()
    assert again is not first and arrays.built == 2 and len(again.a) == 5


def test_a_checked_record_catches_an_array_replaced_behind_its_anchor():
    arrays = _Arrays()
    checked, unchecked = arrays.held(checked=True), arrays.held(checked=False)
    checked.record(), unchecked.record()
    arrays.b = np.ones(2)   # replaced, the anchor left as it was
    with pytest.raises(RuntimeError, match="'b' was replaced without its anchor"):
        checked.record()
    assert unchecked.record().b is not arrays.b   # (what the check is there to catch)


def test_the_compiled_record_has_the_type_the_stand_in_names():
    # the recording run of precompile types a record by its stand-in: the compiled
    # record of the same arrays must be of that type, or the kernels compiled ahead
    # would be for a type no run passes
    model = SymbiosisModel("kalundborg", rng=2)
    model.run(3)
    arrays = run_arrays(model)
    assert len(arrays) == len(RUN_FIELDS)
    record = hold_run(*arrays)
    assert isinstance(record, RunArrays)
    assert typeof(record) == _StandIn(RUN_FIELDS, arrays)._numba_type_


#: runs whose tables, asset book and pair store grow past their room, whose prices move,
#: whose lines wear out and are built again, with the broker's month in one call or
#: step by step (random targeting), and with co-funding
CHECKED_RUNS = {
    "kalundborg": ("kalundborg", 120, {}),
    "cofunded": ("kalundborg", 60, {"cofund_share": 0.9, "cofund_budget_eur": 1e9}),
    "history": ("kalundborg_history", 300, {"price_volatility": 0.2}),
    "random targeting": ("kalundborg", 48, {"targeting": "random"}),
    "synthetic": ("synthetic", 72, {"n_firms": 80, "region_seed": 2, "broker_capacity": 6,
                                    "exit_rate_sme": 0.3, "process_change_rate": 0.3}),
}


@pytest.mark.parametrize("case", CHECKED_RUNS)
def test_no_record_goes_stale_in_a_run(case, monkeypatch):
    # every record handed out checked against the arrays a call would be given: an
    # array replaced behind the anchors (run_anchors) raises; the run is the same
    region, ticks, overrides = CHECKED_RUNS[case]
    plain = SymbiosisModel(region, rng=5, **overrides)
    plain.run(ticks)
    monkeypatch.setattr(held, "CHECKED", True)
    checked = SymbiosisModel(region, rng=5, **overrides)
    checked.run(ticks)
    assert checked.timeseries().equals(plain.timeseries())
    assert checked.exchanges_frame().equals(plain.exchanges_frame())
    grown = [len(checked.exchanges) > 64, len(checked.negotiations) > 64,
             checked.pairs.size > 1024]
    assert any(grown) or case != "synthetic"   # (a table grew past its first room)


def test_a_checked_run_fails_where_an_anchor_is_missing(monkeypatch):
    # without the pair store's buffer among the anchors, the record would hold the old
    # buffers once the store grew past its room: the check stops the run there
    def anchors(model):
        return (model.exchanges.layout, model.negotiations.layout,
                model.assets.table.layout)

    monkeypatch.setattr("symbiosis_abm.model.run_anchors", anchors)
    monkeypatch.setattr(held, "CHECKED", True)
    model = SymbiosisModel("synthetic", rng=5, n_firms=80, region_seed=2)
    with pytest.raises(RuntimeError, match="'pair_trust' was replaced without its anchor"):
        model.run(72)
