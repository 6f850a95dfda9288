"""A run's kernels bound to their compiled entry points (entry_points.BoundKernels): the
same results as through numba's dispatcher, argument types that stay those of each
kernel's first call in a run, and the cases that are never bound."""

import hashlib

import numba
import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel, entry_points
from symbiosis_abm.entry_points import BoundKernels, entry_point
from symbiosis_abm.kernels import capped_months
from symbiosis_abm.kernels_tick import renewal_priced

COMPILED = not numba.config.DISABLE_JIT


@numba.njit
def _scaled(values, factor):
    out = np.empty_like(values)
    for i in range(len(values)):
        out[i] = values[i] * factor
    return out


@numba.njit
def _summed(*values):
    return sum(values)


def _months_args():
    return (np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]), np.array([0]),
            np.array([0.25]))


def _fingerprint(model: SymbiosisModel) -> str:
    data = model.datacollector.get_model_vars_dataframe()
    text = data.to_csv() + repr(model.summary()) + model.exchanges_frame().to_csv()
    return hashlib.sha256(text.encode()).hexdigest()


def _run(region: str, ticks: int, **overrides) -> SymbiosisModel:
    model = SymbiosisModel(region, rng=3, **overrides)
    model.run(ticks)
    return model


@pytest.mark.skipif(not COMPILED, reason="binds compiled overloads (numba's JIT is off)")
def test_the_first_call_goes_through_the_dispatcher_then_the_entry_point():
    table = BoundKernels(checked=False)
    assert capped_months not in table
    first = table[capped_months](*_months_args())
    bound = table[capped_months]
    assert bound is not capped_months
    overload = capped_months.overloads[tuple(capped_months.typeof_pyval(a)
                                             for a in _months_args())]
    assert bound is overload.entry_point
    np.testing.assert_array_equal(bound(*_months_args()), first)


@pytest.mark.skipif(not COMPILED, reason="binds compiled overloads (numba's JIT is off)")
def test_of_several_overloads_the_one_of_the_first_calls_types_is_bound():
    _scaled(np.arange(3.0), 2.0)
    _scaled(np.arange(3), 2)
    assert len(_scaled.overloads) >= 2
    table = BoundKernels()
    table[_scaled](np.arange(3), 2)
    np.testing.assert_array_equal(table[_scaled](np.arange(4), 3), [0, 3, 6, 9])
    float_table = BoundKernels()
    float_table[_scaled](np.arange(3.0), 0.5)
    np.testing.assert_array_equal(float_table[_scaled](np.arange(2.0), 0.5), [0.0, 0.5])


@pytest.mark.skipif(not COMPILED, reason="binds compiled overloads (numba's JIT is off)")
def test_a_checked_table_names_an_argument_whose_type_changed():
    table = BoundKernels(checked=True)
    table[_scaled](np.arange(3.0), 2.0)
    np.testing.assert_array_equal(table[_scaled](np.arange(2.0), 3.0), [0.0, 3.0])
    with pytest.raises(TypeError, match=r"_scaled: argument 0 \(values\) is array\(int64"):
        table[_scaled](np.arange(3), 2.0)   # int64: the item size of float64, read as it
    with pytest.raises(TypeError, match=r"argument 1 \(factor\) is int64"):
        table[_scaled](np.arange(3.0), 2)
    with pytest.raises(TypeError, match="1 arguments, its first call in this run had 2"):
        table[_scaled](np.arange(3.0))


def test_a_table_is_checked_by_default_when_checked_is_set(monkeypatch):
    assert not BoundKernels().checked
    monkeypatch.setattr(entry_points, "CHECKED", True)
    assert BoundKernels().checked
    assert not BoundKernels(checked=False).checked


def test_star_arguments_and_plain_functions_are_never_bound():
    assert _summed(1.0, 2.0) == 3.0
    assert entry_point(_summed, (1.0, 2.0)) is _summed
    assert entry_point(renewal_priced, ()) is renewal_priced

    def plain(x):
        return x + 1

    table = BoundKernels(checked=True)
    assert table[plain](1) == 2
    assert table[plain] is plain


def test_a_failed_first_call_binds_nothing():
    table = BoundKernels()
    with pytest.raises(TypeError):
        table[_scaled](np.arange(3.0))   # (no factor)
    assert _scaled not in table


def test_a_run_binds_each_kernel_it_calls():
    model = _run("kalundborg", 24)
    names = {getattr(k, "__name__", "") for k in model._kernels}
    assert {"broker_month_held", "negotiate_month_held", "deliver_pass_held",
            "measure_flat_held"} <= names
    if COMPILED:
        bound = model._kernels
        assert all(v is not k for k, v in bound.items() if k is not renewal_priced)


@pytest.mark.parametrize("region, ticks, overrides", [
    ("kalundborg", 120, {}),
    ("kalundborg", 60, {"facilitator": False}),
    ("sotenas", 60, {}),
    ("synthetic", 30, {"n_firms": 300}),
])
def test_a_run_through_the_entry_points_is_the_run_through_the_dispatchers(
        region, ticks, overrides, monkeypatch):
    bound = _fingerprint(_run(region, ticks, **overrides))
    monkeypatch.setattr(entry_points, "entry_point", lambda kernel, args: kernel)
    dispatched = _run(region, ticks, **overrides)
    assert all(v is k for k, v in dispatched._kernels.items())
    assert _fingerprint(dispatched) == bound


@pytest.mark.parametrize("region, ticks, overrides", [
    ("kalundborg", 120, {}),
    ("kalundborg", 120, {"targeting": "random", "cofund_share": 0.5}),
    ("kalundborg", 60, {"broker": False, "mapper": True}),
    ("kalundborg_history", 120, {}),
    ("vastra_malardalen", 120, {}),
    ("high_coast", 60, {}),
    # closures, exits and entries, process changes, price moves, lapses and fading, full
    # events: each tick's rarer branches
    ("synthetic", 60, {"n_firms": 300, "closure_rate_per_year": 0.2, "exit_rate_sme": 0.3,
                       "exit_rate_large": 0.1, "site_reuse_rate": 0.5, "dormant_share": 0.2,
                       "process_change_rate": 1.0, "price_volatility": 0.3,
                       "registry_lapse_rate": 0.2, "awareness_fade_rate": 0.3,
                       "convener_attendees": 40, "convener_share": 1.0}),
    ("synthetic", 40, {"n_firms": 600}),
    ("synthetic", 30, {"n_firms": 2000, "area_km": 25.0 * 10 ** 0.5, "n_parks": 40,
                       "park_share": 0.6, "park_radius_km": 1.5, "region_seed": 1}),
])
def test_every_call_in_a_run_has_its_kernels_first_argument_types(
        region, ticks, overrides, monkeypatch):
    """A bound call skips the dispatcher's typing: here every bound call is typed and
    checked against its kernel's first call in the run (a run raises if one differs)."""
    monkeypatch.setattr(entry_points, "CHECKED", True)
    model = _run(region, ticks, **overrides)
    assert model._kernels.checked
    assert len(model._kernels) >= 10
