"""Per-item loops of the kernels hold no array reference counting (compiled.borrowing).

numba increments and decrements an atomic reference count for every array a compiled
helper is given; where its pruning of those pairs fails, a kernel's loop that calls the
helper per item pays them on every call (count_starvation's per-need helper made its
loop 50 times slower). These tests compile kernels afresh (the on-disk cache keeps no
LLVM IR) and look for reference counting inside the loops of their optimized IR.
"""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from symbiosis_abm import SymbiosisModel, kernels, kernels_tick
from symbiosis_abm.compiled import borrowing

_DEFINE = re.compile(r'^define [^\n]*@"?([^"(\s]+)"?\(.*?^}', re.S | re.M)
_LABEL = re.compile(r"^([\w.$-]+):")
_TARGET = re.compile(r'label %"?([\w.$-]+)"?')


def refcounts_in_loops(ir: str) -> int:
    """How many ``NRT_incref``/``NRT_decref`` calls of ``ir``'s functions sit in a loop
    (a block of a strongly connected part of the control-flow graph)."""
    found = 0
    for function in _DEFINE.finditer(ir):
        graph, lines, block = nx.DiGraph(), {}, "entry"
        for line in function.group(0).split("\n")[1:]:
            label = _LABEL.match(line)
            if label:
                block = label.group(1)
                graph.add_node(block)
                continue
            lines.setdefault(block, []).append(line)
            graph.add_edges_from((block, target) for target in _TARGET.findall(line))
        for part in nx.strongly_connected_components(graph):
            first = next(iter(part))
            if len(part) == 1 and not graph.has_edge(first, first):
                continue
            found += sum("call" in line and ("@NRT_incref" in line or "@NRT_decref" in line)
                         for b in part for line in lines.get(b, []))
    return found


def fresh_ir(dispatcher) -> str:
    """The optimized IR of ``dispatcher``'s first signature, compiled anew."""
    signature = dispatcher.signatures[0]
    fresh = njit(dispatcher.py_func)
    fresh.compile(signature)
    return fresh.inspect_llvm(signature)


@pytest.fixture(scope="module")
def compiled_kernels():
    """The package's kernels, each compiled for a kalundborg run's argument types."""
    SymbiosisModel("kalundborg", rng=3).run(36)
    rows, closing = np.empty(4, dtype=np.int64), np.zeros(2, dtype=bool)
    kernels_tick.count_starvation(np.array([True, False]), np.ones(2, dtype=bool),
                                  np.array([0, 1]), np.zeros(2, dtype=np.int64),
                                  np.array([0.1, 0.9]), 0.5, -1)
    kernels_tick.events_and_closing(np.array([0.5, 0.01]), 0.1, rows, closing,
                                    np.array([True, False]), np.ones(2, dtype=bool),
                                    np.array([0, 1]), np.zeros(2, dtype=np.int64),
                                    np.array([0.1, 0.9]), 0.5, 3, -1,
                                    np.ones(2, dtype=bool))
    return {"count_starvation": kernels_tick.count_starvation,
            "events_and_closing": kernels_tick.events_and_closing,
            "price_few_deals": kernels.price_few_deals}


@pytest.mark.parametrize("name", ["count_starvation", "events_and_closing",
                                  "price_few_deals"])
def test_per_item_loops_count_no_references(compiled_kernels, name):
    assert refcounts_in_loops(fresh_ir(compiled_kernels[name])) == 0


def test_an_array_helper_with_branches_would_count_in_the_loop():
    # the check above sees the cost it guards against: the old per-need helper
    @njit(inline="always")
    def counted(i, key_input, firm_open, need_firm, starved, share):
        if not (key_input[i] and firm_open[need_firm[i]]):
            return False
        if share[i] < 0.5:
            starved[i] += 1
        else:
            starved[i] = 0
        return True

    @njit
    def loop(key_input, firm_open, need_firm, starved, share):
        for i in range(len(key_input)):
            counted(i, key_input, firm_open, need_firm, starved, share)

    loop(np.ones(3, dtype=bool), np.ones(2, dtype=bool), np.array([0, 1, 1]),
         np.zeros(3, dtype=np.int64), np.zeros(3))
    assert refcounts_in_loops(loop.inspect_llvm(loop.signatures[0])) > 0


def test_a_borrowing_helper_may_not_allocate():
    @borrowing
    def doubled(values):
        return values * 2.0   # a new array: needs numba's runtime

    @njit
    def caller(values):
        return doubled(values)

    with pytest.raises(TypingError):
        caller(np.ones(2))


def test_a_borrowing_helper_reads_and_writes_the_callers_arrays():
    @borrowing
    def bump(values, i):
        values[i] += 1.0
        return values[i]

    @njit
    def caller(values):
        total = 0.0
        for i in range(len(values)):
            total += bump(values, i)
        return total

    values = np.arange(3.0)
    assert caller(values) == 6.0
    assert values.tolist() == [1.0, 2.0, 3.0]
