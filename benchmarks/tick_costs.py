"""Where a tick's time goes, phase by phase and kernel by kernel: how much of each phase is
spent inside calls of compiled kernels (their dispatch included), and how much around them
(the phase's Python glue and its numpy calls).

Issue 17's missing targets hinge on that split: a faster kernel helps only where the time
is in kernels. The script wraps each phase of :data:`SymbiosisModel.PHASES` and every
compiled kernel that a module of the package calls by name (numba dispatchers held as
module attributes; kernels called from compiled code are part of their caller) with a
wall-clock timer, runs the workload, and prints per tick:

* the tick's time without the timers (CPU, ``time.process_time``) and with them (the
  timers add some 0.2-0.5 us a call: read the shares; a timed kernel is called through
  numba's dispatcher, which a run without the timers skips: it calls each kernel at its
  compiled entry point, :mod:`symbiosis_abm.entry_points`); and its CPU time with every
  phase replaced by a function that returns at once (what Mesa's event loop and
  ``step()`` itself cost);
* per phase: its time, the part inside kernel calls, the rest (glue), the kernel calls;
* the ``--top`` kernels by time: calls and microseconds a tick, microseconds a call, and
  what passing the call's arguments costs: a compiled function of the same arity that
  returns at once, called with arguments the kernel was given in the run (up to
  ``SAMPLES`` calls of each kernel kept), at its entry point as a run calls it,
  microseconds a call (unboxing each argument: the part of a call that fewer, larger
  calls save). The
  first line gives its sum over a tick;
* the kernels replayed back to back: every kernel call of ``--replay`` runs (or
  regions) of the workload recorded in order, each with a copy of the arguments it was
  given (one copy serving the calls between which an array did not change), then made
  again one after another on fresh copies (a record of the run's arrays, held.py, made
  again of fresh copies of its arrays), with nothing but a loop between them, and the
  same calls made to functions of the same arity that return at once, all at their
  entry points. The difference is the kernels' own work (boxing what they return included);
  with the emptied tick (Mesa's loop) it bounds from below what a tick compiled whole, its
  glue and dispatch gone, could cost on these kernels (``benchmarks/README.md``, "By
  phase and by kernel");
* the same replay kernel by kernel (each call timed on its own, wall): calls and
  microseconds a tick, of them passing the arguments, and the kernel's own work (the
  ``--top`` kernels by time, then the sum over all).

The workload: ``kalundborg`` runs of ``--ticks`` ticks (``--runs`` seeds, built
beforehand: a run's construction is not timed), or with ``--firms N`` ticks ``--from`` to
``--from + --ticks - 1`` of ``--regions`` synthetic regions of N firms (sized as
``bench.py`` sizes them, built and run to the first tick beforehand). A run of the same
workload with another seed first loads every kernel. It writes nothing.

Usage::

    python benchmarks/tick_costs.py                           # kalundborg, 40 runs
    python benchmarks/tick_costs.py --firms 600 --regions 10  # ticks 5-24 at 600 firms
    python benchmarks/tick_costs.py --replay 0                # without the replay
"""

from __future__ import annotations

import argparse
import collections
import copy
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher
from paired_ab import synthetic  # (bench.py's region of n firms)

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.draws import stream_address
from symbiosis_abm.entry_points import entry_point
from symbiosis_abm.held import RunArrays
from symbiosis_abm.kernels_tick import hold_run

#: the calls of each kernel whose arguments are kept to time their passing
SAMPLES = 50

#: rounds of the replay (the fastest counts): each on fresh copies of the arguments
REPLAY_ROUNDS = 7


