"""CPU time per kalundborg tick of the deal path's phases, against a reference revision,
paired run by run in one interpreter (as ``paired_ab.py``).

Each tree's phase methods (4-5 search, 6 negotiate, 7 allocate, the pricing they share and
the whole step) are wrapped with CPU timers; the trees alternate run by run (120 ticks),
so a pair sees the same load. It prints, per phase, each tree's median CPU microseconds
per tick and the median of the paired ratios (working tree / reference); it writes
nothing. A phase's time includes what it calls (``_search`` includes ``open_edges``).

Usage::

    python benchmarks/paired_phases.py --ref 0f13140 --pairs 20
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import tempfile
import time
from pathlib import Path

from paired_ab import reference_package

PHASES = ("_search", "_negotiate", "_allocate", "expected_terms", "step")


def timed(spent: collections.Counter, name: str, method):
    """``method`` that adds its CPU nanoseconds to ``spent[name]``."""
    def wrapper(*args, **kwargs):
        started = time.process_time_ns()
        try:
            return method(*args, **kwargs)
        finally:
            spent[name] += time.process_time_ns() - started
    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="reference revision")
    parser.add_argument("--pairs", type=int, default=20, help="runs of each tree")
    args = parser.parse_args(argv)
    into = Path(tempfile.mkdtemp())
    reference_package(args.ref, into)
    sys.path.insert(0, str(into))
    import symbiosis_abm_ref

    import symbiosis_abm

    mods = {"ref": symbiosis_abm_ref, "new": symbiosis_abm}
    spent = {name: collections.Counter() for name in mods}
    per_tick = {name: collections.defaultdict(list) for name in mods}
    for name, mod in mods.items():
        cls = mod.SymbiosisModel
        for phase in PHASES:
            setattr(cls, phase, timed(spent[name], phase, getattr(cls, phase)))
        cls("kalundborg", rng=10**6).run(120)   # warm-up: imports, kernels, the world
    for r in range(args.pairs):
        for name in (("ref", "new") if r % 2 == 0 else ("new", "ref")):
            spent[name].clear()
            mods[name].SymbiosisModel("kalundborg", rng=r).run(120)
            for phase in PHASES:
                per_tick[name][phase].append(spent[name][phase] / 120 / 1e3)
    print(f"kalundborg, CPU us per tick, {args.pairs} pairs, reference {args.ref}:")
    for phase in PHASES:
        ref, new = per_tick["ref"][phase], per_tick["new"][phase]
        ratio = statistics.median(b / a for a, b in zip(ref, new) if a > 0)
        print(f"  {phase:15s} ref {statistics.median(ref):7.1f}  new {statistics.median(new):7.1f}"
              f"  paired ratio {ratio:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
