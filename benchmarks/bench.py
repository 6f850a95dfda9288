"""Scale benchmark: synthetic regions of 100 to 100,000 firms, a brute-force reference, and
the Kalundborg region as a sweep workload.

A script, not a test: it measures and prints, and writes the figures as JSON to
``benchmarks/results/bench-<date>.json``. Nothing here asserts a time.

What is measured
----------------
Sizes (``--sizes``): a synthetic region at constant firm density. The defaults (200 firms
on 25 km x 25 km with 4 parks) are scaled so that each firm has as many neighbours at every
size: ``area_km = 25 sqrt(N / 200)``, ``n_parks = 4 N / 200`` (30 firms per park on average,
park radius and park share unchanged). Each size runs in a fresh subprocess, so its peak
resident memory (``getrusage``) is its own. Reported: setup time (model construction:
generating the region, KD-tree candidate search, pair store, Mesa agents), median wall and
CPU time per tick after ``--warmup`` ticks, firm-ticks per second, peak RSS, and the model's
own search phase (``_search``: open candidates, discovery, budgets, surplus of the
evaluated candidates, opening negotiations) per tick. ``b`` is the least-squares slope of
log(median time per tick) against log(N) over the sizes from 1,000 to 100,000.

Brute force (``--brute-sizes``): on the same region, ``tests/reference_search.py`` evaluates
*every* same-resource (stream, need) pair (distance, cheapest feasible mode, surplus with
the model's economics functions) to find each stream's best feasible partner. Two ratios:

* ``search_ratio`` = brute-force evaluation time / the fast model's median search phase
  per tick: a model that searched by evaluating all pairs each tick against this one.
* ``best_ratio`` = brute-force time / the fast way to the same kind of answer: the
  model's ``expected_terms`` over all its KD-tree candidate edges plus a best-per-stream
  reduction, at the same state (a fresh model: initial trust, full volumes). The one-off
  KD-tree candidate search is part of setup and reported as ``kdtree_s``.
  ``best_agreement`` is the share of streams whose best partner within the bounded
  candidates (``max_candidates``) is the brute-force best partner.

Kalundborg: model construction plus 120 ticks per run, different seeds; runs per second in
one process, and on ``--processes`` worker processes (``concurrent.futures``; the workers
are started and warmed before timing).

Examples
--------
``python benchmarks/bench.py`` (all, about 10 minutes on 2 cores), or quicker:
``python benchmarks/bench.py --sizes 100,1000,10000 --ticks 12 --kalundborg-runs 10``
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the brute-force reference lives there


# ----------------------------------------------------------------------------- one size
def region_overrides(n: int) -> dict:
    """Synthetic-region parameters for ``n`` firms at the default region's density."""
    return {"n_firms": n, "area_km": 25.0 * (n / 200) ** 0.5,
            "n_parks": max(1, round(4 * n / 200)), "park_share": 0.6, "park_radius_km": 1.5}


