"""What a worker does: run a chunk of runs and return their results (never raises).

A worker process keeps what is expensive to make once per process: the imported model,
the resource catalogue and parsed regions (cached by :func:`symbiosis_abm.load_region`),
the model factory and the collect hook. A result is a plain dict that pickles cheaply:
the summary row (numeric scalar entries of ``model.summary()`` plus the hook's scalars),
the thinned time series, the exchange log and the hook's tables, as requested by the
spec's ``[outputs]``. A run that raises becomes a result with its traceback. The runs of
a chunk whose regions are small are advanced together, each phase of a tick for every
run before the next (:func:`~symbiosis_abm.stepping.advance_together`): the same
results, with less of the processor's time spent fetching the phases' code.

Examples
--------
>>> from symbiosis_abm.sweep.design import expand
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> spec = spec_from_dict({"sweep": {"name": "w", "regions": ["kalundborg"], "ticks": 3,
...                        "replicates": 1}}, "w.toml")
>>> [result] = run_chunk(expand(spec), Task.of(spec))
>>> result["ok"], result["row"]["ticks"]
(True, 3)
"""

from __future__ import annotations

import ctypes
import importlib
import importlib.util
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .design import Run
from .spec import SweepSpec

__all__ = ["Task", "run_chunk", "RunTimeout", "STUCK_EXIT", "run_one", "metrics_of", "warm_up"]


@dataclass(frozen=True)
class Task:
    """What every run of a sweep shares (sent with each chunk; small)."""

    ticks: int
    timeseries_every: int = 0
    exchanges: bool = False
    collect: str | None = None
    model: str | None = None
    base_dir: str = "."
    param_names: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: SweepSpec) -> Task:
        from .design import parameter_columns

        return cls(spec.ticks, spec.timeseries_every, spec.exchanges, spec.collect,
                   spec.model, spec.base_dir, tuple(parameter_columns(spec)))


def warm_up() -> None:
    """Import the model and load the catalogue once per worker process.

    tqdm's lock (used by ``model.run``) becomes a thread lock: its default holds a
    semaphore that a worker killed for a hung or crashed run would leak.
    """
    from tqdm import tqdm

    from ..catalogue import load_catalogue
    from ..model import SymbiosisModel  # noqa: F401

    tqdm.set_lock(threading.RLock())
    load_catalogue()


def run_chunk(runs: list[Run], task: Task, timeout: float | None = None
              ) -> list[dict[str, Any]]:
    """Run each run of a chunk; results in the chunk's order.

    ``timeout`` (seconds per run) is enforced inside this process (the ``dask`` and
    ``serial`` backends; the ``processes`` backend's parent kills a late worker instead):
    a late run gets :class:`RunTimeout` raised in its thread and is recorded as failed;
    one stuck in native code past twice the timeout ends the process (``os._exit``),
    which the backend reports as a dead worker.
    """
    if timeout is None:
        if len(runs) > 1:
            return _run_together(runs, task)
        return [run_one(run, task) for run in runs]
    return [_guarded(run, task, timeout) for run in runs]


def advance_together(models: list[Any], steps: int, **kwargs: Any) -> None:
    """:func:`symbiosis_abm.stepping.advance_together`, imported at the first call: a
    sweep's spec is checked before Mesa loads (``tests/test_lazy_imports.py``)."""
    from ..stepping import advance_together as advance

    advance(models, steps, **kwargs)


#: Runs of regions of at most this many firms are advanced together, a phase at a time
#: (:func:`_run_together`): a chunk's models are held at once, and a small region's
#: tick is where the phases' code, not their data, fills the processor's caches.
TOGETHER_UP_TO_FIRMS = 300


def _run_together(runs: list[Run], task: Task) -> list[dict[str, Any]]:
    """The runs of a chunk, those of small regions advanced together, each phase of a tick
    for every run before the next (:func:`~symbiosis_abm.stepping.advance_together`),
    the others one after another: each result as :func:`run_one` gives it (a run that
    raises fails alone), in the chunk's order. A run advanced with others has for
    ``seconds`` its share of their wall time."""
    results: list[dict[str, Any] | None] = [None] * len(runs)
    together: dict[int, Any] = {}   # position in the chunk -> model
    shared = 0.0   # the wall time of the runs advanced together
    for i, run in enumerate(runs):
        started = time.perf_counter()
        try:
            model = _built(run, task)
        except Exception:  # noqa: BLE001  (a sweep records a failed run and goes on)
            results[i] = _failed(run)
        else:
            if _small(model):
                together[i] = model
                shared += time.perf_counter() - started
                continue
            results[i] = _finished(run, task, model)
        results[i]["seconds"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    errors: dict[int, str] = {}

    def failed(model: Any, _exception: Exception) -> None:
        errors[id(model)] = traceback.format_exc(limit=20)

    advance_together(list(together.values()), task.ticks, on_error=failed)
    for i, model in together.items():
        results[i] = (_failed(runs[i], errors[id(model)]) if id(model) in errors
                      else _result_of(runs[i], task, model))
    shared += time.perf_counter() - started
    for i in together:
        results[i]["seconds"] = round(shared / len(together), 3)
    return results


class RunTimeout(Exception):
    """A run took longer than the sweep's per-run timeout."""


#: Exit status of a worker that ended itself because a run was stuck past the timeout.
STUCK_EXIT = 75


def _guarded(run: Run, task: Task, timeout: float) -> dict[str, Any]:
    target, lock, state = threading.get_ident(), threading.Lock(), {"done": False}

    def interrupt() -> None:
        with lock:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(target), ctypes.py_object(RunTimeout))

    def give_up() -> None:
        with lock:
            if not state["done"]:
                os._exit(STUCK_EXIT)

    timers = [threading.Timer(timeout, interrupt), threading.Timer(2 * timeout + 5, give_up)]
    for timer in timers:
        timer.daemon = True
        timer.start()
    try:
        try:
            result = run_one(run, task)
        finally:
            with lock:
                state["done"] = True
            for timer in timers:
                timer.cancel()
    except RunTimeout:   # raised between the run's end and the guard's release
        result = {"run": run, "ok": False, "seconds": float(timeout),
                  "error": "RunTimeout: raised late"}
    if not result["ok"] and result["error"].rstrip().endswith("RunTimeout"):
        result["error"] += (f"RunTimeout: no result within the per-run timeout of "
                            f"{timeout:g} s\n")
    return result


