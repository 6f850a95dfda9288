"""A fresh checkout's first run: compiling the kernels lazily, one after another, against
compiling them ahead on every core (``symbiosis_abm.precompile``), each in an empty cache.

usage: python benchmarks/cold_start.py [--ticks 120] [--workers N]

Three child processes, each timed from outside (wall, and the CPU of it and its
children), ``kalundborg`` seed 1:

* ``lazy``: a run in an empty numba cache, the kernels compiled as the tick meets them
  (what a first run did before ``precompile``; the library's path still);
* ``ahead``: ``precompile`` into another empty cache, then the same run;
* ``warm``: the same run again on that cache.

Prints one line per case and the ratio of ``ahead`` to ``lazy``. Nothing is written but
the two caches, in a temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUN = ("from symbiosis_abm.model import SymbiosisModel\n"
       "SymbiosisModel('kalundborg', rng=1).run({ticks})\n")
AHEAD = ("from symbiosis_abm.precompile import precompile\n"
         "precompile(workers={workers}, progress=False)\n")


def timed(code: str, cache: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the child's and its children's) of ``code`` run in a
    new interpreter with the numba cache at ``cache``."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    env.pop("NUMBA_DISABLE_JIT", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ticks", type=int, default=120)
    parser.add_argument("--workers", type=int, default=None,
                        help="precompile's processes (default: one per core)")
    args = parser.parse_args(argv)
    if args.ticks < 1 or (args.workers is not None and args.workers < 1):
        print("error: --ticks and --workers must be whole numbers >= 1", file=sys.stderr)
        return 2
    run = RUN.format(ticks=args.ticks)
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        lazy = timed(run, Path(folder) / "lazy")
        ahead_only = timed(AHEAD.format(workers=args.workers), Path(folder) / "ahead")
        then = timed(run, Path(folder) / "ahead")
        warm = timed(run, Path(folder) / "ahead")
    ahead = (ahead_only[0] + then[0], ahead_only[1] + then[1])
    print(f"kalundborg, {args.ticks} ticks, seed 1; {os.cpu_count()} cores")
    for name, (wall, cpu) in (("lazy", lazy), ("ahead", ahead), ("warm", warm)):
        print(f"  {name:6s} wall {wall:6.1f} s   CPU {cpu:6.1f} s")
    print(f"  (ahead: precompile {ahead_only[0]:.1f} s wall, then the run {then[0]:.1f} s)")
    print(f"  ahead / lazy, wall: {ahead[0] / lazy[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
