"""A supervised process pool: each worker watched, each run timed, a dead worker replaced.

The ``processes`` backend runs chunks of runs on spawned worker processes, one pipe per
worker. Because the parent knows which chunk each worker holds and which of its runs have
already come back (a worker sends one result per run), it knows exactly which run was in
progress when a worker died or hung:

* a worker that dies (a signal, ``os._exit``, the out-of-memory killer) turns the run it
  was running into a failed result naming the cause (signal or exit status); the rest of
  its chunk goes back to the queue and a fresh worker takes its place;
* a run that exceeds the per-run ``timeout`` has its worker killed and is recorded as
  failed ("timed out"), and the sweep goes on;
* runs in flight on other workers are never touched.

Workers ignore SIGINT (the parent decides when to stop), exit when their parent is gone
(no orphans even after ``kill -9`` of the sweep), and are all killed and joined when the
parent stops for any reason (the generator's ``finally``).

Examples
--------
>>> from symbiosis_abm.sweep.design import expand
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> from symbiosis_abm.sweep.worker import Task
>>> spec = spec_from_dict({"sweep": {"name": "p", "regions": ["kalundborg"], "ticks": 2,
...                        "replicates": 2}}, "p.toml")
>>> results = [r for batch in supervised(expand(spec), Task.of(spec), workers=1, size=1)
...            for r in batch]
>>> [r["ok"] for r in results]
[True, True]
"""

from __future__ import annotations

import collections
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import wait
from typing import Any

from .design import Run
from .worker import Task, run_one, warm_up

__all__ = ["supervised", "death_cause", "READY", "JOIN_SECONDS"]

READY = "ready"
#: How long a stopping worker may take to exit before it is killed.
JOIN_SECONDS = 2.0
_PARENT_POLL_SECONDS = 0.5


def death_cause(exitcode: int | None) -> str:
    """One line saying how a worker process ended.

    Examples
    --------
    >>> death_cause(-9)
    'the worker process was killed by signal 9 (SIGKILL: killed, e.g. out of memory)'
    >>> death_cause(3)
    'the worker process exited with status 3 (os._exit or a crash in native code)'
    """
    if exitcode is None:
        return "the worker process stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        hint = ": killed, e.g. out of memory" if name == "SIGKILL" else ""
        return f"the worker process was killed by signal {-exitcode} ({name}{hint})"
    return (f"the worker process exited with status {exitcode} (os._exit or a crash in "
            "native code)")


def _failure(run: Run, kind: str, cause: str, seconds: float) -> dict[str, Any]:
    return {"run": run, "ok": False, "seconds": seconds,
            "error": f"{kind}: {cause} while running run {run.run_id}"}


def _serve(conn, task: Task, parent: int) -> None:
    """A worker's loop: receive a chunk, send one result per run; None or EOF ends it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent stops the sweep
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    warm_up()
    conn.send(READY)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for run in chunk:
            conn.send(run_one(run, task))


def _watch_parent(parent: int) -> None:
    """Exit when the parent process is gone (a sweep killed with SIGKILL leaves no worker)."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


class _Worker:
    """One worker process, its pipe, the runs it holds and the current run's deadline."""

    def __init__(self, context, task: Task):
        self.conn, child = context.Pipe()
        self.proc = context.Process(target=_serve, args=(child, task, os.getpid()),
                                    daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.runs: collections.deque[Run] = collections.deque()
        self.started = 0.0

    def give(self, chunk: list[Run]) -> None:
        self.runs.extend(chunk)
        self.started = time.monotonic()
        self.conn.send(chunk)

    def stop(self, kill: bool = False) -> None:
        if self.proc.is_alive() and not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(JOIN_SECONDS)
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(JOIN_SECONDS)
        self.conn.close()


def supervised(runs: Sequence[Run], task: Task, workers: int, size: int,
               timeout: float | None = None) -> Iterator[list[dict[str, Any]]]:
    """Yield lists of results as runs finish, on ``workers`` supervised processes.

    ``size`` runs are sent per message; ``timeout`` (seconds per run, None: no limit).
    """
    context = multiprocessing.get_context("spawn")  # nothing inherited, same on every OS
    queue = collections.deque(list(runs[i:i + size]) for i in range(0, len(runs), size))
    pool: list[_Worker] = []
    try:
        pool = [_Worker(context, task) for _ in range(min(workers, len(queue)))]
        while queue or any(w.runs for w in pool):
            for worker in pool:
                if worker.ready and not worker.runs and queue:
                    worker.give(queue.popleft())
            yield from _wait_once(pool, queue, context, task, timeout)
    finally:
        for worker in pool:
            worker.stop(kill=bool(worker.runs))


def _wait_once(pool: list[_Worker], queue: collections.deque, context, task: Task,
               timeout: float | None) -> Iterator[list[dict[str, Any]]]:
    """Wait for messages, deaths or the nearest deadline; handle what happened."""
    busy = [w for w in pool if w.runs]
    wait_for = None
    if timeout is not None and busy:
        wait_for = max(0.0, min(w.started for w in busy) + timeout - time.monotonic())
    handles = [w.conn for w in pool] + [w.proc.sentinel for w in pool]
    ready = set(wait(handles, timeout=wait_for))
    now = time.monotonic()
    for i, worker in enumerate(pool):
        results = _drain(worker)
        if results:
            yield results
        dead = worker.proc.sentinel in ready or not worker.proc.is_alive()
        late = (timeout is not None and worker.runs and worker.proc.is_alive()
                and now - worker.started > timeout)
        if not (dead or late):
            continue
        if late:
            worker.proc.kill()
        worker.proc.join(JOIN_SECONDS)
        if worker.runs:
            run = worker.runs.popleft()
            seconds = round(now - worker.started, 3)
            if late:
                failure = _failure(run, "RunTimeout",
                                   f"no result within the per-run timeout of {timeout:g} s",
                                   seconds)
            else:
                failure = _failure(run, "WorkerDied", death_cause(worker.proc.exitcode),
                                   seconds)
            if worker.runs:
                queue.appendleft(list(worker.runs))
            yield [failure]
        elif not worker.ready:
            raise RuntimeError(f"a sweep worker could not start: "
                               f"{death_cause(worker.proc.exitcode)}")
        worker.conn.close()
        pool[i] = _Worker(context, task)


def _drain(worker: _Worker) -> list[dict[str, Any]]:
    """Every message the worker has sent so far (results; the start-up READY)."""
    out = []
    try:
        while worker.conn.poll():
            message = worker.conn.recv()
            if message == READY:
                worker.ready = True
                continue
            worker.runs.popleft()
            worker.started = time.monotonic()
            out.append(message)
    except (EOFError, OSError):
        pass  # the worker died; its sentinel says so
    return out
