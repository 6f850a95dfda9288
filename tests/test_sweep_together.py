"""A worker's chunk: the runs of small regions advanced together, a phase at a time
(sweep.worker._run_together), give each run's result as a run alone gives it."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from symbiosis_abm.sweep import worker
from symbiosis_abm.sweep.design import expand
from symbiosis_abm.sweep.spec import spec_from_dict
from symbiosis_abm.sweep.worker import Task, run_chunk, run_one


def _runs_and_task(model=None, vary=None):
    sweep = {"name": "t", "regions": ["kalundborg", "sotenas"], "ticks": 8,
             "replicates": 2}
    if model:
        sweep["model"] = model
    spec = spec_from_dict({"sweep": sweep, "vary": vary or {"broker_capacity": [1, 2]},
                           "outputs": {"timeseries_every": 1, "exchanges": True}}, "t.toml")
    return expand(spec), Task.of(spec)


def _same(got: dict, want: dict) -> None:
    assert got["run"] == want["run"] and got["ok"] == want["ok"]
    if not want["ok"]:
        assert got["error"].strip().splitlines()[-1] == want["error"].strip().splitlines()[-1]
        return
    assert got["params"] == want["params"] and repr(got["row"]) == repr(want["row"])
    assert got["tables"].keys() == want["tables"].keys()
    for name, table in want["tables"].items():
        pd.testing.assert_frame_equal(got["tables"][name], table)


def test_a_chunk_together_gives_the_results_of_runs_alone(monkeypatch):
    runs, task = _runs_and_task()
    advanced = []
    original = worker.advance_together
    monkeypatch.setattr(worker, "advance_together",
                        lambda models, steps, **kw: advanced.append(len(models))
                        or original(models, steps, **kw))
    together = run_chunk(runs, task)
    assert advanced == [len(runs)] == [8]   # every run of the chunk in one batch
    for got, run in zip(together, runs):
        _same(got, run_one(run, task))
        assert got["seconds"] > 0


def test_a_run_that_fails_fails_alone():
    """A run whose model cannot be made and a run whose phase raises mid-tick fail, each
    with its own traceback; the others of the chunk are the runs alone."""
    runs, task = _runs_and_task("sweep_hooks:PhaseTroubleModel")
    bad = dataclasses.replace(runs[0], run_id="bad", params={"no_such_parameter": 1})
    chunk = [bad, *runs]
    together = run_chunk(chunk, task)
    assert not together[0]["ok"] and "no_such_parameter" in together[0]["error"]
    failed = [r for r in together[1:] if not r["ok"]]
    assert failed and all(r["run"].params["broker_capacity"] == 2 for r in failed)
    assert all("test hook: a phase raised" in r["error"] for r in failed)
    for got, run in zip(together, chunk):
        _same(got, run_one(run, task))


def test_large_regions_run_one_after_another(monkeypatch):
    monkeypatch.setattr(worker, "TOGETHER_UP_TO_FIRMS", 20)   # sotenas (12) only
    runs, task = _runs_and_task()
    advanced = []
    original = worker.advance_together
    monkeypatch.setattr(worker, "advance_together",
                        lambda models, steps, **kw: advanced.append(
                            sorted(m.world.region.name for m in models))
                        or original(models, steps, **kw))
    together = run_chunk(runs, task)
    assert advanced == [["sotenas"] * 4]
    for got, run in zip(together, runs):
        _same(got, run_one(run, task))


@pytest.mark.parametrize("size", [1, 2])
def test_a_timeout_or_a_single_run_is_not_batched(monkeypatch, size):
    runs, task = _runs_and_task()
    monkeypatch.setattr(worker, "advance_together",
                        lambda *a, **k: pytest.fail("advanced together"))
    if size == 1:
        [result] = run_chunk(runs[:1], task)
    else:
        [*results] = run_chunk(runs[:2], task, timeout=60)
        result = results[0]
    _same(result, run_one(runs[0], task))
