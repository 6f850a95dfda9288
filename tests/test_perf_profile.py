"""benchmarks/perf_profile.py: naming compiled code for ``perf`` and reading its report
(the parts that run without ``perf``; the benchmark itself needs it)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import benchmark_scripts
import numpy as np
import pytest


@pytest.fixture(scope="module")
def perf_profile():
    return benchmark_scripts.load("perf_profile")


@pytest.fixture
def fake_perf(perf_profile, monkeypatch):
    """``perf`` installed and its commands answered by ``answer(returncode, stdout)``;
    the last command run is the returned dict's ``"command"``."""
    def answer(returncode: int = 0, stdout: str = "") -> dict:
        seen = {}

        def run(command, **kwargs):
            seen["command"] = command
            return subprocess.CompletedProcess(command, returncode, stdout=stdout,
                                               stderr="stopped here")

        monkeypatch.setattr(perf_profile.subprocess, "run", run)
        monkeypatch.setattr(perf_profile.shutil, "which", lambda name: "/usr/bin/perf")
        return seen
    return answer


REPORT = """\
# Samples: 32K of event 'cpu-clock:ppp'
#
# Overhead  Shared Object             Symbol
# ........  ........................  ......
#
    16.21%  libpython3.12.so.1.0      [.] _PyEval_EvalFrameDefault
     3.00%  [JIT] tid 3124            [.] NRT_decref
     1.50%  [JIT] tid 3124            [.] measure_flat[wrapper]
     1.25%  [JIT] tid 3124            [.] 0x00007fd24c137069
     0.90%  _nrt_python.cpython-312-x86_64-linux-gnu.so  [.] NRT_adapt_ndarray_from_python
     0.50%  _pcg64.cpython-312-x86_64-linux-gnu.so  [.] __pyx_f_5numpy_6random_6_pcg64_pcg64_double
     0.25%  [kernel.kallsyms]         [k] exc_page_fault
"""


def test_report_read_by_shared_object_and_symbol(perf_profile, fake_perf):
    seen = fake_perf(stdout=REPORT)
    shares = perf_profile.samples_by_symbol(Path("perf.data"), 12.5, 13.25)
    assert seen["command"][-2:] == ["--time", "12.500000,13.250000"]
    assert shares == {
        ("libpython3.12.so.1.0", "_PyEval_EvalFrameDefault"): 16.21,
        ("[JIT] tid 3124", "NRT_decref"): 3.0,
        ("[JIT] tid 3124", "measure_flat[wrapper]"): 1.5,
        ("[JIT] tid 3124", "0x00007fd24c137069"): 1.25,
        ("_nrt_python.cpython-312-x86_64-linux-gnu.so", "NRT_adapt_ndarray_from_python"): 0.9,
        ("_pcg64.cpython-312-x86_64-linux-gnu.so",
         "__pyx_f_5numpy_6random_6_pcg64_pcg64_double"): 0.5,
        ("[kernel.kallsyms]", "exc_page_fault"): 0.25,
    }


@pytest.mark.parametrize(("dso", "symbol", "kind"), [
    ("[JIT] tid 1", "NRT_incref", "numba reference counts"),
    ("[JIT] tid 1", "measure_flat", "compiled kernels"),
    ("[JIT] tid 1", "measure_flat[wrapper]", "compiled kernels"),
    ("[JIT] tid 1", "0x00007fd24c137069", "run-time code not named"),
    ("_dispatcher.cpython-312-x86_64-linux-gnu.so", "Dispatcher_call",
     "numba calls: dispatch, (un)boxing"),
    ("_generator.cpython-312-x86_64-linux-gnu.so", "random_standard_uniform_fill",
     "numpy random draws"),
    ("_multiarray_umath.cpython-312-x86_64-linux-gnu.so", "PyArray_NewFromDescr_int", "numpy"),
    ("libpython3.12.so.1.0", "_PyEval_EvalFrameDefault", "Python interpreter"),
    ("libc.so.6", "_int_malloc", "C library (malloc, free, copies)"),
    ("ld-linux-x86-64.so.2", "__tls_get_addr", "thread-local look-ups (ld.so)"),
    ("[kernel.kallsyms]", "exc_page_fault", "other"),
])
def test_kinds_of_code(perf_profile, dso, symbol, kind):
    assert perf_profile.kind_of(dso, symbol) == kind