@dataclass
class Costs:
    """Nanoseconds and calls gathered by the timers: per phase, per kernel, and the kernel
    time spent within each phase."""
    phase_ns: collections.Counter = field(default_factory=collections.Counter)
    kernel_ns: collections.Counter = field(default_factory=collections.Counter)
    kernel_calls: collections.Counter = field(default_factory=collections.Counter)
    kernels_in_phase_ns: collections.Counter = field(default_factory=collections.Counter)
    calls_in_phase: collections.Counter = field(default_factory=collections.Counter)
    current: list = field(default_factory=lambda: ["(outside the phases)"])
    #: per kernel, the arguments of its first ``SAMPLES`` calls (positional, in order)
    samples: dict = field(default_factory=lambda: collections.defaultdict(list))
    #: per kernel, what passing its arguments costs (ns a call, :func:`passing_costs`)
    passing_ns: dict = field(default_factory=dict)


def phase_methods() -> list[tuple[str, type, str]]:
    """Each phase of :data:`SymbiosisModel.PHASES` as (label, owning class, method name)."""
    out = []
    for label, path in SymbiosisModel.PHASES:
        owner, _, name = path.rpartition(".")
        out.append((label, SymbiosisModel.PHASE_OWNERS[owner] if owner else SymbiosisModel,
                    name))
    return out


def package_kernels() -> list[tuple[object, str, CPUDispatcher]]:
    """Every compiled kernel a module of the package holds by name: (module, name,
    dispatcher), a kernel imported into several modules once per module. Only the
    modules imported so far are read (the workload has run once: those it uses), so that
    no import runs code while the phases are timed (``sweep.preload`` runs a model)."""
    modules = [module for name, module in list(sys.modules.items())
               if name == "symbiosis_abm" or name.startswith("symbiosis_abm.")]
    return [(module, name, value) for module in modules
            for name, value in list(vars(module).items())
            if isinstance(value, CPUDispatcher)]


def instrument(costs: Costs) -> Callable[[], None]:
    """Wrap the phases and the kernels with timers into ``costs``; returns the function
    that puts the originals back."""
    kernels = package_kernels()
    return _replaced(
        [(owner, name, _timed_phase(costs, label, getattr(owner, name)))
         for label, owner, name in phase_methods()]
        + [(module, name, _timed_kernel(costs, name, dispatcher))
           for module, name, dispatcher in kernels])


def emptied() -> Callable[[], None]:
    """Every phase replaced by a function that returns at once (what is left of a tick:
    Mesa's event loop and ``step()`` itself); returns the function that puts them back."""
    return _replaced([(owner, name, _at_once) for _label, owner, name in phase_methods()])


def _at_once(*args, **kwargs) -> None:
    return None


def _replaced(changes: list[tuple[object, str, object]]) -> Callable[[], None]:
    """Set each ``(holder, name, value)`` of ``changes``; returns the function that puts
    back what each holder held itself (a mixin's method: inherited, so removed again)."""
    undo = [(holder, name, vars(holder).get(name)) for holder, name, _ in changes]
    for holder, name, value in changes:
        setattr(holder, name, value)

    def restore() -> None:
        for holder, name, original in reversed(undo):
            if original is None:
                delattr(holder, name)
            else:
                setattr(holder, name, original)
    return restore


def _timed_phase(costs: Costs, label: str, method):
    def phase(*args, **kwargs):
        costs.current.append(label)
        started = time.perf_counter_ns()
        try:
            return method(*args, **kwargs)
        finally:
            costs.phase_ns[label] += time.perf_counter_ns() - started
            costs.current.pop()
    return phase


def _timed_kernel(costs: Costs, name: str, dispatcher):
    signature = inspect.signature(dispatcher.py_func)

    def kernel(*args, **kwargs):
        kept = costs.samples[name]
        if len(kept) < SAMPLES:   # (bound outside the timing)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            kept.append(bound.args)
        started = time.perf_counter_ns()
        try:
            return dispatcher(*args, **kwargs)
        finally:
            spent = time.perf_counter_ns() - started
            costs.kernel_ns[name] += spent
            costs.kernel_calls[name] += 1
            costs.kernels_in_phase_ns[costs.current[-1]] += spent
            costs.calls_in_phase[costs.current[-1]] += 1
    return kernel


