"""Scenario discovery: which parameter region makes an outcome happen (PRIM and CART).

``symbiosis-abm analyze DIR --discover "active_exchanges>=10"`` turns a metric into a
binary outcome (a run meets the condition or not) and asks, per region and arm, which
box of the varied parameters (``[vary]`` lists with several values and ``[ranges]``)
holds the runs that meet it: PRIM (``ema_workbench.analysis.prim``, the last box of the
peeling trajectory, with its coverage, density and mass) and CART
(``ema_workbench.analysis.cart``, every leaf box with its statistics). A box's
*coverage* is the share of the runs meeting the condition that lie in it, its *density*
the share of the runs in it that meet it.

Examples
--------
>>> parse_condition("active_exchanges >= 10")
('active_exchanges', '>=', 10.0)
"""

from __future__ import annotations

import operator
import re
import warnings
from pathlib import Path

import pandas as pd

from ..errors import SymbiosisInputError
from .results import SweepResults

__all__ = ["parse_condition", "discover"]

_OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
_CONDITION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*(-?[0-9.eE+-]+)\s*$")


def parse_condition(text: str) -> tuple[str, str, float]:
    """``METRIC OP NUMBER`` with OP one of >=, <=, >, <."""
    match = _CONDITION.match(text)
    if not match:
        raise SymbiosisInputError(f"--discover {text!r}: write METRIC>=NUMBER (or <=, >, <), "
                                  "e.g. active_exchanges>=10")
    try:
        return match[1], match[2], float(match[3])
    except ValueError:
        raise SymbiosisInputError(f"--discover {text!r}: {match[3]!r} is not a number") \
            from None


def discover(results: SweepResults, condition: str, out: Path) -> tuple[list[Path], list[str]]:
    """Write ``discovery_prim.csv`` and ``discovery_cart.csv``; return them and the lines
    to print."""
    metric, op, value = parse_condition(condition)
    if metric not in results.metrics:
        raise SymbiosisInputError(f"--discover: {metric!r} is not a metric of "
                                  f"{results.root}; choose from {', '.join(results.metrics)}")
    spec = results.spec
    names = [n for n in [*spec.vary, *spec.ranges]
             if n in results.summary and results.summary[n].nunique() > 1]
    if not names:
        raise SymbiosisInputError(f"--discover: {results.root} varies no parameter; "
                                  "scenario discovery needs [vary] lists or [ranges]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import cart, prim
    prim_rows, cart_frames, lines = [], [], []
    for (region, arm), group in results.summary.groupby(["region", "arm"], sort=True):
        x = group[names].astype(float).reset_index(drop=True)
        y = _OPS[op](group[metric].to_numpy(dtype=float), value)
        head = f"discovery {region}/{arm}, {condition}: {int(y.sum())} of {len(y)} runs"
        if y.all() or not y.any():
            lines.append(f"{head}; nothing to discover (all or none meet it)")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = prim.Prim(x, y, peel_alpha=0.05).find_box()
            tree = cart.CART(x, y, mass_min=0.05)
            tree.build_tree()
        limits = box.box_lims[-1]
        stats = {k: float(v) for k, v in box.stats.items()}   # the current (last) box
        for name in names:
            prim_rows.append({"region": region, "arm": arm, "condition": condition,
                              "parameter": name, "low": float(limits[name].iloc[0]),
                              "high": float(limits[name].iloc[1]),
                              "restricted": bool(limits[name].iloc[0] > x[name].min()
                                                 or limits[name].iloc[1] < x[name].max()),
                              **stats})
        shown = [f"{n} in [{limits[n].iloc[0]:.4g}, {limits[n].iloc[1]:.4g}]" for n in names
                 if limits[n].iloc[0] > x[n].min() or limits[n].iloc[1] < x[n].max()]
        lines.append(f"{head}; PRIM box {', '.join(shown) or '(whole space)'}: coverage "
                     f"{stats['coverage']:.2f}, density {stats['density']:.2f}, mass "
                     f"{stats['mass']:.2f}")
        frame = tree.stats_to_dataframe().reset_index(names="box")
        cart_frames.append(frame.assign(region=region, arm=arm, condition=condition))
    written = []
    if prim_rows:
        written.append(out / "discovery_prim.csv")
        pd.DataFrame(prim_rows).to_csv(written[-1], index=False)
    if cart_frames:
        written.append(out / "discovery_cart.csv")
        pd.concat(cart_frames, ignore_index=True).to_csv(written[-1], index=False)
    return written, lines
