"""Sweep throughput, scaling and memory, measured against references in the same run.

Five measurements (each can be run alone):

``kalundborg``
    ``--runs`` runs (default 1,000) of ``kalundborg`` for ``--ticks`` months (default 120)
    on ``--workers`` workers (default 2): the sweep engine (processes backend, results
    written to Parquet) against a plain ``ProcessPoolExecutor`` loop that submits one
    future per run and keeps the summaries in memory. Target (issue 17): under 15 s on 2
    workers, the mean of the engine rounds.
``speedup``
    The ``kalundborg`` sweep (engine only) on ``--workers`` workers and on 1, in the order
    N, 1, 1, N (``--rounds`` times): the speedup, the mean 1-worker wall time over the
    mean N-worker one, with both measured in the same stretch of the machine's time.
    Target (issue 17): >= 1.8x on 2 workers of an idle 2-core machine. It also prints a
    run's mean wall time inside a worker (the sweep's ``times.parquet``) on N workers and
    on 1: where the workers slow each other on shared cores, the first is the larger, by
    what the engine's feeding of its workers cannot win back. And the time outside the
    runs (a sweep's wall time less its runs' time over its workers: the pool's start,
    about 2 s, its end and the feeding), which is the same on N workers as on 1 and so
    holds the speedup below what the runs alone give (printed too).
``scaling``
    ``--scaling-runs`` runs (default 400) of a 200-firm synthetic region with the engine on
    1 worker and on 2 workers: the speedup (expect >= 1.6x on 2 free cores; with few runs
    the workers' start, about 1.5 s, weighs more than the runs: 40 runs gave 1.25x).
``memory``
    A ``--memory-runs`` run sweep (default 2,000) of a small region with few ticks; the
    main process's resident memory is sampled as runs accumulate (it should stay flat).
``together``
    A worker's chunk of 16 ``kalundborg`` runs of ``--ticks`` months, in one process,
    advanced together a phase at a time (the worker's way for small regions,
    ``sweep.worker._run_together``) and one after another, the two in turn for
    ``--together-rounds`` rounds (default 10; which goes first alternates): CPU time a
    run of each and the median of the rounds' ratios (together / one after another).

Usage::

    python benchmarks/sweep_bench.py                       # all five
    python benchmarks/sweep_bench.py speedup
    python benchmarks/sweep_bench.py kalundborg --runs 200
    python benchmarks/sweep_bench.py memory --memory-runs 2000
    python benchmarks/sweep_bench.py together --together-rounds 20
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from symbiosis_abm.sweep import run_sweep
from symbiosis_abm.sweep.spec import spec_from_dict


def plain_run(seed: int, ticks: int) -> dict:
    """The reference: what an experiment script did per run before the engine."""
    from symbiosis_abm import SymbiosisModel

    model = SymbiosisModel("kalundborg", rng=seed)
    model.run(ticks)
    return model.summary()


def cpu_seconds() -> float:
    """CPU time of this process and its finished (joined) child processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def plain_pool(runs: int, ticks: int, workers: int) -> tuple[float, float]:
    """Wall and CPU seconds of the reference loop (pool start-up and shut-down included)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(plain_run, seed, ticks) for seed in range(runs)]
        summaries = [f.result() for f in futures]
    assert len(summaries) == runs
    return time.perf_counter() - started, cpu_seconds() - cpu


def spec(name: str, region: str, ticks: int, replicates: int, **fixed) -> object:
    return spec_from_dict({"sweep": {"name": name, "regions": [region], "ticks": ticks,
                                     "replicates": replicates, "seed": 1},
                           "fixed": fixed}, f"{name}.toml")


def run_seconds(out: Path) -> pd.Series:
    """Each run's wall seconds inside its worker, without the pool's start and stop, from
    the ``times.parquet`` of the sweep written to ``out`` (a run advanced together with
    others has its share of their time).

    Examples
    --------
    >>> with tempfile.TemporaryDirectory() as name:
    ...     folder = Path(name)
    ...     pd.DataFrame({"run_id": ["a", "b"], "ok": [True, True],
    ...                   "seconds": [0.030, 0.034]}).to_parquet(folder / "times.parquet")
    ...     print(round(run_wall_ms(folder), 1), round(runs_seconds(folder), 3))
    32.0 0.064
    """
    return pd.read_parquet(out / "times.parquet", columns=["seconds"])["seconds"]


def run_wall_ms(out: Path) -> float:
    """A run's mean wall time inside its worker (:func:`run_seconds`), in milliseconds."""
    return 1000 * float(run_seconds(out).mean())


