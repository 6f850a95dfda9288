"""Per-run CPU of a region against the same region at another git revision, alternating.

A run is construction + ``run(ticks)`` + ``summary()``, timed with ``time.process_time``
in a fresh interpreter. The base revision's ``src`` is exported with ``git archive`` to a
temporary folder; a first, untimed round of each compiles the kernels its tree's cache
lacks (the exported tree's cache starts empty: a kernel first needed in a timed run would
add seconds to it); then rounds alternate base and working tree (each round: one warm-up
run, then ``--per-round`` timed runs of different seeds), so a shared machine's load falls
on both alike. Prints the mean per-run CPU of each and their ratio.

Usage::

    python benchmarks/run_cpu_ab.py --base main --rounds 20          # 100 runs each
    python benchmarks/run_cpu_ab.py --base 9d7b3a2 --region kalundborg --ticks 120
    python benchmarks/run_cpu_ab.py --base 14b8822 --firms 600 --ticks 25

``--firms N``: the synthetic region of N firms sized as ``benchmarks/bench.py`` sizes it
(``region_overrides``), with one ``region_seed`` (1): every run of it shares one world,
as a sweep's runs of a region do.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import region_overrides  # noqa: E402  (benchmarks/ is not a package)

CHILD = """
import json, sys, time
from symbiosis_abm import SymbiosisModel
region, ticks, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
overrides = json.loads(sys.argv[5])
SymbiosisModel(region, rng=10**6, **overrides).run(ticks)   # warm-up: imports, world, caches
spent = []
for seed in range(first, first + count):
    started = time.process_time()
    model = SymbiosisModel(region, rng=seed, **overrides)
    model.run(ticks)
    model.summary()
    spent.append(time.process_time() - started)
print(sum(spent) / len(spent))
"""


def export_src(revision: str, into: Path) -> Path:
    """``src`` of ``revision`` written under ``into``; returns the folder to import from."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def per_run_cpu(src: Path, region: str, ticks: int, first: int, count: int,
                overrides: dict) -> float:
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run([sys.executable, "-c", CHILD, region, str(ticks), str(first),
                          str(count), json.dumps(overrides)], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--region", default="kalundborg")
    parser.add_argument("--firms", type=int, default=None,
                        help="a synthetic region of this many firms (instead of --region)")
    parser.add_argument("--ticks", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=5)
    args = parser.parse_args()
    overrides = {}
    if args.firms is not None:
        if args.firms < 2:
            parser.error(f"--firms: at least 2 firms, not {args.firms}")
        args.region = "synthetic"
        overrides = {**region_overrides(args.firms), "region_seed": 1}
    spent: dict[str, list[float]] = {"base": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        sources = {"base": export_src(args.base, Path(tmp)), "new": ROOT / "src"}
        for tag in ("base", "new"):   # untimed: the exported tree's kernels compile
            per_run_cpu(sources[tag], args.region, args.ticks, 0, args.per_round, overrides)
        for i in range(args.rounds):
            for tag in ("base", "new"):
                spent[tag].append(per_run_cpu(sources[tag], args.region, args.ticks,
                                              i * args.per_round, args.per_round, overrides))
    base, new = statistics.mean(spent["base"]), statistics.mean(spent["new"])
    runs = args.rounds * args.per_round
    name = args.region if args.firms is None else f"synthetic, {args.firms} firms"
    print(f"{name} x {args.ticks} ticks, {runs} runs each: base ({args.base}) "
          f"{base * 1e3:.1f} ms/run, working tree {new * 1e3:.1f} ms/run, "
          f"ratio {new / base:.3f}")
    # a round's mean can hold a one-off (a kernel loaded, a busy second): the rounds'
    # medians too
    base, new = statistics.median(spent["base"]), statistics.median(spent["new"])
    print(f"medians of the {args.rounds} rounds' means: base {base * 1e3:.1f} ms/run, "
          f"working tree {new * 1e3:.1f} ms/run, ratio {new / base:.3f}")


if __name__ == "__main__":
    main()
