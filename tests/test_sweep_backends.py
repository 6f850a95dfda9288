"""Must show 1: the same spec gives identical summary.parquet with every backend."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm import load_results
from symbiosis_abm.sweep import load_spec, run_sweep

BODY = """
[vary]
broker_capacity = [1, 3]

[arms.on]
[arms.off]
facilitator = false

[outputs]
timeseries_every = 6
exchanges = true
collect = "sweep_hooks:firm_count"
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return load_spec(write_spec(tmp_path_factory.mktemp("spec"), BODY, ticks=12))


def _frame(path) -> pd.DataFrame:
    return pd.read_parquet(path / "summary.parquet").sort_values("run_id").reset_index(drop=True)


def test_serial_processes_and_dask_give_identical_summaries(spec, tmp_path):
    serial = run_sweep(spec, tmp_path / "serial", backend="serial", progress=False)
    procs = run_sweep(spec, tmp_path / "procs", backend="processes", workers=2,
                      progress=False, chunk=1)
    dask = run_sweep(spec, tmp_path / "dask", backend="dask", workers=2, progress=False,
                     chunk=1)
    assert serial.failed == procs.failed == dask.failed == 0
    reference = _frame(tmp_path / "serial")
    assert len(reference) == 8 and reference["run_id"].is_unique
    pd.testing.assert_frame_equal(reference, _frame(tmp_path / "procs"))
    pd.testing.assert_frame_equal(reference, _frame(tmp_path / "dask"))
    # The hook's metric and table, time series and exchange logs are kept per run.
    res = load_results(tmp_path / "dask")
    assert "open_firm_share" in res.metrics
    assert sorted(res.table("sizes")["run_id"]) == sorted(reference["run_id"])
    ts = res.timeseries()
    assert set(ts["tick"]) == {0, 6, 11}
    assert len(ts) == 3 * 8 and set(ts["arm"]) == {"on", "off"}
    assert set(res.exchanges()["run_id"]) <= set(reference["run_id"])


def test_arms_share_seeds_replicate_by_replicate(spec, tmp_path):
    run_sweep(spec, tmp_path, backend="serial", progress=False)
    frame = _frame(tmp_path)
    seeds = frame.pivot_table(index=["point", "replicate"], columns="arm", values="seed")
    assert (seeds["on"] == seeds["off"]).all()
    assert frame.groupby("replicate")["seed"].nunique().eq(1).all()
    assert frame["seed"].nunique() == 2
    # The facilitator arm sets its parameter column; the other arm shows the default.
    assert set(frame.loc[frame["arm"] == "off", "facilitator"]) == {False}
    assert set(frame.loc[frame["arm"] == "on", "facilitator"]) == {True}


def test_a_running_dask_scheduler_is_used_by_address(spec, tmp_path):
    from dask.distributed import LocalCluster

    run_sweep(spec, tmp_path / "serial", backend="serial", progress=False)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        report = run_sweep(spec, tmp_path / "remote", backend="dask",
                           scheduler=cluster.scheduler_address, progress=False)
    assert report.failed == 0 and report.ran == 8
    pd.testing.assert_frame_equal(_frame(tmp_path / "serial"), _frame(tmp_path / "remote"))
