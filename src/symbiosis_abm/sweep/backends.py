"""Where runs execute: ``serial``, ``processes`` (a supervised process pool) or ``dask``.

Each backend takes chunks of runs and yields results as they complete, with a bounded
number of chunks in flight, so nothing holds all results in memory. A run that raises,
hangs past the per-run timeout or kills its worker process becomes a failed result; the
worker is replaced and the other runs go on (:mod:`.pool` for ``processes``; for
``dask``, the nanny restarts the worker and the chunk is split to find the culprit). Runs are sent
in chunks because per-run overhead (pickling, scheduling) dominates small regions; a
worker keeps the imported model, catalogue and parsed regions between chunks.

Examples
--------
>>> from symbiosis_abm.sweep.design import expand
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> from symbiosis_abm.sweep.worker import Task
>>> spec = spec_from_dict({"sweep": {"name": "b", "regions": ["kalundborg"], "ticks": 2,
...                        "replicates": 3}}, "b.toml")
>>> chunks = chunked(expand(spec), 2)
>>> [len(c) for c in chunks]
[2, 1]
>>> sum(len(r) for r in execute(chunks, Task.of(spec), "serial"))
3
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

from ..errors import SymbiosisInputError
from .backend_names import BACKENDS
from .design import Run
from .pool import supervised
from .worker import Task, run_chunk, warm_up

__all__ = ["BACKENDS", "execute", "chunked", "chunk_size", "default_workers", "dask_client",
           "DASK_RETRIES"]


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_size(n_runs: int, workers: int, largest: int = 16) -> int:
    """Runs per chunk: about eight chunks per worker, at most ``largest``.

    Examples
    --------
    >>> chunk_size(1000, 2), chunk_size(40, 2), chunk_size(3, 4)
    (16, 2, 1)
    """
    return max(1, min(largest, n_runs // (workers * 8)))


def chunked(runs: Sequence[Run], size: int) -> list[list[Run]]:
    """Consecutive chunks of ``size`` runs."""
    return [list(runs[i:i + size]) for i in range(0, len(runs), size)]


def execute(chunks: list[list[Run]], task: Task, backend: str, workers: int = 1,
            scheduler: str | None = None, timeout: float | None = None
            ) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of results as runs complete (any order).

    A run that raises, hangs past ``timeout`` seconds or kills its worker becomes a
    failed result (``ok=False``, the cause in ``error``); the other runs go on.
    """
    if backend == "serial":
        for chunk in chunks:
            yield run_chunk(chunk, task, timeout)
    elif backend == "processes":
        runs = [run for chunk in chunks for run in chunk]
        size = max((len(c) for c in chunks), default=1)
        yield from supervised(runs, task, workers, size, timeout)
    elif backend == "dask":
        yield from _dask(chunks, task, workers, scheduler, timeout)
    else:
        raise ValueError(f"backend {backend!r}: choose one of {', '.join(BACKENDS)}")


#: Dask: how often a single run whose worker died is tried again before it is recorded
#: as failed (another run on the same worker may have been the one that killed it).
DASK_RETRIES = 1


def dask_client(workers: int, scheduler: str | None, settings: dict[str, Any] | None = None
                ) -> tuple[Any, Any]:
    """A Dask client on ``scheduler``, or on a local cluster of ``workers`` single-threaded
    processes bound to 127.0.0.1 (returned too, to close; None with a scheduler)."""
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise SymbiosisInputError("--backend dask needs Dask: pip install "
                                  "'symbiosis-abm[dask]'") from None
    if scheduler:
        try:
            return Client(scheduler, timeout=30), None
        except OSError as exc:
            raise SymbiosisInputError(f"--scheduler {scheduler}: cannot connect ({exc})") \
                from None
    with dask.config.set(settings or {}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1",
                               silence_logs=logging.CRITICAL)
    return Client(cluster), cluster


def _dask(chunks: list[list[Run]], task: Task, workers: int, scheduler: str | None,
          timeout: float | None) -> Iterator[list[dict[str, Any]]]:
    # A task whose worker dies is failed at once (we split and retry it ourselves, knowing
    # which runs it held), and a worker holds only the task it runs, so a death is blamed
    # on that task alone.
    client, cluster = dask_client(workers, scheduler, {
        "distributed.scheduler.allowed-failures": 0,
        "distributed.scheduler.worker-saturation": 1.0})
    from dask.distributed import as_completed
    from distributed.scheduler import KilledWorker

    limit = max(1, sum(client.nthreads().values()))
    try:
        client.run(warm_up)
        pending = iter(chunks)
        tries: dict[str, int] = {}
        # range first: zip stops before taking a chunk it would drop
        first = {client.submit(run_chunk, c, task, timeout, pure=False): c
                 for _, c in zip(range(limit), pending)}
        held = dict(first)
        stream = as_completed(list(first))
        for future in _watched(stream, client):
            chunk = held.pop(future)
            try:
                yield future.result()
            except KilledWorker as exc:
                retry, failed = _after_death(chunk, tries, str(exc).splitlines()[0])
                if failed:
                    yield failed
                for again in retry:
                    new = client.submit(run_chunk, again, task, timeout, pure=False)
                    held[new] = again
                    stream.add(new)
            future.release()
            if len(held) < limit:
                for chunk in pending:
                    new = client.submit(run_chunk, chunk, task, timeout, pure=False)
                    held[new] = chunk
                    stream.add(new)
                    break
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


#: Seconds a Dask sweep waits with no worker at all (e.g. a nanny that gave up
#: restarting its worker on an overloaded machine) before it stops; a rerun resumes.
NO_WORKER_SECONDS = 60.0


class NoWorkersLeft(RuntimeError):
    """The Dask cluster has had no worker for ``NO_WORKER_SECONDS``."""


def _watched(stream, client) -> Iterator[Any]:
    """The futures of ``stream`` as they complete; raise :class:`NoWorkersLeft` when the
    cluster has had no worker for ``NO_WORKER_SECONDS`` (rather than wait for ever)."""
    alone_since, checked = None, time.monotonic()
    while True:
        batch = stream.next_batch(block=False)
        if batch:
            yield from batch
            continue
        if stream.is_empty():
            return
        time.sleep(0.02)
        if time.monotonic() - checked < 1.0:
            continue
        checked = time.monotonic()
        if client.nthreads():
            alone_since = None
        elif alone_since is None:
            alone_since = time.monotonic()
        elif time.monotonic() - alone_since > NO_WORKER_SECONDS:
            raise NoWorkersLeft(f"the Dask cluster has had no worker for "
                                f"{NO_WORKER_SECONDS:g} s")


def _after_death(chunk: list[Run], tries: dict[str, int], why: str
                 ) -> tuple[list[list[Run]], list[dict[str, Any]]]:
    """What to do with a chunk whose Dask worker died: a chunk of several runs is split
    into single runs (to find the culprit); a single run is tried again up to
    ``DASK_RETRIES`` times, then recorded as failed."""
    if len(chunk) > 1:
        return [[run] for run in chunk], []
    run = chunk[0]
    tries[run.run_id] = tries.get(run.run_id, 0) + 1
    if tries[run.run_id] <= DASK_RETRIES:
        return [chunk], []
    return [], [{"run": run, "ok": False, "seconds": float("nan"),
                 "error": f"WorkerDied: the Dask worker process died while running run "
                          f"{run.run_id} (killed, out of memory, os._exit or stuck past "
                          f"twice the timeout), {tries[run.run_id]} times; Dask: {why}"}]
