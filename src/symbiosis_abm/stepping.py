"""Mesa's step schedule advanced without a new event a tick while nothing else is due.

Mesa 3.5 runs a model's ``step`` as a recurring event. Each tick, ``run_for`` pops the
step's event from the model's event list, sets ``model.time`` to it, runs it, and the
event's generator makes the next one (a new :class:`mesa.time.Event`, holding a weak
reference to the step) and pushes it onto the list. In a ``kalundborg`` run that costs
some 15 us a tick, about 8 % of the run (benchmarks/README.md, "Mesa's event loop, one
event a run"): much more than on an empty model, as the tick's own work has left the
loop's code and objects out of the cache.

:func:`advance_until` has the same effects as Mesa's loop: ``model.time`` set to each
tick's time before its step and to the end time after the last, ``model.steps`` counted
by Mesa's own ``_do_step``, the generator's execution count, one pending event at the next
tick's time, the ``time`` observable's signals. It moves the pending event to the next
tick instead of making a new one. It does so only while that event is the only one on
the list and its schedule a plain interval (no count, no end, no interval computed); for
anything else it hands the rest of the run to Mesa's own loop, so events that users or
a step schedule run when Mesa would run them.

:func:`advance_together` advances several models so, each phase of a tick for every model
before the next phase (a step marked :func:`interleavable` runs the model's
``tick_phases()``, which pauses after each phase): each model ends as it would alone, and
a phase's code, run for one model after another, stays in the processor's caches.

This reads Mesa 3.5's model internals (``_event_list``, ``_default_schedule``); the
package pins ``mesa==3.5.*`` and ``tests/test_stepping.py`` holds it to ``run_for``.

Examples
--------
>>> import mesa
>>> class Ticker(mesa.Model):
...     def step(self):
...         pass
>>> fast, plain = Ticker(rng=1), Ticker(rng=1)
>>> advance_until(fast, 5)
>>> plain.run_for(5)
>>> (fast.time, fast.steps) == (plain.time, plain.steps) == (5, 5)
True
>>> fast._default_schedule.next_scheduled_time, plain._default_schedule.next_scheduled_time
(6.0, 6.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mesa
from mesa.model import _mesa_logger
from mesa.time import Event, EventGenerator


def interleavable(step: Callable) -> Callable:
    """Mark a model class's ``step`` as running the model's ``tick_phases()`` (a generator
    that pauses after each phase) through, and nothing else: :func:`advance_together`
    may then run the phases of several such models in turn. A subclass that overrides
    ``step`` without the mark is advanced alone."""
    step.interleavable = True
    return step


def advance_until(model: mesa.Model, until: float) -> None:
    """Run ``model`` until time ``until`` as Mesa's ``Model.run_until`` does (for an
    ``until`` not before ``model.time``), without a new event a tick while the step's own
    event is the only one due."""
    schedule = model._default_schedule
    if not _plain(schedule, model):
        _mesa_loop(model, until)
        return
    interval = schedule.schedule.interval
    while True:
        event = schedule._current_event
        if not _alone(model, schedule, event):
            _mesa_loop(model, until)
            return
        if event.time > until:
            break
        model._event_list._events.pop()      # (the list's only event: Mesa's pop_event)
        model.time = event.time
        model._do_step()
        _schedule_next_tick(model, event, interval)
    model.time = until


def advance_together(models: Sequence[mesa.Model], steps: int, *,
                     on_error: Callable[[mesa.Model, Exception], None] | None = None) -> None:
    """Advance each of ``models`` ``steps`` ticks as ``advance_until(model, model.time +
    steps)`` would, running each phase of a tick for every model before the next phase.

    The models' results are each their own (no phase reads another model's state); only
    the order of the work changes, so that a phase's code, run for one model after
    another, stays in the processor's caches (benchmarks/README.md, "Runs advanced
    together").
    A model is advanced this way while its step is :func:`interleavable` and the step's
    event is the only one due, as :func:`advance_until` requires; otherwise it is
    advanced alone, by :func:`advance_until`. With ``on_error``, a model whose tick
    raises is handed to ``on_error(model, exception)`` (inside the ``except``: the
    traceback is current) and goes no further, while the others go on; without it the
    exception propagates and leaves the models mid-tick.
    """
    if steps <= 0:
        return
    pending = []   # (model, until, interval) of the models advanced together
    for model in models:
        until = model.time + steps
        if _interleavable(model) and _plain(model._default_schedule, model):
            pending.append((model, until, model._default_schedule.schedule.interval))
        else:
            _guarded(advance_until, model, until, on_error)
    while pending:
        ticking = []
        for model, until, interval in pending:
            schedule = model._default_schedule
            event = schedule._current_event
            if not _alone(model, schedule, event):
                _guarded(advance_until, model, until, on_error)
            elif event.time > until:
                model.time = until
            else:   # (advance_until's tick up to the step, and Mesa's _do_step's count)
                model._event_list._events.pop()
                model.time = event.time
                model.steps += 1
                _mesa_logger.info(f"Step {model.steps} at time {model.time}")
                ticking.append((model, until, interval, event, model.tick_phases()))
        pending = []
        for model, until, interval, event, _ in _phases_in_turn(ticking, on_error):
            _schedule_next_tick(model, event, interval)
            pending.append((model, until, interval))


def _phases_in_turn(ticking: list[tuple], on_error) -> list[tuple]:
    """Run the ticks of ``ticking`` (tuples whose first item is a model and last its
    ``tick_phases()``) a phase at a time for every model in turn; returns the tuples of
    the ticks that ended (not those handed to ``on_error``)."""
    done, running = [], ticking
    while running:
        still = []
        for item in running:
            try:
                next(item[-1])
            except StopIteration:
                done.append(item)
            except Exception as exc:
                if on_error is None:
                    raise
                on_error(item[0], exc)
            else:
                still.append(item)
        running = still
    return done


def _schedule_next_tick(model: mesa.Model, event: Event, interval: float) -> None:
    """After a step run from the step's pending ``event``: the schedule's count, and its
    next event ``interval`` later (``event`` moved there; a new one, Mesa's way, where
    the step changed the schedule)."""
    schedule = model._default_schedule
    schedule._execution_count += 1
    next_time = model.time + interval
    if model._event_list._events or not _still_pending(schedule, event):
        schedule._schedule_next(next_time)
    else:
        event.time = next_time
        model._event_list._events.append(event)


def _guarded(advance: Callable, model: mesa.Model, until: float, on_error) -> None:
    """``advance(model, until)``, its exception handed to ``on_error`` if given."""
    if on_error is None:
        advance(model, until)
        return
    try:
        advance(model, until)
    except Exception as exc:
        on_error(model, exc)


def _interleavable(model: mesa.Model) -> bool:
    """Whether ``model``'s step is marked :func:`interleavable` (``tick_phases`` through)."""
    step = getattr(model, "_user_step", None)
    return bool(getattr(getattr(step, "__func__", None), "interleavable", False))


