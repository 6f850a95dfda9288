"""stepping.advance_until: Mesa's run loop, without a new event a tick, to the same effect."""

from __future__ import annotations

import mesa
import mesa.time.events as mesa_events
import pandas as pd
import pytest
from mesa.experimental.mesa_signals import ObservableSignals
from mesa.time import Schedule

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.stepping import advance_until


class Ticker(mesa.Model):
    """A model that writes down what it sees: its steps, its events, the time's signals.
    ``on_step`` (step number -> callable) lets a step change the schedule."""

    def __init__(self, on_step=None):
        super().__init__(rng=1)
        self.seen: list[tuple] = []
        self.on_step = on_step or {}
        self._watch = lambda signal: self.seen.append(("time", signal.additional_kwargs["new"]))
        self.observe("time", ObservableSignals.CHANGED, self._watch)

    def step(self):
        self.seen.append(("step", self.steps, self.time))
        if self.steps in self.on_step:
            self.on_step[self.steps](self)

    def note(self):
        self.seen.append(("event", self.steps, self.time))


def state(model: mesa.Model) -> tuple:
    """What a run leaves: time, steps, the step schedule's count and next time, the
    events still due and their times."""
    schedule = model._default_schedule
    due = sorted(e.time for e in model._event_list._events if not e.CANCELED)
    return (model.time, model.steps, schedule.execution_count,
            schedule.next_scheduled_time, schedule.is_active, due)


def both(make, until: float, before=None):
    """The same model run by advance_until and by Mesa's run_until."""
    fast, plain = make(), make()
    if before is not None:
        before(fast), before(plain)
    advance_until(fast, until)
    plain.run_until(until)
    return fast, plain


def test_plain_run_same_as_mesa_without_a_new_event_a_tick(monkeypatch):
    made = []
    original = mesa_events.Event.__init__

    def counted(self, *args, **kwargs):
        made.append(args[0])
        original(self, *args, **kwargs)

    fast, plain = Ticker(), Ticker()
    monkeypatch.setattr(mesa_events.Event, "__init__", counted)
    advance_until(fast, 7)
    assert made == []            # the pending event moved, none made
    plain.run_until(7)
    assert made == [float(t) for t in range(2, 9)]   # Mesa: one a tick
    assert fast.seen == plain.seen
    assert [s for s in fast.seen if s[0] == "step"] == [("step", t, float(t)) for t in range(1, 8)]
    assert state(fast) == state(plain) == (7, 7, 7, 8.0, True, [8.0])


def test_runs_in_parts_and_at_fractional_ends_same_as_mesa():
    fast, plain = Ticker(), Ticker()
    for until in (2, 2.5, 3, 6.25, 9):
        advance_until(fast, until)
        plain.run_until(until)
        assert state(fast) == state(plain)
    assert fast.seen == plain.seen


@pytest.mark.parametrize("at", [3.5, 4.0, 7.0])
def test_an_event_scheduled_before_runs_when_mesa_runs_it(at):
    fast, plain = both(Ticker, 7, before=lambda m: m.schedule_event(m.note, at=at))
    assert ("event", 3 if at == 3.5 else int(at), at) in fast.seen
    assert fast.seen == plain.seen and state(fast) == state(plain)


@pytest.mark.parametrize("change", [
    lambda m: m.schedule_event(m.note, after=0.5),      # between this tick and the next
    lambda m: m.schedule_event(m.note, at=m.time),      # still this tick's time
    lambda m: m.schedule_event(m.note, at=6.0),         # at the run's end time
    lambda m: m._default_schedule.stop(),
    lambda m: m._default_schedule.pause(),
])
def test_a_step_that_changes_the_schedule_same_as_mesa(change):
    def make():
        return Ticker(on_step={3: change})

    fast, plain = both(make, 6)
    assert fast.seen == plain.seen and state(fast) == state(plain)
    advance_until(fast, 9)
    plain.run_until(9)
    assert fast.seen == plain.seen and state(fast) == state(plain)


def test_a_schedule_with_an_end_is_left_to_mesa():
    def make():
        model = Ticker()
        model._default_schedule.stop()
        model._default_schedule = model.schedule_recurring(
            model._do_step, Schedule(interval=1.0, start=1.0, end=4.0))
        return model

    fast, plain = both(make, 7)
    assert [s for s in fast.seen if s[0] == "step"] == [("step", t, float(t)) for t in (1, 2, 3, 4)]
    assert fast.seen == plain.seen and state(fast) == state(plain)


@pytest.mark.parametrize("progress", [False, True])
def test_symbiosis_run_same_as_run_for(progress):
    fast = SymbiosisModel("kalundborg", rng=5)
    fast.run(30, progress=progress)
    plain = SymbiosisModel("kalundborg", rng=5)
    plain.run_for(30)
    pd.testing.assert_frame_equal(fast.timeseries(), plain.timeseries())
    pd.testing.assert_frame_equal(fast.exchanges_frame(), plain.exchanges_frame())
    assert state(fast) == state(plain) == (30, 30, 30, 31.0, True, [31.0])
    fast.step()             # the dashboard's step, Mesa's own, goes on from there
    plain.step()
    assert state(fast) == state(plain)


def test_mesa_step_log_kept(caplog):
    # Mesa logs each step at INFO from its own _do_step; the fast path calls it too
    logs = []
    for run in (lambda m: advance_until(m, 3), lambda m: m.run_until(3)):
        caplog.clear()
        with caplog.at_level("INFO", logger="MESA.mesa.model"):
            run(Ticker())
        logs.append([r.getMessage() for r in caplog.records if r.name == "MESA.mesa.model"])
    assert logs[0] == logs[1] == [f"Step {t} at time {float(t)}" for t in (1, 2, 3)]
