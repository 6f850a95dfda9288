"""Per-tick time of two source trees side by side, in one run (issue 8, must-show 6).

Each tree is imported in its own subprocess (``PYTHONPATH=<tree>/src``), alternating, on
the same synthetic region (same seed and size): median wall time per tick after warm-up.
A script, not a test: it prints wall and CPU ms/tick (median over ticks, best over
repeats) for each tree and the ratios new/old. On a shared machine the CPU ratio is the
steadier figure.

Examples
--------
``python benchmarks/compare_trees.py --old /work/wt/old40b9 --firms 10000 --ticks 12``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, sys, time, statistics
from symbiosis_abm import SymbiosisModel
n, ticks, warmup, seed = (int(x) for x in sys.argv[1:5])
side = 25 * (n / 200) ** 0.5
model = SymbiosisModel("synthetic", rng=seed, n_firms=n, area_km=side, n_parks=max(1, 4 * n // 200))
for _ in range(warmup):
    model.step()
times, cpu = [], []
for _ in range(ticks):
    t0, c0 = time.perf_counter(), time.process_time()
    model.step()
    times.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(json.dumps({"ms_per_tick": 1000 * statistics.median(times),
                  "cpu_ms_per_tick": 1000 * statistics.median(cpu),
                  "active": int(model.stats["active_exchanges"])}))
"""


def time_tree(tree: Path, args: argparse.Namespace) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, "-c", CHILD, str(args.firms), str(args.ticks),
                          str(args.warmup), str(args.seed)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", type=Path, required=True, help="the reference tree")
    ap.add_argument("--new", type=Path, default=HERE.parent, help="the tree to compare")
    ap.add_argument("--firms", type=int, default=10000)
    ap.add_argument("--ticks", type=int, default=12)
    ap.add_argument("--warmup", type=int, default=6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    runs: dict[str, list[dict]] = {"old": [], "new": []}
    for _ in range(args.repeats):         # alternate, so machine load hits both alike
        for name, tree in (("old", args.old), ("new", args.new)):
            runs[name].append(time_tree(tree, args))
    best = {k: min(r["ms_per_tick"] for r in v) for k, v in runs.items()}
    cpu = {k: min(r["cpu_ms_per_tick"] for r in v) for k, v in runs.items()}
    print(json.dumps({"firms": args.firms, "runs": runs, "best_ms_per_tick": best,
                      "ratio_new_over_old": best["new"] / best["old"],
                      "best_cpu_ms_per_tick": cpu,
                      "cpu_ratio_new_over_old": cpu["new"] / cpu["old"]}, indent=1))


if __name__ == "__main__":
    main()
