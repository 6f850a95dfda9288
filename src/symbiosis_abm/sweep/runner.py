"""Run a sweep: expand the spec, skip finished runs, execute, stream results to disk.

Results are written in batches as they arrive (every ``FLUSH_RUNS`` runs or
``FLUSH_SECONDS`` seconds), so memory stays flat however many runs a sweep has, and a
killed sweep loses at most the last unwritten batch, which a rerun does again.

Examples
--------
>>> import tempfile
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> spec = spec_from_dict({"sweep": {"name": "r", "regions": ["kalundborg"], "ticks": 2,
...                        "replicates": 2}}, "r.toml")
>>> folder = tempfile.TemporaryDirectory()
>>> out = folder.name
>>> run_sweep(spec, out, backend="serial", progress=False).line  # doctest: +ELLIPSIS
'sweep r: 2 runs finished (2 now, 0 already done), 0 failed in ... s; results in ...'
>>> run_sweep(spec, out, backend="serial", progress=False).ran   # resumed: nothing to do
0
>>> folder.cleanup()
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from ..precompile import ensure_precompiled
from .backends import NoWorkersLeft, chunk_size, chunked, default_workers, execute
from .design import check_combinations, expand
from .fork_server import start_early, stop_unused
from .preflight import check_before_running
from .spec import SweepSpec
from .store import Store
from .worker import Task

__all__ = ["run_sweep", "SweepReport", "FLUSH_RUNS", "FLUSH_SECONDS"]

FLUSH_RUNS = 200
FLUSH_SECONDS = 5.0


@dataclass(frozen=True)
class SweepReport:
    """What a sweep did: run counts, failures, time and the closing line."""

    total: int
    ran: int
    skipped: int
    failed: int
    seconds: float
    out: Path
    line: str
    aborted: str = ""


def run_sweep(spec: SweepSpec, out: Path | str, *, backend: str = "processes",
              workers: int | None = None, scheduler: str | None = None,
              fresh: bool = False, progress: bool = True,
              chunk: int | None = None, batch: int = FLUSH_RUNS,
              stale: str = "refuse", timeout: float | None = None) -> SweepReport:
    """Run every run of ``spec`` not yet finished in ``out``; return a :class:`SweepReport`.

    Parameters
    ----------
    backend : {"serial", "processes", "dask"}
        ``processes`` (default): supervised processes (:mod:`.pool`); ``dask``: an
        embedded ``LocalCluster`` or the scheduler at ``scheduler``.
    workers : int, optional
        Worker processes (default: one per core; ignored with ``scheduler``).
    fresh : bool
        Delete the folder's earlier results first.
    stale : {"refuse", "restart"}
        What to do with a folder whose results were made by other code or for runs this
        spec no longer has (a changed region file or parameter): refuse it (default), or
        delete them and start over.
    chunk : int, optional
        Runs per task sent to a worker (default: about eight tasks per worker, <= 16;
        with ``processes``, smaller towards the end so the workers finish together).
    batch : int
        Results are written at least every ``batch`` runs (and every ``FLUSH_SECONDS``).
    timeout : float, optional
        Seconds a run may take before it is stopped and recorded as failed (default: the
        spec's ``sweep.timeout``; none: no limit).

    A run that raises, hangs or kills its worker is recorded in ``failures.parquet`` and
    the sweep goes on. SIGINT (Ctrl-C) or SIGTERM stops it: every worker is stopped,
    finished runs are kept and ``aborted`` says so; rerunning resumes.
    """
    started = time.perf_counter()
    if backend == "processes":   # its workers' fork server loads meanwhile
        start_early()
    try:
        workers = workers or (1 if backend == "serial" else default_workers())
        timeout = timeout if timeout is not None else spec.timeout
        check_combinations(spec)
        check_before_running(spec)
        runs = expand(spec)
        store = Store(out, spec)
        done = store.open(fresh=fresh, extra={"runs": len(runs), "backend": backend,
                                              "workers": workers, "scheduler": scheduler,
                                              "timeout": timeout},
                          run_ids=[r.run_id for r in runs], stale=stale)
        todo = [r for r in runs if r.run_id not in done]
        size = chunk or chunk_size(len(todo), workers)
        chunks = chunked(todo, size)
        if todo:   # a checkout's first sweep: the kernels compiled once, not by every worker
            ensure_precompiled(progress=progress)
        with _sigterm_as_interrupt():
            ok, aborted = _stream(store, execute(chunks, Task.of(spec), backend, workers,
                                                 scheduler, timeout),
                                  len(todo), spec.name, progress, batch)
        finished, failures = store.finish(ran=ok, aborted=aborted)
        seconds = time.perf_counter() - started
        line = (f"sweep {spec.name}: {finished} runs finished ({ok} now, "
                f"{len(runs) - len(todo)} already done), {failures} failed in {seconds:.1f} s; "
                f"results in {store.root}")
        if failures:
            line += f"; failed runs: {store.root / 'failures.parquet'} (rerun to retry them)"
        if aborted:
            line += (f"; STOPPED: {aborted}; {len(runs) - finished - failures} runs not done, "
                     "rerun the same command to resume")
        return SweepReport(len(runs), len(todo), len(runs) - len(todo), failures, seconds,
                           store.root, line, aborted)
    finally:   # (a server started early for a sweep that stopped before its workers)
        stop_unused()


class _NoBar:
    """What ``_stream`` calls on a progress bar, doing nothing."""

    def update(self, n: int) -> None: ...

    def set_postfix(self, **kwargs) -> None: ...

    def close(self) -> None: ...


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM stops the sweep as Ctrl-C does (workers stopped, finished runs kept)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stream(store: Store, results_stream, total: int, name: str, progress: bool,
            batch: int) -> tuple[int, str]:
    """Write results as they arrive; return (runs finished now, why it stopped early or "").

    Whatever arrived is written even when the sweep is interrupted (Ctrl-C, SIGTERM); the
    backend's ``finally`` has stopped every worker by then. A rerun does the rest.
    """
    ok = failed = 0
    # no bar at all without progress: tqdm's lock is a semaphore, reported as leaked when
    # the sweep is stopped by a signal
    bar = tqdm(total=total, desc=name, unit="run", dynamic_ncols=True,
               postfix={"failed": 0}) if progress else _NoBar()
    buffer: list[dict] = []
    last_flush = time.monotonic()
    try:
        for results in results_stream:
            buffer.extend(results)
            failed += sum(not r["ok"] for r in results)
            ok += sum(r["ok"] for r in results)
            bar.update(len(results))
            bar.set_postfix(failed=failed, refresh=False)
            if len(buffer) >= batch or time.monotonic() - last_flush > FLUSH_SECONDS:
                store.write_batch(buffer)
                buffer, last_flush = [], time.monotonic()
    except KeyboardInterrupt as exc:
        results_stream.close()      # stop the workers before writing what arrived
        return ok, f"interrupted ({exc.args[0] if exc.args else 'SIGINT'})"
    except NoWorkersLeft as exc:
        return ok, str(exc)
    finally:
        if buffer:
            store.write_batch(buffer)
        bar.close()
    return ok, ""
