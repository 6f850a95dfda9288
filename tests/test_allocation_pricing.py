"""Allocation reuses a deal's first pricing when the deal is priced again unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import symbiosis_abm.allocation as allocation
from symbiosis_abm import SymbiosisModel
from symbiosis_abm.allocation import _same_bits


def test_same_bits_tells_signed_zeros_and_nans_apart():
    assert _same_bits(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    assert not _same_bits(np.array([0.0]), np.array([-0.0]))
    assert not _same_bits(np.array([1.0, 2.0]), np.array([1.0, 2.5]))


def _outputs(model):
    return (model.timeseries(), model.exchanges_frame(), model.assets_frame(),
            repr(model.summary()))


@pytest.mark.parametrize("seed", [1, 2])
def test_reusing_the_first_pricing_changes_no_result(seed, monkeypatch):
    reused = []
    real = allocation._same_bits

    def counting(a, b):
        reused.append(real(a, b))
        return reused[-1]

    monkeypatch.setattr(allocation, "_same_bits", counting)
    fast = SymbiosisModel("kalundborg", rng=seed)
    fast.run(60)
    assert any(reused)   # the shortcut was taken
    monkeypatch.setattr(allocation, "_same_bits", lambda a, b: False)   # always re-price
    slow = SymbiosisModel("kalundborg", rng=seed)
    slow.run(60)
    for a, b in zip(_outputs(fast)[:3], _outputs(slow)[:3]):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert _outputs(fast)[3] == _outputs(slow)[3]
