"""Command line: ``symbiosis-abm COMMAND ...`` with the commands run, precompile, params,
regions, resources, validate, opportunities and compare-links.

Bad input (a region file, a ``--set`` value, an unknown region) is reported as one line per
problem on stderr with exit code 2 and no traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from .calibration.cli import register as register_calibrate
from .cli_dashboard import register as register_dashboard
from .cli_experiment import register as register_experiment
from .errors import ParameterError, SymbiosisInputError
from .sweep.cli import register_commands as register_sweep_commands

__all__ = ["main"]

EXIT_BAD_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``symbiosis-abm`` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return args.handler(args) or 0
    except SymbiosisInputError as exc:
        for line in exc.problems:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: stop quietly, as Unix tools do.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbiosis-abm",
        description="Agent-based model of how industrial symbiosis networks emerge.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="simulate a region and write its outputs")
    run.add_argument("region", help="bundled region name, 'synthetic', or a region TOML file")
    run.add_argument("--steps", type=int, default=120, help="ticks to simulate (default 120)")
    run.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="NAME=VALUE", help="override a parameter (repeatable)")
    run.add_argument("--no-facilitator", action="store_true",
                     help="run without any facilitator")
    run.add_argument("--out", type=Path, default=None,
                     help="folder for timeseries.parquet, exchanges.parquet, summary.json, "
                          "network.graphml")
    run.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                     help="draw the estimated parameters from a calibration's "
                          "posterior.parquet (with a stream of --seed); --set wins")
    run.set_defaults(handler=_run)

    pre = sub.add_parser("precompile",
                         help="compile the model's kernels (and write its bytecode) ahead, "
                              "on every core (the first command that runs the model does "
                              "it by itself)")
    pre.add_argument("--workers", type=int, default=None,
                     help="processes compiling at once (default: one per core)")
    pre.set_defaults(handler=_precompile)

    params = sub.add_parser("params", help="list every parameter with default, unit, meaning")
    params.add_argument("--group", help="only this group (time, economics, search, ...)")
    params.add_argument("--markdown", action="store_true",
                        help="print the Markdown of docs/parameters.md")
    params.set_defaults(handler=_params)

    regions = sub.add_parser("regions", help="list the bundled regions")
    regions.set_defaults(handler=_regions)

    res = sub.add_parser("resources", help="list the resource catalogue")
    res.set_defaults(handler=_resources)

    validate = sub.add_parser("validate", help="check a region file and report all problems")
    validate.add_argument("file", help="region TOML file")
    validate.add_argument("--provenance", action="store_true",
                          help="also require a source or assumption for every number "
                               "and flag equal stream/need volumes without their own sources "
                               "(the rules bundled files follow, docs/provenance.md); "
                               "reports the counts of sourced and assumed values and the "
                               "region's candidate, viable and documented links")
    validate.add_argument("--observed", type=Path, default=None, metavar="OBSERVED.csv",
                          help="with --provenance: the region's documented links (columns "
                               "supplier, receiver, resource); default "
                               "docs/validation/<region>_observed_links.csv if it exists")
    validate.set_defaults(handler=_validate)

    cmp = sub.add_parser("compare-links",
                         help="compare the links that emerged in a run with observed links")
    cmp.add_argument("run_dir", type=Path, metavar="RUN_DIR",
                     help="folder written by 'run --out' (reads exchanges.parquet)")
    cmp.add_argument("observed", type=Path, metavar="OBSERVED.csv",
                     help="CSV with columns supplier, receiver, resource (firm ids of the region)")
    cmp.add_argument("--active-only", action="store_true",
                     help="count only exchanges active at the end of the run (default: every "
                          "link that ever formed)")
    cmp.add_argument("--csv", type=Path, default=None, metavar="FILE.csv",
                     help="write every link with its status (matched, missing, unexpected)")
    cmp.set_defaults(handler=_compare_links)

    opp = sub.add_parser("opportunities",
                         help="list every feasible exchange of a region before any dynamics")
    opp.add_argument("region", help="bundled region name, 'synthetic', or a region TOML file")
    opp.add_argument("--top", type=int, default=None, metavar="N",
                     help="print only the N best (the CSV always has all)")
    opp.add_argument("--out", type=Path, default=None, metavar="FILE.csv",
                     help="write the full table as CSV")
    opp.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="NAME=VALUE", help="override a parameter (repeatable)")
    opp.set_defaults(handler=_opportunities)
    register_dashboard(sub)
    register_sweep_commands(sub)
    register_experiment(sub)
    register_calibrate(sub)
    return parser


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """``["n_firms=2000", "broker=false"]`` -> typed overrides.

    Every bad pair is reported (one line each, naming the ``--set`` and what is allowed)
    in one :class:`~.errors.ParameterError`.

    Examples
    --------
    >>> parse_overrides(["n_firms=50", "broker=false"])
    {'n_firms': 50, 'broker': False}
    >>> try:
    ...     parse_overrides(["bargaining_power=1.5", "n_firm=3"])
    ... except ParameterError as exc:
    ...     print(exc)
    --set bargaining_power=1.5: 1.5 is out of range; allowed >= 0 and <= 1
    --set n_firm: no such parameter (did you mean 'n_firms'?); see 'symbiosis-abm params'
    """
    from .params import Parameters, coerce

    values: dict[str, Any] = {}
    texts: dict[str, str] = {}
    problems: list[str] = []
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(f"--set {pair}: expected NAME=VALUE, e.g. --set broker=false")
            continue
        try:
            value = coerce(name, text)
            Parameters().replace(**{name: value})
        except SymbiosisInputError as exc:
            problems.extend(_set_message(p, name, text) for p in exc.problems)
            continue
        values[name], texts[name] = value, text
    if not problems:  # values fine alone but not together (end tick before start tick)
        try:
            Parameters().replace(**values)
        except SymbiosisInputError as exc:
            for p in exc.problems:
                name = p.split("'")[1] if p.startswith("parameter '") else ""
                problems.append(_set_message(p, name, texts.get(name, "")))
    if problems:
        raise ParameterError(problems)
    return values


def _set_message(problem: str, name: str, text: str) -> str:
    """``--set NAME=VALUE: what is wrong`` from a parameter message."""
    if problem.startswith("--set"):  # already phrased by coerce()
        return problem + ("; see 'symbiosis-abm params'" if "no such" in problem else "")
    return f"--set {name}={text}: {problem.removeprefix(f'parameter {name!r}: ')}"


def _run(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise SymbiosisInputError(f"--steps {args.steps}: must be a whole number >= 1")
    if args.seed < 0:
        raise SymbiosisInputError(f"--seed {args.seed}: must be a whole number >= 0")
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        raise SymbiosisInputError(f"--out {args.out}: exists and is not a folder")
    overrides = parse_overrides(args.overrides)
    if args.no_facilitator:
        overrides["facilitator"] = False
    drawn = _posterior_draw(args.posterior, args.seed, overrides)
    overrides = {**drawn, **overrides}
    _check_region(args.region)
    from .model import SymbiosisModel
    from .output import write_outputs
    from .precompile import ensure_precompiled

    # a checkout's first run: its kernels compiled on every core, before the model is
    # built (building it calls a few, which it would compile one by one: 5 s)
    ensure_precompiled()
    interactive = sys.stderr.isatty()
    if interactive and overrides.get("n_firms", 0) >= 10000:
        print(f"building a region of {overrides['n_firms']:,} firms ...", file=sys.stderr)
    # the run's own time, building the model and its ticks (not the compiling before it)
    started = time.perf_counter()
    model = SymbiosisModel(args.region, rng=args.seed, **overrides)
    long_run = model.world.n_firms >= 500 or args.steps > 600
    model.run(args.steps, progress=long_run and interactive)
    elapsed = time.perf_counter() - started
    summary = model.summary() | {"seed": args.seed, "seconds": round(elapsed, 3)}
    if drawn:
        summary["posterior_draw"] = drawn
    print(format_summary(summary))
    if args.out is not None:
        try:
            written = write_outputs(model, args.out, summary)
        except OSError as exc:
            raise SymbiosisInputError(f"--out {args.out}: cannot write: {exc.strerror}") from None
        print(f"\nwrote {', '.join(p.name for p in written)} to {args.out}")
    return 0


def _check_region(source: str) -> None:
    """Raise :class:`~.errors.RegionError` for a wrong region name or file, before a
    command loads the model (about 1.5 s of imports); ``synthetic`` is the model's."""
    if source != "synthetic":
        from .region import load_region

        load_region(source)