def runs_seconds(out: Path) -> float:
    """The wall seconds the workers spent in runs (:func:`run_seconds`), in all."""
    return float(run_seconds(out).sum())


def engine(s, workers: int, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of a sweep (pool start-up, Parquet writing included)."""
    cpu = cpu_seconds()
    report = run_sweep(s, out, backend="processes", workers=workers, progress=False,
                       fresh=True)
    assert report.failed == 0 and report.ran == report.total
    return report.seconds, cpu_seconds() - cpu


def bench_kalundborg(args, tmp: Path) -> None:
    """Engine and plain pool in the order engine, plain, plain, engine (ABBA), so a load
    that drifts during the benchmark does not favour either; means of the two of each."""
    s = spec("bench_kalundborg", "kalundborg", args.ticks, args.runs)
    load = os.getloadavg()[0]
    eng, plain = [], []
    for i, which in enumerate("EPPE"[:2 * args.rounds] if args.rounds > 1 else "EP"):
        if which == "E":
            eng.append(engine(s, args.workers, tmp / f"kal{i}"))
        else:
            plain.append(plain_pool(args.runs, args.ticks, args.workers))
    t_engine, c_engine = (float(np.mean(x)) for x in zip(*eng))
    t_plain, c_plain = (float(np.mean(x)) for x in zip(*plain))
    n = args.runs
    print(f"kalundborg: {n} runs x {args.ticks} ticks on {args.workers} workers "
          f"(load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; order "
          f"{'EPPE' if args.rounds > 1 else 'EP'}): engine "
          + "/".join(f"{t:.1f}" for t, _ in eng) + f" s wall, {1000 * c_engine / n:.0f} ms "
          "CPU/run (writes Parquet); plain ProcessPoolExecutor loop "
          + "/".join(f"{t:.1f}" for t, _ in plain) + f" s wall, {1000 * c_plain / n:.0f} ms "
          f"CPU/run; engine/plain: wall {t_engine / t_plain:.2f}, CPU "
          f"{c_engine / c_plain:.2f}; engine CPU/workers = {c_engine / args.workers:.1f} s "
          f"(the wall time on {args.workers} otherwise idle cores)"
          + (f"; target < 15 s wall (issue 17; mean of the engine rounds): "
             f"{'met' if t_engine < 15 else 'NOT met'}"
             if (n, args.ticks, args.workers) == (1000, 120, 2) else ""))


def bench_speedup(args, tmp: Path) -> None:
    """Engine rounds on N workers and on 1 in the order N, 1, 1, N (ABBA), so a drift in
    the machine's speed during the benchmark does not favour either."""
    s = spec("bench_speedup", "kalundborg", args.ticks, args.runs)
    n, load = args.workers, os.getloadavg()[0]
    walls: dict[int, list[float]] = {n: [], 1: []}
    run_ms: dict[int, list[float]] = {n: [], 1: []}
    outside: dict[int, list[float]] = {n: [], 1: []}
    for i in range(args.rounds):
        for workers in (n, 1, 1, n):
            out = tmp / f"speedup{i}_{len(walls[workers])}_{workers}"
            walls[workers].append(engine(s, workers, out)[0])
            run_ms[workers].append(run_wall_ms(out))
            outside[workers].append(walls[workers][-1] - runs_seconds(out) / workers)
    many, one = float(np.mean(walls[n])), float(np.mean(walls[1]))
    run_many, run_one = float(np.mean(run_ms[n])), float(np.mean(run_ms[1]))
    out_many, out_one = float(np.mean(outside[n])), float(np.mean(outside[1]))
    print(f"speedup: {args.runs} runs x {args.ticks} ticks of kalundborg, engine (load "
          f"average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; order "
          f"{n},1,1,{n} x {args.rounds}): {n} workers "
          + "/".join(f"{t:.1f}" for t in walls[n]) + " s, 1 worker "
          + "/".join(f"{t:.1f}" for t in walls[1]) + f" s; speedup {one / many:.2f}x"
          + (f" (target >= 1.8x, issue 17: {'met' if one / many >= 1.8 else 'NOT met'})"
             if (args.runs, args.ticks, n) == (1000, 120, 2) else "")
          + f"; a run inside a worker (wall, mean): {run_many:.1f} ms on {n} workers, "
          f"{run_one:.1f} ms on 1 ({run_many / run_one:.2f}x: how much the workers slow "
          f"each other); outside the runs (the pool's start and end, the feeding: the wall "
          f"time less the runs' time over the workers), mean: {out_many:.2f} s on {n} "
          f"workers, {out_one:.2f} s on 1; the runs alone would give "
          f"{n * run_one / run_many:.2f}x")


def bench_scaling(args, tmp: Path) -> None:
    s = spec("bench_scaling", "synthetic", args.scaling_ticks, args.scaling_runs,
             n_firms=200, region_seed=1)
    one, _ = engine(s, 1, tmp / "one")
    two, _ = engine(s, 2, tmp / "two")
    print(f"scaling: {args.scaling_runs} runs of a 200-firm synthetic region x "
          f"{args.scaling_ticks} ticks: 1 worker {one:.1f} s, 2 workers {two:.1f} s; "
          f"speedup {one / two:.2f}x (expect >= 1.6x on 2 free cores)")


def bench_memory(args, tmp: Path) -> None:
    """Resident memory of the sweep process after each written batch, by runs done."""
    from symbiosis_abm.sweep import store

    s = spec("bench_memory", "kalundborg", args.memory_ticks, args.memory_runs)
    me = psutil.Process()
    marks: list[tuple[int, float]] = []
    original = store.Store.write_batch

    def write_batch(self, results):  # record memory as results accumulate
        original(self, results)
        done = (marks[-1][0] if marks else 0) + len(results)
        marks.append((done, me.memory_info().rss / 2**20))

    store.Store.write_batch = write_batch
    try:
        seconds, _ = engine(s, args.workers, tmp / "mem")
    finally:
        store.Store.write_batch = original
    after = me.memory_info().rss / 2**20
    step = max(1, len(marks) // 8)
    shown = marks[::step] + ([marks[-1]] if (len(marks) - 1) % step else [])
    print(f"memory: {args.memory_runs} runs x {args.memory_ticks} ticks of kalundborg in "
          f"{seconds:.1f} s; RSS of the sweep process after N runs written: "
          + ", ".join(f"{n}: {m:.0f} MiB" for n, m in shown)
          + f"; after rebuilding summary.parquet: {after:.0f} MiB; growth from the first "
          f"batch to the last {marks[-1][1] - marks[0][1]:+.1f} MiB")


def bench_together(args, tmp: Path) -> None:
    """A chunk's runs advanced together and one after another, in turn in one process."""
    from symbiosis_abm.sweep import worker
    from symbiosis_abm.sweep.design import expand

    s = spec("bench_together", "kalundborg", args.ticks, 16)
    runs, task = expand(s), worker.Task.of(s)
    small = worker.TOGETHER_UP_TO_FIRMS
    worker.run_chunk(runs[:2], task)   # (the kernels loaded)
    spent: dict[str, list[float]] = {"together": [], "alone": []}
    try:
        for i in range(args.together_rounds):
            for way in (("together", "alone") if i % 2 == 0 else ("alone", "together")):
                worker.TOGETHER_UP_TO_FIRMS = small if way == "together" else -1
                started = time.process_time()
                results = worker.run_chunk(runs, task)
                spent[way].append((time.process_time() - started) / len(runs))
                assert all(r["ok"] for r in results)
    finally:
        worker.TOGETHER_UP_TO_FIRMS = small
    ratios = np.array(spent["together"]) / np.array(spent["alone"])
    q1, median, q3 = np.percentile(ratios, [25, 50, 75])
    print(f"together: a chunk of {len(runs)} kalundborg runs x {args.ticks} ticks, "
          f"{args.together_rounds} rounds in one process: CPU a run "
          f"{np.median(spent['together']) * 1e3:.1f} ms advanced together, "
          f"{np.median(spent['alone']) * 1e3:.1f} ms one after another (medians); "
          f"ratio together / one after another, median of the rounds {median:.3f} "
          f"(quartiles {q1:.3f}-{q3:.3f})")


BENCHES = {"kalundborg": bench_kalundborg, "speedup": bench_speedup,
           "scaling": bench_scaling, "memory": bench_memory, "together": bench_together}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # no list default: argparse checks a nargs="*" default against the choices as one value
    parser.add_argument("which", nargs="*", choices=list(BENCHES),
                        help="which benchmarks (default: all five)")
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--ticks", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2,
                        help="kalundborg: 2 = order engine, plain, plain, engine; 1 = once "
                        "each; speedup: repeats of the order N, 1, 1, N workers (default 2)")
    parser.add_argument("--scaling-runs", type=int, default=400)
    parser.add_argument("--scaling-ticks", type=int, default=60)
    parser.add_argument("--memory-runs", type=int, default=2000)
    parser.add_argument("--memory-ticks", type=int, default=12)
    parser.add_argument("--together-rounds", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for which in args.which or BENCHES:
            BENCHES[which](args, tmp)


if __name__ == "__main__":
    main()
