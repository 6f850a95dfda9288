"""What a call into a compiled kernel costs before its first instruction, by what it is
given: numba's dispatch and the unboxing (and release) of each argument.

A kernel that does a few microseconds of work on a small region is called with tens of
arrays; this measures the fixed cost per call and per array argument, so that a change of
how state reaches the kernels can be judged before it is made. Each case calls a kernel
that reads one element of its first and last argument, ``--calls`` times over
``--sets`` distinct sets of arrays of 20-1,000 elements (so the arrays are not all in
cache, as in a run), with a small Python allocation between calls, and prints the median
of ``--rounds`` rounds in nanoseconds a call.

Then it sets numpy's draws against numba's: ``2 n`` uniform draws (the search's find and
side draws for ``n`` open candidate edges) made by numpy in one call and read by a kernel,
against the same draws made inside the kernel from the ``Generator`` passed to it (the
same numbers, in the same order), for each ``n`` of ``--draws``; microseconds a call, the
fastest of ``--rounds``. It writes nothing.

Usage::

    python benchmarks/call_costs.py
    python benchmarks/call_costs.py --arrays 8,26,60 --rounds 7
    python benchmarks/call_costs.py --draws 50,17700
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from numba import njit, types
from numba.experimental import structref


def kernel_of(n_arrays: int):
    """A compiled function of ``n_arrays`` array arguments reading two elements."""
    names = ", ".join(f"a{i}" for i in range(n_arrays))
    namespace: dict = {}
    exec(f"def taking({names}):\n    return a0[0] + a{n_arrays - 1}[0]\n", namespace)
    return njit(namespace["taking"])


def _unliteral_fields(self, fields):
    return tuple((name, types.unliteral(typ)) for name, typ in fields)


def record_kernel_of(n_arrays: int):
    """A record type of ``n_arrays`` array fields held by numba (a ``StructRef``: one
    argument for many arrays), and a kernel reading two of them."""
    record_type = structref.register(type(f"Record{n_arrays}Type", (types.StructRef,),
                                          {"preprocess_fields": _unliteral_fields}))
    record = type(f"Record{n_arrays}", (structref.StructRefProxy,), {})
    fields = [f"a{i}" for i in range(n_arrays)]
    structref.define_proxy(record, record_type, fields)
    namespace: dict = {}
    exec(f"def reading(r):\n    return r.a0[0] + r.{fields[-1]}[0]\n", namespace)
    return record, njit(namespace["reading"])


@njit
def owned_copy(a):
    """A copy allocated by numba (its base is numba's handle, not a numpy buffer)."""
    return a.copy()


@njit
def returning(a):
    """One array argument and a new array returned (allocated and boxed)."""
    return a[:1].copy()


@njit
def drawing(generator, a):
    """A numpy ``Generator`` as an argument, one draw made."""
    return a[0] + generator.random()


@njit
def drawing_inside(generator, n, out):
    """``2 n`` uniform draws made inside compiled code: the first ``n``, then the next."""
    total = 0.0
    for _ in range(2 * n):
        total += generator.random()
    out[0] = total


@njit
def reading_draws(draws, out):
    """The same draws made beforehand by numpy (a ``(2, n)`` array), read."""
    total = 0.0
    for row in range(2):
        for k in range(draws.shape[1]):
            total += draws[row, k]
    out[0] = total


def time_draws(n: int, rounds: int) -> tuple[float, float]:
    """Microseconds a call (fastest of ``rounds``) of ``2 n`` draws made inside a kernel,
    and made by numpy then read by one; both give the same sum (the same numbers)."""
    inside, ahead = np.random.default_rng(3), np.random.default_rng(3)
    out, check = np.zeros(1), np.zeros(1)
    drawing_inside(inside, n, out)
    reading_draws(ahead.random((2, n)), check)
    if out[0] != check[0]:
        raise AssertionError("numba's draws differ from numpy's")
    calls = max(100, 1_000_000 // n)
    best_inside = best_ahead = np.inf
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            drawing_inside(inside, n, out)
        middle = time.process_time()
        for _ in range(calls):
            reading_draws(ahead.random((2, n)), check)
        end = time.process_time()
        best_inside = min(best_inside, (middle - start) / calls * 1e6)
        best_ahead = min(best_ahead, (end - middle) / calls * 1e6)
    return best_inside, best_ahead


def _spreading(kernel):
    """``kernel`` called with a set's arrays as its arguments."""
    return lambda arrays: kernel(*arrays)


def time_calls(call, sets: list, calls: int, rounds: int) -> float:
    """Median over ``rounds`` of the nanoseconds a call of ``call(set)``, the loop's own
    cost (the same loop calling a Python function that does nothing) taken off."""
    call(sets[0])   # compiled (or loaded) before timing
    return statistics.median(_loop(call, sets, calls) - _loop(_nothing, sets, calls)
                             for _ in range(rounds))


def _nothing(arrays) -> None:
    return None


def _loop(call, sets: list, calls: int) -> float:
    """Nanoseconds a call of ``call`` over ``sets`` in turn, with a tick's small Python
    objects made (and some dropped) between calls."""
    junk: list = []
    start = time.perf_counter()
    for k in range(calls):
        call(sets[k % len(sets)])
        junk.append({"tick": (k, k)})
        if len(junk) > 1000:
            junk.clear()
    return (time.perf_counter() - start) / calls * 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arrays", default="1,8,26,60",
                        help="array arguments a call (comma-separated)")
    parser.add_argument("--sets", type=int, default=300, help="distinct sets of arrays")
    parser.add_argument("--calls", type=int, default=30000, help="calls a round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (median)")
    parser.add_argument("--draws", default="50,1000,17700",
                        help="open candidate edges n of the draws' case (2 n draws; "
                             "comma-separated)")
    args = parser.parse_args(argv)
    sizes, draws = _counts(parser, "arrays", args.arrays), _counts(parser, "draws", args.draws)
    for name in ("sets", "calls", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name}: at least 1, got {getattr(args, name)}")
    rng = np.random.default_rng(1)
    pool = [rng.random(int(rng.integers(20, 1000))) for _ in range(args.sets + max(sizes))]
    owned = [owned_copy(a) for a in pool]
    print(f"{'case':52s} {'ns a call':>10s} {'ns an array':>12s}")
    for n in sizes:
        numpy_sets = [pool[k:k + n] for k in range(args.sets)]
        numba_sets = [owned[k:k + n] for k in range(args.sets)]
        kernel, (record, reader) = kernel_of(n), record_kernel_of(n)
        spread = _spreading(kernel)
        record_sets = [record(*arrays) for arrays in numpy_sets]
        for label, call, sets in (
                (f"{n} numpy arrays as arguments", spread, numpy_sets),
                (f"{n} arrays numba allocated, as arguments", spread, numba_sets),
                (f"one StructRef holding {n} arrays", reader, record_sets)):
            ns = time_calls(call, sets, args.calls, args.rounds)
            print(f"{label:52s} {ns:10.0f} {ns / n:12.1f}")
    one = [[a] for a in pool[:args.sets]]
    generator = np.random.default_rng(2)
    for label, call in (("1 array, a new array returned", lambda s: returning(s[0])),
                        ("1 array and a numpy Generator", lambda s: drawing(generator, s[0]))):
        print(f"{label:52s} {time_calls(call, one, args.calls, args.rounds):10.0f}")
    print(f"\n{'2 n uniform draws, n =':24s} {'inside numba (us)':>18s} {'numpy ahead (us)':>17s}"
          f" {'ratio':>6s}")
    for n in draws:
        inside, ahead = time_draws(n, args.rounds)
        print(f"{n:<24d} {inside:18.2f} {ahead:17.2f} {inside / ahead:6.2f}")
    return 0


def _counts(parser: argparse.ArgumentParser, name: str, text: str) -> list[int]:
    """Comma-separated counts of at least 1, or the parser's one-line error."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        parser.error(f"--{name}: comma-separated counts, got {text!r}")
    if any(n < 1 for n in counts):
        parser.error(f"--{name}: each count at least 1")
    return counts


if __name__ == "__main__":
    sys.exit(main())
