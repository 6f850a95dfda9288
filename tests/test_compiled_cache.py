"""The package's compiled kernels share their on-disk cache safely between processes.

numba's own cache can pair one signature's index entry with another's machine code when
two processes save at once (``cache_race.py``); this happened in CI on 2026-12-05 and
gave wrong trust links and a crashed pool worker. ``symbiosis_abm.compiled.kernel`` locks
each cache entry's read and write.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
from pathlib import Path

import llvmlite.binding as llvm
import numpy as np
from cache_race import RACER_SOURCE, load_both, save_at_once
from numba.core.codegen import JitEngine
from numba.core.registry import CPUDispatcher

import symbiosis_abm.compiled as compiled
import symbiosis_abm.kernels as kernels
import symbiosis_abm.kernels_tick as kernels_tick
from symbiosis_abm.compiled import SharedFunctionCache

SPAWN = multiprocessing.get_context("spawn")  # fresh interpreters, as in a process pool


def _race(folder, function):
    """Two racers save ``function``'s int and float signatures at once; then a third
    process loads both from the cache."""
    (folder / "racer.py").write_text(RACER_SOURCE)
    barrier = SPAWN.Barrier(2)
    racers = [SPAWN.Process(target=save_at_once,
                            args=(str(folder), function, argument, index_delay, data_delay,
                                  barrier))
              for argument, index_delay, data_delay in ((3, 0.5, 1.5), (1.5, 1.0, 0.0))]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(timeout=180)
        assert racer.exitcode == 0
    with SPAWN.Pool(1) as pool:
        return pool.apply(load_both, (str(folder), function))


def test_processes_saving_at_once_keep_each_signature_with_its_own_code(tmp_path):
    results, loaded = _race(tmp_path, "doubled")
    assert results == (6, 3.0) and type(results[0]) is int and type(results[1]) is float
    assert loaded == 2  # both came from the cache: the race did save both


def test_the_race_gives_numbas_plain_cache_the_wrong_code(tmp_path):
    """The harness does reproduce the race: numba's own cache loses it (if a numba release
    fixes its cache, this fails, and ``compiled.kernel`` can become ``njit(cache=True)``)."""
    results, _ = _race(tmp_path, "doubled_by_numba")
    assert results[1] != 3.0 or type(results[1]) is not float


def _package_kernels():
    for module in (kernels, kernels_tick):
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                yield f"{module.__name__}.{name}", value


def test_every_kernel_uses_the_shared_cache():
    found = dict(_package_kernels())
    inlined = {name for name, kernel in found.items()   # compiled into callers:
               if kernel.targetoptions.get("inline") == "always"   # inlined helpers and
               or kernel.targetoptions.get("_nrt") is False}       # compiled.borrowing's
    plain = [name for name, kernel in found.items()
             if name not in inlined and not isinstance(kernel._cache, SharedFunctionCache)]
    assert len(found) - len(inlined) > 90 and plain == []


# ---- a kernel's cache entry goes stale with any source compiled code is made from
_PACKAGE = Path(compiled.__file__).parent
_DEFINES_COMPILED = re.compile(
    r"^\s*@(kernel|borrowing|njit|register_jitable|overload|intrinsic)\b|\b(njit|intrinsic)\(",
    re.M)
_RELATIVE_IMPORT = re.compile(r"^from \.(\w+) import", re.M)


def test_every_module_compiled_code_is_made_from_stamps_the_cache():
    """The modules that define compiled functions, and every module of the package they
    import from (whose functions and constants numba compiles in), are the stamped ones."""
    defining = {path.stem for path in _PACKAGE.rglob("*.py")
                if _DEFINES_COMPILED.search(path.read_text())}
    imported = {name for module in defining
                for name in _RELATIVE_IMPORT.findall((_PACKAGE / f"{module}.py").read_text())}
    assert defining >= {"kernels", "kernels_tick", "kernels_drawn", "draws", "compiled"}
    assert defining | imported == set(compiled.COMPILED_SOURCES)
    stamp = kernels.capped_months._cache._cache_file._source_stamp
    assert stamp[1] == compiled.sources_stamp()
    assert [name for name, _, _ in stamp[1]] == list(compiled.COMPILED_SOURCES)


def test_the_stamp_follows_each_sources_time_and_size(tmp_path):
    for name in compiled.COMPILED_SOURCES:
        (tmp_path / f"{name}.py").write_text("x = 1\n")
    before = compiled.sources_stamp.__wrapped__(tmp_path)
    (tmp_path / "codes.py").write_text("x = 12\n")   # one source, a byte longer
    after = compiled.sources_stamp.__wrapped__(tmp_path)
    assert [a == b for a, b in zip(before, after)] == [
        name != "codes" for name in compiled.COMPILED_SOURCES]


_CALLER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import symbiosis_abm.compiled as compiled
if sys.argv[2] == "changed":   # as if a compiled source had changed since then
    stamp = compiled.sources_stamp()
    compiled.sources_stamp = lambda: tuple((n, t + 1.0, s) for n, t, s in stamp)
import stamped
stamped.plus_one(1)
stats = stamped.plus_one.stats
print(json.dumps([len(stats.cache_hits), len(stats.cache_misses)]))
"""


