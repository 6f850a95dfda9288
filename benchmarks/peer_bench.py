"""Side by side with a peer: NREL's ABSiCE (``ABM_CE_PV``) against our synthetic region.

A script, not a test: it measures, prints a table and writes the figures as JSON to
``benchmarks/results/peer-<date>.json``. Nothing here asserts a time. How to get the peer
and its interpreter, what each model's tick does and how to read the ratios:
``benchmarks/peer.md``.

What is measured, for each N in ``--sizes``
-------------------------------------------
* **Peer**: ``ABM_CE_PV(seed=1, num_consumers=100, num_producers=N)`` with every other
  argument at its default (16 recyclers, 15 refurbishers), built and stepped
  ``--peer-ticks`` times (26) in a fresh interpreter of the peer's own Python 3.11 venv
  (``--peer-python``), with the peer checkout (``--peer``) as working directory (the model
  reads ``StatesAdjacencyMatrix.csv`` from there). One peer tick is one simulated year.
  Reported: median wall and process-CPU time per tick over ticks 6-25.
* **Ours**: ``SymbiosisModel("synthetic", rng=1, region_seed=1, n_firms=N, ...)`` with the
  region scaled to the default firm density as ``bench.py`` does (``region_overrides``),
  built and stepped ``--ticks`` times (25) in a fresh interpreter of this venv, after a
  run of another region of the same size (seed + 1) has loaded the compiled kernels (a
  start-up cost, as the imports; the peer has none); a kernel that a timed tick meets
  first all the same (a rarer path) is loaded under numba's compiler lock, and the time
  the lock was held is set aside from that tick (``kernel_loading``). One tick is one
  month. Reported: median wall and process-CPU time per tick over ticks 5-24.
* **Ratios**: peer / ours per tick, and per simulated year (the peer's tick against 12 of
  ours), from the wall and from the CPU medians.

Every model runs in its own subprocess (its own peak memory); the parent also records each
child's CPU time and peak RSS from ``getrusage(RUSAGE_CHILDREN)`` (the figures
``/usr/bin/time`` prints) and the load average before and after. ``--repeats`` alternates
peer and ours per size, so a shared machine's load falls on both alike.

The script runs itself in the peer's interpreter (``--peer-child``), so only the standard
library is imported at module level. The peer's code is never copied: it is imported from
the checkout given on the command line.

Examples
--------
``python benchmarks/peer_bench.py --peer /work/peer-absice --peer-python
/work/peer-venv/bin/python`` (sizes 60 and 600, about 4 minutes on 2 cores), or
``--sizes 60,200,600 --repeats 2``; ``--breakdown`` adds where the peer's tick goes; sizes
above ~800 need ``--peer-max-gb`` (the peer's memory grows as N^3: 8 GB at 1,000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEER_MODULE = "ABM_CE_PV_Model.py"
PEER_CONSUMERS = 100
PEER_RECYCLERS = 16  # ABM_CE_PV's defaults, used only to estimate its memory
PEER_REFURBISHERS = 15


class BenchError(Exception):
    """A problem the user can fix; printed as one line, exit code 2."""


# ----------------------------------------------------------------------------- timing
def steady(values: list[float], warmup: int) -> list[float]:
    """The values after the first ``warmup`` ones (at least the last one).

    >>> steady([9.0, 1.0, 2.0, 3.0], 1)
    [1.0, 2.0, 3.0]
    >>> steady([9.0, 1.0], 5)
    [1.0]
    """
    return values[min(warmup, len(values) - 1):]


def tick_summary(wall: list[float], cpu: list[float], warmup: int) -> dict:
    """Median, mean, min and max of the steady ticks, in milliseconds.

    >>> s = tick_summary([1.0, 0.002, 0.004, 0.009], [1.0, 0.001, 0.003, 0.002], 1)
    >>> round(s["tick_ms"], 3), round(s["tick_cpu_ms"], 3), s["ticks_in_median"]
    (4.0, 2.0, 3)
    >>> round(s["tick_ms_mean"], 3), round(s["tick_cpu_ms_mean"], 3)
    (5.0, 2.0)
    """
    w, c = steady(wall, warmup), steady(cpu, warmup)
    return {"tick_ms": 1e3 * statistics.median(w), "tick_cpu_ms": 1e3 * statistics.median(c),
            "tick_ms_mean": 1e3 * statistics.fmean(w), "tick_cpu_ms_mean": 1e3 * statistics.fmean(c),
            "tick_ms_min": 1e3 * min(w), "tick_ms_max": 1e3 * max(w),
            "ticks_in_median": len(w), "first_tick_in_median": min(warmup, len(wall) - 1)}


def timed_ticks(step, ticks: int, aside=None) -> tuple[list[float], list[float]]:
    """Wall and process-CPU seconds of each of ``ticks`` calls of ``step``, less, in
    both, what ``aside()`` (seconds so far of work that is not the tick's: loading
    compiled kernels) grew by during the call.

    >>> spent = iter([0.0, 0.0, 0.0, 0.5])
    >>> wall, cpu = timed_ticks(lambda: None, 2, aside=lambda: next(spent))
    >>> wall[1] < 0 and cpu[1] == 0.0   # the second call's 0.5 s were set aside
    True
    """
    wall, cpu = [], []
    for _ in range(ticks):
        before = aside() if aside is not None else 0.0
        w, c = time.perf_counter(), time.process_time()
        step()
        w, c = time.perf_counter() - w, time.process_time() - c
        extra = (aside() - before) if aside is not None else 0.0
        wall.append(w - extra)
        cpu.append(max(c - extra, 0.0))
    return wall, cpu


def kernel_loading():
    """A listener of numba's compiler lock, which a process holds while it loads (or
    compiles) a kernel for a signature it has not called yet: ``seconds`` so far, its
    outermost holds only (loads nest). Imports numba: for our model's child only."""
    from numba.core import event

    class Loading(event.Listener):
        def __init__(self):
            self.seconds, self.loads, self._depth, self._started = 0.0, 0, 0, 0.0

        def on_start(self, event):
            if self._depth == 0:
                self._started = time.perf_counter()
            self._depth += 1

        def on_end(self, event):
            self._depth -= 1
            if self._depth == 0:
                self.seconds += time.perf_counter() - self._started
                self.loads += 1

    listener = Loading()
    event.register("numba:compiler_lock", listener)
    return listener


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ----------------------------------------------------------------------------- children
def peer_child(n: int, ticks: int, warmup: int, seed: int, breakdown: bool) -> dict:
    """Build and step the peer (run in the peer's interpreter, cwd = its checkout)."""
    os.environ.setdefault("MPLBACKEND", "Agg")  # the peer imports pyplot; never a display
    sys.path.insert(0, os.getcwd())
    import mesa
    import networkx
    import numpy
    from ABM_CE_PV_Model import ABM_CE_PV

    t0 = time.perf_counter()
    model = ABM_CE_PV(seed=seed, num_consumers=PEER_CONSUMERS, num_producers=n)
    setup = time.perf_counter() - t0
    parts = _time_peer_parts(model) if breakdown else None
    wall, cpu = timed_ticks(model.step, ticks)
    out = {"model": "ABM_CE_PV", "n": n, "seed": seed, "setup_s": setup,
           "agents": len(model.schedule.agents), "ticks": ticks, "warmup": warmup,
           **tick_summary(wall, cpu, warmup), "wall_s": wall, "cpu_s": cpu,
           "peak_rss_mb": peak_rss_mb(), "python": platform.python_version(),
           "mesa": mesa.__version__, "networkx": networkx.__version__,
           "numpy": numpy.__version__}
    if parts is not None:
        out["breakdown_cpu_ms"] = {k: 1e3 * statistics.median(steady(v, warmup))
                               for k, v in parts.items()}
    return out