def _plain(schedule: EventGenerator, model: mesa.Model) -> bool:
    """Whether the step's schedule is Mesa's default for ``model``: ``_do_step`` at a
    fixed interval, without a count or an end."""
    plan = schedule.schedule
    return (plan.count is None and plan.end is None and not callable(plan.interval)
            and schedule.function() == model._do_step)


def _alone(model: mesa.Model, schedule: EventGenerator, event: Event | None) -> bool:
    """Whether the step's pending ``event`` is the only event on the model's list."""
    events = model._event_list._events
    return (event is not None and len(events) == 1 and events[0] is event
            and _still_pending(schedule, event))


def _still_pending(schedule: EventGenerator, event: Event) -> bool:
    """Whether ``event`` is still the running schedule's next, not cancelled."""
    return (schedule._active and not schedule._paused and not event.CANCELED
            and schedule._current_event is event)


def _mesa_loop(model: mesa.Model, until: float) -> None:
    """Mesa 3.5's ``Model._advance_time`` after its check of ``until`` (which warns and
    stops at ``until == model.time``, where a handed-back run still has the events at
    that time to run)."""
    events = model._event_list
    while True:
        try:
            event = events.pop_event()
        except IndexError:
            break
        if event.time <= until:
            model.time = event.time
            event.execute()
        else:
            events.add_event(event)
            break
    model.time = until