def test_an_entry_made_before_a_compiled_source_changed_is_compiled_anew(tmp_path):
    """A kernel saved to the cache is loaded by the next process; once a source of the
    package's compiled code has changed (its stamp), it is compiled again, not loaded."""
    (tmp_path / "stamped.py").write_text(
        "from symbiosis_abm.compiled import kernel\n\n\n"
        "@kernel\ndef plus_one(x):\n    return x + 1\n")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NUMBA_DISABLE_JIT", None)

    def run(state):
        done = subprocess.run([sys.executable, "-c", _CALLER, str(tmp_path), state],
                              env=env, capture_output=True, text=True, timeout=300,
                              check=True)
        return json.loads(done.stdout.splitlines()[-1])

    assert run("same") == [0, 1]      # compiled and saved
    assert run("same") == [1, 0]      # loaded
    assert run("changed") == [0, 1]   # stale: compiled again


# ---- an entry loaded from the cache parses its bitcode only when code links it
_LOADER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
from numba import njit
import listed
total = listed.total(np.arange(5.0))
library = listed.total.overloads[listed.total.signatures[0]].library

def pending():   # the bitcode kept, not yet parsed
    return getattr(library, "_bitcode", None) is not None

before = [type(library).__name__, pending()]

@njit
def caller(values):   # linked with total's library: its bitcode is needed now
    return listed.total(values) * 2.0

doubled = caller(np.arange(5.0))
print(json.dumps([total, doubled, *before, pending(),
                  len(listed.total.stats.cache_hits)]))
"""


def test_a_loaded_entry_runs_unparsed_and_is_parsed_when_linked(tmp_path):
    """A kernel's entry saved with its defined names (``compiled.LISTED``) is loaded
    by the next process without a parse of its bitcode, gives the same result, and
    is parsed when new compiled code calls it (numba links its bitcode in)."""
    (tmp_path / "listed.py").write_text(
        "from symbiosis_abm.compiled import kernel\n\n\n"
        "@kernel\ndef total(values):\n    s = 0.0\n    for v in values:\n"
        "        s += v\n    return s\n")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NUMBA_DISABLE_JIT", None)

    def run():
        done = subprocess.run([sys.executable, "-c", _LOADER, str(tmp_path)], env=env,
                              capture_output=True, text=True, timeout=300, check=True)
        return json.loads(done.stdout.splitlines()[-1])

    # compiled here: numba's own library, whose module it made as it compiled
    assert run() == [10.0, 20.0, "JITCodeLibrary", False, False, 0]
    # loaded: its bitcode kept unparsed until the caller is compiled, then parsed
    assert run() == [10.0, 20.0, "_LinkedOnDemand", True, False, 1]


def test_the_names_listed_are_those_numba_records_on_loading():
    """``compiled.defined_names`` of a kernel's saved bitcode is the set numba's engine
    would add from the parsed module (``JitEngine._load_defined_symbols``)."""
    kernels.capped_months(np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]),
                          np.array([0]), np.array([0.25]))
    cres = next(iter(kernels.capped_months.overloads.values()))
    module = llvm.parse_bitcode(cres.library._get_module_for_linking().as_bitcode())
    engine = JitEngine.__new__(JitEngine)
    engine._defined_symbols = set()
    engine._load_defined_symbols(module)
    assert compiled.defined_names(module) == engine._defined_symbols
    # among them the wrapper a call from Python enters (the loader looks it up by name)
    assert cres.fndesc.llvm_cpython_wrapper_name in engine._defined_symbols
