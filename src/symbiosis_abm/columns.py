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

import operator
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Columns"]


class Columns(dict):
    """A table of equally long numpy columns that grows by appending rows in batches.

    It is a ``dict`` of column name -> writable view of the used rows, renewed at each
    append: a tick reads columns thousands of times, and a dict's own lookup is the
    cheapest there is. ``len`` is the number of rows. The columns of one dtype are the
    rows of one 2-D block (:meth:`block`, :meth:`row`).

    Examples
    --------
    >>> import copy
    >>> t = Columns({"a": np.int64})
    >>> t.append(a=[1, 2])
    array([0, 1])
    >>> c = copy.deepcopy(t)
    >>> c["a"][0] = 9
    >>> c.append(a=[3])
    array([2])
    >>> c["a"].tolist(), t["a"].tolist(), len(c)
    ([9, 2, 3], [1, 2], 3)
    """

    def __init__(self, dtypes: dict[str, Any], capacity: int = 64):
        super().__init__()
        self._dtypes = {k: np.dtype(v) for k, v in dtypes.items()}
        # the columns of one dtype are the rows of one 2-D block (in their order), so that
        # a compiled pass takes a dtype's columns as one argument (:meth:`block`):
        # numba's dispatch costs about 90 ns an array argument
        groups: dict[np.dtype, list[str]] = {}
        for name, dtype in self._dtypes.items():
            groups.setdefault(dtype, []).append(name)
        self._names = tuple(tuple(names) for names in groups.values())
        self._row = {name: row for names in self._names for row, name in enumerate(names)}
        self._data = dict.fromkeys(self._dtypes)   # each column's whole row (:meth:`spare`)
        self._attach({d: np.zeros((len(names), capacity), dtype=d)
                      for d, names in groups.items()}, 0, capacity)

    def __reduce__(self):
        # a copy is rebuilt from its blocks, so that its views are views of its own blocks
        return (_rebuilt, (self._dtypes, self._blocks, self._size))

    def _attach(self, blocks: dict[np.dtype, np.ndarray], size: int, capacity: int) -> None:
        """Hold ``blocks`` (one per dtype, a column a row) with ``size`` rows used."""
        self._blocks, self._size, self._capacity = blocks, size, capacity
        self._by_kind = {dtype.type: block for dtype, block in blocks.items()}
        for names, block in zip(self._names, blocks.values()):
            self._data.update(zip(names, block))
        self._renew_views()

    def _renew_views(self) -> None:
        used = operator.itemgetter(slice(0, self._size))   # (a view of each, no loop)
        self.update(zip(self._data.keys(), map(used, self._data.values())))

    def block(self, kind: type) -> np.ndarray:
        """The whole block of the columns of scalar type ``kind`` (``np.float64``, ...),
        a column a row (:meth:`row` says which), for a compiled pass to read and write the
        used rows (``[:, :len(self)]``) in one argument; a block is replaced when the
        table grows past its room."""
        return self._by_kind[kind]

    @property
    def layout(self) -> dict:
        """The table's blocks: a new dict whenever the table grows past its room, which
        replaces every whole column (what a holder of the columns watches,
        :class:`.held.HeldArrays`)."""
        return self._blocks

    def row(self, name: str) -> int:
        """The row of column ``name`` in its dtype's block (:meth:`block`).

        Examples
        --------
        >>> t = Columns({"a": np.int64, "b": float, "c": np.int64})
        >>> t.append(a=[1, 2], b=0.5, c=[3, 4])
        array([0, 1])
        >>> t.row("c"), t.block(np.int64)[t.row("c"), :len(t)].tolist()
        (1, [3, 4])
        """
        return self._row[name]

    def __len__(self) -> int:
        return self._size

    def __bool__(self) -> bool:
        return self._size > 0

    def append(self, **columns: Any) -> np.ndarray:
        """Append rows: every column, as arrays of one length or scalars (broadcast).

        Returns the new row indices.
        """
        data = self._data
        n = -1   # the arrays' one length: the first array's (a tick appends a few rows)
        for values in columns.values():
            if _is_array(values):
                n = len(values)
                break
        if n < 0 or columns.keys() != data.keys():
            raise ValueError("append needs every column, arrays all of one length")
        start = self._size
        end = start + n
        if end > self._capacity:
            self._reserve(end)
        # written past the used rows, and only then counted in: a column of another
        # length raises before the table changes (the rows written are overwritten by
        # the next append, which writes every column)
        one = n == 1   # one row (most ticks): an item's assignment costs less than a slice's
        for name, values in columns.items():
            kind = type(values)   # (the common cases told without a call)
            if (values.ndim > 0 if kind is np.ndarray
                    else kind not in _PLAIN_SCALARS and _is_array(values)):
                if len(values) != n:
                    raise ValueError("append needs every column, arrays all of one length")
                if one:
                    values = values[0]
            if one:
                data[name][start] = values
            else:
                data[name][start:end] = values
        self._size = end
        self._renew_views()
        return np.arange(start, end)

    def spare(self, n: int) -> dict[str, np.ndarray]:
        """The columns' whole arrays, with room for ``n`` rows after the used ones, for a
        compiled pass to write rows into (:meth:`extend` counts them in); the used rows'
        views are of these arrays."""
        if self._size + n > self._capacity:
            self._reserve(self._size + n)
            self._renew_views()
        return self._data

    def extend(self, n: int) -> None:
        """Count in ``n`` rows written after the used ones (every column of each, into
        the arrays of :meth:`spare`)."""
        if self._size + n > self._capacity:
            raise ValueError("extend past the room made by spare")
        self._size += n
        self._renew_views()

    def _reserve(self, needed: int) -> None:
        capacity = self._capacity
        if needed <= capacity:
            return
        capacity = max(needed, 2 * capacity)
        size = self._size
        blocks = {}
        for dtype, old in self._blocks.items():
            new = blocks[dtype] = np.zeros((len(old), capacity), dtype=dtype)
            new[:, :size] = old[:, :size]
        self._attach(blocks, size, capacity)

    def frame(self) -> pd.DataFrame:
        """Copy of the table as a DataFrame."""
        return pd.DataFrame({k: self[k].copy() for k in self._dtypes})


def _rebuilt(dtypes: dict[str, Any], blocks: dict[np.dtype, np.ndarray], size: int) -> Columns:
    """A :class:`Columns` over ``blocks`` (for copies and pickles)."""
    table = Columns(dtypes, capacity=0)
    table._attach(blocks, size, next(iter(blocks.values())).shape[1] if blocks else 0)
    return table


#: the scalar types appended most often (constants of a new row)
_PLAIN_SCALARS = (int, float, bool)


def _is_array(value: Any) -> bool:
    """Whether ``value`` is a column's values (not one value for every row); Python
    scalars and 1-d arrays, the common cases, are told apart by type, without a call."""
    kind = type(value)
    if kind is np.ndarray:
        return value.ndim > 0
    return kind not in _PLAIN_SCALARS and not _is_scalar(value)


def _is_scalar(value: Any) -> bool:
    """``np.ndim(value) == 0``, without its exception path for Python scalars."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0
    return isinstance(value, (bool, int, float, np.generic)) or np.ndim(value) == 0
