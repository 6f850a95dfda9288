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

from filelock import FileLock
from numba import njit
from numba.core.caching import FunctionCache, IndexDataCacheFile

__all__ = ["kernel", "borrowing", "SharedFunctionCache", "LOCK_NAME"]

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


class SharedFunctionCache(FunctionCache):
    """numba's per-function cache, with :class:`_LockedCacheFile` for its files."""

    def __init__(self, py_func):
        super().__init__(py_func)
        plain = self._cache_file
        self._cache_file = _LockedCacheFile(cache_path=plain._cache_path,
                                            filename_base=self._impl.filename_base,
                                            source_stamp=plain._source_stamp)


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
