"""The model's speed against a reference revision, paired run by run in one interpreter.

``speed_ab.py`` measures each tree in its own interpreters, round by round; on a machine
that other work loads unevenly, a round of one tree may fall in a busy minute and the
other's in a quiet one. Here the reference revision's package is extracted
(``git archive``) under another name (``symbiosis_abm_ref``: the package imports itself
relatively) and imported beside the working tree's, and the two alternate run by run
(``kalundborg``: construction + 120 ticks + ``summary()``) or block by block of
``--block`` ticks (a synthetic region of N firms, sized as ``benchmarks/bench.py``: both
models run the same ticks, bit for bit, so a block is the same work in both). Each
ratio (working tree / reference, CPU time, of two pairs in turn: :func:`paired_ratios`)
sees the same load; the median of the ratios is the figure.

Why blocks: a tick of a few hundred firms reads a few megabytes of arrays, more than a
core's cache. Alternated tick by tick, each model finds its arrays evicted by the
other's, every tick: at 600 firms a tick cost about twice what it costs in a run alone
(1.1 ms against 0.6), and a change that reads fewer bytes showed a paired ratio of 0.80
that a run alone did not show (1.00, 2026-12-05). In a block only its first tick pays for
the other model. ``--block 1`` is the old tick-by-tick pairing.

It prints each tree's median and minimum and the paired ratios; it writes nothing.

Usage::

    python benchmarks/paired_ab.py --ref e31581a                 # kalundborg, 30 pairs
    python benchmarks/paired_ab.py --ref main --firms 600 --pairs 60
    python benchmarks/paired_ab.py --ref main --firms 100000 --pairs 12 --from-tick 60 --block 1
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


#: a synthetic region's warm-up run, before the measured one: its ticks meet (so compile
#: or load) the kernels of the broker, the first opportunity map (tick 24) and the
#: prices' moves, which the measured ticks would otherwise pay for
WARM_UP_TICKS = 40


def reference_package(ref: str, into: Path) -> None:
    """Extract ``src/symbiosis_abm`` of revision ``ref`` as ``into/symbiosis_abm_ref``."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "src/symbiosis_abm"],
                         capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    (into / "src" / "symbiosis_abm").rename(into / "symbiosis_abm_ref")


def synthetic(n: int) -> dict:
    """The synthetic region of ``n`` firms at constant density (as bench.py)."""
    return {"n_firms": n, "area_km": 25.0 * (n / 200) ** 0.5,
            "n_parks": max(1, round(4 * n / 200)), "park_share": 0.6,
            "park_radius_km": 1.5, "region_seed": 1}


def measure(mods: dict, firms: int | None, pairs: int, from_tick: int = 4,
            block: int = 1) -> dict[str, list[float]]:
    """CPU seconds per kalundborg run (``firms`` None) or per synthetic tick (the mean of
    each block of ``block`` ticks) from tick ``from_tick`` on, alternating the trees
    (which goes first alternates too)."""
    spent: dict[str, list[float]] = {name: [] for name in mods}
    if firms is None:
        for m in mods.values():   # warm-up: imports, compiled kernels, the shared world
            m.SymbiosisModel("kalundborg", rng=10**6).run(120)
    else:
        for m in mods.values():   # warm-up: the kernels a run meets by its first map
            m.SymbiosisModel("synthetic", rng=2, **synthetic(firms)).run(WARM_UP_TICKS)
        models = {k: m.SymbiosisModel("synthetic", rng=1, **synthetic(firms))
                  for k, m in mods.items()}
        for _ in range(from_tick):   # tick by tick, so that both see the same load
            for model in models.values():
                model.step()
    for r in range(pairs):
        for name in (("ref", "new") if r % 2 == 0 else ("new", "ref")):
            started = time.process_time()
            if firms is None:
                model = mods[name].SymbiosisModel("kalundborg", rng=r)
                model.run(120)
                model.summary()
            else:
                for _ in range(block):
                    models[name].step()
            spent[name].append((time.process_time() - started) / (block if firms else 1))
    return spent


def paired_ratios(ref: list[float], new: list[float]) -> list[float]:
    """The ratios new / ref of each two pairs in turn: in one of them each tree went
    first, in the other second, after itself (``ref, new | new, ref | ref, new``: the
    second to run in a pair found the first's arrays in the cache, the first found its
    own from the pair before), so a ratio of one pair alone is biased by its order, and
    their median, taken over ratios of either sign of that bias, lands anywhere between
    them. An odd pair left over is not counted.

    Examples
    --------
    >>> paired_ratios([1.0, 1.2, 1.0, 1.2], [1.2, 1.0, 1.2, 1.0])
    [1.0, 1.0]
    """
    return [(new[k] + new[k + 1]) / (ref[k] + ref[k + 1])
            for k in range(0, len(ref) - 1, 2)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="reference revision")
    parser.add_argument("--firms", type=int, help="a synthetic region of this many firms "
                        "(default: kalundborg runs)")
    parser.add_argument("--pairs", type=int, default=30,
                        help="pairs of runs or of blocks of ticks")
    parser.add_argument("--block", type=int, default=10, help="synthetic: ticks each tree "
                        "runs in its turn (default 10; 1: tick by tick, each tick on a "
                        "cache the other model filled)")
    parser.add_argument("--from-tick", type=int, default=4, help="synthetic: the ticks "
                        "before this one run unmeasured (default 4; a large region's "
                        "steady state, nearly every firm a member: 60)")
    args = parser.parse_args(argv)
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "-q",
                       f"{args.ref}^{{commit}}"], capture_output=True).returncode != 0:
        print(f"error: --ref: no revision {args.ref!r} in {ROOT}", file=sys.stderr)
        return 2
    if args.block < 1 or args.pairs < 4:
        print("error: --block must be at least 1 and --pairs at least 4", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="paired-ab-") as tmp:
        reference_package(args.ref, Path(tmp))
        sys.path[:0] = [str(ROOT / "src"), tmp]
        import symbiosis_abm_ref as ref

        import symbiosis_abm as new
        if not new.__file__.startswith(str(ROOT / "src")):
            raise RuntimeError(f"the working tree's package came from {new.__file__}")
        spent = measure({"ref": ref, "new": new}, args.firms, args.pairs, args.from_tick,
                        args.block)
    last = args.from_tick + args.pairs * args.block - 1
    what = ("kalundborg run, 120 ticks" if args.firms is None
            else f"{args.firms} firms, ticks {args.from_tick}-{last} "
                 f"(blocks of {args.block}, per tick)")
    print(f"{what} (CPU ms), {args.pairs} pairs, reference {args.ref}:")
    for name, values in spent.items():
        print(f"  {name}: median {1e3 * statistics.median(values):.2f}, "
              f"minimum {1e3 * min(values):.2f}")
    ratios = paired_ratios(spent["ref"], spent["new"])
    print(f"  paired ratio new/ref: median {statistics.median(ratios):.3f}, quartiles "
          f"{statistics.quantiles(ratios, n=4)[0]:.3f}-{statistics.quantiles(ratios, n=4)[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
