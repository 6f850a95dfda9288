"""numpy's draws made inside compiled code (draws.py): the numbers of the stream's own
Generator, and the stream left where that Generator would leave it."""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest
from numba.core.errors import TypingError

from symbiosis_abm.compiled import kernel
from symbiosis_abm.draws import (
    fill_standard_normal,
    fill_uniform,
    interval,
    shuffle,
    standard_normal,
    stream_address,
    uniform,
)


@kernel
def _uniforms(stream, n):  # pragma: no cover - compiled
    out = np.empty(n)
    fill_uniform(stream, out)
    return out


@kernel
def _normals(stream, n):  # pragma: no cover - compiled
    out = np.empty(n)
    fill_standard_normal(stream, out)
    return out


@kernel
def _one_each(stream):  # pragma: no cover - compiled
    return uniform(stream), standard_normal(stream)


@kernel
def _shuffled(stream, values):  # pragma: no cover - compiled
    shuffle(stream, values)


@kernel
def _intervals(stream, most, n):  # pragma: no cover - compiled
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = interval(stream, most)
    return out


def _pair(seed):
    """Two generators in the same state: one drawn by the kernels, one by numpy."""
    return np.random.default_rng(seed), np.random.default_rng(seed)


def _same_state(a, b) -> bool:
    return a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("seed", range(4))
def test_uniforms_are_numpys_and_leave_the_stream_where_numpy_does(seed):
    ours, numpys = _pair(seed)
    for n in (0, 1, 7, 1000):
        assert np.array_equal(_uniforms(stream_address(ours), n), numpys.random(n))
    assert _same_state(ours, numpys)


@pytest.mark.parametrize("seed", range(3))
def test_normals_are_numpys_ziggurat_tail_included(seed):
    # 200,000 normals meet the ziggurat's rejections and its tail beyond the last layer
    ours, numpys = _pair(seed)
    got, want = _normals(stream_address(ours), 200_000), numpys.standard_normal(200_000)
    assert np.array_equal(got, want)
    assert np.abs(want).max() > 3.6   # (the tail was drawn: beyond r = 3.6541)
    assert _same_state(ours, numpys)


def test_one_draw_at_a_time_is_numpys():
    ours, numpys = _pair(11)
    for _ in range(100):
        u, z = _one_each(stream_address(ours))
        assert u == numpys.random() and z == numpys.standard_normal()


@pytest.mark.parametrize("n", [0, 1, 2, 3, 50, 10_000])
@pytest.mark.parametrize("dtype", [np.int64, np.float64, np.int32])
def test_shuffle_is_numpys(n, dtype):
    ours, numpys = _pair(n)
    got, want = np.arange(n, dtype=dtype), np.arange(n, dtype=dtype)
    _shuffled(stream_address(ours), got)
    numpys.shuffle(want)
    assert np.array_equal(got, want)
    if n > 3:
        assert not np.array_equal(got, np.arange(n))   # it was shuffled
    assert _same_state(ours, numpys)   # (the 32-bit half kept for the next draw too)


def test_permutation_is_a_shuffled_range():
    ours, numpys = _pair(5)
    got = np.arange(40)
    _shuffled(stream_address(ours), got)
    assert np.array_equal(got, numpys.permutation(40))


def _random_interval(bits, most, n):
    """numpy's ``random_interval`` (distributions.c) written over the raw 64-bit outputs
    of a PCG64 (``random_raw``): masked rejection from 32 bits while ``most`` fits in
    them (PCG64 serves a 64-bit output's low half, then its high half), else from 64."""
    mask = (1 << most.bit_length()) - 1
    halves: list[int] = []

    def next32():
        if not halves:
            raw = int(bits.random_raw())
            halves.extend((raw >> 32, raw & 0xFFFFFFFF))
        return halves.pop()

    out = []
    for _ in range(n):
        draw = next32 if most <= 0xFFFFFFFF else (lambda: int(bits.random_raw()))
        value = draw() & mask
        while value > most:
            value = draw() & mask
        out.append(value)
    return out


@pytest.mark.parametrize("most", [1, 6, 1000, 2**32 - 1, 2**32, 2**40 + 3])
def test_intervals_are_numpys_bounded_draws(most):
    ours = np.random.default_rng(most % 97)
    got = _intervals(stream_address(ours), most, 300)
    want = _random_interval(np.random.PCG64(np.random.SeedSequence(most % 97)), most, 300)
    assert got.tolist() == want
    assert min(want) >= 0 and max(want) <= most and len(set(want)) > min(most, 100)


def test_a_copied_generator_is_a_stream_of_its_own():
    original = np.random.default_rng(3)
    copied = copy.deepcopy(original)
    assert stream_address(copied) != stream_address(original)
    _uniforms(stream_address(copied), 5)
    assert np.array_equal(original.random(5), np.random.default_rng(3).random(5))


def test_a_stream_must_be_an_integer():
    with pytest.raises(TypingError, match="stream_address"):
        _uniforms(1.5, 3)


def test_the_draws_are_the_same_in_numbas_pure_python_mode():
    # precompile records the kernels' types with NUMBA_DISABLE_JIT=1: the draws then run
    # as Python, through ctypes, and must still be numpy's
    code = ("import numpy as np\n"
            "from symbiosis_abm.draws import fill_uniform, fill_standard_normal, shuffle, "
            "stream_address\n"
            "a, b = np.random.default_rng(4), np.random.default_rng(4)\n"
            "u, z, v = np.empty(9), np.empty(500), np.arange(30)\n"
            "fill_uniform(stream_address(a), u); fill_standard_normal(stream_address(a), z)\n"
            "shuffle(stream_address(a), v)\n"
            "ok = (u == b.random(9)).all() and (z == b.standard_normal(500)).all()\n"
            "ok = ok and (v == b.permutation(30)).all()\n"
            "print(bool(ok and a.bit_generator.state == b.bit_generator.state))\n")
    env = {"NUMBA_DISABLE_JIT": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "True"
