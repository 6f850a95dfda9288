"""Parameter sweeps: resumable, parallel (processes or Dask), with sensitivity analysis.

A sweep is a spec TOML (:mod:`.spec`) expanded into runs (:mod:`.design`), executed by a
backend (:mod:`.backends`, :mod:`.worker`) and streamed into a folder of Parquet files
(:mod:`.store`) that :func:`load_results` reads and :mod:`.analyze` summarises.
``symbiosis-abm sweep SPEC --out DIR`` and ``symbiosis-abm analyze DIR`` are the command
line (:mod:`.cli`). See ``docs/sweeps.md``. Each name is imported when first used (as
the package's own), so the command line starts without the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_package

if TYPE_CHECKING:
    from .results import SweepResults, load_results
    from .runner import SweepReport, run_sweep
    from .spec import SpecError, SweepSpec, load_spec

__all__ = ["load_spec", "SweepSpec", "SpecError", "run_sweep", "SweepReport",
           "load_results", "SweepResults"]

_HOME = {"SweepResults": "results", "load_results": "results", "SweepReport": "runner",
         "run_sweep": "runner", "SpecError": "spec", "SweepSpec": "spec",
         "load_spec": "spec"}

lazy_package(__name__, _HOME, __all__)
