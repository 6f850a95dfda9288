"""stepping.advance_until: Mesa's run loop, without a new event a tick, to the same effect."""

from __future__ import annotations

import mesa
import mesa.time.events as mesa_events
import pandas as pd
import pytest
from mesa.experimental.mesa_signals import ObservableSignals
from mesa.time import Schedule

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.stepping import advance_together, advance_until, interleavable


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


# ---------------------------------------------------------------- advance_together
class Phased(Ticker):
    """A Ticker whose step is two phases (``a``, ``b``) that advance_together may
    interleave; it raises in phase ``b`` of step ``fail_at``."""

    def __init__(self, name, log, on_step=None, fail_at=None):
        super().__init__(on_step=on_step)
        self.name, self.log, self.fail_at = name, log, fail_at

    @interleavable
    def step(self):
        for _ in self.tick_phases():
            pass

    def tick_phases(self):
        self.log.append((self.name, "a", self.steps, self.time))
        yield
        if self.steps == self.fail_at:
            raise ValueError(f"{self.name} fails")
        self.log.append((self.name, "b", self.steps, self.time))
        Ticker.step(self)


def test_together_each_phase_for_every_model_then_the_next():
    log = []
    a, b = Phased("a", log), Phased("b", log)
    advance_together([a, b], 2)
    assert log == [("a", "a", 1, 1.0), ("b", "a", 1, 1.0), ("a", "b", 1, 1.0),
                   ("b", "b", 1, 1.0), ("a", "a", 2, 2.0), ("b", "a", 2, 2.0),
                   ("a", "b", 2, 2.0), ("b", "b", 2, 2.0)]
    alone = Phased("alone", [])
    advance_until(alone, 2)
    assert state(a) == state(b) == state(alone) == (2, 2, 2, 3.0, True, [3.0])
    assert a.seen == alone.seen


def test_together_same_as_mesa_in_parts_and_from_different_times():
    models = [Phased(str(k), []) for k in range(3)]
    advance_until(models[1], 4)           # one ahead of the others
    plain = [Phased(str(k), []) for k in range(3)]
    plain[1].run_until(4)
    for steps in (2, 1, 3):
        advance_together(models, steps)
        for model in plain:
            model.run_for(steps)
        assert [state(m) for m in models] == [state(m) for m in plain]
        assert [m.seen for m in models] == [m.seen for m in plain]
    advance_together(models, 0)           # nothing to do
    assert [state(m) for m in models] == [state(m) for m in plain]


@pytest.mark.parametrize("change", [
    lambda m: m.schedule_event(m.note, after=0.5),
    lambda m: m._default_schedule.stop(),
])
def test_together_a_model_whose_step_changes_the_schedule_goes_on_alone(change):
    models = [Phased("x", [], on_step={2: change}), Phased("y", [])]
    plain = [Phased("x", [], on_step={2: change}), Phased("y", [])]
    advance_together(models, 5)
    for model in plain:
        model.run_for(5)
    assert [m.seen for m in models] == [m.seen for m in plain]
    assert [state(m) for m in models] == [state(m) for m in plain]


def test_together_a_step_not_marked_is_run_alone():
    log = []

    class Unmarked(Phased):
        def step(self):   # an override without the mark: not a tick_phases through
            self.log.append((self.name, "own step", self.steps, self.time))
            Ticker.step(self)

    marked, unmarked = Phased("m", log), Unmarked("u", log)
    advance_together([unmarked, marked], 2)
    assert log == [("u", "own step", 1, 1.0), ("u", "own step", 2, 2.0),
                   ("m", "a", 1, 1.0), ("m", "b", 1, 1.0), ("m", "a", 2, 2.0),
                   ("m", "b", 2, 2.0)]
    assert state(unmarked) == state(marked) == (2, 2, 2, 3.0, True, [3.0])


def test_together_a_model_that_raises_stops_alone():
    log, errors = [], []
    models = [Phased("a", log), Phased("b", log, fail_at=2), Phased("c", log)]
    advance_together(models, 4, on_error=lambda m, e: errors.append((m.name, str(e))))
    assert errors == [("b", "b fails")]
    assert [m.steps for m in models] == [4, 2, 4]
    assert ("b", "b", 2, 2.0) not in log and ("b", "a", 3, 3.0) not in log
    with pytest.raises(ValueError, match="b fails"):
        advance_together([Phased("a", []), Phased("b", [], fail_at=1)], 2)


def test_together_mesa_step_log_kept(caplog):
    with caplog.at_level("INFO", logger="MESA.mesa.model"):
        advance_together([Phased("a", [])], 2)
    assert [r.getMessage() for r in caplog.records if r.name == "MESA.mesa.model"] == [
        "Step 1 at time 1.0", "Step 2 at time 2.0"]


def test_symbiosis_runs_together_are_the_runs_alone():
    """Each model's outputs and Mesa state as its run alone, bit for bit: regions and
    parameters differ within the batch, and the batch is advanced in two parts."""
    made = [("kalundborg", 1, {}), ("kalundborg", 2, {"facilitator": False}),
            ("vastra_malardalen", 3, {}), ("synthetic", 4, {"n_firms": 40, "region_seed": 2})]
    together = [SymbiosisModel(region, rng=seed, **kw) for region, seed, kw in made]
    advance_together(together, 20)
    advance_together(together, 16)
    for model, (region, seed, kw) in zip(together, made):
        alone = SymbiosisModel(region, rng=seed, **kw)
        alone.run(36)
        pd.testing.assert_frame_equal(model.timeseries(), alone.timeseries())
        pd.testing.assert_frame_equal(model.exchanges_frame(), alone.exchanges_frame())
        pd.testing.assert_frame_equal(model.deliveries_frame(), alone.deliveries_frame())
        assert repr(model.summary()) == repr(alone.summary())
        assert state(model) == state(alone) == (36, 36, 36, 37.0, True, [37.0])