def test_report_shares_add_up(perf_profile, capsys):
    shares = {("libpython3.12.so.1.0", "_PyEval_EvalFrameDefault"): 30.0,
              ("[JIT] tid 1", "measure_flat"): 10.0,
              ("[JIT] tid 1", "NRT_decref"): 10.0}
    perf_profile.report(shares, per_tick_us=100.0, top=2)
    out = capsys.readouterr().out
    assert "Python interpreter                     60.0%     60.0" in out
    assert "compiled kernels                       20.0%     20.0" in out
    assert "numba reference counts                 20.0%     20.0" in out
    assert "NRT_decref" not in out.split("symbol")[1]   # the top 2 only: 30 % and 10 % first


def test_map_names_this_process_kernels(perf_profile, tmp_path):
    from symbiosis_abm.kernels_tick import rows_below  # a compiled kernel, called once

    rows_below(np.array([0.5, 0.01]), 0.1, np.empty(2, dtype=np.int64))
    entries = perf_profile.kernel_addresses()
    names = {name for _, name in entries}
    assert {"rows_below", "rows_below[wrapper]", "NRT_incref", "NRT_decref"} <= names
    assert all(address > 0 for address, _ in entries)
    path = tmp_path / "perf.map"
    perf_profile.write_perf_map(entries, path)
    rows = [line.split() for line in path.read_text().splitlines()]
    starts = [int(start, 16) for start, _, _ in rows]
    assert starts == sorted(starts) and len(rows) == len(entries)
    for (start, size, _), following in zip(rows, starts[1:]):
        assert int(start, 16) + int(size, 16) <= following   # no range over the next
    assert rows[-1][1] == f"{1 << 16:x}"


