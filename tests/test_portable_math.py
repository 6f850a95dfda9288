"""A run's results do not depend on the processor: numpy's vector code and OpenBLAS's
kernels are chosen by processor, and the model's results must not follow them.

numpy's float64 ``exp`` and ``power`` differ in the last bit from the C library's where
the processor has AVX512 (as numpy's ufuncs, on arrays and scalars alike); OpenBLAS's dot
sums in an order of its processor's kernel. Before :mod:`symbiosis_abm.portable_math`
every fingerprint case differed between the two on such a machine.
"""

from __future__ import annotations

import ast
import math
import os
import platform
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy._core import _multiarray_umath as numpy_core

from symbiosis_abm.portable_math import exp, power

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def test_exp_and_power_are_the_c_librarys_bit_for_bit():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-700, 700, 20_000), rng.normal(0, 1, 20_000),
                        [0.0, -0.0, np.inf, -np.inf, np.nan, 710.0, -746.0]])
    base, e = rng.uniform(0, 3, 20_000), rng.uniform(-40, 40, 20_000)
    with np.errstate(all="ignore"):
        got_exp, got_power = exp(x), power(base, e)
    want_exp = np.array([math.inf if v > 709.8 else math.exp(v) for v in x])
    want_power = np.array([math.pow(b, p) for b, p in zip(base, e)])
    assert got_exp.tobytes() == want_exp.tobytes()
    assert got_power.tobytes() == want_power.tobytes()


def test_they_take_shapes_and_scalars_as_numpys_ufuncs():
    grid = power(np.array([[2.0], [3.0]]), np.array([0.5, 2.0, 3.0]))
    assert grid.shape == (2, 3) and grid[1, 2] == 27.0
    assert isinstance(exp(1.0), np.float64) and isinstance(power(2.0, np.asarray(3.0)),
                                                           np.float64)
    assert exp(np.zeros((2, 0, 3))).shape == (2, 0, 3)
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert exp(strided).tolist() == [[math.exp(v) for v in row] for row in strided.tolist()]


_FIRST_POWER = ("import numpy as np; from symbiosis_abm.portable_math import power; "
                "print(power(0.5, np.array([3.0])).tolist())")


def test_power_hands_its_loop_arrays_of_its_own_without_a_warning():
    """A broadcast input is spread into an array of its own: ``np.broadcast_arrays``' view
    of a scalar spread to one item passed through ``ravel`` as itself (one item is
    contiguous at any stride), and the dispatcher's reading of its ``writeable`` flag, on
    a process's first call, warned (numpy 2) in the first run of ``vastra_malardalen``
    (one initial tie's age)."""
    first = subprocess.run([sys.executable, "-W", "error", "-c", _FIRST_POWER],
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and first.stderr == "", first.stderr[-300:]
    assert first.stdout.strip() == "[0.125]"
    column, row = np.array([[2.0], [3.0]]), np.array([0.5, 2.0, 3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = power(row, column)
        same = power(row, row)
    assert grid.shape == (2, 3) and grid.tolist() == np.power(row, column).tolist()
    assert same.tolist() == [math.pow(v, v) for v in row.tolist()]


def _variants() -> dict[str, dict[str, str]]:
    """Environments that change numpy's vector code and OpenBLAS's kernels on this
    machine: numpy without the dispatch targets this processor has, and OpenBLAS held to
    the kernels of older x86-64 processors (every x86-64-v3 one runs them)."""
    features = [t for t in numpy_core.__cpu_dispatch__ if numpy_core.__cpu_features__.get(t)]
    variants = {"as found": {}, "numpy baseline": {"NPY_DISABLE_CPU_FEATURES": " ".join(features)}}
    if platform.machine() == "x86_64":
        variants |= {"OpenBLAS Haswell": {"OPENBLAS_CORETYPE": "Haswell"},
                     "OpenBLAS Sandybridge": {"OPENBLAS_CORETYPE": "Sandybridge"}}
    return variants


_PRINT = ("import sys; sys.path.insert(0, {where!r}); from fingerprint import fingerprint; "
          "print(fingerprint('kalundborg', 120, 1, {{}}), "
          "fingerprint('kalundborg_history', 60, 0, {{}}))")


@pytest.mark.slow
def test_a_runs_results_are_the_same_whatever_numpy_and_openblas_chose():
    prints = {}
    for name, env in _variants().items():
        done = subprocess.run([sys.executable, "-c", _PRINT.format(where=str(BENCHMARKS))],
                              env=os.environ | env, capture_output=True, text=True,
                              check=True)
        prints[name] = done.stdout.split()
    assert len({tuple(p) for p in prints.values()}) == 1, prints


#: numpy's float functions that take its vector code on some processors
_PROCESSOR_DEPENDENT = {"exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "power",
                        "float_power", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
                        "arctan2", "sinh", "cosh", "tanh", "cbrt", "dot", "matmul", "vdot",
                        "inner", "einsum"}


def _run_modules() -> list[Path]:
    """The package's modules a run of the model loads (as a fresh interpreter does)."""
    code = ("import sys; from symbiosis_abm import SymbiosisModel; "
            "SymbiosisModel('kalundborg_history', rng=0).run(2); "
            "print(*[getattr(m, '__file__', None) for n, m in list(sys.modules.items()) "
            "if n.startswith('symbiosis_abm')])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return [Path(f) for f in done.stdout.split() if f != "None"]


#: decorators of compiled functions, whose numpy calls are numba's (the C library's)
_COMPILED = {"kernel", "borrowing", "njit", "register_jitable", "jit"}


def _python_calls(tree: ast.AST) -> list[int]:
    """Lines of ``tree`` outside compiled functions that call a processor-dependent numpy
    function, an array's ``dot`` or multiply matrices (``@``). (An array's ``**`` cannot
    be told from a number's here: the fingerprint test above sees its effect.)"""
    found = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).split("(")[0].split(".")[-1] in _COMPILED
                for d in node.decorator_list):
            return
        called = node.func if isinstance(node, ast.Call) else None
        if (isinstance(called, ast.Attribute) and (
                called.attr in _PROCESSOR_DEPENDENT and isinstance(called.value, ast.Name)
                and called.value.id == "np" or called.attr == "dot")   # (ndarray.dot too)
                or isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult)):
            found.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_no_module_of_a_run_calls_numpys_processor_dependent_functions():
    modules = _run_modules()
    assert any(path.name == "lifecycle.py" for path in modules)
    found = [f"{path.name}:{line}" for path in modules
             for line in _python_calls(ast.parse(path.read_text()))]
    assert found == [], found   # (portable_math's exp and power; a sum of products)


def test_the_scan_sees_a_call_in_python_and_not_in_compiled_code():
    tree = ast.parse("@kernel\ndef f(x):\n    return np.exp(x)\n\n"
                     "def g(x):\n    return np.power(x, 2) + (x @ x) + x.dot(x)\n")
    assert _python_calls(tree) == [6, 6, 6]
