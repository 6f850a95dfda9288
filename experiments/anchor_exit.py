"""Experiment ``anchor_exit``: what happens to a network when its anchor firm closes?

For each region of ``experiments/anchor_exit.toml`` the script finds the anchor: the firm
with the most candidate links (as supplier or receiver) in the model's world, the hub
around which a network like Kalundborg's grew. It writes a copy of the region file in
which the anchor closes at month ``[anchor] exit_tick`` (``closes_at_tick``), then runs
the original ("anchor_stays", the reference) and the copy ("anchor_exits") on the same
seeds, so the two versions pair by replicate. The copies and the generated spec go to
``OUT/inputs/regions`` and ``OUT/inputs/spec.toml``, inside the results folder.

Measures: active exchanges and firms in an active exchange at the end, materials
diverted, and ``others_exchanges``: active exchanges at the end that do not involve the
anchor (do the other firms' links survive their hub's exit?).

Usage::

    symbiosis-abm experiment anchor_exit [--quick]
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from symbiosis_abm.sweep.findings import Design, experiment_parser, fmt, run_standard
from symbiosis_abm.sweep.results import SweepResults

ROOT = Path(__file__).resolve().parents[1]
SPEC = Path(__file__).with_suffix(".toml")
ARMS = ("anchor_stays", "anchor_exits")


def anchor_of(region: str) -> str:
    """Id of the firm with the most candidate links in ``region`` (ties: first firm)."""
    from symbiosis_abm.model import SymbiosisModel

    return anchor_of_world(SymbiosisModel(region, rng=0).world)


def with_exit(text: str, firm: str, tick: int) -> str:
    """The region file's text with ``closes_at_tick = tick`` added to ``firm``.

    Examples
    --------
    >>> print(with_exit('[[firms]]\\nid = "a"\\nname = "A"\\n', "a", 36))
    [[firms]]
    id = "a"
    closes_at_tick = 36
    name = "A"
    <BLANKLINE>
    """
    line = re.compile(rf'^id\s*=\s*"{re.escape(firm)}"\s*$', re.M)
    found = line.search(text)
    if found is None:
        raise ValueError(f"firm {firm!r} not found in the region file")
    return text[:found.end()] + f"\ncloses_at_tick = {tick}" + text[found.end():]


def variant_spec(out: Path) -> Path:
    """Write the anchor-exit copies of the spec's regions and a spec running both."""
    from symbiosis_abm.precompile import ensure_precompiled
    from symbiosis_abm.region import bundled_regions

    # the kernels compiled on every core first: finding each anchor builds a model, which
    # would compile the few kernels it calls one by one (a fresh checkout's 5 s)
    ensure_precompiled()
    data = tomllib.loads(SPEC.read_text(encoding="utf-8"))
    tick = int(data.pop("anchor")["exit_tick"])
    folder = out / "regions"
    folder.mkdir(parents=True, exist_ok=True)
    regions = []
    for name in data["sweep"]["regions"]:
        text = bundled_regions()[name].read_text(encoding="utf-8")
        copy = folder / f"{name}__anchor_exits.toml"
        copy.write_text(with_exit(text, anchor_of(name), tick), encoding="utf-8")
        regions += [name, str(copy.resolve())]
    data["sweep"]["regions"] = regions
    data["outputs"]["collect"] = f"{Path(__file__).resolve()}:measures"
    spec = out / "spec.toml"
    spec.write_text(_toml(data), encoding="utf-8")
    return spec


def _toml(data: dict) -> str:
    """A two-level dict of scalars and lists as TOML (enough for a sweep spec)."""
    import json

    lines = []
    for table, values in data.items():
        lines.append(f"[{table}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
        lines.append("")
    return "\n".join(lines)


def measures(model: Any) -> dict[str, float]:
    """Collect hook: active exchanges at the end that do not involve the anchor."""
    ex = model.exchanges
    anchor = model.world.firm_ids.index(anchor_of_world(model.world))
    live = ex["active"] & (ex["supplier"] != anchor) & (ex["receiver"] != anchor)
    return {"others_exchanges": int(live.sum())}


def anchor_of_world(w: Any) -> str:
    """Id of the firm with the most candidate links in the world ``w``."""
    links = (np.bincount(w.edge_supplier, minlength=w.n_firms)
             + np.bincount(w.edge_receiver, minlength=w.n_firms))
    return w.firm_ids[int(np.argmax(links))]


def relabel(summary: pd.DataFrame, ts: pd.DataFrame):
    """Region copies become the arm ``anchor_exits`` of their original region."""
    def split(frame: pd.DataFrame) -> pd.DataFrame:
        exits = frame["region"].str.endswith("__anchor_exits.toml")
        base = frame["region"].where(~exits, frame["region"].map(
            lambda r: Path(r).name.removesuffix("__anchor_exits.toml")))
        return frame.assign(region=base, arm=np.where(exits, ARMS[1], ARMS[0]))
    return split(summary), split(ts), list(ARMS)


def notes(results: SweepResults, effects: pd.DataFrame) -> list[str]:
    out = ["## What it shows", ""]
    for region, group in effects.groupby("region", sort=False):
        g = group.set_index("metric")
        a, o = g.loc["active_exchanges"], g.loc["others_exchanges"]
        out.append(f"- {region} (anchor `{anchor_of(region)}`): active exchanges at the "
                   f"end {fmt(a.mean_diff)} [{fmt(a.ci_low)}, {fmt(a.ci_high)}] of "
                   f"{fmt(a.mean_reference)}; exchanges not involving the anchor "
                   f"{fmt(o.mean_diff)} [{fmt(o.ci_low)}, {fmt(o.ci_high)}] of "
                   f"{fmt(o.mean_reference)} ({o.verdict}).")
    return out


DESIGN = Design(
    name="anchor_exit", spec=SPEC, title="the anchor firm closes",
    question=("Industrial symbiosis networks often grow around one large firm (a power "
              "station, a refinery). If it closes, does the rest of the network hold?"),
    primary="others_exchanges",
    metrics=("active_exchanges", "participating_firms", "materials_diverted_t_total",
             "others_exchanges"),
    series=("active_exchanges", "participating_firms"), notes=notes, relabel=relabel)


def main(argv: list[str] | None = None) -> int:
    args = experiment_parser(DESIGN, ROOT).parse_args(argv)
    out = args.out or Path(args.default_out + ("-quick" if args.quick else ""))
    inputs = out / "inputs"   # (a command writes only under its --out)
    spec = variant_spec(inputs) if not args.report_only else inputs / "spec.toml"
    argv = list(argv or [])
    if "--out" not in argv:
        argv += ["--out", str(out)]
    return run_standard(replace(DESIGN, spec=spec), argv, ROOT)


if __name__ == "__main__":
    sys.exit(main())
