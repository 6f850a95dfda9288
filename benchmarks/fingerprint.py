"""Fingerprints of model outputs, to prove that a speed-up changed no result.

For each case (region, ticks, seed, parameter overrides) it runs the model and prints one
sha256 over a canonical encoding of ``timeseries()``, ``exchanges_frame()``,
``deliveries_frame()``, ``assets_frame()``, ``summary()`` and the last tick's ``stats``:
column names, dtypes, index and the exact bytes of every value (floats bit for bit), so
any change in any output, in the order or number of random draws, or in a dtype changes
the hash.

Usage::

    python benchmarks/fingerprint.py                  # print "case  sha256" lines
    python benchmarks/fingerprint.py --save ref.txt   # also write them to a file
    python benchmarks/fingerprint.py --check ref.txt  # compare; exit 1 on any difference
    python benchmarks/fingerprint.py --only synthetic60000-24   # a large case, by name

The large cases (``LARGE_CASES``, a minute each) run only when named with ``--only``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys

import numpy as np
import pandas as pd

from symbiosis_abm import SymbiosisModel

# name: (region, ticks, seed, overrides)
CASES: dict[str, tuple[str, int, int, dict]] = {
    **{f"kalundborg-s{s}": ("kalundborg", 120, s, {}) for s in range(5)},
    "kalundborg-nofacilitator": ("kalundborg", 120, 0, {"facilitator": False}),
    "vastra_malardalen-240": ("vastra_malardalen", 240, 0, {}),
    "sotenas-120": ("sotenas", 120, 0, {}),
    "high_coast-120": ("high_coast", 120, 0, {}),
    "kalundborg_history-120": ("kalundborg_history", 120, 0, {}),
    "synthetic300-60": ("synthetic", 60, 3, {"n_firms": 300}),
    # most firms registry members by tick 40: the broker's remembered surpluses at scale
    "synthetic2000-80": ("synthetic", 80, 1, {
        "n_firms": 2000, "area_km": 25.0 * 10 ** 0.5, "n_parks": 40, "park_share": 0.6,
        "park_radius_km": 1.5, "region_seed": 1}),
}


# run only when named (--only): pair keys ``i * n_firms + j`` above 2**31 (from 46,341
# firms), for changes to the integer types of firms, slots and keys
LARGE_CASES: dict[str, tuple[str, int, int, dict]] = {
    "synthetic60000-24": ("synthetic", 24, 3, {
        "n_firms": 60000, "area_km": 25.0 * 300 ** 0.5, "n_parks": 1200, "park_share": 0.6,
        "park_radius_km": 1.5, "region_seed": 3}),
}


def _feed_frame(h: hashlib._Hash, name: str, frame: pd.DataFrame) -> None:
    h.update(f"frame {name} {frame.shape} {list(frame.columns)!r}".encode())
    h.update(f"index {frame.index.names!r} {frame.index.dtype}".encode())
    _feed_values(h, frame.index.to_numpy())
    for col in frame.columns:
        h.update(f"col {col!r} {frame[col].dtype}".encode())
        _feed_values(h, frame[col].to_numpy())


def _feed_values(h: hashlib._Hash, values: np.ndarray) -> None:
    if values.dtype == object:
        h.update(repr([(type(v).__name__, v) for v in values]).encode())
    else:
        h.update(np.ascontiguousarray(values).tobytes())


def fingerprint(region: str, ticks: int, seed: int, overrides: dict) -> str:
    """The sha256 of one run's outputs."""
    model = SymbiosisModel(region, rng=seed, **overrides)
    model.run(ticks)
    h = hashlib.sha256()
    _feed_frame(h, "timeseries", model.timeseries())
    _feed_frame(h, "exchanges", model.exchanges_frame())
    _feed_frame(h, "deliveries", model.deliveries_frame())
    _feed_frame(h, "assets", model.assets_frame())
    h.update(repr(model.summary()).encode())  # repr keeps types (np.float64 vs float)
    h.update(repr(model.stats).encode())      # the last tick's statistics, with their types
    return h.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", help="write the fingerprints to this file")
    parser.add_argument("--check", help="compare with fingerprints saved earlier")
    parser.add_argument("--only", help="comma-separated case names")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(CASES)
    lines = []
    for name in names:
        if name not in CASES and name not in LARGE_CASES:
            parser.error(f"--only: no case {name!r}; cases: {', '.join([*CASES, *LARGE_CASES])}")
        line = f"{name}  {fingerprint(*(CASES | LARGE_CASES)[name])}"
        print(line, flush=True)
        lines.append(line)
    if args.save:
        with open(args.save, "w") as f:
            f.write("\n".join(lines) + "\n")
    if args.check:
        with open(args.check) as f:
            saved = dict(line.split() for line in f if line.strip())
        bad = [n for n, line in zip(names, lines) if saved.get(n) != line.split()[1]]
        print("all fingerprints match" if not bad else f"CHANGED: {', '.join(bad)}")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
