"""Playback: a session's run stepped in a thread of its own, stopped with its page.

A :class:`Player` steps the run at a chosen pace and asks the page to redraw every
``render_every`` steps (a redraw per month would make a 60-year replay take minutes). It
stops when told, when the run stops, and when its page is gone: its Solara kernel closed
or no page of it still connected (a reloaded or closed tab), so no run steps on the
server for nobody. Steps take the run's lock (:attr:`~.run.DashboardRun.lock`) and a
redraw reads under the same lock, so a redraw never sees or interrupts a step half done.

The thread is named :data:`THREAD_NAME`, also at the operating-system level on Linux, so
that ``/proc/<pid>/task/*/comm`` of the server lists the runs stepping (the browser tests
check that a reloaded tab leaves none).

Examples
--------
>>> from symbiosis_abm.dashboard.run import DashboardRun
>>> run = DashboardRun("kalundborg", rng=1)
>>> drawn = []
>>> player = Player(run, interval_s=0.0, render_every=2, on_render=lambda: drawn.append(
...     run.main.steps), stop_after=4)
>>> player.start(); player.join(30)
>>> run.main.steps, drawn
(4, [2, 4])
>>> player.is_alive()
False
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Player", "THREAD_NAME", "page_alive", "playing_threads"]

THREAD_NAME = "dash-play"
_log = logging.getLogger(__name__)


def _name_os_thread(name: str) -> None:
    """Give the calling thread ``name`` in ``/proc/.../comm`` (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        libc.pthread_self.restype = ctypes.c_ulong
        libc.pthread_setname_np(ctypes.c_ulong(libc.pthread_self()), name.encode()[:15])
    except (OSError, AttributeError):   # no libc symbol: the Python name still holds
        pass


def page_alive(context: Any) -> bool:
    """Whether a Solara kernel context still has a connected page (True without one)."""
    if context is None:
        return True
    if context.closed_event.is_set():
        return False
    statuses = [str(getattr(s, "value", s)).lower() for s in context.page_status.values()]
    return "connected" in statuses


def playing_threads() -> list[threading.Thread]:
    """The players stepping in this process."""
    return [t for t in threading.enumerate() if t.name == THREAD_NAME]


class Player:
    """Steps ``run`` every ``interval_s`` seconds in its own thread.

    Parameters
    ----------
    run : DashboardRun
    interval_s : float or callable returning float
        Seconds between steps (read each step, so the speed slider acts at once).
    render_every : int or callable returning int
        Steps between two redraws (and after the last step).
    on_render, on_stop : callables
        Called in the player's thread (inside ``context``) to redraw / when it stops.
    context : Solara kernel context, optional
        The page's kernel: the player stops once no page of it is connected.
    stop_after : int, optional
        Stop after this many steps (tests, a guided replay's chapter).
    """

    def __init__(self, run: Any, *, interval_s: float | Callable[[], float],
                 render_every: int | Callable[[], int], on_render: Callable[[], None],
                 on_stop: Callable[[], None] | None = None, context: Any = None,
                 stop_after: int | None = None):
        self.run = run
        self._interval = interval_s if callable(interval_s) else (lambda: interval_s)
        self._every = render_every if callable(render_every) else (lambda: render_every)
        self._on_render, self._on_stop = on_render, on_stop
        self._context, self._stop_after = context, stop_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name=THREAD_NAME, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the player to stop after the step in progress (a step is never cut)."""
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _main(self) -> None:
        _name_os_thread(THREAD_NAME)
        if self._context is not None:
            with self._context:
                self._loop()
        else:
            self._loop()

    def _alive(self) -> bool:
        return not self._stop.is_set() and page_alive(self._context)

    def _call(self, f: Callable[[], None] | None) -> None:
        if f is None or not page_alive(self._context):
            return
        try:
            f()
        except Exception as exc:   # a page closing under the call: stop, say why, no trace
            _log.warning("playback: page update failed (%s: %s); stopping",
                         type(exc).__name__, exc)
            self._stop.set()

    def _loop(self) -> None:
        done = drawn = 0
        while self._alive():
            started = time.monotonic()
            self.run.step()
            done += 1
            finished = not self.run.running or done == self._stop_after
            if finished or done % max(1, int(self._every())) == 0:
                self._call(self._on_render)
                drawn = done
            if finished:
                break
            self._stop.wait(max(0.0, self._interval() - (time.monotonic() - started)))
        if drawn != done:      # stopped between two redraws: show where it stopped
            self._call(self._on_render)
        self._call(self._on_stop)
