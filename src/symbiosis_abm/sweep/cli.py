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
    from .backend_names import BACKENDS

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
    sweep.add_argument("--posterior", type=Path, default=None, metavar="FILE",
                       help="draw the estimated parameters of every run from a "
                            "calibration's posterior.parquet (as the spec's "
                            "sweep.posterior; the spec's own values win)")
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
    analyze.add_argument("--correction", choices=("bh", "holm"), default="bh",
                         help="multiple-comparison correction over each table of tests: "
                              "Benjamini-Hochberg (default) or Holm")
    analyze.add_argument("--primary", default="active_exchanges", metavar="METRIC",
                         help="the primary outcome of the replication check (default "
                              "active_exchanges)")
    analyze.add_argument("--discover", default=None, metavar="CONDITION",
                         help="scenario discovery (PRIM, CART) on a thresholded outcome, "
                              "e.g. 'active_exchanges>=10'")
    analyze.add_argument("--allow-missing", action="store_true",
                         help="exit 0 even when some runs failed or are missing")
    analyze.set_defaults(handler=_analyze)


def _sweep(args: argparse.Namespace) -> int:
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
    from .spec import load_spec

    spec = load_spec(args.spec)
    if args.posterior is not None:
        import dataclasses

        from ..calibration.posterior import load_posterior

        load_posterior(args.posterior)  # one clear line if it is not a posterior file
        spec = dataclasses.replace(spec, posterior=str(args.posterior.resolve()))
    if args.dry_run:
        from .dryrun import dry_run

        return dry_run(spec, workers=args.workers)
    from .design import count_runs

    runs = count_runs(spec)
    if runs > CONFIRM_RUNS and not args.yes:
        raise SymbiosisInputError(
            f"{args.spec}: {runs:,} runs (more than {CONFIRM_RUNS:,}); check the estimate "
            "with --dry-run, then add --yes to run them")
    if args.backend == "processes":
        from .fork_server import start_early

        start_early()   # the workers' server loads the model while this process imports
    from .runner import run_sweep

    report = run_sweep(spec, args.out, backend=args.backend, workers=args.workers,
                       scheduler=args.scheduler, fresh=args.fresh,
                       progress=not args.no_progress, chunk=args.chunk,
                       batch=args.batch, timeout=args.timeout)
    bad = report.failed or report.aborted
    print(report.line, file=sys.stderr if bad else sys.stdout)
    return EXIT_RUNS_FAILED if bad else 0


def _analyze(args: argparse.Namespace) -> int:
    from .analyze import analyze, missing_runs, unstable_indices
    from .results import load_results

    results = load_results(args.dir)
    metrics = [m.strip() for m in args.metrics.split(",")] if args.metrics else None
    out = args.out or args.dir / "analysis"
    primary = args.primary if args.primary in results.metrics else None
    written = analyze(results, out, metrics=metrics, correction=args.correction,
                      primary=primary)
    for line in provenance_lines(results.manifest):
        print(line)
    lines: list[str] = []
    if args.discover:
        from .discovery import discover

        found, lines = discover(results, args.discover, out)
        written += found
    for path in written:
        print(f"wrote {path}")
    for line in lines:
        print(line)
    if primary and (out / "replication.csv").is_file():
        _print_replication(out / "replication.csv")
    if (out / "interactions.csv").is_file():
        _print_interactions(out / "interactions.csv", metrics)
    if (out / "sobol.csv").is_file():
        import pandas as pd

        for line in unstable_indices(pd.read_csv(out / "sobol.csv")):
            print(f"warning: {line}", file=sys.stderr)
    missing = missing_runs(results)
    if len(missing):
        missing.to_csv(out / "missing.csv", index=False)
        for r in missing.itertuples():
            print(f"{'warning' if args.allow_missing else 'error'}: {r.region}/{r.arm} "
                  f"point {r.point}: {r.finished} of {r.expected} runs finished, "
                  f"{r.failed} failed{f' ({r.failed_runs}: {r.errors})' if r.failed else ''}"
                  f", {r.missing} not run", file=sys.stderr)
        if not args.allow_missing:
            print(f"analyze: {int(missing['expected'].sum() - missing['finished'].sum())} "
                  f"runs missing in {len(missing)} groups (listed in {out / 'missing.csv'});"
                  " rerun the sweep, or add --allow-missing to analyse what finished",
                  file=sys.stderr)
            return EXIT_RUNS_FAILED
    return 0