def _precompile(args: argparse.Namespace) -> int:
    from .precompile import is_current, precompile, write_bytecode

    if args.workers is not None and args.workers < 1:
        raise SymbiosisInputError(f"--workers {args.workers}: must be a whole number >= 1")
    write_bytecode()
    if is_current():
        print("the kernels' cache is current: nothing to compile")
        return 0
    try:
        report = precompile(args.workers)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failed = f" ({report.failed} signatures failed)" if report.failed else ""
    print(f"compiled {report.compiled} kernels on {report.workers} processes in "
          f"{report.seconds:.1f} s{failed}{report.pruned}")
    return 0


def _posterior_draw(path: Path | None, seed: int, overrides: dict[str, Any]
                    ) -> dict[str, float]:
    """The run's draw from a posterior file (none without one); --set values win."""
    if path is None:
        return {}
    from .calibration.posterior import load_posterior

    draw = load_posterior(path).draw(seed)
    return {k: v for k, v in draw.items() if k not in overrides}


def format_summary(summary: dict[str, Any]) -> str:
    """The run summary as an aligned two-column table."""
    rows = []
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items()) or "-"
        elif isinstance(value, float):
            value = "-" if math.isnan(value) else (f"{value:,.3f}" if abs(value) < 10
                                                   else f"{value:,.0f}")
        rows.append((key.replace("_", " "), str(value)))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def _params(args: argparse.Namespace) -> int:
    from .params import parameter_markdown, parameter_table

    if args.markdown:
        print(parameter_markdown(), end="")
        return 0
    table = parameter_table()
    if args.group:
        groups = sorted(table["group"].unique())
        if args.group not in groups:
            raise SymbiosisInputError(f"--group {args.group}: choose one of {', '.join(groups)}")
        table = table[table["group"] == args.group]
    width = max(len(n) for n in table.index)
    for group, rows in table.groupby("group", sort=False):
        print(f"[{group}]")
        for name, row in rows.iterrows():
            print(f"  {name:<{width}}  {row['default']:>18} {row['unit']:<14} "
                  f"{row['description']}")
    print("\nAllowed ranges and the basis of each default: docs/parameters.md "
          "(symbiosis-abm params --markdown)")
    return 0


