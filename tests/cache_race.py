"""Two processes saving a compiled function's cache at once, in the interleaving that
loses an entry (numba issues 4807, 10128): used by ``test_compiled_cache.py``.

Each racer waits at a barrier just before its save, then its index and data writes are
delayed so that, without a lock, both read an empty index, both take data file 1, and the
index keeps the second racer's signature beside the first racer's machine code. The
delays (``test_compiled_cache._race``) leave half a second for both to read the index, so
the race does not hang on the scheduler's timing.
"""

from __future__ import annotations

import importlib
import sys
import time

RACER_SOURCE = '''
from numba import njit

from symbiosis_abm.compiled import kernel


@kernel
def doubled(x):
    return 2 * x


@njit(cache=True)
def doubled_by_numba(x):
    return 2 * x
'''


def _delayed(method, seconds):
    def wrapper(*args, **kwargs):
        time.sleep(seconds)
        return method(*args, **kwargs)
    return wrapper


def save_at_once(folder, function, argument, index_delay, data_delay, barrier):
    """Compile ``racer.<function>`` for ``argument``'s type, saving after ``barrier``."""
    from numba.core import caching

    sys.path.insert(0, folder)
    save = caching.Cache.save_overload

    def save_after_barrier(self, sig, data):
        barrier.wait(timeout=120)
        return save(self, sig, data)

    caching.Cache.save_overload = save_after_barrier
    caching.IndexDataCacheFile._save_index = _delayed(caching.IndexDataCacheFile._save_index,
                                                      index_delay)
    caching.IndexDataCacheFile._save_data = _delayed(caching.IndexDataCacheFile._save_data,
                                                     data_delay)
    getattr(importlib.import_module("racer"), function)(argument)


def load_both(folder, function):
    """Call ``racer.<function>`` on an int and a float in a fresh process: the results,
    and how many of the two signatures were loaded from the cache."""
    sys.path.insert(0, folder)
    dispatcher = getattr(importlib.import_module("racer"), function)
    results = dispatcher(3), dispatcher(1.5)
    return results, sum(dispatcher.stats.cache_hits.values())
