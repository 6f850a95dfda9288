"""numpy's random draws made inside compiled code, from a stream's own bit generator.

A kernel that needs random numbers has had them drawn by numpy before the call and handed
in as an array, so a phase whose draws depend on what a pass found was split into passes
around each draw. Handing numba the stream's ``Generator`` instead costs some 20 us a
call (numba unboxes it through its ctypes interface every time), more than most kernels
take. Here a kernel takes a stream as one integer, :func:`stream_address`: the address of
its bit generator's ``bitgen_t``, numpy's C interface to a bit generator (its state and
the functions that advance it, ``numpy/random/bitgen.h``, the interface numpy documents
for drawing its numbers in numba). From it the functions below draw what the stream's
``Generator`` would draw, by numpy's own algorithms (those of
``numpy/random/src/distributions/distributions.c``, as numba transcribes them in
``numba.np.random``): the same numbers, the stream left where numpy would leave it, at
numpy's speed (``tests/test_draws.py``).

The address is valid while the ``Generator`` lives: take it from the stream at each call,
never keep it (a copied or unpickled model has other streams at other addresses).

In numba's pure-Python mode (``NUMBA_DISABLE_JIT=1``, where :mod:`.precompile` records
the kernels' argument types) the same functions run as Python, calling the bit
generator's functions through ctypes.

Examples
--------
>>> import numpy as np
>>> from numba import njit
>>> @njit
... def two_uniforms(stream):
...     out = np.empty(2)
...     fill_uniform(stream, out)
...     return out
>>> a, b = np.random.default_rng(7), np.random.default_rng(7)
>>> bool((two_uniforms(stream_address(a)) == b.random(2)).all())
True
>>> float(a.standard_normal()) == float(b.standard_normal())
True
"""

from __future__ import annotations

import ctypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.core.errors import TypingError
from numba.extending import intrinsic, overload, register_jitable

# numpy's ziggurat tables for the standard normal (numba holds them as numpy's source
# does; tests/test_draws.py checks 200,000 normals against numpy's own)
from numba.np.random._constants import (
    fi_double,
    ki_double,
    wi_double,
    ziggurat_nor_inv_r,
    ziggurat_nor_r,
)

__all__ = ["stream_address", "next_uint64", "next_uint32", "next_double", "uniform",
           "fill_uniform", "standard_normal", "fill_standard_normal", "interval",
           "shuffle"]


def stream_address(generator: np.random.Generator) -> int:
    """The address of ``generator``'s ``bitgen_t``: the stream as a kernel takes it.

    Examples
    --------
    >>> stream_address(np.random.default_rng(0)) > 0
    True
    """
    return generator.bit_generator.ctypes.bit_generator.value


class _BitGen(ctypes.Structure):
    """numpy's ``bitgen_t``: the state and the functions that draw from it, in order."""

    _fields_ = [("state", ctypes.c_void_p),
                ("next_uint64", ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p)),
                ("next_uint32", ctypes.CFUNCTYPE(ctypes.c_uint32, ctypes.c_void_p)),
                ("next_double", ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_void_p)),
                ("next_raw", ctypes.CFUNCTYPE(ctypes.c_uint64, ctypes.c_void_p))]


#: each function's place among the fields of ``bitgen_t`` (pointers, the state first)
_SLOT = {"next_uint64": 1, "next_uint32": 2, "next_double": 3}


def _caller(name: str, returns: ir.Type, result: types.Type):
    """An intrinsic that calls the ``bitgen_t`` function ``name`` at an address on its state."""
    slot = _SLOT[name]

    def call(typingctx, address):
        if not isinstance(address, types.Integer):
            raise TypingError(f"{name}: a stream is the integer of stream_address()")

        def codegen(context, builder, signature, args):
            pointer = ir.IntType(8).as_pointer()
            fields = builder.inttoptr(args[0], pointer.as_pointer())
            state = builder.load(builder.gep(fields, [ir.Constant(ir.IntType(32), 0)]))
            function = ir.FunctionType(returns, [pointer])
            target = builder.load(builder.gep(fields, [ir.Constant(ir.IntType(32), slot)]))
            return builder.call(builder.bitcast(target, function.as_pointer()), [state])

        return result(address), codegen

    call.__name__ = call.__qualname__ = f"_{name}"   # (numba names the intrinsic so)
    return intrinsic(call)


