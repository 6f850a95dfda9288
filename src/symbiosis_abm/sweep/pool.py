"""A supervised process pool: each worker watched, each run timed, a dead worker replaced.

The ``processes`` backend runs chunks of runs on worker processes, one pipe per worker.
The workers are forked from a fork server that has imported the model and loaded its
compiled kernels once (:mod:`.fork_server`, :mod:`.preload`; spawned where there is no
fork server, as on Windows): either way a worker inherits nothing of the sweep's own
process. Because the parent knows which chunk each worker holds and which of its runs
have already come back (a worker sends one result per run), it knows exactly which run
was in progress when a worker died or hung:

* a worker that dies (a signal, ``os._exit``, the out-of-memory killer) turns the run it
  was running into a failed result naming the cause (signal or exit status); the rest of
  its chunk goes back to the queue and a fresh worker takes its place. Without a per-run
  timeout a worker advances a chunk's runs of small regions together
  (:func:`.worker.run_chunk`), so which of them was running is not known: if it dies
  then, each of that chunk's runs goes back to run alone, and the one that ends its
  worker again is named;
* a run that exceeds the per-run ``timeout`` has its worker killed and is recorded as
  failed ("timed out"), and the sweep goes on;
* runs in flight on other workers are never touched.

Workers ignore SIGINT (the parent decides when to stop), exit when their parent is gone
(no orphans even after ``kill -9`` of the sweep), and are all killed and joined when the
parent stops for any reason (the generator's ``finally``).

Each worker holds the chunk it runs and the next one, so it never waits for the parent;
chunks get smaller towards the end (:func:`tapered`), so the workers finish together; the
parent reads results at most every ``WAKE_SECONDS``, since it shares the cores with them.

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
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

from .design import Run
from .fork_server import start_method
from .worker import Task, run_chunk, run_one, warm_up

__all__ = ["supervised", "death_cause", "READY", "JOIN_SECONDS"]

READY = "ready"
#: How long a stopping worker may take to exit before it is killed.
JOIN_SECONDS = 2.0
_PARENT_POLL_SECONDS = 0.5
#: The largest chunk (pickled) sent to a busy worker, well inside a pipe's buffer.
AHEAD_BYTES = 32_768
#: The shortest time between two readings of the workers' results.
WAKE_SECONDS = 0.02


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


def _serve(conn, task: Task, together: bool) -> None:
    """A worker's loop: receive a chunk, send one result per run; None or EOF ends it.
    With ``together`` (no per-run timeout) the chunk is :func:`.worker.run_chunk`'s: the
    runs of small regions advanced together, their results sent when all have ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the parent stops the sweep
    # its parent: the sweep, or the fork server, which ends when the sweep does
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    warm_up()
    conn.send(READY)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            chunk = None
        if chunk is None:
            _end_now()
        for result in (run_chunk(chunk, task) if together else
                       (run_one(run, task) for run in chunk)):
            conn.send(result)


def _end_now() -> None:
    """End the worker without the interpreter's teardown.

    Every result has already gone down the pipe (``send`` returns once it is written) and
    a worker writes no file, so nothing is lost; the teardown of a process holding
    numba's compiled kernels takes about 0.35 s, which the sweep would wait for, once per
    worker. Output is flushed first.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    os._exit(0)


def _watch_parent(parent: int) -> None:
    """Exit when the parent process is gone (a sweep killed with SIGKILL leaves no worker)."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


