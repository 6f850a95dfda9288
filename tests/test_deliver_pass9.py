"""The ninth pass's delivery: a table's columns of one dtype are the rows of one block
(Columns.block, Columns.row), which the delivery and renewal passes take in one argument
a dtype; the block's rows are the columns, through appends, growth, spare and extend,
copies and pickles, and the rows the passes read are the columns they name. The delivery
pass updates the needs that received nothing apart from those that did (track_inputs'
rule, the same bits)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from test_delivery_pass6 import _bits, _copy, _one_call, _reference, _same_state, _state

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.columns import Columns
from symbiosis_abm.contracts import _DELIVERY_ROWS, _EXCHANGE_COLUMNS
from symbiosis_abm.kernels_tick import DELIVERY_FLOAT_COLUMNS, DELIVERY_INT_COLUMNS

_DTYPES = {"a": np.int64, "b": float, "c": bool, "d": np.int64, "e": np.int8, "f": float}


def _same_as_blocks(table: Columns) -> bool:
    """Every column is its row of its dtype's block (the same memory) over the used rows,
    and every whole row (spare) is the block's row."""
    n = len(table)
    for name, dtype in table._dtypes.items():
        block = table.block(dtype.type)
        column, whole = table[name], table.spare(0)[name]
        if not (np.shares_memory(column, block) and column.dtype == dtype
                and len(column) == n and np.array_equal(block[table.row(name), :n], column)
                and whole.base is block and np.array_equal(block[table.row(name)], whole)):
            return False
    return list(table) == list(table._dtypes)


def _random_batch(rng, n: int) -> dict:
    return {"a": rng.integers(-9, 9, n), "b": rng.normal(size=n), "c": rng.random(n) < 0.5,
            "d": rng.integers(0, 99, n), "e": rng.integers(-5, 5, n).astype(np.int8),
            "f": rng.random(n)}


@pytest.mark.parametrize("seed", range(6))
def test_blocks_are_the_columns_through_appends_growth_and_copies(seed):
    rng = np.random.default_rng(seed)
    table, plain = Columns(_DTYPES, capacity=int(rng.integers(0, 4))), {}
    for _ in range(12):
        batch = _random_batch(rng, int(rng.integers(1, 7)))
        table.append(**batch)
        for k, v in batch.items():
            plain[k] = np.concatenate([plain.get(k, v[:0]), v])
        if rng.random() < 0.3:   # rows written by a pass into spare room, then counted in
            n = int(rng.integers(1, 5))
            room = table.spare(n)
            extra = _random_batch(rng, n)
            for k, v in extra.items():
                room[k][len(table):len(table) + n] = v
                plain[k] = np.concatenate([plain[k], v])
            table.extend(n)
        table.block(np.float64)[table.row("f"), 0] = 7.5   # a pass writes into a block
        plain["f"][0] = 7.5
        assert _same_as_blocks(table)
        assert all(np.array_equal(table[k], v) for k, v in plain.items())
    for other in (copy.deepcopy(table), pickle.loads(pickle.dumps(table))):
        assert _same_as_blocks(other) and all(np.array_equal(other[k], v)
                                              for k, v in plain.items())
        other.block(np.int64)[other.row("d"), 0] += 1   # its own blocks
        assert other["d"][0] == table["d"][0] + 1
        other.append(**_random_batch(rng, 40))   # and its own growth
        assert _same_as_blocks(other) and _same_as_blocks(table)


def test_delivery_rows_are_the_named_exchange_columns():
    model = SymbiosisModel("kalundborg", rng=4)
    model.run(30)
    ex = model.exchanges
    assert len(ex) and set(DELIVERY_INT_COLUMNS + DELIVERY_FLOAT_COLUMNS) <= set(
        _EXCHANGE_COLUMNS)
    ints, floats = ex.block(np.int64), ex.block(np.float64)
    n_int = len(DELIVERY_INT_COLUMNS)
    for block, names, rows in ((ints, DELIVERY_INT_COLUMNS, _DELIVERY_ROWS[:n_int]),
                               (floats, DELIVERY_FLOAT_COLUMNS, _DELIVERY_ROWS[n_int:])):
        for name, row in zip(names, rows):   # the row is that column's memory
            assert np.shares_memory(block[row], ex[name]), name
            assert block[row, :len(ex)].ctypes.data == ex[name].ctypes.data, name


@pytest.mark.parametrize("seed", range(8))
def test_needs_that_received_nothing_follow_track_inputs(seed):
    """Many needs, most of them without a delivery (some without a volume, some with
    deliveries of nothing): the pass's shares are track_inputs', bit for bit."""
    t = 20
    state = _state(seed, t, worn=False, needs=150)
    ref = _copy(state)
    expected = _reference(ref, t, check_worn=False)
    got = _one_call(state, t, check_worn=False)
    received = np.unique(expected[2])
    assert 0 < len(received) < 100 and (ref["need_volume"][received] == 0).any()
    for x, y in zip(got, expected):
        assert x.dtype == y.dtype and _bits(x) == _bits(y)
    assert _same_state(state, ref)
