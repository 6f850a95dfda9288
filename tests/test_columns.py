"""Columns: appending rows in batches, growing, and refusing malformed batches."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.columns import Columns


def test_append_broadcasts_scalars_and_grows_past_capacity():
    t = Columns({"a": np.int64, "b": float, "c": bool}, capacity=2)
    assert t.append(a=[1, 2, 3], b=0.5, c=True).tolist() == [0, 1, 2]
    assert t.append(a=np.array([4]), b=np.array([1.5]), c=False).tolist() == [3]
    assert t["a"].tolist() == [1, 2, 3, 4]
    assert t["b"].tolist() == [0.5, 0.5, 0.5, 1.5]
    assert t["c"].tolist() == [True, True, True, False]
    assert len(t) == 4 and t["a"].dtype == np.int64
    t["b"][0] = 9.0   # a column is a writable view of the table
    assert t.frame()["b"].tolist() == [9.0, 0.5, 0.5, 1.5]


@pytest.mark.parametrize("batch", [
    {"a": [1, 2], "b": [1.0]},            # two lengths
    {"a": 1, "b": 2.0},                   # no array: no length
    {"a": [1, 2]},                        # a column missing
    {"a": [1], "b": [1.0], "x": [0]},     # an unknown column
])
def test_append_refuses_a_malformed_batch(batch):
    t = Columns({"a": np.int64, "b": float})
    with pytest.raises(ValueError, match="every column"):
        t.append(**batch)
    assert len(t) == 0 and t["a"].tolist() == []


def test_one_row_batches_write_the_same_values_as_longer_ones():
    dtypes = {"a": np.int64, "b": float, "c": bool, "d": np.int8}
    one, many = Columns(dtypes, capacity=1), Columns(dtypes, capacity=1)
    rows = [dict(a=np.array([7]), b=-0.0, c=np.True_, d=np.array(3)),
            dict(a=[8], b=np.array([np.nan]), c=False, d=np.int8(-2)),
            dict(a=np.array([9]), b=np.float64(2.5), c=np.array([True]), d=1)]
    for row in rows:
        one.append(**row)
    many.append(a=[7, 8, 9], b=np.array([-0.0, np.nan, 2.5]), c=[True, False, True],
                d=np.array([3, -2, 1]))
    for name in dtypes:
        assert np.array_equal(one[name].view(np.uint8), many[name].view(np.uint8)), name


def test_a_refused_batch_leaves_the_rows_so_far_and_the_next_batch_whole():
    t = Columns({"a": np.int64, "b": float}, capacity=1)
    t.append(a=[1], b=1.5)
    with pytest.raises(ValueError, match="every column"):
        t.append(a=[2, 3, 4], b=[2.0, 3.0])
    assert t["a"].tolist() == [1] and t["b"].tolist() == [1.5]
    t.append(a=[5, 6], b=7.0)
    assert t["a"].tolist() == [1, 5, 6] and t["b"].tolist() == [1.5, 7.0, 7.0]
