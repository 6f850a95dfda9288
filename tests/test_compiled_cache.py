"""The package's compiled kernels share their on-disk cache safely between processes.

numba's own cache can pair one signature's index entry with another's machine code when
two processes save at once (``cache_race.py``); this happened in CI on 2026-12-05 and
gave wrong trust links and a crashed pool worker. ``symbiosis_abm.compiled.kernel`` locks
each cache entry's read and write.
"""

from __future__ import annotations

import multiprocessing

from cache_race import RACER_SOURCE, load_both, save_at_once
from numba.core.registry import CPUDispatcher

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
