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


def test_speedup_reports_the_time_outside_the_runs(sweep_bench, tmp_path, capsys,
                                                    monkeypatch):
    # sweeps of known figures: 8 runs of 2.0 s on 2 workers in 10 s of wall time, of
    # 1.9 s on 1 worker in 18 s
    def engine(spec, workers, out):
        out.mkdir()
        pd.DataFrame({"run_id": list("abcdefgh"), "ok": True,
                      "seconds": 2.0 if workers == 2 else 1.9}).to_parquet(
            out / "times.parquet")
        return (10.0 if workers == 2 else 18.0), 0.0

    monkeypatch.setattr(sweep_bench, "engine", engine)
    sweep_bench.bench_speedup(argparse.Namespace(runs=8, ticks=2, workers=2, rounds=1),
                              tmp_path)
    line = capsys.readouterr().out
    assert "speedup 1.80x" in line
    assert "2000.0 ms on 2 workers, 1900.0 ms on 1 (1.05x" in line
    # 10 - 8 x 2.0 / 2 and 18 - 8 x 1.9; the runs alone: 2 x 1.9 / 2.0
    assert ("outside the runs (the pool's start and end, the feeding: the wall time less "
            "the runs' time over the workers), mean: 2.00 s on 2 workers, 2.80 s on 1; the "
            "runs alone would give 1.90x") in line


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
