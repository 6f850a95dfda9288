"""Growable struct-of-arrays tables for records created during a run.

Exchanges and negotiations are appended a batch at a time and updated with array
operations; :class:`Columns` keeps one numpy array per field and doubles capacity as
needed, so appending is amortised O(1) and reading a column is a view.

Examples
--------
>>> t = Columns({"a": np.int64, "b": float})
>>> t.append(a=[1, 2], b=[0.5, 1.5])
array([0, 1])
>>> t["b"]
array([0.5, 1.5])
>>> len(t)
2
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Columns"]


class Columns:
    """A table of equally long numpy columns that grows by appending rows in batches."""

    def __init__(self, dtypes: dict[str, Any], capacity: int = 64):
        self._dtypes = {k: np.dtype(v) for k, v in dtypes.items()}
        self._data = {k: np.zeros(capacity, dtype=d) for k, d in self._dtypes.items()}
        self._size = 0
        # the views handed out, kept until the next append: a tick reads columns
        # thousands of times, and slicing anew each time was a measurable share of it
        self._views: dict[str, np.ndarray] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_views": {}}   # a copy gets views of its own arrays

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, name: str) -> np.ndarray:
        """A writable view of column ``name`` (valid until the next append)."""
        view = self._views.get(name)
        if view is None:
            view = self._views[name] = self._data[name][: self._size]
        return view

    def append(self, **columns: Any) -> np.ndarray:
        """Append rows: every column, as arrays of one length or scalars (broadcast).

        Returns the new row indices.
        """
        lengths = {len(v) for v in columns.values() if not _is_scalar(v)}
        if columns.keys() != self._dtypes.keys() or len(lengths) != 1:
            raise ValueError("append needs every column, arrays all of one length")
        n = lengths.pop()
        start = self._size
        self._views.clear()
        self._reserve(start + n)
        for name, values in columns.items():
            self._data[name][start: start + n] = values
        self._size = start + n
        return np.arange(start, start + n)

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity)
        for name, old in self._data.items():
            new = np.zeros(capacity, dtype=old.dtype)
            new[: self._size] = old[: self._size]
            self._data[name] = new

    def frame(self) -> pd.DataFrame:
        """Copy of the table as a DataFrame."""
        return pd.DataFrame({k: self[k].copy() for k in self._dtypes})


def _is_scalar(value: Any) -> bool:
    """``np.ndim(value) == 0``, without its exception path for Python scalars."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0
    return isinstance(value, (bool, int, float, np.generic)) or np.ndim(value) == 0
