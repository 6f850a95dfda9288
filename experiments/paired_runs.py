"""Shared engine of the paired-seed checks of issue 18 (tick_length.py, stranded_capex.py,
cofunding_failures.py): run arms x regions x seeds in a process pool, one row of outcome
measures per run, and the paired difference between two arms with its 95% CI.

A run is a pure function of (region, parameters, seed); the arms of a seed share the seed
(and so, on the synthetic region, the drawn region and every random stream).
"""

from __future__ import annotations

import argparse
import inspect
import time
from collections.abc import Callable, Iterator
from concurrent.futures import as_completed
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.reporting import code_version
from symbiosis_abm.sweep.experiment import SMOKE_BANNER, process_pool

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def cofunding_probe() -> Iterator[dict[str, int] | None]:
    """While open, count the deals that fail at allocation for want of co-funding although
    they were viable without it: volume granted, both sides gaining and the receiver able
    to fund its capex, all at zero co-funding.

    The model has no public counter of this yet. At allocation (the only place a concluded
    deal can lose its co-funding) the model's public rule
    :func:`symbiosis_abm.contracts.allocation_reasons` receives, per deal, the granted
    volume, whether both sides gain and whether the receiver can pay, evaluated at the
    co-funding the deal gets now (zero for one that lost it), and whether it got the
    co-funding it counted on. The probe wraps it for the run (same results: it only
    reads). Talks failing earlier with "no co-funding" fail because the deal has no
    surplus without it, so they are not viable. Yields None where the rule is gone or
    takes other arguments (the model changed: use its own counter).
    """
    from symbiosis_abm import allocation

    original = getattr(allocation, "allocation_reasons", None)
    names = ("granted", "gains_ok", "affordable", "funded")
    if original is None or tuple(inspect.signature(original).parameters) != names:
        yield None
        return
    seen = {"no_cofunding": 0, "viable_without": 0}

    def wrapped(granted, gains_ok, affordable, funded):
        reasons = original(granted, gains_ok, affordable, funded)
        lost = reasons == "no co-funding"
        seen["no_cofunding"] += int(lost.sum())
        seen["viable_without"] += int((lost & (granted > 0) & gains_ok & affordable).sum())
        return reasons

    allocation.allocation_reasons = wrapped
    try:
        yield seen
    finally:
        allocation.allocation_reasons = original


def run_one(region: str, arm: str, params: dict[str, Any], seed: int, months: int,
            probe: bool = False) -> dict[str, Any]:
    """One run's outcome measures (a pure function of its inputs; only ``seconds``
    varies)."""
    started = time.perf_counter()
    model = SymbiosisModel(region, rng=seed, **params)
    ticks = int(round(months / model.params.tick_months))
    with cofunding_probe() if probe else nullcontext() as seen:
        model.run(ticks)
    s, assets = model.summary(), model.assets_frame()
    row = {"region": region, "arm": arm, "seed": seed, "months": months, "ticks": ticks,
           "active_exchanges": s["active_exchanges"],
           "diverted_t": s["materials_diverted_t_total"],
           "savings_meur": s["firm_net_savings_eur"] / 1e6,
           "gross_gains_meur": float(np.sum(model.firm_savings)) / 1e6,
           "stranded_meur": s["stranded_capex_eur"] / 1e6,
           "capex_meur": float(assets["capex_eur"].sum()) / 1e6,
           "pipes_built": int((assets["mode"] == "pipe").sum()),
           "exchanges_started": s["exchanges_started"],
           "cofunding_grants": int((assets["public_eur"] > 0).sum()),
           "failed_no_cofunding": int(s["failure_reasons"].get("no co-funding", 0)),
           "model_viable_without": int(model.counts.get("no co-funding while viable alone",
                                                        0)),
           "seconds": time.perf_counter() - started}
    gains = row["gross_gains_meur"]
    row["stranded_share_pct"] = 100 * row["stranded_meur"] / gains if gains > 0 else np.nan
    if seen is not None:
        row["probe_allocation_no_cofunding"] = seen["no_cofunding"]
        row["probe_viable_without"] = seen["viable_without"]
    return row


def run_all(design: list[tuple[str, str, dict[str, Any], int]], months: int, workers: int,
            desc: str, probe: bool = False) -> pd.DataFrame:
    """Every (region, arm, params, seed) of ``design``, in a pool of ``workers``."""
    rows = []
    with process_pool(workers) as pool:
        futures = [pool.submit(run_one, region, arm, params, seed, months, probe)
                   for region, arm, params, seed in design]
        for future in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="run"):
            rows.append(future.result())
    return pd.DataFrame(rows).sort_values(["region", "arm", "seed"]).reset_index(drop=True)