def measure_size(n: int, ticks: int, warmup: int, seed: int, brute: bool) -> dict:
    """Everything measured for one size (run in its own process)."""
    from symbiosis_abm import SymbiosisModel

    t0 = time.perf_counter()
    model = SymbiosisModel("synthetic", rng=seed, region_seed=seed, **region_overrides(n))
    setup = time.perf_counter() - t0
    search_times = _time_search_phase(model)
    wall, cpu = [], []
    for _ in range(ticks):
        w, c = time.perf_counter(), time.process_time()
        model.step()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    steady = slice(min(warmup, ticks - 1), None)
    median = float(np.median(wall[steady]))
    out = {
        "firms": n, "streams": len(model.world.stream_volume),
        "needs": len(model.world.need_volume), "candidate_edges": len(model.world.edges),
        "setup_s": setup, "ticks": ticks, "warmup": warmup,
        "tick_ms_median": 1e3 * median, "tick_cpu_ms_median": 1e3 * float(np.median(cpu[steady])),
        "tick_ms_max": 1e3 * float(np.max(wall[steady])),
        "search_ms_median": 1e3 * float(np.median(search_times[steady])),
        "firm_ticks_per_s": n / median,
        "active_exchanges_end": int(model.stats["active_exchanges"]),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if brute:
        out.update(compare_brute_force(n, seed, out["search_ms_median"] / 1e3))
    return out


def _time_search_phase(model) -> list[float]:
    """Record the wall time of every call of the model's search phase (behaviour unchanged)."""
    times: list[float] = []
    inner = model._search

    def timed(t):
        start = time.perf_counter()
        inner(t)
        times.append(time.perf_counter() - start)

    model._search = timed
    return times


def compare_brute_force(n: int, seed: int, search_s: float) -> dict:
    """Brute-force best partners against the model's search on the same (fresh) region."""
    from reference_search import best_per_stream, brute_force_best

    from symbiosis_abm import SymbiosisModel
    from symbiosis_abm.search import candidate_edges

    model = SymbiosisModel("synthetic", rng=seed, region_seed=seed, **region_overrides(n))
    w, p = model.world, model.params
    t0 = time.perf_counter()
    ref_best, _, evaluated = brute_force_best(w, p)
    brute_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    terms, _ = model.expected_terms(np.arange(len(w.edges)))
    fast_best, _ = best_per_stream(len(w.stream_volume), w.edges.stream, w.edges.need,
                                   terms.surplus)
    best_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    candidate_edges(w.firm_xy[w.stream_firm], w.stream_resource, w.stream_firm,
                    w.firm_xy[w.need_firm], w.need_resource, w.need_firm,
                    w.catalogue.max_range_km(), p.max_candidates, p.detour_factor)
    kdtree_s = time.perf_counter() - t0
    has = ref_best >= 0
    return {
        "brute_pairs_evaluated": int(evaluated), "brute_s": brute_s,
        "search_ratio": brute_s / search_s, "best_fast_s": best_s,
        "best_ratio": brute_s / best_s, "kdtree_s": kdtree_s,
        "best_agreement": float((fast_best[has] == ref_best[has]).mean()) if has.any() else 1.0,
    }


def run_child(n: int, args) -> dict:
    """Measure one size in a fresh interpreter (own peak memory)."""
    cmd = [sys.executable, __file__, "--child", str(n), "--ticks", str(args.ticks),
           "--warmup", str(args.warmup), "--seed", str(args.seed),
           "--brute-sizes", args.brute_sizes]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- Kalundborg
def kalundborg_run(seed: int) -> int:
    """One sweep run: build the model and run 120 ticks (top level: picklable)."""
    from symbiosis_abm import SymbiosisModel

    model = SymbiosisModel("kalundborg", rng=seed)
    model.run(120)
    return int(model.stats["active_exchanges"])


def measure_kalundborg(runs: int, processes: int) -> dict:
    kalundborg_run(10_000)                                  # imports and caches warm
    t0 = time.perf_counter()
    for seed in range(runs):
        kalundborg_run(seed)
    one = time.perf_counter() - t0
    with cf.ProcessPoolExecutor(max_workers=processes) as pool:
        list(pool.map(kalundborg_run, range(10_000, 10_000 + 2 * processes)))  # warm workers
        t0 = time.perf_counter()
        list(pool.map(kalundborg_run, range(runs)))
        many = time.perf_counter() - t0
    return {"runs": runs, "s_per_run_1proc": one / runs, "runs_per_s_1proc": runs / one,
            "processes": processes, "runs_per_s_nproc": runs / many,
            "s_per_1000_runs_nproc": 1000 * many / runs}


# ----------------------------------------------------------------------------- report
def cpu_name() -> str:
    """The processor's model name (Linux: /proc/cpuinfo), else what platform says."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict:
    import mesa
    import scipy

    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "scipy": scipy.__version__, "mesa": mesa.__version__,
            "platform": platform.platform(), "load_avg_start": list(os.getloadavg())}


def fit_exponent(sizes: list[dict], low: int = 1000, high: int = 100_000) -> float | None:
    """Slope b of log(time per tick) ~ log(N) over the sizes in [low, high]."""
    pts = [(r["firms"], r["tick_ms_median"]) for r in sizes if low <= r["firms"] <= high]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(x, y, 1)[0])


def print_table(result: dict) -> None:
    m = result["machine"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy "
          f"{m['numpy']}, scipy {m['scipy']}, Mesa {m['mesa']}; load avg at start "
          f"{m['load_avg_start'][0]:.2f}")
    head = (f"{'firms':>8} {'edges':>9} {'setup s':>8} {'ms/tick':>8} {'cpu ms':>8} "
            f"{'search ms':>9} {'firm-ticks/s':>12} {'peak MB':>8} {'brute s':>8} "
            f"{'search x':>8} {'best x':>7} {'agree':>6}")
    print(head)
    for r in result["sizes"]:
        brute = (f"{r['brute_s']:8.2f} {r['search_ratio']:8.0f} {r['best_ratio']:7.0f} "
                 f"{r['best_agreement']:6.3f}" if "brute_s" in r else "")
        print(f"{r['firms']:>8} {r['candidate_edges']:>9} {r['setup_s']:8.2f} "
              f"{r['tick_ms_median']:8.1f} {r['tick_cpu_ms_median']:8.1f} "
              f"{r['search_ms_median']:9.1f} {r['firm_ticks_per_s']:12.0f} "
              f"{r['peak_rss_mb']:8.0f} {brute}")
    if result.get("exponent_b") is not None:
        print(f"exponent b (time per tick ~ N^b, 1,000..100,000 firms): {result['exponent_b']:.3f}")
    k = result.get("kalundborg")
    if k:
        print(f"Kalundborg, construction + 120 ticks: {k['s_per_run_1proc']:.3f} s per run, "
              f"{k['runs_per_s_1proc']:.1f} runs/s on 1 process, {k['runs_per_s_nproc']:.1f} "
              f"runs/s on {k['processes']} processes ({k['s_per_1000_runs_nproc']:.0f} s per "
              f"1,000 runs)")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000,100000",
                    help="firm counts, comma-separated")
    ap.add_argument("--ticks", type=int, default=24, help="ticks per size")
    ap.add_argument("--warmup", type=int, default=4, help="ticks left out of the median")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--brute-sizes", default="1000,10000",
                    help="sizes compared with brute force ('' for none)")
    ap.add_argument("--kalundborg-runs", type=int, default=40, help="0 to skip")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="JSON file (default: results/)")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    brute_sizes = {int(s) for s in args.brute_sizes.split(",") if s}
    if args.child is not None:
        print(json.dumps(measure_size(args.child, args.ticks, args.warmup, args.seed,
                                      args.child in brute_sizes)))
        return

    result = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
              "sizes": []}
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"{n} firms ...", file=sys.stderr, flush=True)
        result["sizes"].append(run_child(n, args))
    result["exponent_b"] = fit_exponent(result["sizes"])
    if args.kalundborg_runs > 0:
        print("Kalundborg ...", file=sys.stderr, flush=True)
        result["kalundborg"] = measure_kalundborg(args.kalundborg_runs, args.processes)
    result["machine"]["load_avg_end"] = list(os.getloadavg())
    print_table(result)
    out = args.out or HERE / "results" / f"bench-{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {out}")


if __name__ == "__main__":
    main()
