"""Dynamics benchmark: time per tick against a reference version, side by side in one run.

A script, not a test: it measures and prints, it asserts nothing. The reference is another
checkout of the package (e.g. a worktree of ``main`` before the dynamics were merged,
``git worktree add --detach /tmp/ref <commit>``); each version runs in its own
subprocess with ``PYTHONPATH`` pointing at its ``src``, alternating between the versions
so that machine load hits both alike.

Measured per version: median wall time of a tick (ticks 5 to ``--ticks``) on a synthetic
region of ``--firms`` firms at constant density (as ``bench.py``: ``area_km = 25
sqrt(N/200)``, ``n_parks = 4 N / 200``), and the peak resident memory (``getrusage``) of a
``--big``-firm run (construction plus ``--big-ticks`` ticks). The ratio is this version over
the reference: 1.30 means 30 % slower per tick.

Usage::

    python benchmarks/dynamics_bench.py --reference /tmp/ref/src
    python benchmarks/dynamics_bench.py --reference /tmp/ref/src --firms 10000 --repeats 3 \\
        --big 100000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

_PROBE = """
import json, resource, sys, time
import numpy as np
from symbiosis_abm import SymbiosisModel
n, ticks = int(sys.argv[1]), int(sys.argv[2])
started = time.perf_counter()
model = SymbiosisModel("synthetic", rng=1, n_firms=n, area_km=25 * (n / 200) ** 0.5,
                       n_parks=max(1, round(4 * n / 200)), region_seed=1)
setup = time.perf_counter() - started
times = []
for _ in range(ticks):
    t = time.perf_counter()
    model.step()
    times.append(time.perf_counter() - t)
print(json.dumps({"setup_s": setup, "tick_ms": 1000 * float(np.median(times[4:] or times)),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "active": int(model.stats["active_exchanges"])}))
"""


def probe(src: Path, firms: int, ticks: int) -> dict:
    """One fresh subprocess on the package at ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, "-c", _PROBE, str(firms), str(ticks)], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark run on {src} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, required=True,
                        help="src folder of the reference version")
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=30, help="ticks per timing run")
    parser.add_argument("--repeats", type=int, default=3, help="timing runs per version")
    parser.add_argument("--big", type=int, default=100_000, help="firms of the memory run "
                        "(0: skip)")
    parser.add_argument("--big-ticks", type=int, default=12)
    args = parser.parse_args(argv)
    versions = {"reference": args.reference.resolve(), "this": SRC}
    ticks: dict[str, list[float]] = {k: [] for k in versions}
    for r in range(args.repeats):
        order = list(versions) if r % 2 == 0 else list(versions)[::-1]
        for name in order:
            got = probe(versions[name], args.firms, args.ticks)
            ticks[name].append(got["tick_ms"])
            print(f"{name:9s} {args.firms} firms: {got['tick_ms']:.1f} ms/tick, setup "
                  f"{got['setup_s']:.1f} s, {got['active']} active exchanges", flush=True)
    med = {k: sorted(v)[len(v) // 2] for k, v in ticks.items()}
    print(f"median ms/tick at {args.firms} firms: reference {med['reference']:.1f}, this "
          f"{med['this']:.1f}; ratio this/reference {med['this'] / med['reference']:.2f}")
    if args.big:
        for name in versions:
            got = probe(versions[name], args.big, args.big_ticks)
            print(f"{name:9s} {args.big} firms: peak RSS {got['rss_mb']:.0f} MB, setup "
                  f"{got['setup_s']:.1f} s, {got['tick_ms']:.0f} ms/tick", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