def _print_replication(path: Path) -> None:
    import pandas as pd

    table = pd.read_csv(path)
    last = table.groupby(["region", "arm", "point"]).tail(1)
    half = table[table["n"] == max(2, int(table["n"].max()) // 2)]
    print(f"replication check ({table['metric'].iloc[0]}, 95% CI half-width of the mean; "
          f"{path.name}): at n = {int(table['n'].max())} replicates, median "
          f"{last['half_width'].median():.4g} ({last['relative_half_width'].median():.0%} of "
          f"the mean); at n = {int(half['n'].max())}, {half['half_width'].median():.4g}")


def _print_interactions(path: Path, metrics: list[str] | None) -> None:
    import pandas as pd

    table = pd.read_csv(path)
    print(f"interactions (difference of differences, 95% CI; p adjusted over {len(table)} "
          f"tests, {table['correction'].iloc[0]}):")
    for r in table.itertuples():
        print(f"  {r.region} {r.metric}: effect of {r.arm} vs {r.reference} at "
              f"{r.group} minus at {r.baseline_group} = {r.interaction:.4g} "
              f"[{r.ci_low:.4g}, {r.ci_high:.4g}] {r.unit}, n = {r.n}, p = {r.t_p:.3g}, "
              f"adjusted p = {r.p_adjusted:.3g}")


def provenance_lines(manifest: dict) -> list[str]:
    """Where the sweep's runs came from: sessions, versions, platform, git state.

    Examples
    --------
    >>> m = {"package_version": "1.0", "sessions": [{"started": "2026-01-01T00:00:00+00:00",
    ...      "ended": "2026-01-01T00:01:00+00:00", "ran": 4, "backend": "serial",
    ...      "workers": 1, "python": "3.12.1", "platform": "Linux",
    ...      "versions": {"mesa": "3.5.0"}, "git": {"commit": "abcdef123456",
    ...      "dirty": True, "diff_sha256": "0123"}}]}
    >>> print("\\n".join(provenance_lines(m)))  # doctest: +NORMALIZE_WHITESPACE
    provenance: package 1.0; 1 session(s)
      session 1: 2026-01-01T00:00:00+00:00 to 2026-01-01T00:01:00+00:00, 4 runs, serial x 1;
      commit abcdef1 (dirty, diff 0123); Python 3.12.1 on Linux; mesa 3.5.0
    """
    sessions = manifest.get("sessions", [])
    out = [f"provenance: package {manifest.get('package_version', '?')}; "
           f"{len(sessions)} session(s)"]
    for i, s in enumerate(sessions, 1):
        git = s.get("git") or {}
        commit = str(git.get("commit") or "?")[:7]
        state = (f" (dirty, diff {git.get('diff_sha256')})" if git.get("dirty")
                 else "" if git.get("dirty") is False else " (git state unknown)")
        versions = ", ".join(f"{k} {v}" for k, v in (s.get("versions") or {}).items()
                             if v and k != "symbiosis-abm")
        stop = f", stopped: {s['aborted']}" if s.get("aborted") else ""
        out.append(f"  session {i}: {s.get('started')} to {s.get('ended') or '?'}, "
                   f"{s.get('ran', '?')} runs, {s.get('backend')} x {s.get('workers')}"
                   f"{stop}; commit {commit}{state}; Python {s.get('python')} on "
                   f"{s.get('platform')}; {versions}")
    return out
