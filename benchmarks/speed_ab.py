"""The model's speed against a reference revision, side by side in one run (issue 17).

The reference revision (default ``6b5abc2``: main before the speed work) is checked out
with ``git worktree add`` into a temporary folder and removed afterwards. Every figure is
measured in a fresh interpreter (the same Python and packages) that imports the model from
one tree or the other (``PYTHONPATH=<tree>/src``), reference and working tree alternating
round by round, so a shared machine's load falls on both alike:

* **kalundborg**: CPU (``time.process_time``) per run of construction + 120 ticks +
  ``summary()``, after one warm-up run; the median and the minimum over all timed runs
  (on a machine shared with other work the minimum is the steadier figure).
* **synthetic N**: the synthetic region of N firms at constant density (as
  ``benchmarks/bench.py``), after a warm-up run of 600 firms through the same ticks (a
  process's first call of each cached compiled kernel loads it, a few milliseconds each:
  a start-up cost, not a tick's), CPU ms per tick, median and minimum over
  ``--synthetic-ticks`` ticks in two windows: early (after ``--warmup`` ticks) and late
  (from tick ``--late`` on, when nearly every firm has joined the facilitator's registry
  and the network has grown: a tick costs most there); the interpreter's peak resident
  memory (``getrusage``) over the whole run.
* **dashboard step**: the dashboard's Step on kalundborg without the page (the model and its
  twin advance one tick: ``DashboardRun.step``), CPU ms, median and minimum over the steps.

It prints a table of figures and ratios (working tree / reference: below 1 is faster) and
writes them as JSON to ``benchmarks/results/speed-ab-<date>.json`` (git-ignored).

Usage::

    python benchmarks/speed_ab.py                           # all, ~10 minutes on 2 cores
    python benchmarks/speed_ab.py --sizes 600 --rounds 3    # quick
    python benchmarks/speed_ab.py --ref main --sizes 600,10000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KALUNDBORG = """
import json, sys, time
from symbiosis_abm import SymbiosisModel
first, count, ticks = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
SymbiosisModel("kalundborg", rng=10**6).run(ticks)   # warm-up: imports, shared world
spent = []
for seed in range(first, first + count):
    started = time.process_time()
    model = SymbiosisModel("kalundborg", rng=seed)
    model.run(ticks)
    model.summary()
    spent.append(time.process_time() - started)
print(json.dumps({"cpu_s": spent}))
"""

SYNTHETIC = """
import json, resource, sys, time
from symbiosis_abm import SymbiosisModel
n, warmup, ticks, late = (int(a) for a in sys.argv[1:5])
def sized(n):
    return {"n_firms": n, "area_km": 25.0 * (n / 200) ** 0.5,
            "n_parks": max(1, round(4 * n / 200)), "park_share": 0.6,
            "park_radius_km": 1.5, "region_seed": 1}
overrides = sized(n)
# a process's first call of each cached compiled kernel loads it (milliseconds each, in
# whichever tick first needs it): a 600-firm run through the same ticks loads them first
SymbiosisModel("synthetic", rng=1, **sized(600)).run(late + ticks)
started = time.process_time()
model = SymbiosisModel("synthetic", rng=1, **overrides)
setup = time.process_time() - started
def timed(count):
    spent = []
    for _ in range(count):
        started = time.process_time()
        model.step()
        spent.append(time.process_time() - started)
    return spent
model.run(warmup)
early = timed(ticks)
model.run(max(0, late - model.steps))
late_ticks = timed(ticks)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"setup_s": setup, "tick_s": early, "late_tick_s": late_ticks,
                  "peak_mb": peak, "edges": len(model.world.edges),
                  "members": int(model.firm_member.sum())}))
"""

DASHBOARD = """
import json, sys, time
from symbiosis_abm.dashboard.run import DashboardRun
steps = int(sys.argv[1])
run = DashboardRun("kalundborg", rng=1)
run.step()
spent = []
for _ in range(steps):
    started = time.process_time()
    run.step()
    spent.append(time.process_time() - started)
print(json.dumps({"step_s": spent}))
"""


def child(tree: Path, code: str, *args) -> dict:
    """Run ``code`` in a fresh interpreter importing the model from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src"), "PYTHONHASHSEED": "0"}
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], env=env,
                         capture_output=True, text=True, cwd=tree)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child failed in {tree}:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_imports(tree: Path) -> str:
    """Where a child importing from ``tree`` finds the package (guards the comparison)."""
    code = "import symbiosis_abm, json; print(json.dumps({'f': symbiosis_abm.__file__}))"
    found = child(tree, code)["f"]
    if not found.startswith(str(tree)):
        raise RuntimeError(f"a child for {tree} imported {found}")
    return found


