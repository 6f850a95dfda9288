"""benchmarks/call_costs.py runs, prints a row per case and refuses bad counts."""

from __future__ import annotations

import benchmark_scripts
import pytest


@pytest.fixture(scope="module")
def call_costs():
    return benchmark_scripts.load("call_costs")


def test_a_row_per_case(call_costs, capsys):
    assert call_costs.main(["--arrays", "3", "--sets", "4", "--calls", "40",
                            "--rounds", "1", "--draws", "5,7"]) == 0
    out = capsys.readouterr().out
    rows, draws = (part.splitlines() for part in out.split("\n\n"))
    labels = [row[:52].strip() for row in rows[1:]]
    assert labels == ["3 numpy arrays as arguments", "3 arrays numba allocated, as arguments",
                      "one StructRef holding 3 arrays", "1 array, a new array returned",
                      "1 array and a numpy Generator"]
    figures = [[float(x) for x in row[52:].split()] for row in rows[1:]]
    assert [len(f) for f in figures] == [2, 2, 2, 1, 1]   # a call, and an array
    assert figures[0][1] == pytest.approx(figures[0][0] / 3, abs=0.5)   # (rounded)
    # the draws' section: a row per n, both timings and their ratio
    assert [row.split()[0] for row in draws[1:]] == ["5", "7"]
    for row in draws[1:]:
        inside, ahead, ratio = (float(x) for x in row.split()[1:])
        # (each printed to 0.01: at a few draws the times are tenths of a microsecond)
        low, high = (inside - 0.005) / (ahead + 0.005), (inside + 0.005) / max(ahead - 0.005, 1e-9)
        assert low - 0.005 <= ratio <= high + 0.005


def test_numba_draws_are_numpys(call_costs):
    """The two ways of the draws' case draw the same numbers (time_draws checks the
    sums; here the numbers themselves)."""
    import numpy as np
    from numba import njit

    @njit
    def first_draws(generator, n):
        out = np.empty(n)
        for k in range(n):
            out[k] = generator.random()
        return out

    assert np.array_equal(first_draws(np.random.default_rng(5), 9),
                          np.random.default_rng(5).random(9))
    assert all(t > 0 for t in call_costs.time_draws(4, 1))


def test_the_record_kernel_reads_its_arrays(call_costs):
    import numpy as np

    record, reader = call_costs.record_kernel_of(3)
    assert reader(record(np.array([1.0]), np.array([5.0]), np.array([2.0]))) == 3.0
    assert call_costs.kernel_of(3)(np.array([1.0]), np.array([5.0]), np.array([2.0])) == 3.0


@pytest.mark.parametrize(("argv", "named"), [
    (["--arrays", "two"], "--arrays"), (["--arrays", "3,0"], "--arrays"),
    (["--sets", "0"], "--sets"), (["--rounds", "0"], "--rounds"),
    (["--draws", "0"], "--draws"), (["--draws", "x"], "--draws")])
def test_bad_counts_refused(call_costs, capsys, argv, named):
    with pytest.raises(SystemExit) as stop:
        call_costs.main(argv)
    assert stop.value.code == 2
    assert named in capsys.readouterr().err


def test_every_draw_of_a_tick_is_numpys_inside_compiled_code():
    """Each kind of draw a tick makes (random.py's streams: ``random`` of a length, of two
    rows, in single precision; ``standard_normal``; ``permutation``; ``shuffle``), made
    inside compiled code from the stream's Generator, gives numpy's numbers and leaves
    the Generator where numpy's draws leave it. A run compiled whole, holding its streams,
    would rest on this (benchmarks/README.md, "By phase and by kernel")."""
    import numpy as np
    from numba import njit

    @njit
    def compiled(g, n, order):
        g.shuffle(order)
        return (g.random(n), g.random((2, n)), g.random(n, dtype=np.float32),
                g.standard_normal(n), g.permutation(n))

    def plain(g, n, order):
        g.shuffle(order)
        return (g.random(n), g.random((2, n)), g.random(n, dtype=np.float32),
                g.standard_normal(n), g.permutation(n))

    for n in (1, 17, 600):
        inside, outside = np.random.default_rng(n), np.random.default_rng(n)
        order_inside, order_outside = np.arange(n), np.arange(n)
        drawn = compiled(inside, n, order_inside)
        expected = plain(outside, n, order_outside)
        assert np.array_equal(order_inside, order_outside)
        for got, want in zip(drawn, expected, strict=True):
            assert got.dtype == want.dtype and np.array_equal(got, want)
        assert inside.random() == outside.random()   # the streams go on alike
