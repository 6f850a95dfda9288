"""The kernels compiled ahead (symbiosis_abm.precompile): the recording in pure-Python
mode meets the signatures a compiled run calls its kernels with, and a cache filled by
``precompile`` serves a run that then compiles nothing."""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from symbiosis_abm import precompile as pre
from symbiosis_abm.cli import main
from symbiosis_abm.compiled import SharedFunctionCache
from symbiosis_abm.model import SymbiosisModel


def _top_level_calls(runs) -> set[tuple]:
    """(module, name, folded argument types) of every call the model's Python makes to a
    kernel in ``runs``, compiled (this process)."""
    seen = set()

    def wrap(module, name, dispatcher):
        def call(*args, **kws):
            types = tuple(dispatcher.typeof_pyval(a) for a in args)
            kw_types = {k: dispatcher.typeof_pyval(v) for k, v in kws.items()}
            folded = dispatcher.fold_argument_types(types, kw_types)[1]
            seen.add((module, name, tuple(folded)))
            return dispatcher(*args, **kws)
        return call

    with pre.kernels_wrapped(wrap):
        for region, overrides, ticks in runs:
            SymbiosisModel(region, rng=0, **overrides).run(ticks)
    return seen


def test_every_kernel_is_named_once():
    names = pre.kernel_names()
    assert len(names) == len(set(names)) > 100
    for module, name in names:
        assert isinstance(getattr(importlib.import_module(module), name)._cache,
                          SharedFunctionCache)
    assert ("symbiosis_abm.kernels_tick", "measure_flat") in names
    # a kernel imported by the other module is named where it is defined
    assert ("symbiosis_abm.kernels_tick", "route_state_keys") not in names


def test_recording_needs_pure_python_mode():
    with pytest.raises(RuntimeError, match="NUMBA_DISABLE_JIT"):
        pre.record()


def test_the_recording_meets_every_call_a_compiled_run_makes():
    """What the pure-Python run records is what the compiled run calls, signature for
    signature (numpy scalars boxed as numba boxes them, read-only arrays as such)."""
    recorded = pre._recorded_in_child(120.0)
    folded = set()
    for s in recorded:
        dispatcher = getattr(importlib.import_module(s.module), s.name)
        folded.add((s.module, s.name,
                    tuple(dispatcher.fold_argument_types(s.args, dict(s.kws))[1])))
    calls = _top_level_calls(pre.RECORDED_RUNS)
    # many signatures (40 once the search's month and a tick of talks became one call
    # each: a phase joined into one call leaves fewer called from Python)
    assert len(calls) > 30
    assert calls <= folded, sorted(c[:2] for c in calls - folded)
    names = {(s.module, s.name) for s in recorded}
    # with the broker's watch and a large pair store's links, which a region of 3,000
    # firms or more meets (RECORDING_WATCH_FROM_EDGES, RECORDING_SMALL_STORE)
    for kernel in ("allocate_start", "refresh_marked", "measure_flat_held", "deliver_pass_held",
                   "reputation_links", "memo_lookup", "memo_insert", "memo_update"):
        assert ("symbiosis_abm.kernels_tick", kernel) in names, kernel
    # what a kernel calls in turn is named beneath it (the scheduling keeps such apart)
    start = next(s for s in recorded if s.name == "allocate_start")
    assert {"start_priced", "price_few_deals"} <= start.beneath
    assert start.kernels == start.beneath | {"allocate_start"}


#: a child's lines that list, in ``compiled``, each function numba compiles after them
_COUNT_COMPILES = textwrap.dedent("""
    import json, sys
    from numba.core import event
    compiled = []

    class Count(event.Listener):
        def on_start(self, e): pass
        def on_end(self, e): compiled.append(e.data["dispatcher"].py_func.__name__)

    event.register("numba:compile", Count())
""")

_RUN_AFTER = _COUNT_COMPILES + textwrap.dedent("""
    from symbiosis_abm.precompile import is_current
    from symbiosis_abm.model import SymbiosisModel
    current = is_current()
    SymbiosisModel("kalundborg", rng=0).run(2)
    print(json.dumps({"current": current, "compiled": compiled}))
""")


_FILL = textwrap.dedent("""
    import json
    from symbiosis_abm.precompile import _cache_folder, precompile
    folder = _cache_folder()
    folder.mkdir(parents=True, exist_ok=True)
    planted = ["kernels.capped_months-1.py312.nbi", "kernels.capped_months-1.py312.1.nbc",
               "kernels_tick.gone-7.py311.nbi", "draws.helper-3.py312.nbi"]
    for name in planted:   # a kernel's files at an earlier line, a removed kernel's, and
        (folder / name).write_bytes(bytes(10))   # a file of another module's function
    r = precompile(workers=2, progress=False, runs=[["kalundborg", {}, 2]])
    print(json.dumps([r.compiled, r.failed, r.removed, r.freed,
                      [(folder / name).exists() for name in planted]]))
""")


