"""The model's speed against a reference revision, paired run by run in one interpreter.

``speed_ab.py`` measures each tree in its own interpreters, round by round; on a machine
that other work loads unevenly, a round of one tree may fall in a busy minute and the
other's in a quiet one. Here the reference revision's package is extracted
(``git archive``) under another name (``symbiosis_abm_ref``: the package imports itself
relatively) and imported beside the working tree's, and the two alternate run by run
(``kalundborg``: construction + 120 ticks + ``summary()``) or tick by tick (a synthetic
region of N firms, sized as ``benchmarks/bench.py``: both models run the same ticks, bit
for bit, so tick t is the same work in both). Each pair's ratio (working tree /
reference, CPU time) sees the same load; the median of the ratios is the figure.

It prints each tree's median and minimum and the paired ratios; it writes nothing.

Usage::

    python benchmarks/paired_ab.py --ref e31581a                 # kalundborg, 30 pairs
    python benchmarks/paired_ab.py --ref main --firms 600 --pairs 60
    python benchmarks/paired_ab.py --ref main --firms 100000 --pairs 12 --from-tick 60
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


def measure(mods: dict, firms: int | None, pairs: int,
            from_tick: int = 4) -> dict[str, list[float]]:
    """CPU seconds per kalundborg run (``firms`` None) or per synthetic tick from tick
    ``from_tick`` on, alternating the trees (which goes first alternates too)."""
    spent: dict[str, list[float]] = {name: [] for name in mods}
    if firms is None:
        for m in mods.values():   # warm-up: imports, compiled kernels, the shared world
            m.SymbiosisModel("kalundborg", rng=10**6).run(120)
    else:
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
                models[name].step()
            spent[name].append(time.process_time() - started)
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="reference revision")
    parser.add_argument("--firms", type=int, help="a synthetic region of this many firms "
                        "(default: kalundborg runs)")
    parser.add_argument("--pairs", type=int, default=30, help="pairs of runs or ticks")
    parser.add_argument("--from-tick", type=int, default=4, help="synthetic: the ticks "
                        "before this one run unmeasured (default 4; a large region's "
                        "steady state, nearly every firm a member: 60)")
    args = parser.parse_args(argv)
    if subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", "-q",
                       f"{args.ref}^{{commit}}"], capture_output=True).returncode != 0:
        print(f"error: --ref: no revision {args.ref!r} in {ROOT}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="paired-ab-") as tmp:
        reference_package(args.ref, Path(tmp))
        sys.path[:0] = [str(ROOT / "src"), tmp]
        import symbiosis_abm_ref as ref

        import symbiosis_abm as new
        if not new.__file__.startswith(str(ROOT / "src")):
            raise RuntimeError(f"the working tree's package came from {new.__file__}")
        spent = measure({"ref": ref, "new": new}, args.firms, args.pairs, args.from_tick)
    what = ("kalundborg run, 120 ticks" if args.firms is None
            else f"{args.firms} firms, ticks {args.from_tick}-{args.from_tick + args.pairs - 1}")
    print(f"{what} (CPU ms), {args.pairs} pairs, reference {args.ref}:")
    for name, values in spent.items():
        print(f"  {name}: median {1e3 * statistics.median(values):.2f}, "
              f"minimum {1e3 * min(values):.2f}")
    ratios = [b / a for a, b in zip(spent["ref"], spent["new"])]
    print(f"  paired ratio new/ref: median {statistics.median(ratios):.3f}, quartiles "
          f"{statistics.quantiles(ratios, n=4)[0]:.3f}-{statistics.quantiles(ratios, n=4)[2]:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
