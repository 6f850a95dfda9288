"""What a compiled tick would have to take over: the package's Python code that a steady
tick runs, phase by phase.

Issue 17's 10x on small regions needs the tick's Python glue compiled together with its
kernels, over state the compiled code reaches in a few blocks (``benchmarks/README.md``,
"Phases 8 and 9 in one compiled call"). This script sizes that work on a real workload.
Over the measured ticks, with a profiler hook (``sys.setprofile``) and the phases and
kernels wrapped as :mod:`tick_costs` wraps them, it records per phase of
:data:`SymbiosisModel.PHASES`:

* the package's Python functions that ran, and their *statements*: the statements of
  each function's own body (:func:`own_statements`: its docstring and the bodies of the
  functions defined inside it left out), each function counted once per phase;
* the calls of the package's Python functions and of its compiled kernels, per tick;
* the run state (:data:`symbiosis_abm.state.STATE`) and the facilitator's attributes
  the phase *rebinds* (sets to another object) rather than writes in place, per tick,
  with the arrays among them named: each is a value a compiled tick would have to own,
  or write into in place.

The workload is :mod:`tick_costs`' (``kalundborg`` runs, or ticks of synthetic regions
of ``--firms`` firms); a first run of it with another seed loads the kernels. It writes
nothing.

Usage::

    python benchmarks/glue_census.py                           # kalundborg, 20 runs
    python benchmarks/glue_census.py --firms 600 --regions 4   # ticks 5-24 at 600 firms
"""

from __future__ import annotations

import argparse
import ast
import collections
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from tick_costs import (
    Costs,
    _replaced,
    add_workload_arguments,
    check_workload,
    instrument,
    workload,
)

import symbiosis_abm
from symbiosis_abm import SymbiosisModel
from symbiosis_abm.agents import Facilitator
from symbiosis_abm.state import STATE

#: the package's source folder: a frame whose code lies below it is the package's
PACKAGE = str(Path(symbiosis_abm.__file__).resolve().parent) + "/"

OUTSIDE = "(outside the phases)"


