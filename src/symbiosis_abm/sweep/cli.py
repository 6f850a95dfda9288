"""The ``sweep`` and ``analyze`` subcommands (registered by :func:`register_commands`).

Exit codes: 0 all runs finished; 1 some runs failed or the sweep was stopped (the last
line says how many and why); 2 bad input (a spec, an option, a folder), reported one line
per problem before any run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SymbiosisInputError

__all__ = ["register_commands", "EXIT_RUNS_FAILED"]

EXIT_RUNS_FAILED = 1
#: Sweeps of more runs than this need ``--yes`` (check the size with ``--dry-run`` first).
CONFIRM_RUNS = 50_000


def register_commands(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep`` and ``analyze`` to the ``symbiosis-abm`` subcommands."""
    from .backends import BACKENDS

    sweep = sub.add_parser("sweep", help="run a parameter sweep from a spec TOML "
                                         "(resumable, parallel; docs/sweeps.md)")
    sweep.add_argument("spec", type=Path, help="sweep spec TOML, e.g. "
                                               "experiments/example_sweep.toml")
    sweep.add_argument("--out", type=Path, default=None,
                       help="results folder (required unless --dry-run); rerunning into "
                            "it resumes, and a grown spec runs only its new runs")
    sweep.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: one per core)")
    sweep.add_argument("--backend", choices=BACKENDS, default="processes",
                       help="where runs execute (default: processes)")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://host:8786 (implies "
                            "--backend dask)")
    sweep.add_argument("--fresh", action="store_true",
                       help="delete the folder's earlier results and start over")
    sweep.add_argument("--chunk", type=int, default=None,
                       help="runs per task sent to a worker (default: automatic)")
    sweep.add_argument("--batch", type=int, default=200,
                       help="write results at least every BATCH runs (default 200)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="stop a run after SECONDS and record it as failed (default: "
                            "the spec's sweep.timeout, else none)")
    sweep.add_argument("--dry-run", action="store_true",
                       help="check everything, print the run count and an estimated time; "
                            "run nothing")
    sweep.add_argument("--yes", action="store_true",
                       help=f"run a sweep of more than {CONFIRM_RUNS:,} runs")
    sweep.set_defaults(handler=_sweep)

    analyze = sub.add_parser("analyze", help="paired arm differences and sensitivity "
                                             "indices of a sweep's results")
    analyze.add_argument("dir", type=Path, metavar="DIR", help="folder written by 'sweep'")
    analyze.add_argument("--out", type=Path, default=None,
                         help="folder for the CSV and PNG files (default: DIR/analysis)")
    analyze.add_argument("--metrics", default=None,
                         help="comma-separated metrics (default: every numeric metric)")
    analyze.set_defaults(handler=_analyze)


def _sweep(args: argparse.Namespace) -> int:
    from .runner import run_sweep
    from .spec import load_spec

    if args.workers is not None and args.workers < 1:
        raise SymbiosisInputError(f"--workers {args.workers}: must be a whole number >= 1")
    if args.chunk is not None and args.chunk < 1:
        raise SymbiosisInputError(f"--chunk {args.chunk}: must be a whole number >= 1")
    if args.batch < 1:
        raise SymbiosisInputError(f"--batch {args.batch}: must be a whole number >= 1")
    if args.scheduler and args.backend == "processes":
        args.backend = "dask"
    if args.scheduler and args.backend != "dask":
        raise SymbiosisInputError(f"--scheduler needs --backend dask, not {args.backend}")
    if args.out is None and not args.dry_run:
        raise SymbiosisInputError("sweep: --out FOLDER is required (or --dry-run)")
    if args.timeout is not None and not args.timeout > 0:
        raise SymbiosisInputError(f"--timeout {args.timeout}: must be a number of seconds > 0")
    spec = load_spec(args.spec)
    if args.dry_run:
        from .dryrun import dry_run

        return dry_run(spec, workers=args.workers)
    from .design import count_runs

    runs = count_runs(spec)
    if runs > CONFIRM_RUNS and not args.yes:
        raise SymbiosisInputError(
            f"{args.spec}: {runs:,} runs (more than {CONFIRM_RUNS:,}); check the estimate "
            "with --dry-run, then add --yes to run them")
    report = run_sweep(spec, args.out, backend=args.backend, workers=args.workers,
                       scheduler=args.scheduler, fresh=args.fresh,
                       progress=not args.no_progress, chunk=args.chunk,
                       batch=args.batch, timeout=args.timeout)
    bad = report.failed or report.aborted
    print(report.line, file=sys.stderr if bad else sys.stdout)
    return EXIT_RUNS_FAILED if bad else 0


def _analyze(args: argparse.Namespace) -> int:
    from .analyze import analyze
    from .results import load_results

    results = load_results(args.dir)
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
    written = analyze(results, args.out or args.dir / "analysis", metrics=metrics)
    for path in written:
        print(f"wrote {path}")
    return 0
