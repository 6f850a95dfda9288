"""Scenario discovery on a thresholded outcome (PRIM and CART through ema_workbench)."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm.cli import main
from symbiosis_abm.sweep import load_spec, run_sweep

LHS = """
[ranges]
bargaining_power = [0.2, 0.8]
broker_capacity = [0, 6]

[sampler]
method = "lhs"
samples = 40
seed = 1
"""


def test_prim_and_cart_find_the_box_where_the_outcome_happens(tmp_path, capsys):
    spec = write_spec(tmp_path, LHS, ticks=12, replicates=1)
    out = tmp_path / "out"
    run_sweep(load_spec(spec), out, backend="serial", progress=False)
    summary = pd.read_parquet(out / "summary.parquet")
    # the median as threshold: about half the runs meet it
    threshold = float(summary["active_exchanges"].median())
    condition = f"active_exchanges>{threshold}"
    assert main(["analyze", str(out), "--discover", condition]) == 0
    printed = capsys.readouterr().out
    assert f"discovery kalundborg/default, {condition}:" in printed
    prim = pd.read_csv(out / "analysis" / "discovery_prim.csv")
    assert set(prim["parameter"]) == {"bargaining_power", "broker_capacity"}
    base_rate = float((summary["active_exchanges"] > threshold).mean())
    row = prim.iloc[0]
    assert 0 < row["coverage"] <= 1 and row["density"] >= base_rate
    # the box's density is what it says, counted from the runs
    inside = summary
    for r in prim.itertuples():
        inside = inside[(inside[r.parameter] >= r.low) & (inside[r.parameter] <= r.high)]
    assert row["density"] == pytest.approx((inside["active_exchanges"] > threshold).mean())
    cart = pd.read_csv(out / "analysis" / "discovery_cart.csv")
    assert {"coverage", "density", "mass"} <= set(cart.columns) and len(cart) >= 2


def test_a_bad_condition_is_one_line_and_exit_2(tmp_path, capsys):
    spec = write_spec(tmp_path, LHS.replace("40", "4"), ticks=2, replicates=1)
    run_sweep(load_spec(spec), tmp_path / "out", backend="serial", progress=False)
    assert main(["analyze", str(tmp_path / "out"), "--discover", "exchanges=3"]) == 2
    assert "write METRIC>=NUMBER" in capsys.readouterr().err