def run_and_report(name: str, design: list[tuple[str, str, dict[str, Any], int]],
                   args: argparse.Namespace, report: Callable[..., str],
                   probe: bool = False) -> int:
    """Run ``design``, keep its rows (``OUT/NAME_runs.parquet``), write and print the
    report ``report(frame, args, seconds)`` (``OUT/NAME.md``); the exit code."""
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    frame = run_all(design, args.months, args.workers, name, probe=probe)
    seconds = time.perf_counter() - started
    frame.to_parquet(args.out / f"{name}_runs.parquet")
    text = report(frame, args, seconds)
    (args.out / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"wrote {args.out / f'{name}.md'}")
    return 0


def paired(frame: pd.DataFrame, region: str, base: str, other: str, column: str,
           confidence: float = 0.95) -> dict[str, float]:
    """Means of ``column`` under arms ``base`` and ``other``, the mean paired difference
    (other - base) with its t interval, and the same relative to the base mean (%).

    The relative interval divides the difference's interval by the base mean (taken as
    known), so it is as wide, relatively, as the absolute one.

    Examples
    --------
    >>> f = pd.DataFrame({"region": "r", "arm": ["a"] * 3 + ["b"] * 3,
    ...                   "seed": [0, 1, 2] * 2, "x": [10.0, 20, 30, 11, 22, 30]})
    >>> p = paired(f, "r", "a", "b", "x")
    >>> p["base"], p["diff"], round(p["rel_pct"], 2)
    (20.0, 1.0, 5.0)
    """
    sub = frame[frame["region"] == region].pivot(index="seed", columns="arm", values=column)
    sub = sub[[base, other]].dropna()
    d = (sub[other] - sub[base]).to_numpy(dtype=float)
    mean_base = float(sub[base].mean())
    if len(d) > 1 and d.std() > 0:
        low, high = stats.t.interval(confidence, len(d) - 1, loc=d.mean(),
                                     scale=stats.sem(d))
    else:
        low = high = float(d.mean()) if len(d) else np.nan
    scale = 100 / mean_base if mean_base else np.nan
    return {"n": len(d), "base": mean_base, "other": float(sub[other].mean()),
            "diff": float(d.mean()) if len(d) else np.nan, "low": float(low),
            "high": float(high), "rel_pct": float(d.mean()) * scale if len(d) else np.nan,
            "rel_low": float(low) * scale, "rel_high": float(high) * scale}


def fmt(value: float) -> str:
    """A number for a table: 3 significant digits, '-' for NaN."""
    if not np.isfinite(value):
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def paired_table(frame: pd.DataFrame, regions: tuple[str, ...], base: str, other: str,
                 measures: tuple[tuple[str, str], ...]) -> list[str]:
    """A markdown table: per region and measure, both means, the paired difference
    (other - base) with its 95% CI, absolute and relative."""
    lines = [f"| region | measure | {base} | {other} | difference [95% CI] | "
             "relative, % [95% CI] | seeds |", "|---|---|---:|---:|---|---|---:|"]
    for region in regions:
        for column, label in measures:
            p = paired(frame, region, base, other, column)
            lines.append(f"| {region} | {label} | {fmt(p['base'])} | {fmt(p['other'])} | "
                         f"{fmt(p['diff'])} [{fmt(p['low'])}, {fmt(p['high'])}] | "
                         f"{p['rel_pct']:+.1f} [{p['rel_low']:+.1f}, {p['rel_high']:+.1f}] "
                         f"| {p['n']} |")
    return lines


def add_arguments(parser: argparse.ArgumentParser, name: str, months: int,
                  quick: tuple[int, int]) -> None:
    """The options of every paired check: seeds, months, workers, out, quick."""
    parser.add_argument("--seeds", type=int, default=20, help="paired seeds per region")
    parser.add_argument("--months", type=int, default=months, help="months per run")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"output folder (default runs/{name}, with --quick "
                             f"runs/{name}-quick)")
    parser.add_argument("--quick", action="store_true",
                        help=f"smoke test: {quick[0]} seeds x {quick[1]} months")
    parser.set_defaults(name=name, quick_size=quick)


def finish_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace
                     ) -> argparse.Namespace:
    if args.quick:
        args.seeds, args.months = args.quick_size
    if args.seeds < 1 or args.months < 1:
        parser.error("--seeds and --months must be at least 1")
    if args.out is None:
        args.out = ROOT / "runs" / (args.name + ("-quick" if args.quick else ""))
    return args


def header(title: str, command: str, args: argparse.Namespace, seconds: float) -> list[str]:
    """The report's first lines: the smoke banner under --quick, title, provenance."""
    quick = " --quick" if args.quick else ""
    lines = [SMOKE_BANNER, ""] if args.quick else []
    return lines + [f"# {title}", "",
                    f"Generated by `python experiments/{command}{quick} --seeds {args.seeds} "
                    f"--months {args.months}` (code {code_version(ROOT)}; {seconds:.0f} s "
                    "of runs).", ""]
