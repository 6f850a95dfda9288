"""``exp`` and ``power`` with the same bits on every machine.

numpy computes its float64 ``exp`` and ``power`` (and ``log``, ``log1p``, ...) with its
own vector code where the processor has AVX512, and with the C library's functions
elsewhere. The two differ in the last bit for some 0.3-7 % of values, and a run's figures
followed: before this module every case of ``benchmarks/fingerprint.py`` hashed otherwise
on an AVX512 machine (energy recovered, net savings, mean trust differing in their last
bit; such a bit can also tip a threshold, and then a decision). The model takes
these two functions from here instead: the C library's, through compiled loops
(:mod:`.kernels`), which give numpy's own results of a machine without AVX512 and the same
on one with it. Python's own ``float ** float`` and ``math`` functions are the C
library's already; numpy's ufuncs are not, even on a scalar or a 0-d array. Shapes,
broadcasting and scalars behave as with numpy's ufuncs (a scalar comes back as
``numpy.float64``). The C library is the machine's (glibc): another version of it may
round a value otherwise.

Examples
--------
>>> import numpy as np
>>> exp(np.array([0.0, 1.0])).tolist(), float(exp(0.0))
([1.0, 2.718281828459045], 1.0)
>>> power(np.array([[2.0], [3.0]]), np.array([1.0, 2.0])).tolist()
[[2.0, 4.0], [3.0, 9.0]]
"""

from __future__ import annotations

import numpy as np

from .kernels import exp_each, power_each

__all__ = ["exp", "power"]


def _shaped(out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | np.float64:
    """``out`` in ``shape``; a scalar (numpy's ``float64``) where ``shape`` is ``()``."""
    out = out.reshape(shape)
    return out[()] if out.ndim == 0 else out


def exp(x) -> np.ndarray | np.float64:
    """``np.exp(x)`` as the C library makes it."""
    a = np.asarray(x, dtype=float)
    return _shaped(exp_each(a.ravel()), a.shape)   # (ravel: C order, contiguous)


def power(x, y) -> np.ndarray | np.float64:
    """``np.power(x, y)`` (broadcast) as the C library's ``pow`` makes it."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return _shaped(power_each(_flat(a, shape), _flat(b, shape)), shape)


def _flat(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``a`` broadcast to ``shape`` as a flat C-order array of its own where it must be
    spread: ``np.broadcast_arrays``' views warn (numpy 2) when the compiled loop's
    dispatcher reads their ``writeable`` flag, and ``np.broadcast_to``'s are read-only (a
    second compiled signature)."""
    if a.shape == shape:
        return a.ravel()
    return np.broadcast_to(a, shape).flatten()