_next_uint64 = _caller("next_uint64", ir.IntType(64), types.uint64)
_next_uint32 = _caller("next_uint32", ir.IntType(32), types.uint32)
_next_double = _caller("next_double", ir.DoubleType(), types.float64)


def next_uint64(stream: int) -> int:
    """The stream's next 64 random bits."""
    bitgen = _BitGen.from_address(stream)
    return bitgen.next_uint64(bitgen.state)


def next_uint32(stream: int) -> int:
    """The stream's next 32 random bits (PCG64 serves two from one 64-bit draw)."""
    bitgen = _BitGen.from_address(stream)
    return bitgen.next_uint32(bitgen.state)


def next_double(stream: int) -> float:
    """The stream's next uniform double in [0, 1): ``Generator.random()``."""
    bitgen = _BitGen.from_address(stream)
    return bitgen.next_double(bitgen.state)


@overload(next_uint64)
def _next_uint64_compiled(stream):
    return lambda stream: _next_uint64(stream)


@overload(next_uint32)
def _next_uint32_compiled(stream):
    return lambda stream: _next_uint32(stream)


@overload(next_double)
def _next_double_compiled(stream):
    return lambda stream: _next_double(stream)


@register_jitable
def uniform(stream):
    """One draw of ``Generator.random()``."""
    return next_double(stream)


@register_jitable
def fill_uniform(stream, out):
    """``out`` (1-D) filled as ``out[:] = Generator.random(len(out))`` fills it."""
    for i in range(len(out)):
        out[i] = next_double(stream)


@register_jitable
def standard_normal(stream):
    """One draw of ``Generator.standard_normal()`` (numpy's ziggurat)."""
    while True:
        r = next_uint64(stream)
        idx = r & 0xff
        r >>= 8
        sign = r & 0x1
        rabs = (r >> 1) & 0x000fffffffffffff
        x = rabs * wi_double[idx]
        if sign & 0x1:
            x = -x
        if rabs < ki_double[idx]:
            return x
        if idx == 0:   # the tail, beyond the last rectangle
            while True:
                xx = -ziggurat_nor_inv_r * np.log1p(-next_double(stream))
                yy = -np.log1p(-next_double(stream))
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 0x1:
                        return -(ziggurat_nor_r + xx)
                    return ziggurat_nor_r + xx
        elif ((fi_double[idx - 1] - fi_double[idx]) * next_double(stream)
              + fi_double[idx]) < np.exp(-0.5 * x * x):
            return x


@register_jitable
def fill_standard_normal(stream, out):
    """``out`` (1-D) filled as ``out[:] = Generator.standard_normal(len(out))`` fills it."""
    for i in range(len(out)):
        out[i] = standard_normal(stream)


@register_jitable
def interval(stream, most):
    """A uniform integer in ``0 .. most`` (numpy's ``random_interval``: masked rejection,
    from 32 bits while ``most`` fits in them), as ``Generator.shuffle`` draws them."""
    if most == 0:
        return 0
    mask = np.uint64(most)
    mask |= mask >> np.uint64(1)
    mask |= mask >> np.uint64(2)
    mask |= mask >> np.uint64(4)
    mask |= mask >> np.uint64(8)
    mask |= mask >> np.uint64(16)
    mask |= mask >> np.uint64(32)
    top = np.uint64(most)
    if top <= np.uint64(0xffffffff):
        value = np.uint64(next_uint32(stream)) & mask
        while value > top:
            value = np.uint64(next_uint32(stream)) & mask
    else:
        value = np.uint64(next_uint64(stream)) & mask
        while value > top:
            value = np.uint64(next_uint64(stream)) & mask
    return np.int64(value)


@register_jitable
def shuffle(stream, values):
    """``values`` (1-D) shuffled in place as ``Generator.shuffle(values)`` shuffles it."""
    for i in range(len(values) - 1, 0, -1):
        j = interval(stream, i)
        if i != j:
            values[i], values[j] = values[j], values[i]
