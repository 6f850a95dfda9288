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
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from ..precompile import ensure_precompiled
from .backend_names import BACKENDS
from .results import SweepResults, load_results
from .runner import SweepReport, run_sweep
from .spec import load_spec

__all__ = ["add_experiment_arguments", "run_experiment", "is_smoke", "with_banner",
           "report_folder", "process_pool", "SMOKE_BANNER"]

#: A file in a sweep folder made with ``--quick`` (a remade report keeps its banner).
SMOKE_MARK = "SMOKE_TEST"
#: The first line of every report made from a ``--quick`` sweep.
SMOKE_BANNER = ("> **SMOKE TEST** (`--quick`): too few runs and ticks for any effect, sign "
                "or interval in this report to be read; it only shows that the experiment "
                "runs. Run it without `--quick` for results.")


def is_smoke(args: argparse.Namespace) -> bool:
    """Whether the report is of a ``--quick`` sweep (this call's or the folder's)."""
    return bool(args.quick) or (Path(args.out) / SMOKE_MARK).is_file()


def with_banner(text: str, args: argparse.Namespace) -> str:
    """``text`` with :data:`SMOKE_BANNER` as its first line for a ``--quick`` sweep.

    Examples
    --------
    >>> args = argparse.Namespace(quick=True, out="runs/none")
    >>> with_banner("# Report", args).splitlines()[0].startswith("> **SMOKE TEST**")
    True
    """
    return f"{SMOKE_BANNER}\n\n{text}" if is_smoke(args) else text


def report_folder(args: argparse.Namespace) -> Path:
    """Where a report goes: ``--results``, else ``OUT/report``.

    A command writes under its ``--out`` only: the committed reports are remade by naming
    their folder (``--results docs/results``), never by default.

    Examples
    --------
    >>> report_folder(argparse.Namespace(results=None, out="runs/takeoff"))
    PosixPath('runs/takeoff/report')
    >>> report_folder(argparse.Namespace(results="docs/results", out="runs/takeoff"))
    PosixPath('docs/results')
    """
    if args.results is not None:
        return Path(args.results)
    return Path(args.out) / "report"


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
    parser.add_argument("--region-seeds", default=None, metavar="S1,S2,...",
                        help="draw the synthetic region once per seed (regions "
                             "synthetic@S1, ...) instead of the spec's one region_seed; "
                             "into its own --out")
    parser.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                        help="draw the estimated parameters of every run from a "
                             "calibration's posterior.parquet (into its own --out)")
    parser.add_argument("--report-only", action="store_true",
                        help="do not run; remake the report from --out")


def with_region_seeds(spec, text: str):
    """The spec drawing its synthetic region once per seed of ``text`` ("1,2,3").

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"name": "e", "regions": ["synthetic"], "ticks": 1,
    ...     "replicates": 1}, "fixed": {"region_seed": 1, "n_firms": 30}}, "e.toml")
    >>> s = with_region_seeds(spec, "1,2,3")
    >>> s.region_seeds, s.fixed
    ((1, 2, 3), {'n_firms': 30})
    """
    from ..errors import SymbiosisInputError

    try:
        seeds = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise SymbiosisInputError(f"--region-seeds {text!r}: give whole numbers separated "
                                  "by commas, e.g. 1,2,3,4") from None
    if "synthetic" not in spec.regions or min(seeds) < 0:
        raise SymbiosisInputError(f"--region-seeds {text!r}: needs seeds >= 0 and an "
                                  f"experiment on the synthetic region (this one runs "
                                  f"{', '.join(spec.regions)})")
    fixed = {k: v for k, v in spec.fixed.items() if k != "region_seed"}
    return dataclasses.replace(spec, region_seeds=seeds, fixed=fixed)


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
    if getattr(args, "region_seeds", None):
        spec = with_region_seeds(spec, args.region_seeds)
    if getattr(args, "posterior", None):
        from ..calibration.posterior import load_posterior

        load_posterior(args.posterior)  # one clear line if it is not a posterior file
        spec = dataclasses.replace(spec, posterior=str(Path(args.posterior).resolve()))
    backend = "dask" if args.scheduler else args.backend
    report = run_sweep(spec, args.out, backend=backend, workers=args.workers,
                       scheduler=args.scheduler, fresh=args.fresh,
                       stale="restart")
    print(report.line, file=sys.stderr)
    if args.quick:
        (Path(args.out) / SMOKE_MARK).write_text(SMOKE_BANNER + "\n", encoding="utf-8")
    return load_results(args.out), report


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for a script's own runs, outside a sweep.

    Its workers are spawned, not forked: a fork copies the parent's locks as they are at
    that moment, and a script that has shown a progress bar has a second thread (tqdm's
    monitor) that may hold one. The model's kernels are compiled first where the cache is
    not current (:func:`symbiosis_abm.precompile.ensure_precompiled`), so that the workers
    load them rather than each compile them.
    """
    ensure_precompiled()
    return ProcessPoolExecutor(max_workers=workers,
                               mp_context=multiprocessing.get_context("spawn"))