def test_a_precompiled_cache_serves_the_run_that_follows(tmp_path):
    """In an empty cache: ``precompile`` of two Kalundborg ticks fills it, removes the
    kernel modules' files that no kernel reads (:func:`~.precompile.prune_cache`) and
    marks it current; a new process running those ticks then compiles nothing."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NUMBA_DISABLE_JIT", None)
    done = subprocess.run([sys.executable, "-c", _FILL], env=env, capture_output=True,
                          text=True, timeout=600, check=True)
    compiled, failed, removed, freed, left = json.loads(done.stdout.splitlines()[-1])
    assert compiled > 10 and failed == 0
    assert (removed, freed, left) == (3, 30, [False, False, False, True])
    assert (tmp_path / "cache").is_dir()
    after = subprocess.run([sys.executable, "-c", _RUN_AFTER], env=env, capture_output=True,
                           text=True, timeout=600, check=True)
    got = json.loads(after.stdout.splitlines()[-1])
    assert got == {"current": True, "compiled": []}


_STAR_KERNEL = textwrap.dedent("""
    import numba

    @numba.njit(cache=True)
    def spread(a, *rest):
        return a + len(rest)
""")

_COMPILE_STAR = textwrap.dedent("""
    from numba import types
    from symbiosis_abm.precompile import Signature, compile_signature
    compile_signature(Signature("star_kernel", "spread",
                                (types.float64, types.float64, types.int64)))
""")

_CALL_STAR = _COUNT_COMPILES + textwrap.dedent("""
    from star_kernel import spread
    print(json.dumps({"result": spread(1.0, 2.0, 3), "compiled": compiled}))