def run_one(run: Run, task: Task) -> dict[str, Any]:
    """One run's result; a run that raises gives ``ok=False`` and its traceback.

    ``seconds`` is the run's wall time (provenance; not part of its results)."""
    started = time.perf_counter()
    result = _attempt(run, task)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def _attempt(run: Run, task: Task) -> dict[str, Any]:
    try:
        model = _built(run, task)
    except Exception:  # noqa: BLE001  (a sweep records a failed run and goes on)
        return _failed(run)
    return _finished(run, task, model)


def _built(run: Run, task: Task) -> Any:
    """The run's model, made by the spec's factory (the package's model by default)."""
    factory = _resolve(task.model, task.base_dir) if task.model else _default_model()
    return factory(run.source, rng=run.seed, **run.params)


def _finished(run: Run, task: Task, model: Any) -> dict[str, Any]:
    """``model`` run for the sweep's ticks, and its result."""
    try:
        model.run(task.ticks)
    except Exception:  # noqa: BLE001
        return _failed(run)
    return _result_of(run, task, model)


def _result_of(run: Run, task: Task, model: Any) -> dict[str, Any]:
    """The result of a run whose ``model`` has run: its parameters, summary row and the
    tables the spec asks for."""
    try:
        params = {n: getattr(model.params, n, run.params.get(n)) for n in task.param_names}
        row = metrics_of(model.summary())
        tables: dict[str, pd.DataFrame] = {}
        if task.collect:
            for key, value in _resolve(task.collect, task.base_dir)(model).items():
                if isinstance(value, pd.DataFrame):
                    tables[key] = value
                else:
                    row[key] = _number(value)
        if task.timeseries_every:
            tables["timeseries"] = thin(model.timeseries(), task.timeseries_every, task.ticks)
        if task.exchanges:
            tables["exchanges"] = model.exchanges_frame()
        return {"run": run, "ok": True, "params": params, "row": row, "tables": tables}
    except Exception:  # noqa: BLE001
        return _failed(run)


def _failed(run: Run, error: str | None = None) -> dict[str, Any]:
    """A failed run's result, with ``error`` (default: the traceback being handled)."""
    return {"run": run, "ok": False,
            "error": traceback.format_exc(limit=20) if error is None else error}


def _small(model: Any) -> bool:
    """Whether ``model`` is of a region small enough to advance with others."""
    n_firms = getattr(getattr(model, "world", None), "n_firms", None)
    return n_firms is not None and n_firms <= TOGETHER_UP_TO_FIRMS


def metrics_of(summary: dict[str, Any]) -> dict[str, float | int]:
    """The numeric scalar entries of a summary (text, flags and nested tables left out).

    Examples
    --------
    >>> metrics_of({"region": "k", "facilitator": True, "firms": 3, "x": 0.5, "d": {}})
    {'firms': 3, 'x': 0.5}
    """
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in summary.items()
            if isinstance(v, (int, float, np.integer, np.floating))
            and not isinstance(v, (bool, np.bool_))}


def thin(frame: pd.DataFrame, every: int, ticks: int) -> pd.DataFrame:
    """Every ``every``-th tick and the last one, with ``tick`` as a column."""
    frame = frame.reset_index()
    keep = (frame["tick"] % every == 0) | (frame["tick"] == ticks - 1)
    return frame[keep].reset_index(drop=True)


def _number(value: Any) -> float | int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"collect hook returned {value!r}; give numbers or DataFrames") from None


def _default_model() -> Any:
    from ..model import SymbiosisModel

    return SymbiosisModel


@lru_cache(maxsize=16)
def _resolve(target: str, base_dir: str) -> Any:
    """``package.module:name`` or ``file.py:name`` (relative to the spec's folder)."""
    module_name, _, attr = target.partition(":")
    if module_name.endswith(".py"):
        path = Path(module_name)
        path = path if path.is_absolute() else Path(base_dir) / path
        name = f"_sweep_hook_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up here
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_name)
    return getattr(module, attr)

