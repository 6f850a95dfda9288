"""benchmarks/sweep_bench.py: the speedup's report of a run's time inside a worker, on a
sweep small enough for the tests (its figures mean nothing here, its arithmetic does)."""

from __future__ import annotations

import argparse
import re

import benchmark_scripts
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def sweep_bench():
    return benchmark_scripts.load("sweep_bench")


def test_run_wall_ms_is_the_mean_of_the_sweeps_run_times(sweep_bench, tmp_path):
    s = sweep_bench.spec("tiny", "kalundborg", 2, 3)
    sweep_bench.engine(s, 1, tmp_path)
    seconds = pd.read_parquet(tmp_path / "times.parquet")["seconds"]
    assert len(seconds) == 3 and (seconds > 0).all()
    assert sweep_bench.run_wall_ms(tmp_path) == pytest.approx(1000 * seconds.mean())


def test_speedup_reports_a_runs_time_inside_a_worker_on_each_pool(sweep_bench, tmp_path,
                                                                   capsys):
    args = argparse.Namespace(runs=4, ticks=2, workers=2, rounds=1)
    sweep_bench.bench_speedup(args, tmp_path)
    line = capsys.readouterr().out
    found = re.search(r"a run inside a worker \(wall, mean\): ([\d.]+) ms on 2 workers, "
                      r"([\d.]+) ms on 1 \(([\d.]+)x", line)
    assert found, line
    many, one, ratio = (float(x) for x in found.groups())
    # the figures are those of the sweeps' own times.parquet, two sweeps of each pool
    folders = {w: [p for p in tmp_path.iterdir() if p.name.endswith(f"_{w}")] for w in (1, 2)}
    assert len(folders[1]) == len(folders[2]) == 2
    mean = {w: sum(sweep_bench.run_wall_ms(p) for p in folders[w]) / 2 for w in (1, 2)}
    assert many == pytest.approx(mean[2], abs=0.05)
    assert one == pytest.approx(mean[1], abs=0.05)
    assert ratio == pytest.approx(mean[2] / mean[1], abs=0.006)


def test_together_times_the_chunk_both_ways_in_turn(sweep_bench, tmp_path, capsys,
                                                    monkeypatch):
    from symbiosis_abm.sweep import worker

    batches = []
    original = worker.advance_together
    monkeypatch.setattr(worker, "advance_together",
                        lambda models, steps, **kw: batches.append(len(models))
                        or original(models, steps, **kw))
    small = worker.TOGETHER_UP_TO_FIRMS
    sweep_bench.bench_together(argparse.Namespace(ticks=2, together_rounds=3), tmp_path)
    # the warm-up's two runs, then per round the chunk of 16 together and none together
    assert batches == [2, 16, 0, 0, 16, 16, 0]
    assert worker.TOGETHER_UP_TO_FIRMS == small   # put back
    line = capsys.readouterr().out
    found = re.search(r"CPU a run ([\d.]+) ms advanced together, ([\d.]+) ms one after "
                      r"another .*median of the rounds ([\d.]+) \(quartiles ([\d.]+)-([\d.]+)\)",
                      line)
    assert found, line
    together, alone, median, q1, q3 = (float(x) for x in found.groups())
    assert together > 0 and alone > 0 and q1 <= median <= q3
