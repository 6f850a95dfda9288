"""A run is a pure function of (region, parameters, seed): alone or in a process pool."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest
from helpers import run_frames as run
from helpers import synthetic_frames
from pandas.testing import assert_frame_equal

from symbiosis_abm import SymbiosisModel


@pytest.mark.parametrize("region, overrides", [
    ("kalundborg", {}),
    ("synthetic", {"n_firms": 150, "closure_rate_per_year": 0.05}),
])
def test_same_inputs_same_outputs_bit_for_bit(region, overrides):
    ts1, ex1 = run(region, 7, **overrides)
    ts2, ex2 = run(region, 7, **overrides)
    assert len(ex1) > 0
    assert_frame_equal(ts1, ts2, check_exact=True)
    assert_frame_equal(ex1, ex2, check_exact=True)


def test_another_seed_gives_another_run():
    ts1, ex1 = run("synthetic", 1, n_firms=150)
    ts2, ex2 = run("synthetic", 2, n_firms=150)
    assert not ts1.equals(ts2)
    assert not ex1.equals(ex2)


def test_fixed_region_seed_keeps_the_firms_and_varies_the_dynamics():
    a = SymbiosisModel("synthetic", rng=1, n_firms=100, region_seed=5)
    b = SymbiosisModel("synthetic", rng=2, n_firms=100, region_seed=5)
    assert a.world.region == b.world.region
    a.run(36)
    b.run(36)
    assert not a.exchanges_frame().equals(b.exchanges_frame())


def test_process_pool_gives_the_same_runs_as_one_process():
    seeds = [11, 12]
    alone = [synthetic_frames(s) for s in seeds]
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, as on a cluster
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        pooled = list(pool.map(synthetic_frames, seeds))
    for (ts1, ex1), (ts2, ex2) in zip(alone, pooled):
        assert_frame_equal(ts1, ts2, check_exact=True)
        assert_frame_equal(ex1, ex2, check_exact=True)


@pytest.mark.parametrize("progress", [False, True])
def test_run_is_the_same_as_stepping(progress):
    """``run(n)`` (Mesa's ``run_for`` without a progress bar) makes the run that ``n``
    calls of ``step()`` make, bit for bit, at the same tick, step and time."""
    stepped = SymbiosisModel("kalundborg", rng=5)
    for _ in range(30):
        stepped.step()
    ran = SymbiosisModel("kalundborg", rng=5)
    ran.run(12, progress=progress)
    ran.run(18, progress=progress)
    assert (ran.tick, ran.steps, ran.time) == (stepped.tick, stepped.steps, stepped.time) == (29, 30, 30)
    assert_frame_equal(ran.timeseries(), stepped.timeseries(), check_exact=True)
    assert_frame_equal(ran.exchanges_frame(), stepped.exchanges_frame(), check_exact=True)


def test_running_no_ticks_changes_nothing(recwarn):
    model = SymbiosisModel("kalundborg", rng=5)
    model.run(0)
    model.run(-3)
    assert (model.tick, model.steps, model.time) == (-1, 0, 0)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
