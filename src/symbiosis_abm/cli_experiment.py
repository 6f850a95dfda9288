"""``symbiosis-abm experiment NAME [--quick] [--out DIR] ...``: run a research experiment.

An experiment is ``experiments/SCRIPT.py`` (its ``main(argv)``) with its sweep spec
``experiments/SCRIPT.toml``; every option after NAME goes to the script (``--quick``,
``--out``, ``--replicates``, ``--ticks``, ``--workers``, ``--backend``, ``--scheduler``,
``--fresh``, ``--report-only``, ``--results``). The experiments folder is found next to
the working directory (``./experiments``) or, for an editable install, in the checkout
the package comes from; ``--experiments DIR`` names it explicitly.

Examples
--------
>>> sorted(EXPERIMENTS)[:3]
['anchor_exit', 'distance_trust', 'facilitator_roles']
>>> EXPERIMENTS["kalundborg_validation"]
'validate_kalundborg'
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

__all__ = ["register", "EXPERIMENTS", "experiments_folder"]

#: Experiment name -> script stem in the experiments folder.
EXPERIMENTS = {
    "facilitator_roles": "facilitator_roles",
    "distance_trust": "distance_trust",
    "withdrawal": "withdrawal",
    "anchor_exit": "anchor_exit",
    "policy": "policy",
    "sensitivity": "sensitivity",
    "takeoff": "takeoff",
    "targeting": "targeting",
    "kalundborg_validation": "validate_kalundborg",
}


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``experiment`` subcommand to the CLI's subparsers."""
    p = sub.add_parser("experiment", help="run a research experiment and write its report",
                       description=__doc__.split("\n\n")[0])
    p.add_argument("name", choices=sorted(EXPERIMENTS), metavar="NAME",
                   help="one of " + ", ".join(sorted(EXPERIMENTS)))
    p.add_argument("--experiments", type=Path, default=None,
                   help="folder with the experiment scripts (default: ./experiments or "
                        "the checkout's)")
    p.add_argument("rest", nargs=argparse.REMAINDER,
                   help="options for the experiment (--quick, --out DIR, ...)")
    p.set_defaults(handler=_experiment)


def experiments_folder(explicit: Path | None = None) -> Path | None:
    """Where the experiment scripts are (None when no candidate has them)."""
    here = Path(__file__).resolve().parents[2] / "experiments"
    for folder in ([explicit] if explicit else [Path.cwd() / "experiments", here]):
        if (folder / "facilitator_roles.py").is_file():
            return folder
    return None


def _experiment(args: argparse.Namespace) -> int:
    folder = experiments_folder(args.experiments)
    if folder is None:
        where = args.experiments or "./experiments"
        print(f"error: {where}: no experiment scripts there (facilitator_roles.py missing); "
              "run from the checkout or pass --experiments DIR", file=sys.stderr)
        return 2
    script = folder / f"{EXPERIMENTS[args.name]}.py"
    spec = importlib.util.spec_from_file_location(f"experiment_{args.name}", script)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(folder))      # scripts import their sibling hooks
    try:
        spec.loader.exec_module(module)
        return int(module.main(list(args.rest)) or 0)
    except SystemExit as exc:            # argparse in the script: bad option
        return exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.path.remove(str(folder))