def _time_peer_parts(model) -> dict[str, list[float]]:
    """Wrap the peer's data collection and each agent class's step to time them per tick
    (process CPU time: the shares stay readable on a loaded machine).

    Observation only (the wrapped calls run unchanged); it adds a few microseconds per
    agent, which is why it is opt-in (``--breakdown``).
    """
    parts: dict[str, list[float]] = {"datacollector": []}
    classes = sorted({type(a) for a in model.schedule.agents}, key=lambda c: c.__name__)
    acc = {c.__name__: 0.0 for c in classes}
    parts.update({name: [] for name in acc})
    for cls in classes:
        inner = cls.step

        def step(self, _inner=inner, _name=cls.__name__):
            t = time.process_time()
            _inner(self)
            acc[_name] += time.process_time() - t

        cls.step = step
    collect = model.datacollector.collect

    def timed_collect(m):
        t = time.process_time()
        collect(m)
        parts["datacollector"].append(time.process_time() - t)

    model.datacollector.collect = timed_collect
    inner_step = model.step

    def step():
        inner_step()
        for name in acc:
            parts[name].append(acc[name])
            acc[name] = 0.0

    model.step = step
    return parts


def ours_child(n: int, ticks: int, warmup: int, seed: int) -> dict:
    """Build and step our synthetic region of ``n`` firms (run in this project's venv)."""
    sys.path.insert(0, str(HERE))
    import mesa
    import numpy
    from bench import region_overrides

    import symbiosis_abm
    from symbiosis_abm import SymbiosisModel

    # a process's first call of each cached compiled kernel loads it (milliseconds each,
    # in whichever tick first needs it; a start-up cost, like the imports): another
    # region of the same size, run as long, loads most of them first; one that a tick
    # timed meets first (a rarer path) is loaded while numba's compiler lock is held,
    # and that time is set aside from the tick's
    SymbiosisModel("synthetic", rng=seed + 1, region_seed=seed + 1,
                   **region_overrides(n)).run(ticks)
    t0 = time.perf_counter()
    model = SymbiosisModel("synthetic", rng=seed, region_seed=seed, **region_overrides(n))
    setup = time.perf_counter() - t0
    loading = kernel_loading()
    wall, cpu = timed_ticks(model.step, ticks, aside=lambda: loading.seconds)
    return {"model": "SymbiosisModel", "n": n, "seed": seed, "setup_s": setup,
            "firms": model.world.n_firms, "candidate_edges": len(model.world.edges),
            "active_exchanges_end": int(model.stats["active_exchanges"]),
            "region": region_overrides(n), "ticks": ticks, "warmup": warmup,
            **tick_summary(wall, cpu, warmup), "wall_s": wall, "cpu_s": cpu,
            "kernel_loads_in_ticks": loading.loads,
            "kernel_load_s_in_ticks": loading.seconds,
            "peak_rss_mb": peak_rss_mb(), "python": platform.python_version(),
            "mesa": mesa.__version__, "numpy": numpy.__version__,
            "symbiosis_abm": getattr(symbiosis_abm, "__version__", "unknown")}