def test_without_perf_one_line_and_exit_2(perf_profile, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(perf_profile.shutil, "which", lambda name: None)
    assert perf_profile.main(["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "perf" in err
    assert not (tmp_path / "out").exists()   # nothing written


@pytest.mark.parametrize(("argv", "named"), [
    (["--runs", "0"], "--runs"), (["--firms", "-3"], "--firms"),
    (["--firms", "600", "--ticks", "5"], "--ticks"), (["--top", "0"], "--top"),
    (["--firms", "600", "--from", "60", "--ticks", "60"], "--ticks"),
    (["--firms", "600", "--from", "-1"], "--from"), (["--from", "10"], "--from")])
def test_bad_counts_refused(perf_profile, capsys, argv, named):
    with pytest.raises(SystemExit) as stop:
        perf_profile.main(argv)
    assert stop.value.code == 2
    assert named in capsys.readouterr().err


def test_child_measures_from_the_tick_asked(perf_profile, capsys):
    # a synthetic region run to tick --from unmeasured, then measured up to --ticks
    assert perf_profile.main(["--child", "--firms", "30", "--runs", "2", "--from", "3",
                              "--ticks", "5"]) == 0
    measured = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert measured["ticks"] == 2 * (5 - 3) and measured["cpu_s"] > 0


@pytest.mark.parametrize("argv", [[], ["--runs", "7"], ["--firms", "600", "--from", "60",
                                                        "--ticks", "72"]])
def test_child_is_given_arguments_it_accepts(perf_profile, fake_perf, monkeypatch, tmp_path,
                                             argv):
    # the command under perf is parsed as the child parses it: a kalundborg profile must
    # not hand the child a --from it refuses
    seen = fake_perf(1)
    assert perf_profile.main([*argv, "--out", str(tmp_path)]) == 1
    child = seen["command"][seen["command"].index("--") + 3:]
    assert child[:2] == ["--child", "--write-map"]
    monkeypatch.setattr(perf_profile, "child", lambda args: seen.update(child_args=args))
    assert perf_profile.main(child) == 0
    assert seen["child_args"].firms == (600 if argv[:1] == ["--firms"] else 0)
    assert seen["child_args"].runs == (7 if argv[:1] == ["--runs"] else 300)


SCRIPT = """\

\t          10eefe _PyEval_EvalFrameDefault (/usr/lib/libpython3.12.so.1.0)
\t    7effe51ce35b py::Measurement._measure:/repo/src/symbiosis_abm/measurement.py (/tmp/perf-20958.map)

\t          170c77 PyObject_CallFunctionObjArgs (/usr/lib/libpython3.12.so.1.0)
\t            cc65 numba_unpickle (/venv/site-packages/numba/_helperlib.so)
\t    7effe508a4c7 exp_each[wrapper] (/tmp/perf-20958.map)
\t    7effe51ce35b py::exp:/repo/src/symbiosis_abm/portable_math.py (/tmp/perf-20958.map)

\t           144b0 __tls_get_addr (/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2)
\t          1cfdc8 get_state (inlined)
\t    7effd6c295c5 py::Model._do_step:/venv/lib/python3.12/site-packages/mesa/model.py (/tmp/perf-20958.map)

\t    7effd6c29000 0x00007effd6c29000 (/tmp/perf-20958.map)
\t          1cfdc8 PyObject_Malloc (/usr/lib/libpython3.12.so.1.0)

\t    7effe51ce35b py::Measurement._measure:/repo/src/symbiosis_abm/measurement.py (/tmp/perf-20958.map)
"""


def test_samples_owned_by_the_innermost_python_function_or_kernel(perf_profile, fake_perf):
    seen = fake_perf(stdout=SCRIPT)
    shares = perf_profile.samples_by_owner(Path("perf.data"), 1.5, 2.0)
    assert seen["command"][:3] == ["perf", "script", "-i"]
    assert seen["command"][-2:] == ["--time", "1.500000,2.000000"]
    assert shares == {"Measurement._measure:symbiosis_abm/measurement.py": 40.0,
                      "[compiled] exp_each[wrapper]": 20.0,
                      "Model._do_step:mesa/model.py": 20.0,
                      perf_profile.UNOWNED: 20.0}


def test_owners_report_adds_up(perf_profile, capsys):
    shares = {"Measurement._measure:symbiosis_abm/measurement.py": 50.0,
              "[compiled] measure_flat": 30.0, perf_profile.UNOWNED: 20.0}
    perf_profile.report_owners(shares, per_tick_us=200.0, top=2)
    out = capsys.readouterr().out
    assert "Python functions (with the C code they called)" in out
    lines = {line[:58].strip(): line[58:].split() for line in out.splitlines()[:3]}
    assert lines["Python functions (with the C code they called)"] == ["50.0%", "100.0"]
    assert lines["compiled kernels (with their callees)"] == ["30.0%", "60.0"]
    assert lines[perf_profile.UNOWNED] == ["20.0%", "40.0"]
    assert "Measurement._measure" in out and "(no Python" not in out.split("owner")[1]


@pytest.mark.parametrize(("python", "runs", "frequency"), [(False, "300", "4000"),
                                                          (True, "60", "1000")])
def test_python_view_records_stacks_and_names_functions(perf_profile, fake_perf, tmp_path,
                                                        python, runs, frequency):
    seen = fake_perf(1)
    argv = ["--python"] if python else []
    assert perf_profile.main([*argv, "--out", str(tmp_path)]) == 1
    command = seen["command"]
    record, child = command[:command.index("--")], command[command.index("--") + 1:]
    assert record[record.index("-F") + 1] == frequency
    assert ("--call-graph" in record) == python and ("-X" in child) == python
    assert child[child.index("--runs") + 1] == runs


def test_map_appended_after_pythons_own_entries(perf_profile, tmp_path):
    path = tmp_path / "perf.map"
    path.write_text("7f0000001000 40 py::step:model.py\n")
    perf_profile.write_perf_map([(0x7F0000002000, "measure_flat")], path)
    assert path.read_text().splitlines() == ["7f0000001000 40 py::step:model.py",
                                             "7f0000002000 10000 measure_flat"]