def _regions(args: argparse.Namespace) -> int:
    from .region import bundled_regions, load_region

    rows = []
    for name in bundled_regions():
        region = load_region(name)
        rows.append((name, str(len(region.firms)), region.description))
    rows.append(("synthetic", "n_firms", "Generated region (see 'symbiosis-abm params "
                 "--group synthetic')"))
    width = max(len(r[0]) for r in rows)
    for name, count, text in rows:
        print(f"{name:<{width}}  {count:>7}  {text}")
    return 0


def _resources(args: argparse.Namespace) -> int:
    from .catalogue import load_catalogue

    cat = load_catalogue()
    for i, name in enumerate(cat.names):
        modes = ", ".join(f"{m} <= {d:g} km" for m, d in zip(("pipe", "truck", "ship", "local"),
                                                              cat.max_distance_km[i]) if d > 0)
        print(f"{name:<20} {cat.units[i]:<10} {cat.categories[i]:<9} "
              f"{cat.alternatives[i]:<12} {modes}")
    return 0


def _opportunities(args: argparse.Namespace) -> int:
    if args.top is not None and args.top < 1:
        raise SymbiosisInputError(f"--top {args.top}: must be a whole number >= 1")
    overrides = parse_overrides(args.overrides)
    _check_region(args.region)
    from .opportunities import format_opportunities, opportunities

    table = opportunities(args.region, **overrides)
    if table.empty:
        print("no feasible exchanges")
    else:
        print(format_opportunities(table, top=args.top))
        shown = len(table) if args.top is None else min(args.top, len(table))
        print(f"\n{shown} of {len(table)} feasible exchanges, best joint surplus first; "
              f"trust needed = supplier/receiver")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False)
        print(f"wrote {args.out}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .catalogue import read_toml
    from .checks import equal_volume_problems
    from .errors import RegionError
    from .provenance import check_file, provenance_counts
    from .region import load_region

    region = load_region(Path(args.file))
    if args.provenance:
        problems = check_file(region.origin) + equal_volume_problems(
            read_toml(region.origin), region.origin)
        if problems:
            raise RegionError(problems)
    n_streams = sum(len(f.streams) for f in region.firms)
    n_needs = sum(len(f.needs) for f in region.firms)
    report = {"file": args.file, "valid": True, "region": region.name,
              "firms": len(region.firms), "streams": n_streams, "needs": n_needs}
    if args.provenance:
        counts = provenance_counts(read_toml(region.origin))
        report.update(sourced=counts["sourced"], assumptions=counts["assumptions"])
        report.update(_link_report(region, args.observed))
    print(json.dumps(report))
    return 0


def _link_report(region, observed: Path | None) -> dict:
    """The region's candidate, viable and documented links (``opportunities.link_census``)."""
    from .compare import read_observed
    from .opportunities import link_census

    if observed is None:
        default = Path("docs") / "validation" / f"{region.name}_observed_links.csv"
        observed = default if default.is_file() else None
    documented = None
    if observed is not None:
        table = read_observed(observed, [f.id for f in region.firms])
        documented = set(zip(table["supplier"], table["receiver"], table["resource"]))
    census = link_census(region, documented)
    return {"observed": None if observed is None else str(observed), **census}


def _compare_links(args: argparse.Namespace) -> int:
    import networkx as nx
    import pandas as pd

    from .catalogue import load_catalogue
    from .compare import compare_links, format_comparison, read_observed

    log = args.run_dir / "exchanges.parquet"
    if not log.is_file():
        raise SymbiosisInputError(f"{args.run_dir}: no exchanges.parquet; write one with "
                                  f"'symbiosis-abm run REGION --out {args.run_dir}'")
    emerged = pd.read_parquet(log)
    # A firm id or resource that the run cannot have would silently lower recall: refuse it.
    graph = args.run_dir / "network.graphml"
    firm_ids = list(nx.read_graphml(graph).nodes) if graph.is_file() else None
    observed = read_observed(args.observed, firm_ids, list(load_catalogue().names))
    result = compare_links(emerged, observed, active_only=args.active_only)
    print(format_comparison(result))
    if args.csv is not None:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        result.table().to_csv(args.csv, index=False)
        print(f"\nwrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