# ----------------------------------------------------------------------------- parent
def run_child(cmd: list[str], cwd: Path | None, what: str) -> dict:
    """Run one measuring child; its result, its CPU time and peak RSS, and the load."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(f"{what} failed (exit {done.returncode}): {last}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["process"] = {
        "elapsed_s": elapsed,
        "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        # ru_maxrss of children is the largest child so far: its own peak is in the JSON
        "load_avg_before": list(load), "load_avg_after": list(os.getloadavg())}
    return out


def child_args(args, n: int, role: str) -> list[str]:
    return [str(Path(__file__).resolve()), f"--{role}-child", str(n), "--seed", str(args.seed),
            "--peer-ticks", str(args.peer_ticks), "--peer-warmup", str(args.peer_warmup),
            "--ticks", str(args.ticks), "--warmup", str(args.warmup)] + (
        ["--breakdown"] if args.breakdown else [])


def peer_memory_gb(n: int) -> float:
    """Rough peak memory of the peer: every producer keeps its own copy of the
    (producers + recyclers)^2 trust matrix (``trust_history``), so it grows as N^3.

    >>> round(peer_memory_gb(600), 1)
    1.8
    """
    m = n + PEER_RECYCLERS
    return n * m * m * 8 / 1e9


def check_peer(args) -> None:
    """One-line errors before anything runs."""
    if not args.peer or not args.peer_python:
        raise BenchError("--peer PATH and --peer-python PATH are required: the peer's checkout "
                         "and its venv's interpreter (benchmarks/peer.md)")
    peer = Path(args.peer)
    if not (peer / PEER_MODULE).is_file():
        raise BenchError(f"--peer {peer}: no {PEER_MODULE} there; check out "
                         "marinnapivatto/EC_NREL_Brasil into that folder (benchmarks/peer.md)")
    if not (peer / "StatesAdjacencyMatrix.csv").is_file():
        raise BenchError(f"--peer {peer}: StatesAdjacencyMatrix.csv missing (incomplete checkout)")
    python = Path(args.peer_python)
    if not python.is_file() or not os.access(python, os.X_OK):
        raise BenchError(f"--peer-python {python}: no such interpreter; make the peer's venv "
                         "(Python 3.11, mesa==0.8.9, networkx==2.8.8, numpy<2; benchmarks/peer.md)")
    probe = subprocess.run([str(python), "-c", "import mesa, networkx, numpy, scipy, pandas, "
                            "matplotlib; print(mesa.__version__)"], capture_output=True, text=True)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise BenchError(f"--peer-python {python} cannot import the peer's dependencies: {last}")
    if probe.stdout.strip() != "0.8.9":
        raise BenchError(f"--peer-python {python} has mesa {probe.stdout.strip()}; "
                         "the peer needs mesa==0.8.9")
    for n in args.sizes:
        if peer_memory_gb(n) > args.peer_max_gb:
            raise BenchError(f"--sizes {n}: the peer would need about {peer_memory_gb(n):.1f} GB "
                             f"(grows as N^3); allowed --peer-max-gb {args.peer_max_gb:g}")


def machine() -> dict:
    from bench import cpu_name

    cpu = cpu_name()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "platform": platform.platform(),
            "when_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "load_avg_start": list(os.getloadavg())}


def ratios(peer: dict, ours: dict) -> dict:
    """Peer time / our time, per tick and per simulated year (12 of our monthly ticks).

    From the medians, and from the means of the steady ticks (``per_year_mean_cpu``): our
    ticks are not alike (a tick that revises the facilitator's opportunity map, every 24
    months, is slower), so 12 medians can understate one of our years.

    >>> r = ratios({"tick_ms": 6000.0, "tick_cpu_ms": 3000.0, "tick_cpu_ms_mean": 3000.0},
    ...            {"tick_ms": 10.0, "tick_cpu_ms": 5.0, "tick_cpu_ms_mean": 6.25})
    >>> r["per_tick"], r["per_year"], r["per_year_cpu"], r["per_year_mean_cpu"]
    (600.0, 50.0, 50.0, 40.0)
    """
    return {"per_tick": peer["tick_ms"] / ours["tick_ms"],
            "per_year": peer["tick_ms"] / (12 * ours["tick_ms"]),
            "per_tick_cpu": peer["tick_cpu_ms"] / ours["tick_cpu_ms"],
            "per_year_cpu": peer["tick_cpu_ms"] / (12 * ours["tick_cpu_ms"]),
            "per_year_mean_cpu": peer["tick_cpu_ms_mean"] / (12 * ours["tick_cpu_ms_mean"])}


def measure(args) -> list[dict]:
    """Every size, ``--repeats`` times, peer and ours alternating who goes first."""
    rows = []
    for n in args.sizes:
        for rep in range(args.repeats):
            order = ("peer", "ours") if rep % 2 == 0 else ("ours", "peer")
            got = {}
            for role in order:
                if role == "peer":
                    cmd = [str(Path(args.peer_python).absolute()), *child_args(args, n, role)]
                    got[role] = run_child(cmd, Path(args.peer).absolute(), f"peer, N={n}")
                else:
                    cmd = [sys.executable, *child_args(args, n, role)]
                    got[role] = run_child(cmd, None, f"ours, N={n}")
            row = {"n": n, "repeat": rep, "order": list(order), "peer": got["peer"],
                   "ours": got["ours"], "ratio": ratios(got["peer"], got["ours"])}
            rows.append(row)
            print_row(row)
    return rows


HEADER = ("| N | rep | peer ms/tick | peer cpu ms | ours ms/tick | ours cpu ms "
          "| per tick | per year | per year (cpu) | per year (cpu, means) | peer MB | ours MB | load before |")


def print_row(row: dict) -> None:
    p, o, r = row["peer"], row["ours"], row["ratio"]
    load = max(p["process"]["load_avg_before"][0], o["process"]["load_avg_before"][0])
    print(f"| {row['n']:,} | {row['repeat']} | {p['tick_ms']:,.1f} | {p['tick_cpu_ms']:,.1f} "
          f"| {o['tick_ms']:,.2f} | {o['tick_cpu_ms']:,.2f} | {r['per_tick']:,.0f}x "
          f"| {r['per_year']:,.1f}x | {r['per_year_cpu']:,.1f}x | {r['per_year_mean_cpu']:,.1f}x "
          f"| {p['peak_rss_mb']:,.0f} "
          f"| {o['peak_rss_mb']:,.0f} | {load:.2f} |", flush=True)
    if "breakdown_cpu_ms" in p:
        parts = ", ".join(f"{k} {v:,.1f}" for k, v in p["breakdown_cpu_ms"].items())
        print(f"|   | peer tick, median CPU ms: {parts} |", flush=True)
    if o.get("kernel_loads_in_ticks"):
        print(f"|   | ours: {o['kernel_loads_in_ticks']} kernel load(s) met in the ticks timed, "
              f"{1e3 * o['kernel_load_s_in_ticks']:,.1f} ms set aside |", flush=True)


def versions(row: dict) -> str:
    """One line naming both sides' interpreters and libraries.

    >>> versions({"peer": {"python": "3.11.7", "mesa": "0.8.9", "networkx": "2.8.8",
    ...                    "numpy": "1.26.4"},
    ...           "ours": {"python": "3.12.1", "mesa": "3.5.1", "numpy": "2.5.5",
    ...                    "symbiosis_abm": "0.3.0"}})
    'peer: Python 3.11.7, Mesa 0.8.9, networkx 2.8.8, numpy 1.26.4; ours: symbiosis_abm 0.3.0, Python 3.12.1, Mesa 3.5.1, numpy 2.5.5'
    """
    p, o = row["peer"], row["ours"]
    return (f"peer: Python {p['python']}, Mesa {p['mesa']}, networkx {p['networkx']}, "
            f"numpy {p['numpy']}; ours: symbiosis_abm {o['symbiosis_abm']}, Python "
            f"{o['python']}, Mesa {o['mesa']}, numpy {o['numpy']}")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--peer", help="checkout of marinnapivatto/EC_NREL_Brasil (required)")
    ap.add_argument("--peer-python", help="the peer venv's interpreter (required)")
    ap.add_argument("--sizes", default="60,600",
                    help="comma-separated firm counts N (peer: producers) (default %(default)s)")
    ap.add_argument("--repeats", type=int, default=1, help="rounds per size, alternating order")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--peer-ticks", type=int, default=26)
    ap.add_argument("--peer-warmup", type=int, default=6,
                    help="peer ticks left out of the median (default: median of ticks 6-25)")
    ap.add_argument("--ticks", type=int, default=25)
    ap.add_argument("--warmup", type=int, default=5,
                    help="our ticks left out of the median (default: median of ticks 5-24)")
    ap.add_argument("--peer-max-gb", type=float, default=4.0,
                    help="refuse sizes whose peer would need more memory (default %(default)s)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also time the peer's data collection and each agent class's steps")
    ap.add_argument("--out", default=None, help="JSON file (default benchmarks/results/peer-<date>.json)")
    ap.add_argument("--peer-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--ours-child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        args.sizes = [int(s) for s in str(args.sizes).split(",") if s.strip()]
    except ValueError:
        ap.exit(2, f"--sizes {args.sizes!r}: expected comma-separated whole numbers, e.g. 60,600\n")
    if not args.sizes or min(args.sizes) < 1:
        ap.exit(2, "--sizes: expected positive firm counts, e.g. 60,600\n")
    for name in ("repeats", "peer_ticks", "ticks"):
        if getattr(args, name) < 1:
            ap.exit(2, f"--{name.replace('_', '-')}: must be at least 1\n")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.peer_child is not None:
        print(json.dumps(peer_child(args.peer_child, args.peer_ticks, args.peer_warmup,
                                    args.seed, args.breakdown)))
        return 0
    if args.ours_child is not None:
        print(json.dumps(ours_child(args.ours_child, args.ticks, args.warmup, args.seed)))
        return 0
    try:
        check_peer(args)
        facts = machine()
        print(f"machine: {facts}", flush=True)
        print(HEADER)
        print("|" + "---:|" * (HEADER.count("|") - 1))
        result = {"machine": facts, "rows": measure(args)}
    except BenchError as err:
        print(f"peer_bench: {err}", file=sys.stderr)
        return 2
    result["machine"]["load_avg_end"] = list(os.getloadavg())
    print(versions(result["rows"][0]))
    result["args"] = {k: v for k, v in vars(args).items() if not k.endswith("_child")}
    out = Path(args.out) if args.out else HERE / "results" / f"peer-{dt.date.today()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    print(f"load average at end: {result['machine']['load_avg_end']}; written {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
