"""A sweep's fork server: started for one sweep, as early as it can be, and stopped after.

Where the platform has one (Linux, macOS), the ``processes`` backend forks its workers
from a fork server that has imported the model and loaded its compiled kernels once
(:mod:`.preload`, about 1.2 s), so that each worker starts at once and runs the code as it
is when the sweep starts. That start is the part of a sweep that more workers do not
shorten, and the sweep's own process has work of its own before it needs a worker (a
command's imports, reading the spec, opening the results): :func:`start_early` starts the
server then, on another core, so the two overlap (a sweep from the command line starts
about half a second sooner). :func:`start_method` gives the sweep that server, or starts
one, and stops it after the sweep; :func:`stop_unused` stops one started early that no
sweep took (a sweep that ended before it needed a worker, on an error).

Only this module starts or stops it: multiprocessing has one fork server per process, so
a server already running that this module did not start is someone else's, and a sweep
then spawns its workers (as on Windows, or while another sweep of this process has it).

Examples
--------
>>> with start_method() as context:
...     context.get_start_method() in ("forkserver", "spawn")
True
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["PRELOAD", "start_early", "start_method", "stop_unused"]

#: What the fork server imports before it forks a worker.
PRELOAD = "symbiosis_abm.sweep.preload"
#: Held while a sweep has the fork server, or while one is started or stopped.
_TAKEN = threading.Lock()
#: The preload list before :func:`start_early` set :data:`PRELOAD` (None: no server
#: started early is waiting for a sweep).
_early: list[str] | None = None


def _server() -> Any:
    """multiprocessing's fork server, or None where there is none (``_forkserver`` and
    its ``_stop`` are private: their absence means none, and the workers are spawned)."""
    server = getattr(multiprocessing.forkserver, "_forkserver", None)
    if "forkserver" not in multiprocessing.get_all_start_methods() or not hasattr(
            server, "_stop"):
        return None
    return server


def start_early() -> bool:
    """Start the fork server the next sweep of this process will take, now, without
    waiting for it to load; True if it was started. Nothing where there is no fork
    server, one is already running or a sweep has it.

    A server started early and never taken ends with this process, or with
    :func:`stop_unused`.
    """
    global _early
    server = _server()
    if server is None or not _TAKEN.acquire(blocking=False):
        return False
    try:
        if server._forkserver_pid is not None:
            return False
        earlier = list(server._preload_modules)
        server.set_forkserver_preload([PRELOAD])
        server.ensure_running()   # (it loads while this process goes on)
        _early = earlier
        return True
    finally:
        _TAKEN.release()


@contextlib.contextmanager
def start_method() -> Iterator[Any]:
    """The workers' multiprocessing context for one sweep.

    The fork server, started early for this sweep (:func:`start_early`) or now with
    :data:`PRELOAD`, and stopped after it, so that each sweep's workers run the code as
    it is when the sweep starts, as spawned ones would. Spawn where there is no fork
    server (Windows), where one this module did not start is running (it is someone
    else's and has not loaded the model: spawned workers load it themselves) or while
    another sweep of this process has it.
    """
    global _early
    server = _server()
    if server is None or not _TAKEN.acquire(blocking=False):
        yield multiprocessing.get_context("spawn")
        return
    try:
        running = server._forkserver_pid is not None
        if running and _early is None:
            yield multiprocessing.get_context("spawn")
            return
        earlier, _early = (_early if running else list(server._preload_modules)), None
        if not running:   # (one started early has it already)
            server.set_forkserver_preload([PRELOAD])
        try:
            yield multiprocessing.get_context("forkserver")
        finally:
            _stop(server, earlier)
    finally:
        _TAKEN.release()


def stop_unused() -> None:
    """Stop a fork server started early that no sweep took."""
    global _early
    server = _server()
    if server is None or _early is None or not _TAKEN.acquire(blocking=False):
        return
    try:
        if _early is not None:
            earlier, _early = _early, None
            _stop(server, earlier)
    finally:
        _TAKEN.release()


def _stop(server: Any, preload: list[str]) -> None:
    """Kill the fork server (its workers are joined: killed, it skips a teardown of
    about 0.35 s) and restore the preload list it was started without."""
    with contextlib.suppress(OSError, TypeError):
        os.kill(server._forkserver_pid, signal.SIGKILL)
    server._stop()
    server.set_forkserver_preload(preload)
