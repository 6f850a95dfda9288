"""benchmarks/call_costs.py runs, prints a row per case and refuses bad counts."""

from __future__ import annotations

import benchmark_scripts
import pytest


@pytest.fixture(scope="module")
def call_costs():
    return benchmark_scripts.load("call_costs")


def test_a_row_per_case(call_costs, capsys):
    assert call_costs.main(["--arrays", "3", "--sets", "4", "--calls", "40",
                            "--rounds", "1"]) == 0
    rows = capsys.readouterr().out.splitlines()
    labels = [row[:52].strip() for row in rows[1:]]
    assert labels == ["3 numpy arrays as arguments", "3 arrays numba allocated, as arguments",
                      "one StructRef holding 3 arrays", "1 array, a new array returned",
                      "1 array and a numpy Generator"]
    figures = [[float(x) for x in row[52:].split()] for row in rows[1:]]
    assert [len(f) for f in figures] == [2, 2, 2, 1, 1]   # a call, and an array
    assert figures[0][1] == pytest.approx(figures[0][0] / 3, abs=0.5)   # (rounded)


def test_the_record_kernel_reads_its_arrays(call_costs):
    import numpy as np

    record, reader = call_costs.record_kernel_of(3)
    assert reader(record(np.array([1.0]), np.array([5.0]), np.array([2.0]))) == 3.0
    assert call_costs.kernel_of(3)(np.array([1.0]), np.array([5.0]), np.array([2.0])) == 3.0


@pytest.mark.parametrize(("argv", "named"), [
    (["--arrays", "two"], "--arrays"), (["--arrays", "3,0"], "--arrays"),
    (["--sets", "0"], "--sets"), (["--rounds", "0"], "--rounds")])
def test_bad_counts_refused(call_costs, capsys, argv, named):
    with pytest.raises(SystemExit) as stop:
        call_costs.main(argv)
    assert stop.value.code == 2
    assert named in capsys.readouterr().err