def own_statements(tree: ast.AST) -> int:
    """Statements of a function's own body: its docstring and the bodies of functions
    and classes defined inside it are not counted (their ``def`` is).

    Examples
    --------
    >>> source = '''
    ... def f(x):
    ...     "Doc."
    ...     if x:
    ...         x += 1
    ...     def g():
    ...         return 1
    ...     return x
    ... '''
    >>> own_statements(ast.parse(source).body[0])
    4
    """
    body = list(tree.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    count, todo = 0, body
    while todo:
        node = todo.pop()
        count += 1
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        todo.extend(child for child in ast.iter_child_nodes(node)
                    if isinstance(child, ast.stmt))
    return count


@cache
def _statements_by_line(filename: str) -> dict[int, int]:
    """Each function of a source file by the line its code object starts at (its first
    decorator's, else its ``def``'s) -> its own statements."""
    tree = ast.parse(Path(filename).read_text(encoding="utf-8"))
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            out[first] = out[node.lineno] = own_statements(node)
    return out


def statements_of(code) -> int:
    """Own statements of the function whose code object is ``code`` (0 for a lambda or
    a generator expression: part of the statement that holds it)."""
    return _statements_by_line(code.co_filename).get(code.co_firstlineno, 0)


@dataclass
class Census:
    """What the hooks saw, per phase label."""
    costs: Costs = field(default_factory=Costs)
    functions: dict = field(default_factory=lambda: collections.defaultdict(set))
    python_calls: collections.Counter = field(default_factory=collections.Counter)
    rebinds: dict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    arrays: set = field(default_factory=set)

    def phase(self) -> str:
        return self.costs.current[-1]

    def hook(self, frame, event, _arg) -> None:
        """The profiler hook: a call of one of the package's Python functions."""
        if event == "call" and frame.f_code.co_filename.startswith(PACKAGE):
            label = self.phase()
            self.functions[label].add(frame.f_code)
            self.python_calls[label] += 1

    def rebinding(self, cls: type, prefix: str, names: set[str] | None) -> tuple:
        """``(cls, "__setattr__", setter)`` for :func:`tick_costs._replaced`: a setter
        that counts, under the current phase, the attributes in ``names`` (all if None)
        that held an object and are set to another one."""
        inherited = cls.__setattr__

        def setattr_counted(holder, name, value):
            held = vars(holder)
            if (names is None or name in names) and name in held and held[name] is not value:
                key = prefix + name
                self.rebinds[self.phase()][key] += 1
                if isinstance(value, np.ndarray):
                    self.arrays.add(key)
            inherited(holder, name, value)
        return cls, "__setattr__", setattr_counted


def take_census(args: argparse.Namespace) -> tuple[Census, int]:
    """Run the workload twice (the first loads the kernels) and count the second's
    ticks; returns the census and the ticks counted."""
    prepare, run, ticks = workload(args, seed_offset=1000)
    run(prepare())
    prepare, run, ticks = workload(args)
    prepared = prepare()
    census = Census()
    restore_hooks = _replaced([census.rebinding(SymbiosisModel, "", set(STATE)),
                               census.rebinding(Facilitator, "facilitator.", None)])
    restore = instrument(census.costs)
    sys.setprofile(census.hook)
    try:
        run(prepared)
    finally:
        sys.setprofile(None)
        restore()
        restore_hooks()
    return census, ticks


def report(census: Census, ticks: int) -> str:
    """The census as a table a phase a row, the state rebound, the modules."""
    labels = [label for label, _ in SymbiosisModel.PHASES] + [OUTSIDE]
    head = (f"{'phase':<28}{'functions':>10}{'statements':>11}{'py calls':>10}"
            f"{'kernels':>9}{'rebinds':>9}")
    lines = ["per tick: py calls (the package's Python functions), kernels (calls of its "
             "compiled kernels),", "rebinds (state set to a new object)", "", head]
    every: set = set()
    for label in labels:
        codes = census.functions.get(label, set())
        every |= codes
        lines.append(
            f"{label:<28}{len(codes):>10}{sum(map(statements_of, codes)):>11}"
            f"{census.python_calls[label] / ticks:>10.1f}"
            f"{census.costs.calls_in_phase[label] / ticks:>9.2f}"
            f"{sum(census.rebinds[label].values()) / ticks:>9.2f}")
    lines.append(
        f"{'(the tick, distinct)':<28}{len(every):>10}{sum(map(statements_of, every)):>11}"
        f"{sum(census.python_calls.values()) / ticks:>10.1f}"
        f"{sum(census.costs.calls_in_phase.values()) / ticks:>9.2f}"
        f"{sum(sum(c.values()) for c in census.rebinds.values()) / ticks:>9.2f}")
    lines += ["", "rebound, per tick (* an array):"]
    for label in labels:
        counted = census.rebinds.get(label)
        if counted:
            names = ", ".join(f"{name}{'*' if name in census.arrays else ''} "
                              f"{count / ticks:.2f}" for name, count in sorted(counted.items()))
            lines.append(f"  {label}: {names}")
    lines += ["", f"{'module':<24}{'functions':>10}{'statements':>11}"]
    by_module: dict[str, list] = collections.defaultdict(list)
    for code in every:
        by_module[Path(code.co_filename).relative_to(PACKAGE).as_posix()].append(code)
    for module, codes in sorted(by_module.items(), key=lambda kv: -sum(map(statements_of,
                                                                             kv[1]))):
        lines.append(f"{module:<24}{len(codes):>10}{sum(map(statements_of, codes)):>11}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_workload_arguments(parser, runs=20, regions=4)
    args = parser.parse_args(argv)
    what = check_workload(parser, args)
    census, ticks = take_census(args)
    print(f"{what}: {ticks:,} ticks counted\n")
    print(report(census, ticks))
    return 0

if __name__ == "__main__":
    sys.exit(main())