@cache   # one per arity and process: compiling one for 100 arrays takes about a second
def returning_at_once(arity: int) -> CPUDispatcher:
    """A compiled function of ``arity`` positional arguments that returns at once (the
    same one for every call with that ``arity``: each type signature is compiled once).

    Examples
    --------
    >>> import numpy as np
    >>> returning_at_once(2)(np.zeros(3), 1.5)
    0
    """
    names = ", ".join(f"a{i}" for i in range(arity))
    namespace: dict = {}
    exec(f"def at_once({names}):\n    return 0\n", namespace)
    return njit(namespace["at_once"])


def passing_costs(samples: dict, repeats: int = 20) -> dict[str, float]:
    """Nanoseconds a call of passing each kernel's arguments: the fastest of ``repeats``
    rounds of calling :func:`returning_at_once` with every set of ``samples[kernel]``."""
    costs = {}
    for name, calls in samples.items():
        noop = returning_at_once(len(calls[0]))
        for args in calls:   # (compiled for each type signature met)
            noop(*args)
        entries = at_entry_points([(noop, args) for args in calls])
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter_ns()
            for call, args in entries:
                call(*args)
            best = min(best, (time.perf_counter_ns() - started) / len(calls))
        costs[name] = best
    return costs


def recorded_calls(run, prepared) -> list[tuple[CPUDispatcher, tuple]]:
    """Every call ``run(prepared)`` makes of a kernel held by a module of the package, in
    order: the kernel and its positional arguments as they were given, each array a copy
    (kernels write into theirs). An array whose values have not changed since its last
    copy was made gives that copy again, so the calls share what the run's calls shared
    (the world's arrays, what a tick did not change) and the replay's memory is the run's,
    not one copy of everything a call. A random stream a kernel draws from itself (the
    address of a model's stream in ``prepared``, :func:`.draws.stream_address`) is held as
    a copy of the stream's ``Generator`` in its state at the call (:class:`StreamCopy`)."""
    calls: list = []
    copies: dict[int, tuple[np.ndarray, np.ndarray]] = {}   # id: (array, its last copy)
    streams = _streams_of(prepared)

    def copied(value):
        if type(value) is int and value in streams:
            return StreamCopy(copy.deepcopy(streams[value]))
        if isinstance(value, RunArrays):   # (a record of arrays: a copy of each)
            return RecordCopy(tuple(copied(a) for a in _held_arrays(value, prepared)))
        if not isinstance(value, np.ndarray):
            return value
        held = copies.get(id(value))   # (the array is kept with its copy: its id stays its)
        if held is None or not _same(held[1], value):
            held = copies[id(value)] = (value, value.copy())
        return held[1]

    def recorder(dispatcher):
        signature = inspect.signature(dispatcher.py_func)

        def kernel(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            calls.append((dispatcher, tuple(copied(value) for value in bound.args)))
            return dispatcher(*args, **kwargs)
        return kernel

    restore = _replaced([(module, name, recorder(dispatcher))
                         for module, name, dispatcher in package_kernels()])
    try:
        run(prepared)
    finally:
        restore()
    return calls


class StreamCopy:
    """A random stream as a recorded call held it: a copy of its ``Generator`` at the
    call, and the address a kernel takes (valid while this copy lives)."""

    def __init__(self, generator: np.random.Generator):
        self.generator = generator
        self.address = stream_address(generator)


class RecordCopy:
    """A run's record of arrays (:mod:`symbiosis_abm.held`) as a recorded call held it:
    a copy of each of its arrays at the call; :meth:`record` makes a record of them."""

    def __init__(self, arrays: tuple):
        self.arrays = arrays

    def record(self):
        return hold_run(*self.arrays)


def _held_arrays(record, prepared) -> tuple:
    """The arrays ``record`` holds: a record a model in ``prepared`` made last."""
    models = prepared if isinstance(prepared, list) else [prepared]
    for model in models:
        held = model.__dict__.get("_held")
        arrays = held.arrays_of(record) if held is not None else None
        if arrays is not None:
            return arrays
    raise ValueError("a record no model of the workload made last")


def _streams_of(prepared) -> dict[int, np.random.Generator]:
    """The random streams of the models in ``prepared`` (a model or a list of them), by
    the address a kernel takes."""
    models = prepared if isinstance(prepared, list) else [prepared]
    return {stream_address(generator): generator for model in models
            for generator in vars(getattr(model, "streams", object())).values()}


def _same(held: np.ndarray, value: np.ndarray) -> bool:
    return (held.shape == value.shape and held.dtype == value.dtype
            and held.tobytes() == value.tobytes())


def _fresh(calls: list) -> tuple[list, list]:
    """``calls`` with a new copy of each array, shared where the arrays were shared, and
    of each stream (its address: the copies, to be held while the calls are made, are
    the second item)."""
    new: dict[int, np.ndarray] = {}
    held: list = []

    def fresh(value):
        if isinstance(value, StreamCopy):
            held.append(StreamCopy(copy.deepcopy(value.generator)))
            return held[-1].address
        if isinstance(value, RecordCopy):   # (a record of fresh copies of its arrays)
            return RecordCopy(tuple(fresh(a) for a in value.arrays)).record()
        if not isinstance(value, np.ndarray):
            return value
        if id(value) not in new:
            new[id(value)] = value.copy()
        return new[id(value)]
    return [(function, tuple(fresh(value) for value in args)) for function, args in calls], held


def _as_given(args: tuple) -> tuple:
    """``args`` with each stream copy as its address (what passing them costs)."""
    return tuple(value.address if isinstance(value, StreamCopy) else
                 value.record() if isinstance(value, RecordCopy) else value for value in args)


def replayed(calls: list[tuple[CPUDispatcher, tuple]], rounds: int = REPLAY_ROUNDS
             ) -> tuple[float, float]:
    """CPU seconds of making ``calls`` one after another (the fastest of ``rounds``, each
    on fresh copies of the arguments, made before the timing and shared as the calls
    shared them), and of the same calls made to :func:`returning_at_once` of each call's
    arity: what passing the arguments costs in the same loop (its rounds alternate with
    the others).

    Examples
    --------
    >>> from symbiosis_abm.kernels import capped_months
    >>> call = (capped_months, (np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]),
    ...                         np.array([0]), np.array([0.25])))
    >>> work, passing = replayed([call] * 3, rounds=2)
    >>> work > 0 and passing > 0
    True
    """
    at_once = {arity: returning_at_once(arity) for arity in {len(a) for _, a in calls}}
    passing_calls = [(at_once[len(a)], _as_given(a)) for _, a in calls]
    for function, args in passing_calls:   # (compiled for each type signature met,
        function(*args)                    # outside the timing)
    passing_calls = at_entry_points(passing_calls)
    work = passing = float("inf")
    for _ in range(rounds):   # (alternating: a slower moment of the machine falls on both)
        passing = min(passing, _replay_seconds(passing_calls))
        fresh, held = _fresh(calls)   # (``held``: the streams' copies, alive meanwhile)
        work = min(work, _replay_seconds(at_entry_points(fresh)))
    return work, passing


def at_entry_points(calls: list) -> list:
    """``calls`` (``(kernel, args)``, each kernel compiled for its arguments' types) made
    at their overloads' entry points, as a run makes them (:class:`symbiosis_abm.
    entry_points.BoundKernels`): the dispatcher's choice is made here, not timed."""
    return [(entry_point(function, args), args) for function, args in calls]


def _replay_seconds(calls: list) -> float:
    started = time.process_time()
    for function, args in calls:
        function(*args)
    return time.process_time() - started


def replayed_by_kernel(calls: list[tuple[CPUDispatcher, tuple]], rounds: int = REPLAY_ROUNDS
                       ) -> dict[str, tuple[int, float, float]]:
    """:func:`replayed` kernel by kernel: for each kernel its calls, and the nanoseconds
    of its calls and of passing their arguments (the same calls made to
    :func:`returning_at_once`), each call timed on its own (a clock read around each
    adds some 0.1 us a call, to both), the fastest of ``rounds`` per kernel (each round on
    fresh copies). Own work is the first less the second.

    Examples
    --------
    >>> from symbiosis_abm.kernels import capped_months
    >>> call = (capped_months, (np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]),
    ...                         np.array([0]), np.array([0.25])))
    >>> [(name, calls)] = [(k, v[0]) for k, v in replayed_by_kernel([call] * 3, 2).items()]
    >>> name, calls
    ('capped_months', 3)
    """
    at_once = {arity: returning_at_once(arity) for arity in {len(a) for _, a in calls}}
    names = [function.py_func.__name__ for function, _ in calls]
    passing_calls = [(at_once[len(a)], _as_given(a)) for _, a in calls]
    for function, args in passing_calls:   # (compiled outside the timing)
        function(*args)
    passing_calls = at_entry_points(passing_calls)
    work: dict[str, float] = {}
    passing: dict[str, float] = {}
    for _ in range(rounds):
        fresh, held = _fresh(calls)   # (``held``: the streams' copies, alive meanwhile)
        for best, timed in ((passing, _timed_calls(names, passing_calls)),
                            (work, _timed_calls(names, at_entry_points(fresh)))):
            for name, ns in timed.items():
                best[name] = min(best.get(name, float("inf")), ns)
    counts = collections.Counter(names)
    return {name: (counts[name], work[name], passing[name]) for name in counts}


def _timed_calls(names: list[str], calls: list) -> dict[str, float]:
    """Nanoseconds of ``calls`` by the name of each, each call timed on its own."""
    spent: dict[str, float] = collections.defaultdict(float)
    clock = time.perf_counter_ns
    for name, (function, args) in zip(names, calls):
        started = clock()
        function(*args)
        spent[name] += clock() - started
    return spent


def workload(args: argparse.Namespace, seed_offset: int = 0):
    """The measured part as (prepare, run, ticks): ``prepare()`` builds what ``run`` needs
    outside the timing; ``run(prepared)`` advances it."""
    if args.firms == 0:
        def prepare():   # (a run's construction is not part of its ticks)
            return [SymbiosisModel("kalundborg", rng=seed_offset + s) for s in range(args.runs)]

        def run(models):
            for model in models:
                model.run(args.ticks)
        return prepare, run, args.runs * args.ticks

    def prepare_regions():
        models = []
        for s in range(args.regions):
            model = SymbiosisModel("synthetic", rng=seed_offset + s + 1,
                                   **synthetic(args.firms))
            model.run(args.start)
            models.append(model)
        return models

    def run_regions(models):
        for model in models:
            model.run(args.ticks)
    return prepare_regions, run_regions, args.regions * args.ticks


@dataclass
class Measured:
    """A workload's figures: microseconds a tick without timers (CPU), with them (wall),
    with every phase emptied (CPU), the costs the timers gathered and the ticks measured;
    and for the runs (regions) replayed, their plain tick, their kernels replayed back to
    back and passing the arguments in the same loop (CPU; None without a replay), and
    :func:`replayed_by_kernel`'s figures (wall)."""
    plain: float
    timed: float
    bare: float
    costs: Costs
    ticks: int
    replay_plain: float | None = None
    replay: float | None = None
    replay_passing: float | None = None
    replay_ticks: int = 0
    replay_kernels: dict[str, tuple[int, float, float]] = field(default_factory=dict)


def measure(args: argparse.Namespace) -> Measured:
    """The workload's :class:`Measured` figures (the replay of ``args.replay`` of its
    runs or regions, none if 0)."""
    prepare, run, ticks = workload(args, seed_offset=10**6)
    run(prepare())   # loads every kernel the workload calls (another seed)
    prepare, run, ticks = workload(args)
    plain = _per_tick(run, prepare(), ticks, time.process_time)
    costs = Costs()
    timed = _per_tick(run, prepare(), ticks, time.perf_counter, lambda: instrument(costs))
    costs.passing_ns = passing_costs(costs.samples)
    bare = _per_tick(run, prepare(), ticks, time.process_time, emptied)
    measured = Measured(plain, timed, bare, costs, ticks)
    if args.replay:   # (the first runs or regions of the workload: their own plain tick)
        fewer = argparse.Namespace(**{**vars(args), "runs": args.replay,
                                      "regions": args.replay})
        prepare, run, replay_ticks = workload(fewer)
        measured.replay_plain = _per_tick(run, prepare(), replay_ticks, time.process_time)
        calls = recorded_calls(run, prepare())
        work, passed = replayed(calls)
        measured.replay_kernels = replayed_by_kernel(calls)
        measured.replay = work / replay_ticks * 1e6
        measured.replay_passing = passed / replay_ticks * 1e6
        measured.replay_ticks = replay_ticks
    return measured


def _per_tick(run, prepared, ticks: int, clock: Callable[[], float],
              replace: Callable[[], Callable[[], None]] | None = None) -> float:
    """Microseconds a tick by ``clock`` of ``run(prepared)``, with what ``replace()`` sets
    in place meanwhile (it returns the function that puts the originals back)."""
    restore = replace() if replace is not None else None
    try:
        started = clock()
        run(prepared)
        return (clock() - started) / ticks * 1e6
    finally:
        if restore is not None:
            restore()


def report(m: Measured, top: int) -> str:
    """The figures and the two tables as text."""
    costs, ticks, timed = m.costs, m.ticks, m.timed

    def us(ns: float) -> float:
        return ns / ticks / 1e3

    in_kernels = us(sum(costs.kernel_ns.values()))
    passing = us(sum(costs.passing_ns[name] * calls
                     for name, calls in costs.kernel_calls.items()))
    lines = [f"a tick: {m.plain:.1f} us CPU without timers; {timed:.1f} us with them, of it "
             f"{in_kernels:.1f} us in kernel calls ({in_kernels / timed:.0%}), "
             f"{sum(costs.kernel_calls.values()) / ticks:.1f} calls; passing their arguments "
             f"{passing:.1f} us ({passing / timed:.0%})",
             f"with every phase emptied (Mesa's event loop and step() itself): {m.bare:.1f} us "
             f"CPU", *_replay_lines(m), *_replay_table(m, top), "",
             f"{'phase':28s} {'us/tick':>8s} {'share':>6s} {'kernels':>8s} {'glue':>8s} "
             f"{'calls':>6s}"]
    for label, _, _ in phase_methods():
        total, inside = us(costs.phase_ns[label]), us(costs.kernels_in_phase_ns[label])
        lines.append(f"{label:28s} {total:8.1f} {total / timed:6.1%} {inside:8.1f} "
                     f"{total - inside:8.1f} {costs.calls_in_phase[label] / ticks:6.2f}")
    outside = timed - us(sum(costs.phase_ns.values()))
    lines += [f"{'(outside the phases)':28s} {outside:8.1f} {outside / timed:6.1%}", "",
              f"{'kernel':28s} {'calls/tick':>10s} {'us/tick':>8s} {'us/call':>8s} "
              f"{'passing':>8s} {'arguments':>9s}"]
    for name, ns in costs.kernel_ns.most_common(top):
        calls = costs.kernel_calls[name]
        lines.append(f"{name:28s} {calls / ticks:10.2f} {us(ns):8.1f} {ns / calls / 1e3:8.2f} "
                     f"{costs.passing_ns[name] / 1e3:8.2f} {len(costs.samples[name][0]):9d}")
    return "\n".join(lines)


def _replay_table(m: Measured, top: int) -> list[str]:
    """The kernels replayed, by kernel: calls and microseconds a tick, of them passing the
    arguments, and the kernel's own work (the ``top`` by time, then all of them)."""
    if not m.replay_kernels:
        return []
    ticks = m.replay_ticks

    def row(name: str, calls: int, work: float, passing: float) -> str:
        return (f"{name:28s} {calls / ticks:10.2f} {work / ticks / 1e3:8.1f} "
                f"{passing / ticks / 1e3:8.1f} {(work - passing) / ticks / 1e3:8.1f}")

    ranked = sorted(m.replay_kernels.items(), key=lambda item: -item[1][1])
    total = [sum(v[i] for _, v in ranked) for i in range(3)]
    return ["", f"kernels replayed, by kernel ({ticks} ticks, each call timed, wall)",
            f"{'kernel':28s} {'calls/tick':>10s} {'us/tick':>8s} {'passing':>8s} {'own':>8s}",
            *(row(name, *values) for name, values in ranked[:top]),
            row(f"(all {len(ranked)} kernels)", *total)]


def _replay_lines(m: Measured) -> list[str]:
    if m.replay is None:
        return []
    work = m.replay - m.replay_passing
    floor = work + m.bare
    return [f"the kernels of {m.replay_ticks} of these ticks replayed back to back: "
            f"{m.replay:.1f} us CPU a tick (their plain tick {m.replay_plain:.1f} us), passing "
            f"their arguments in the same loop {m.replay_passing:.1f} us: their own work "
            f"{work:.1f} us; with Mesa's loop {floor:.1f} us, {floor / m.replay_plain:.0%} of "
            f"their tick (a floor for a tick compiled whole)"]


def add_workload_arguments(parser: argparse.ArgumentParser, runs: int, regions: int) -> None:
    """The options of :func:`workload`, with ``runs`` kalundborg runs and ``regions``
    synthetic regions by default (``glue_census.py`` takes the same)."""
    parser.add_argument("--firms", type=int, default=0,
                        help="synthetic region of N firms (0: kalundborg, the default)")
    parser.add_argument("--runs", type=int, default=runs, help="kalundborg runs")
    parser.add_argument("--regions", type=int, default=regions, help="synthetic regions")
    parser.add_argument("--from", dest="start", type=int, default=5,
                        help="first measured tick of a synthetic region")
    parser.add_argument("--ticks", type=int, default=None,
                        help="ticks measured a run (default 120 for kalundborg, 20 else)")


def check_workload(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """Fill in the default ``--ticks`` and refuse a bad workload option in one line
    (``parser.error``); returns the workload's name as the reports print it."""
    if args.ticks is None:
        args.ticks = 120 if args.firms == 0 else 20
    for name in ("runs", "regions", "ticks"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}: at least 1, got {getattr(args, name)}")
    if args.firms < 0 or 0 < args.firms < 10:
        parser.error(f"--firms: 0 (kalundborg) or at least 10, got {args.firms}")
    if args.start < 0:
        parser.error(f"--from: a tick, at least 0, got {args.start}")
    return ("kalundborg" if args.firms == 0 else f"synthetic, {args.firms:,} firms, ticks "
            f"{args.start}-{args.start + args.ticks - 1}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_workload_arguments(parser, runs=40, regions=10)
    parser.add_argument("--top", type=int, default=15, help="kernels listed")
    parser.add_argument("--replay", type=int, default=None,
                        help="runs (regions) whose kernel calls are replayed back to back "
                             "(default 4 kalundborg runs, 1 synthetic region; 0: none)")
    args = parser.parse_args(argv)
    what = check_workload(parser, args)
    if args.replay is None:
        args.replay = 4 if args.firms == 0 else 1
    if args.replay < 0:
        parser.error(f"--replay: runs or regions, at least 0, got {args.replay}")
    if args.top < 1:
        parser.error(f"--top: at least 1, got {args.top}")
    measured = measure(args)
    print(f"{what}: {measured.ticks} ticks measured\n")
    print(report(measured, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
