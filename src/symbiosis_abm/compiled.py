"""Compiled kernels whose on-disk cache several processes can share: the :func:`kernel` decorator.

numba's ``@njit(cache=True)`` keeps one index file per function (which signature is in
which data file) and numbers a new signature's data file from the index it has just read,
with no lock between reading the index and writing the file. Two processes that compile
two signatures of one function at the same moment (two pytest-xdist workers, two sweep
workers on a fresh checkout) can both read an index without either signature, both take
data file 1, and leave an index naming one signature beside the other's machine code. Every
later process that loads that signature then runs code compiled for other argument types:
wrong numbers with no error, or a crash (numba issues 4807 and 10128; the same race was seen
in this project's CI, 2026-12-05). :func:`kernel` is ``njit(nogil=True)`` with numba's
cache, except that reading or writing a cache entry holds a lock file in the cache's
folder, so the index is read and extended, and the data written, as one step.

numba also stamps a cache entry with its own function's source file alone (its time and
size). A kernel compiled with a helper of another module (a kernel of ``kernels.py`` that
``kernels_tick.py`` calls, a draw of ``draws.py``, a code of ``codes.py`` frozen in as a
constant) keeps that helper's machine code as it was: after a change to that module only
(a ``git pull``, an edit), the cached kernel would run the old helper, with no error. So
every kernel's entry is stamped with every module compiled code is made from
(:data:`COMPILED_SOURCES`, :func:`sources_stamp`), and a change to any of them makes every
entry stale: compiled anew, once (``symbiosis-abm precompile``).

Loading an entry is most of what a process pays before its first run (about 0.6 s for the
35 kernels of a ``kalundborg`` run): numba parses each entry's LLVM bitcode, kept beside
its machine code only to link it into code compiled later, and walks the parsed module
for the names it defines, which the machine code's loader needs. :class:`SharedFunctionCache`
lists those names when it saves an entry, and a loaded entry's library
(:class:`_LinkedOnDemand`) parses its bitcode only if something links it (code compiled
later that calls it; in a run from a current cache, nothing does). The same machine code
runs, and about half the loading time goes (benchmarks/README.md, "Kernels loaded without
their bitcode parsed"). This takes numba's library internals as numba 0.68 has them (the
package pins it); ``tests/test_compiled_cache.py`` holds the names listed to those numba
records and runs a loaded entry, unparsed, then linked.

Examples
--------
>>> import numpy as np
>>> from symbiosis_abm.kernels import capped_months
>>> capped_months(np.ones((1, 2)), np.full((1, 2), 2.0), np.array([0]), np.array([0]),
...               np.array([0.25]))
array([[0.5, 0.5]])
>>> type(capped_months._cache).__name__
'SharedFunctionCache'
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import llvmlite.binding as llvm
from filelock import FileLock
from numba import njit
from numba.core.caching import CompileResultCacheImpl, FunctionCache, IndexDataCacheFile
from numba.core.codegen import JITCodeLibrary

__all__ = ["kernel", "borrowing", "SharedFunctionCache", "LOCK_NAME", "COMPILED_SOURCES",
           "sources_stamp", "LISTED", "defined_names"]

#: The package's modules (in its folder) that its compiled code is made from: those that
#: define kernels and the helpers they compile in, and those whose constants they freeze
#: in (``tests/test_compiled_cache.py`` checks none is missing).
COMPILED_SOURCES = ("codes", "compiled", "draws", "held", "kernels", "kernels_drawn",
                    "kernels_tick")

#: The lock file, one per cache folder: entries are read and written in a few
#: milliseconds, so one lock for all the folder's functions costs nothing.
LOCK_NAME = "symbiosis-abm-numba-cache.lock"


class _LockedCacheFile(IndexDataCacheFile):
    """numba's index-and-data files, each save and load made whole under the folder's lock."""

    def save(self, key, data):
        # The parent re-reads the index inside the lock, so a signature another process
        # saved a moment ago keeps its data file and this one takes the next number.
        with self._lock():
            super().save(key, data)

    def load(self, key):
        if not os.path.isdir(self._cache_path):
            return None  # nothing was ever saved here
        # Under the lock, an index entry is never read before its data is written.
        with self._lock():
            return super().load(key)

    def _lock(self) -> FileLock:
        return FileLock(os.path.join(self._cache_path, LOCK_NAME))


@cache
def sources_stamp(folder: Path = Path(__file__).parent) -> tuple:
    """``(name, mtime, size)`` of each of :data:`COMPILED_SOURCES` in ``folder`` (the
    package's), as numba stamps a function's own file: made once per process, as numba
    reads its stamp once per function.

    Examples
    --------
    >>> [name for name, _, _ in sources_stamp()] == list(COMPILED_SOURCES)
    True
    """
    stamps = []
    for name in COMPILED_SOURCES:
        stat = os.stat(folder / f"{name}.py")
        stamps.append((name, stat.st_mtime, stat.st_size))
    return tuple(stamps)


#: The kind of a saved library (numba's are "object" and "bitcode") whose entry also lists
#: the names its module defines (:class:`_ListedSymbols`).
LISTED = "object, defined names listed"


class _LinkedOnDemand(JITCodeLibrary):
    """A library loaded from the cache whose bitcode, which numba keeps to link the library
    into code compiled later, is parsed when that first happens (numba parses it as it
    loads); the machine code is loaded as numba loads it."""

    _bitcode: bytes | None = None
    _parsed = None

    @property
    def _shared_module(self):
        if self._parsed is None and self._bitcode is not None:
            self._parsed, self._bitcode = llvm.parse_bitcode(self._bitcode), None
        return self._parsed

    @_shared_module.setter
    def _shared_module(self, module) -> None:   # (numba sets it: None, then a module)
        self._parsed = module


def defined_names(module) -> frozenset[str]:
    """The names an LLVM ``module`` defines, as numba's engine records them when it loads
    a library (``JitEngine._load_defined_symbols``)."""
    return frozenset(value.name for values in (module.functions, module.global_variables)
                     for value in values if not value.is_declaration)


def _load_listed(codegen, serialized: tuple) -> _LinkedOnDemand:
    """numba's ``CPUCodeLibrary._unserialize`` of an ``"object"`` entry, for a
    :data:`LISTED` one: the same steps, with the defined names read from the entry and
    the bitcode left to :class:`_LinkedOnDemand`."""
    name, _, (object_code, bitcode, names) = serialized
    library = _LinkedOnDemand(codegen, name)
    library._bitcode = bitcode
    library.enable_object_caching()
    library._set_compiled_object(object_code)
    library._finalize_final_module()
    codegen._engine._defined_symbols |= names
    return library


class _ListedSymbols(CompileResultCacheImpl):
    """numba's cache of compiled results, whose saved libraries list the names they
    define (:data:`LISTED`), so that loading one needs no parse of its bitcode."""

    def reduce(self, cres):
        libdata, *rest = super().reduce(cres)
        name, kind, data = libdata
        if kind == "object":   # (the bitcode saved is that module's: no second parse)
            names = defined_names(cres.library._get_module_for_linking())
            libdata = (name, LISTED, (*data, names))
        return (libdata, *rest)

    def rebuild(self, target_context, payload):
        if payload[0][1] != LISTED:
            return super().rebuild(target_context, payload)
        codegen = target_context.codegen()
        # numba's rebuild calls codegen.unserialize_library; for this one call (under
        # numba's compiler lock, which every load holds) it is _load_listed
        codegen.unserialize_library = lambda serialized: _load_listed(codegen, serialized)
        try:
            return super().rebuild(target_context, payload)
        finally:
            del codegen.unserialize_library   # (the class's method again)


class SharedFunctionCache(FunctionCache):
    """numba's per-function cache, with :class:`_LockedCacheFile` for its files, stamped
    with the function's own source and the package's compiled sources
    (:func:`sources_stamp`): an entry made before any of them changed is stale. Its
    entries list the names their libraries define (:class:`_ListedSymbols`)."""

    _impl_class = _ListedSymbols

    def __init__(self, py_func):
        super().__init__(py_func)
        plain = self._cache_file
        self._cache_file = _LockedCacheFile(cache_path=plain._cache_path,
                                            filename_base=self._impl.filename_base,
                                            source_stamp=(plain._source_stamp,
                                                          sources_stamp()))


def kernel(func):
    """Compile ``func`` with ``njit(nogil=True)``, cached on disk by :class:`SharedFunctionCache`.

    numba 0.68 has no public hook for a dispatcher's cache, so this sets the one that
    ``njit(cache=True)`` would set (``Dispatcher.enable_caching`` assigns ``_cache``);
    ``tests/test_compiled_cache.py`` checks every kernel of the package has it.
    """
    dispatcher = njit(nogil=True)(func)
    dispatcher._cache = SharedFunctionCache(func)
    return dispatcher


def borrowing(func):
    """A compiled helper that a kernel calls per item with arrays it only reads or writes
    (it allocates nothing): ``njit`` without numba's runtime (its ``_nrt`` flag off).

    numba counts references to each array a compiled function is given, with an atomic
    add at entry and one at exit, and its pruning of those pairs fails where the
    helper branches or loops: then every call in the caller's loop pays two atomic
    operations per array (count_starvation's per-need helper made its 1,000-need loop
    50 times slower). A function compiled without the runtime holds no references;
    one that would allocate fails to compile, so the decorator cannot hide a leak.

    Examples
    --------
    >>> import numpy as np
    >>> @borrowing
    ... def bump(values, i):
    ...     values[i] += 1.0
    >>> @njit
    ... def bump_each(values):
    ...     for i in range(len(values)):
    ...         bump(values, i)
    >>> values = np.zeros(2)
    >>> bump_each(values)
    >>> values
    array([1., 1.])
    """
    return njit(_nrt=False)(func)
