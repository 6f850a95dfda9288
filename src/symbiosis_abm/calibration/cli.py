"""``symbiosis-abm calibrate SPEC.toml``: estimate parameters by ABC-SMC (:mod:`.smc`).

The folder (``--out``, default ``runs/calibration/NAME``) holds pyabc's database
``abc.db`` (the whole state: a killed calibration resumes from it), ``manifest.json``
(spec, code and versions, every start and resume), ``populations.csv`` and
``posterior.parquet``. ``--quick`` runs the spec's ``[quick]`` size into ``OUT/quick``: a
smoke test whose posterior means nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import SymbiosisInputError
from ..sweep.backend_names import BACKENDS

__all__ = ["register"]


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("calibrate", help="estimate behavioural parameters (ABC-SMC)")
    p.add_argument("spec", type=Path, metavar="SPEC.toml", help="calibration spec")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for the database and posterior (default "
                        "runs/calibration/NAME); an existing one is resumed")
    p.add_argument("--quick", action="store_true",
                   help="the spec's [quick] size, into OUT/quick (a smoke test)")
    p.add_argument("--backend", default="processes", choices=BACKENDS,
                   help="where particles run (default processes)")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes (default: one per core)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler (with --backend dask)")
    p.add_argument("--fresh", action="store_true",
                   help="delete the folder's earlier calibration and start over")
    p.add_argument("--held-out", type=int, default=0, metavar="SEEDS",
                   help="afterwards, score the held-out patterns on SEEDS paired runs each "
                        "drawn from the posterior, the defaults and the prior "
                        "(writes held_out.csv)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from ..sweep.backends import default_workers
    from .spec import load_calibration_spec

    # the spec and the options checked first: pyabc and the model take seconds to load
    spec = load_calibration_spec(args.spec)
    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        raise SymbiosisInputError(f"--workers {workers}: must be a whole number >= 1")
    try:
        from .smc import calibrate
    except ImportError as exc:
        raise SymbiosisInputError(f"calibrate needs pyabc ({exc.name} is missing): pip "
                                  "install -e '.[calibration]'") from None
    from ..precompile import ensure_precompiled

    out = args.out or Path("runs") / "calibration" / spec.name
    if args.quick:
        spec, out = spec.quickened(), out / "quick"
        print("smoke test (--quick): the posterior of a quick calibration means nothing")
    ensure_precompiled(progress=not args.no_progress)
    result = calibrate(spec, out, backend=args.backend, workers=workers,
                       scheduler=args.scheduler, fresh=args.fresh,
                       progress=not args.no_progress)
    pops = result.populations
    print(f"{spec.name}: {len(pops)} populations, {int(pops['samples'].sum()):,} runs; "
          f"stopped: {result.stop_reason}")
    print(result.posterior.summary().round(4).to_string())
    print(f"wrote posterior.parquet, populations.csv, manifest.json, abc.db to {out}")
    if args.held_out:
        _held_out(spec, result.posterior, out, args.held_out, workers)
    return 0


def _held_out(spec, posterior, out: Path, n_seeds: int, workers: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import pandas as pd

    from .heldout import REFERENCES, held_out, opening_dates_rho, run_scores, summarise

    try:
        setting = held_out(spec)
    except ValueError as exc:
        raise SymbiosisInputError(str(exc)) from None
    seeds = list(range(n_seeds))
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        frame = pd.concat([run_scores(spec, setting, ref, seeds, posterior, pool.map)
                           for ref in REFERENCES], ignore_index=True)
    frame.to_csv(out / "held_out.csv", index=False)
    print(f"\nheld-out scores ({setting.after}-{setting.until}, {n_seeds} paired seeds; "
          "mean [95% bootstrap CI]):")
    print(summarise(frame).round(3).to_string(index=False))
    print(f"opening dates alone: rho = {opening_dates_rho(setting):.3f}")
    print(f"wrote held_out.csv to {out}")
