"""Kernels called at their compiled entry point: :class:`BoundKernels`, one table per run.

Calling a numba kernel goes through its dispatcher, which types every argument and picks
the compiled overload for those types before it unboxes them and runs the machine code.
For a kernel of a hundred arguments that choice costs 2-4 us a call, a quarter to a half
of what the call costs warm in ``kalundborg`` (27 firms), whose tick makes a dozen such
calls. A run's calls of one kernel repeat the same argument types: its state arrays keep
their dtypes, its parameters do not change. So a run's table binds each kernel, at
its first call (made through the dispatcher, which compiles it if need be), to the entry
point of the overload the dispatcher chose, and later calls go there directly: the same
machine code and the same unboxing, without the choice. The results are the same bit for
bit (``benchmarks/fingerprint.py``).

What the dispatcher would check no longer is. The entry point unboxes by its own types: a
float given for an integer is truncated, an array of another dtype with the same item size
is read as its own. A table made with ``checked=True`` (the default while
:data:`CHECKED` is true, as in ``tests/test_entry_points.py``) types every argument of
every later call and raises :class:`TypeError` where a call differs from its kernel's
first call in the run. A kernel that takes ``*args`` is never bound (numba folds them
into one tuple argument); in numba's pure-Python mode (``NUMBA_DISABLE_JIT=1``) a kernel
is its own function and is called as such.

Examples
--------
>>> import numpy as np
>>> from symbiosis_abm.kernels import capped_months
>>> kernels = BoundKernels()
>>> args = (np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]), np.array([0]),
...         np.array([0.25]))
>>> kernels[capped_months](*args)        # the first call: through the dispatcher
array([[0.5, 0.5]])
>>> kernels[capped_months](*args)        # then at the overload's entry point
array([[0.5, 0.5]])
>>> capped_months in kernels
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import cache, partial

__all__ = ["BoundKernels", "CHECKED", "entry_point"]

#: Whether a new :class:`BoundKernels` checks every bound call's argument types by
#: default (tests switch it on; a run leaves it off: typing each argument in Python costs
#: far more than the dispatcher it replaces).
CHECKED = False


class BoundKernels(dict):
    """A run's kernels, each bound at its first call to the entry point the dispatcher chose.

    ``table[kernel]`` is the callable to call ``kernel`` through: before its first call a
    function that calls the dispatcher and then binds; after, the entry point (or, if
    ``checked``, the entry point behind a check of the argument types).

    Parameters
    ----------
    checked : bool, optional
        Type every argument of every bound call and raise :class:`TypeError` where its
        type differs from the first call's (default: :data:`CHECKED` when made).
    """

    def __init__(self, *, checked: bool | None = None):
        super().__init__()
        self.checked = CHECKED if checked is None else checked

    def __missing__(self, kernel: Callable) -> Callable:
        return partial(self._first_call, kernel)   # (stored by the call, as bound)

    def _first_call(self, kernel: Callable, *args):
        result = kernel(*args)
        bound = entry_point(kernel, args)
        if self.checked and bound is not kernel:
            bound = partial(_checked_call, kernel, bound, _argument_types(kernel, args))
        self[kernel] = bound
        return result


def entry_point(kernel: Callable, args: tuple) -> Callable:
    """The entry point of the overload ``kernel``'s dispatcher runs for ``args``
    (positional, after a call with them), or ``kernel`` itself where there is none to
    bind: a plain function (numba's pure-Python mode, a wrapper), a kernel taking
    ``*args``, or overloads none of which has exactly these types."""
    overloads = getattr(kernel, "overloads", None)
    if not overloads or _takes_star_args(kernel):
        return kernel
    if len(overloads) == 1:   # (the one the dispatcher just ran, for these arguments)
        # dict's own view: an OrderedDict's looks each key up, and hashing a signature
        # of a hundred numba types costs some 100 us
        return next(iter(dict.values(overloads))).entry_point
    found = overloads.get(_argument_types(kernel, args))
    return kernel if found is None else found.entry_point


@cache   # (inspect.signature costs 20-200 us a kernel; a run binds a few dozen)
def _takes_star_args(kernel) -> bool:
    return any(p.kind is p.VAR_POSITIONAL
               for p in inspect.signature(kernel.py_func).parameters.values())


def _argument_types(kernel, args: tuple) -> tuple:
    return tuple(kernel.typeof_pyval(a) for a in args)


def _checked_call(kernel, bound: Callable, types: tuple, *args):
    """``bound(*args)`` after checking ``args`` have ``types`` (those of ``kernel``'s
    first call in the run)."""
    if len(args) != len(types):
        raise TypeError(f"{kernel.__name__}: {len(args)} arguments, its first call in "
                        f"this run had {len(types)}")
    for i, (arg, expected) in enumerate(zip(args, types)):
        got = kernel.typeof_pyval(arg)
        if got != expected:
            name = list(inspect.signature(kernel.py_func).parameters)[i]
            raise TypeError(f"{kernel.__name__}: argument {i} ({name}) is {got}, its "
                            f"first call in this run gave {expected}")
    return bound(*args)
