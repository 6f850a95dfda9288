"""benchmarks/glue_census.py: the package's Python code a tick runs, counted by phase, the
hooks removed afterwards."""

from __future__ import annotations

import ast
import sys

import benchmark_scripts
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.agents import Facilitator


@pytest.fixture(scope="module")
def glue_census():
    return benchmark_scripts.load("glue_census")


def test_own_statements_leave_out_the_docstring_and_inner_bodies(glue_census):
    source = (
        "def f(x):\n"
        "    '''Doc.'''\n"
        "    y = x\n"
        "    for i in range(3):\n"
        "        y += i\n"
        "        if y:\n"
        "            y -= 1\n"
        "    class C:\n"
        "        a = 1\n"
        "    def g():\n"
        "        return 2\n"
        "    return y\n")
    # y = x, for, y += i, if, y -= 1, class, def, return
    assert glue_census.own_statements(ast.parse(source).body[0]) == 8
    assert glue_census.own_statements(ast.parse("def h():\n    return 1\n").body[0]) == 1


def _rows(out: str) -> dict[str, list[float]]:
    labels = [label for label, _ in SymbiosisModel.PHASES] + ["(outside the phases)"]
    rows = {}
    for line in out.splitlines():
        for label in labels:
            if line.startswith(label + " "):
                rows[label] = [float(x) for x in line[len(label):].split()]
    return rows


def test_a_row_per_phase_and_what_each_rebinds(glue_census, capsys):
    assert glue_census.main(["--runs", "2", "--ticks", "8"]) == 0
    out = capsys.readouterr().out
    rows = _rows(out)
    assert list(rows) == [label for label, _ in SymbiosisModel.PHASES] + [
        "(outside the phases)"]
    functions, statements, _py, kernels, rebinds = rows["9 measure"]
    assert functions >= 1 and statements >= functions
    assert kernels == pytest.approx(1.0)   # measure_flat, once a tick
    # the clock is set by step() before the phases; the statistics by the measurement
    assert "(outside the phases): tick 1.00" in out
    measured = next(line for line in out.splitlines() if line.startswith("  9 measure:"))
    assert "stats 1.00" in measured and rebinds == pytest.approx(2.0)
    # the record phase runs one function (TickRecord.collect) and no kernel
    assert rows["9 record"][0] == 1 and rows["9 record"][3] == 0
    # the modules' table counts the same functions as the tick's distinct row
    distinct = next(line for line in out.splitlines() if line.startswith("(the tick"))
    modules = out.split("statements\n")[-1].strip().splitlines()
    assert sum(int(line.split()[1]) for line in modules) == int(distinct.split()[3])


def test_the_hooks_are_removed(glue_census):
    model_before, facilitator_before = dict(vars(SymbiosisModel)), dict(vars(Facilitator))
    glue_census.main(["--runs", "1", "--ticks", "2"])
    assert dict(vars(SymbiosisModel)) == model_before
    assert dict(vars(Facilitator)) == facilitator_before
    assert sys.getprofile() is None


@pytest.mark.parametrize(("argv", "named"), [
    (["--runs", "0"], "--runs"), (["--firms", "5"], "--firms"), (["--ticks", "0"], "--ticks"),
    (["--from", "-1"], "--from"), (["--regions", "0"], "--regions")])
def test_bad_input_refused(glue_census, capsys, argv, named):
    with pytest.raises(SystemExit) as stop:
        glue_census.main(argv)
    assert stop.value.code == 2
    assert named in capsys.readouterr().err
