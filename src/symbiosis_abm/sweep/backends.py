"""Where runs execute: ``serial``, ``processes`` (a spawn pool) or ``dask``.

Each backend takes chunks of runs and yields each chunk's results as it completes, with a
bounded number of chunks in flight, so nothing holds all results in memory. Runs are sent
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
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ..errors import SymbiosisInputError
from .design import Run
from .worker import Task, run_chunk, warm_up

__all__ = ["BACKENDS", "execute", "chunked", "chunk_size", "default_workers", "WorkerLost"]

BACKENDS = ("serial", "processes", "dask")
#: Chunks in flight per worker: enough to keep workers busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2


class WorkerLost(RuntimeError):
    """A worker process died (killed, out of memory): the backend cannot go on."""


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
            scheduler: str | None = None) -> Iterator[list[dict[str, Any]]]:
    """Yield each chunk's list of results as chunks complete (any order)."""
    if backend == "serial":
        for chunk in chunks:
            yield run_chunk(chunk, task)
    elif backend == "processes":
        yield from _processes(chunks, task, workers)
    elif backend == "dask":
        yield from _dask(chunks, task, workers, scheduler)
    else:
        raise ValueError(f"backend {backend!r}: choose one of {', '.join(BACKENDS)}")


def _processes(chunks: list[list[Run]], task: Task, workers: int
               ) -> Iterator[list[dict[str, Any]]]:
    # spawn: no state inherited by fork (threads, open files), the same on every OS.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=warm_up) as pool:
        pending = iter(chunks)
        running = set()
        limit = workers * IN_FLIGHT_PER_WORKER
        for chunk in pending:
            running.add(pool.submit(run_chunk, chunk, task))
            if len(running) >= limit:
                break
        while running:
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                try:
                    result = future.result()
                except BrokenProcessPool:
                    raise WorkerLost("a worker process died (killed, or out of "
                                     "memory)") from None
                yield result
                for chunk in pending:
                    running.add(pool.submit(run_chunk, chunk, task))
                    break


def _dask(chunks: list[list[Run]], task: Task, workers: int, scheduler: str | None
          ) -> Iterator[list[dict[str, Any]]]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
        from distributed.scheduler import KilledWorker
    except ImportError:
        raise SymbiosisInputError("--backend dask needs Dask: pip install "
                                  "'symbiosis-abm[dask]'") from None
    if scheduler:
        try:
            client, cluster = Client(scheduler, timeout=30), None
        except OSError as exc:
            raise SymbiosisInputError(f"--scheduler {scheduler}: cannot connect ({exc})") \
                from None
        limit = max(1, sum(client.nthreads().values())) * IN_FLIGHT_PER_WORKER
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1",
                               silence_logs=logging.WARNING)
        client = Client(cluster)
        limit = workers * IN_FLIGHT_PER_WORKER
    try:
        client.run(warm_up)
        pending = iter(chunks)
        # range first: zip stops before taking a chunk it would drop
        first = [client.submit(run_chunk, c, task, pure=False)
                 for _, c in zip(range(limit), pending)]
        stream = as_completed(first)
        for future in stream:
            try:
                result = future.result()
            except KilledWorker:
                raise WorkerLost("Dask workers died running the same task (killed, or "
                                 "out of memory)") from None
            yield result
            future.release()
            for chunk in pending:
                stream.add(client.submit(run_chunk, chunk, task, pure=False))
                break
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