""")


def test_a_kernel_taking_star_args_is_cached_under_the_key_a_call_looks_up(tmp_path):
    """``compile_signature`` of a ``*args`` kernel (as ``renewal_priced``) fills the cache
    so that a call in a new process loads it: it once cached the folded ``StarArgTuple``,
    which no call looks up, and the first run of every fresh cache compiled it again."""
    (tmp_path / "star_kernel.py").write_text(_STAR_KERNEL)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    env.pop("NUMBA_DISABLE_JIT", None)
    subprocess.run([sys.executable, "-c", _COMPILE_STAR], env=env, cwd=tmp_path,
                   capture_output=True, text=True, timeout=300, check=True)
    after = subprocess.run([sys.executable, "-c", _CALL_STAR], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(after.stdout.splitlines()[-1]) == {"result": 3.0, "compiled": []}


def test_the_recording_meets_a_line_worn_out_and_built_again():
    """A recorded run meets the replacement of worn lines (``kalundborg_history``'s old
    lines wear out in its 22nd year): their kernels are compiled ahead too."""
    runs = [r for r in pre.RECORDED_RUNS if r[1].get("lifetime_years")]
    assert runs
    names = {name for _, name, _ in _top_level_calls(runs)}
    assert {"worn_rows", "place_on_routes", "spread_annuity"} <= names


def test_ensure_does_nothing_where_the_cache_is_current(monkeypatch, capsys):
    monkeypatch.setattr(pre, "is_current", lambda: True)
    monkeypatch.setattr(pre, "precompile", lambda **kw: pytest.fail("compiled again"))
    assert pre.ensure_precompiled() is None
    assert capsys.readouterr().err == ""


def test_ensure_does_nothing_in_pure_python_mode(monkeypatch):
    monkeypatch.setenv("NUMBA_DISABLE_JIT", "1")
    monkeypatch.setattr(pre, "is_current", lambda: pytest.fail("looked at the cache"))
    assert pre.ensure_precompiled() is None


def test_a_failed_precompile_is_one_line_and_the_run_goes_on(monkeypatch, capsys):
    def fail(**kw):
        raise RuntimeError("the recording run failed: boom")
    monkeypatch.setattr(pre, "is_current", lambda: False)
    monkeypatch.setattr(pre, "precompile", fail)
    assert pre.ensure_precompiled(progress=False) is None
    err = capsys.readouterr().err.strip().splitlines()
    assert err[0].startswith("compiling the model's kernels once")
    assert err[1] == ("compiling ahead failed (the recording run failed: boom); the run "
                      "compiles its kernels itself")


def test_the_mark_names_the_kernels_sources(tmp_path, monkeypatch):
    monkeypatch.setattr(pre, "_cache_folder", lambda: tmp_path)
    assert not pre.is_current()   # no mark
    pre._write_mark()
    assert pre.is_current()
    assert [p.name for p in tmp_path.iterdir()] == [pre.MARK_NAME]   # no temporary left
    mark = json.loads((tmp_path / pre.MARK_NAME).read_text())
    mark["sources"]["symbiosis_abm.kernels"][1] += 1   # the source changed size
    (tmp_path / pre.MARK_NAME).write_text(json.dumps(mark))
    assert not pre.is_current()
    (tmp_path / pre.MARK_NAME).write_text("{not json")
    assert not pre.is_current()


def test_cli_precompile(monkeypatch, capsys):
    assert main(["precompile", "--workers", "0"]) == 2
    assert capsys.readouterr().err.strip() == ("error: --workers 0: must be a whole number "
                                               ">= 1")
    monkeypatch.setattr(pre, "is_current", lambda: True)
    assert main(["precompile"]) == 0
    assert capsys.readouterr().out.strip() == "the kernels' cache is current: nothing to compile"


def test_the_report_names_the_stale_files_removed():
    assert pre.Report(60, 0, 2, 70.0).pruned == ""
    assert pre.Report(60, 0, 2, 70.0, 1184, 129_293_184).pruned == (
        "; removed 1184 stale cache files (129 MB)")


def test_cli_precompile_reports_a_failed_recording(monkeypatch, capsys):
    def fail(workers):
        raise RuntimeError("the recording run took over 300 s")
    monkeypatch.setattr(pre, "is_current", lambda: False)
    monkeypatch.setattr(pre, "precompile", fail)
    assert main(["precompile"]) == 1
    assert capsys.readouterr().err.strip() == "error: the recording run took over 300 s"


def test_a_second_process_waits_for_the_first(tmp_path, monkeypatch, capsys):
    """While another holds the precompile lock, ensure_precompiled waits for it, then
    finds the cache current and compiles nothing."""
    monkeypatch.setattr(pre, "_cache_folder", lambda: tmp_path)
    done = {"current": False}
    monkeypatch.setattr(pre, "is_current", lambda: done["current"])
    monkeypatch.setattr(pre, "precompile", lambda **kw: pytest.fail("compiled again"))
    other = FileLock(tmp_path / pre.LOCK_NAME)
    other.acquire()
    result = {}
    waiting = threading.Thread(target=lambda: result.update(got=pre.ensure_precompiled()))
    waiting.start()
    time.sleep(0.5)
    assert waiting.is_alive()   # held up by the lock
    done["current"] = True      # the other process finished ...
    other.release()             # ... and let go
    waiting.join(10)
    assert result == {"got": None}
    assert capsys.readouterr().err.strip() == ("waiting for another process compiling the "
                                               "model's kernels ...")


class _Bar:
    def __init__(self):
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n


def _capped_months_signature(*args) -> pre.Signature:
    return pre.Signature("symbiosis_abm.kernels", "capped_months", args)


def test_a_signature_that_fails_is_counted_not_raised():
    from numba import types

    array2, array1 = types.Array(types.float64, 2, "C"), types.Array(types.float64, 1, "C")
    index = types.Array(types.int64, 1, "C")
    good = _capped_months_signature(array2, array2, index, index, array1)
    wrong = _capped_months_signature(types.int64)                  # one argument of five
    missing = pre.Signature("symbiosis_abm.kernels", "no_such_kernel", ())
    bar = _Bar()
    assert pre._compile_all([good, wrong, missing], 2, bar) == 2
    assert bar.n == 3


def test_workers_that_die_fail_what_is_left_and_nothing_hangs(monkeypatch):
    monkeypatch.setattr(pre, "_WORKER", "import sys; sys.exit(3)")
    signatures = [pre.Signature("m", f"k{i}", ()) for i in range(5)]
    bar = _Bar()
    started = time.perf_counter()
    assert pre._compile_all(signatures, 2, bar) == 5
    assert bar.n == 5 and time.perf_counter() - started < 30


def _bytecode_is_current(source) -> bool:
    """Whether ``source`` has bytecode the interpreter would load: its header names the
    source's modification time and size."""
    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.exists():
        return False
    header = cached.read_bytes()[:16]
    stat = source.stat()
    return (header[:4] == importlib.util.MAGIC_NUMBER
            and int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
            and int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF)


def test_the_bytecode_is_written_where_missing_or_stale_even_if_python_would_not(
        tmp_path, monkeypatch):
    """``PYTHONDONTWRITEBYTECODE`` (``sys.dont_write_bytecode``) stops the interpreter
    from writing an editable install's bytecode, not :func:`pre.write_bytecode`."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    modules = [package / "__init__.py", package / "sub" / "leaf.py"]
    for module in modules:
        module.write_text("VALUE = 1\n")
    assert not any(_bytecode_is_current(m) for m in modules)
    assert pre.write_bytecode(package) is True
    assert all(_bytecode_is_current(m) for m in modules)
    modules[1].write_text("VALUE = 22\n")
    os.utime(modules[1], (1_000_000_000, 1_000_000_000))   # another time: stale bytecode
    assert not _bytecode_is_current(modules[1])
    assert pre.write_bytecode(package) is True
    assert all(_bytecode_is_current(m) for m in modules)


def test_a_current_cache_still_has_the_package_bytecode_written(monkeypatch):
    """``ensure_precompiled`` writes the package's missing bytecode even where the
    kernels' cache is current (a module of the package without it, here ``odd.py``)."""
    source = Path(pre.__file__).with_name("odd.py")
    Path(importlib.util.cache_from_source(str(source))).unlink(missing_ok=True)
    assert not _bytecode_is_current(source)
    monkeypatch.setattr(pre, "is_current", lambda: True)
    assert pre.ensure_precompiled() is None
    assert _bytecode_is_current(source)