class _Worker:
    """One worker process, its pipe, the runs it holds (and how many of each chunk it
    was sent are left) and the current run's deadline."""

    def __init__(self, context, task: Task, together: bool):
        self.conn, child = context.Pipe()
        self.together = together
        self.proc = context.Process(target=_serve, args=(child, task, together),
                                    daemon=True)
        self.proc.start()
        child.close()
        self.ready = False
        self.runs: collections.deque[Run] = collections.deque()
        self.chunks_left: collections.deque[int] = collections.deque()
        self.started = 0.0

    def wants(self) -> bool:
        """Whether to send this worker a chunk: it is ready and holds at most one, so the
        next chunk waits in its pipe and it never waits for the parent."""
        return self.ready and len(self.chunks_left) < 2

    def took(self) -> Run:
        """The run whose result has come back (the first it holds)."""
        self.chunks_left[0] -= 1
        if not self.chunks_left[0]:
            self.chunks_left.popleft()
        return self.runs.popleft()

    def give(self, chunk: list[Run]) -> bool:
        """Send ``chunk``; False (nothing sent) when the worker is dead, or busy and the
        chunk too big to wait in its pipe (a send that fills it would wait for the worker)."""
        message = ForkingPickler.dumps(chunk)
        if self.runs and len(message) > AHEAD_BYTES:
            return False
        try:
            self.conn.send_bytes(message)
        except OSError:   # it has just died: its sentinel says so, the chunk waits
            return False
        if not self.runs:   # its first run starts now (a chunk sent ahead waits its turn)
            self.started = time.monotonic()
        self.runs.extend(chunk)
        self.chunks_left.append(len(chunk))
        return True

    def ask_to_stop(self, kill: bool = False) -> None:
        """Tell the worker to end (it ends at once), or kill it (``kill``)."""
        if self.proc.is_alive() and not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass
        else:
            self.proc.kill()

    def join(self) -> None:
        """Wait for the worker to end (killing it if it has not within JOIN_SECONDS)."""
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
    queue = collections.deque(tapered(runs, size, workers))
    pool: list[_Worker] = []
    with start_method() as context:
        try:
            together = timeout is None   # (a chunk advanced together has no run alone to time)
            pool = [_Worker(context, task, together)
                    for _ in range(min(workers, len(queue)))]
            woke = 0.0
            while queue or any(w.runs for w in pool):
                for worker in pool:
                    while queue and worker.wants() and worker.give(queue[0]):
                        queue.popleft()
                # results are read at most every WAKE_SECONDS: waking the parent for each
                # run costs the workers more than its work does (none waits for it: each
                # holds a chunk ahead)
                time.sleep(max(0.0, woke + WAKE_SECONDS - time.monotonic()))
                woke = time.monotonic()
                yield from _wait_once(pool, queue, context, task, timeout)
        finally:   # all told first, then all joined: they end side by side
            for worker in pool:
                worker.ask_to_stop(kill=bool(worker.runs))
            for worker in pool:
                worker.join()


def tapered(runs: Sequence[Run], size: int, workers: int) -> list[list[Run]]:
    """Consecutive chunks of ``size`` runs, smaller towards the end (each at most the
    runs left over twice the workers), so the workers finish close together.

    Examples
    --------
    >>> [len(c) for c in tapered(list(range(40)), 8, 2)]
    [8, 8, 6, 5, 4, 3, 2, 1, 1, 1, 1]
    """
    chunks, start = [], 0
    while start < len(runs):
        n = min(size, -(-(len(runs) - start) // (2 * workers)))   # (ceiling)
        chunks.append(list(runs[start:start + n]))
        start += n
    return chunks


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
        if worker.runs and worker.together and worker.chunks_left[0] > 1:
            # its chunk's runs were advanced together: which of them ended the worker is
            # not known, so each goes back to run alone (the one that did so again is
            # then named), and the chunk held ahead goes back as it was
            current = [worker.runs.popleft() for _ in range(worker.chunks_left[0])]
            if worker.runs:
                queue.appendleft(list(worker.runs))
            queue.extendleft([run] for run in reversed(current))
        elif worker.runs:
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
        pool[i] = _Worker(context, task, worker.together)


def _drain(worker: _Worker) -> list[dict[str, Any]]:
    """Every message the worker has sent so far (results; the start-up READY)."""
    out = []
    try:
        while worker.conn.poll():
            message = worker.conn.recv()
            if message == READY:
                worker.ready = True
                continue
            worker.took()
            worker.started = time.monotonic()
            out.append(message)
    except (EOFError, OSError):
        pass  # the worker died; its sentinel says so
    return out