def measure(trees: dict[str, Path], args) -> dict:
    result: dict = {"kalundborg": {k: [] for k in trees}, "dashboard": {k: [] for k in trees},
                    "synthetic": {}}
    for r in range(args.rounds):   # alternate the trees round by round
        order = list(trees) if r % 2 == 0 else list(reversed(trees))
        for name in order:
            got = child(trees[name], KALUNDBORG, r * args.runs, args.runs, args.ticks)
            result["kalundborg"][name] += got["cpu_s"]
            if args.dashboard_steps:
                got = child(trees[name], DASHBOARD, args.dashboard_steps)
                result["dashboard"][name] += got["step_s"]
        print(f"  round {r + 1}/{args.rounds} done", file=sys.stderr)
    for n in args.sizes:
        result["synthetic"][n] = {}
        for name in trees:
            got = child(trees[name], SYNTHETIC, n, args.warmup, args.synthetic_ticks,
                        args.late)
            result["synthetic"][n][name] = got
            print(f"  synthetic {n} {name} done", file=sys.stderr)
    return result


def summarise(raw: dict) -> list[dict]:
    """Rows of (figure, reference, working tree, ratio): timings by their median and, as
    the figure a loaded machine disturbs least, their minimum."""
    rows = []

    def row(label, unit, ref, new):
        rows.append({"figure": label, "unit": unit, "ref": ref, "new": new,
                     "ratio": new / ref if ref else None})

    def timing(label, ref, new, scale=1000.0, unit="ms"):
        row(f"{label}, median", unit, scale * statistics.median(ref),
            scale * statistics.median(new))
        row(f"{label}, minimum", unit, scale * min(ref), scale * min(new))

    k = raw["kalundborg"]
    timing("kalundborg run, 120 ticks (CPU)", k["ref"], k["new"])
    d = raw["dashboard"]
    if d["ref"]:
        timing("dashboard step, kalundborg (model + twin, CPU)", d["ref"], d["new"])
    for n, by_tree in raw["synthetic"].items():
        ref, new = by_tree["ref"], by_tree["new"]
        early = f"ticks {raw['args']['warmup']}-{raw['args']['warmup'] + len(new['tick_s'])}"
        timing(f"synthetic {n:,} firms ({new['edges']:,} edges): tick (CPU), {early}",
               ref["tick_s"], new["tick_s"])
        start = raw["args"]["late"]
        timing(f"synthetic {n:,} firms: tick (CPU), ticks {start}-"
               f"{start + len(new['late_tick_s'])} ({new['members']:,} members)",
               ref["late_tick_s"], new["late_tick_s"])
        row(f"synthetic {n:,} firms: setup (CPU)", "s", ref["setup_s"], new["setup_s"])
        row(f"synthetic {n:,} firms: peak memory", "MB", ref["peak_mb"], new["peak_mb"])
    return rows


def print_table(rows: list[dict], ref: str) -> None:
    print(f"\n| figure | unit | reference {ref} | working tree | ratio new/ref |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['figure']} | {r['unit']} | {r['ref']:.2f} | {r['new']:.2f} | "
              f"{r['ratio']:.3f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", default="6b5abc2", help="reference revision (default 6b5abc2)")
    parser.add_argument("--rounds", type=int, default=6, help="alternating rounds (kalundborg "
                        "and dashboard)")
    parser.add_argument("--runs", type=int, default=5, help="kalundborg runs per round")
    parser.add_argument("--ticks", type=int, default=120, help="ticks of a kalundborg run")
    parser.add_argument("--dashboard-steps", type=int, default=30,
                        help="dashboard steps per round (0: skip)")
    parser.add_argument("--sizes", default="600,10000,100000",
                        help="synthetic region sizes (comma-separated; empty: none)")
    parser.add_argument("--warmup", type=int, default=4, help="synthetic warm-up ticks")
    parser.add_argument("--synthetic-ticks", type=int, default=12,
                        help="synthetic timed ticks per window")
    parser.add_argument("--late", type=int, default=60,
                        help="first tick of the late synthetic window")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON file of the figures (default "
                             "benchmarks/results/speed-ab-DATE.json, git-ignored)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: comma-separated firm counts, got {args.sizes!r}")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", args.ref],
                            capture_output=True, text=True)
    if commit.returncode != 0:
        print(f"error: --ref: no revision {args.ref!r} in {ROOT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="speed-ab-") as tmp:
        ref_tree = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                        str(ref_tree), args.ref], check=True)
        try:
            trees = {"ref": ref_tree, "new": ROOT}
            for tree in trees.values():
                check_imports(tree)
            raw = measure(trees, args)
            raw["args"] = {"warmup": args.warmup, "late": args.late}
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(ref_tree)], check=False)
    rows = summarise(raw)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    print_table(rows, commit.stdout.strip())
    out = args.out or ROOT / "benchmarks" / "results" / f"speed-ab-{dt.date.today()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "ref": commit.stdout.strip(), "head": head, "args": vars(args), "rows": rows,
        "raw": raw, "machine": {"python": platform.python_version(),
                                "processor": platform.processor() or platform.machine(),
                                "cpus": os.cpu_count(), "load": os.getloadavg()},
    }, indent=1, default=str))
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
