"""An experiment = a sweep spec TOML (+ a script that reports on its results).

Experiment scripts in ``experiments/`` share these command-line options and run their
spec with :func:`run_experiment`; what stays in a script is what is specific to it (its
collect hook and its report).

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_experiment_arguments(parser, default_out="runs/x")
>>> args = parser.parse_args(["--quick", "--workers", "1"])
>>> args.quick, args.workers, args.out, args.default_out
(True, 1, None, 'runs/x')
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from .backends import BACKENDS
from .results import SweepResults, load_results
from .runner import SweepReport, run_sweep
from .spec import load_spec

__all__ = ["add_experiment_arguments", "run_experiment"]


def add_experiment_arguments(parser: argparse.ArgumentParser, default_out: str | Path
                             ) -> None:
    """The options every experiment script takes."""
    parser.add_argument("--quick", action="store_true",
                        help="run at the size of the spec's [quick] table (a smoke test)")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"sweep folder (default {default_out}, with --quick "
                             f"{default_out}-quick; rerunning resumes)")
    parser.set_defaults(default_out=str(default_out))
    parser.add_argument("--replicates", type=int, default=None,
                        help="override the spec's replicates")
    parser.add_argument("--ticks", type=int, default=None, help="override the spec's ticks")
    parser.add_argument("--workers", type=int, default=None,
                        help="worker processes (default: one per core)")
    parser.add_argument("--backend", choices=BACKENDS, default="processes")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="a running Dask scheduler (implies --backend dask)")
    parser.add_argument("--fresh", action="store_true",
                        help="delete earlier results in --out first")
    parser.add_argument("--report-only", action="store_true",
                        help="do not run; remake the report from --out")


def run_experiment(spec_file: Path | str, args: argparse.Namespace
                   ) -> tuple[SweepResults, SweepReport | None]:
    """Run (or, with ``--report-only``, just load) the experiment's sweep; sets
    ``args.out`` to the folder used."""
    if args.out is None:
        args.out = Path(args.default_out + ("-quick" if args.quick else ""))
    if args.report_only:
        return load_results(args.out), None
    spec = load_spec(spec_file)
    if args.quick:
        spec = spec.quickened()
    sizes = {k: getattr(args, k) for k in ("replicates", "ticks")
             if getattr(args, k) is not None}
    spec = dataclasses.replace(spec, **sizes)
    backend = "dask" if args.scheduler else args.backend
    report = run_sweep(spec, args.out, backend=backend, workers=args.workers,
                       scheduler=args.scheduler, fresh=args.fresh,
                       stale="restart")
    print(report.line, file=sys.stderr)
    return load_results(args.out), report
