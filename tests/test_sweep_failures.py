"""Runs that raise, exit, hang or are killed land in failures.parquet with their cause;
the others finish; exit 1 with a one-line summary (issue 21, must show 1)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.cli import main
from symbiosis_abm.sweep import load_spec, run_sweep

BODY = """
[vary]
broker_capacity = [1, 2, 3]
"""


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_failed_runs_are_recorded_and_the_sweep_goes_on(tmp_path, capsys, backend):
    spec = write_spec(tmp_path, BODY, ticks=6, replicates=2)
    text = spec.read_text().replace('seed = 7', 'seed = 7\nmodel = "sweep_hooks:FragileModel"')
    spec.write_text(text)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--backend", backend,
                 "--workers", "2", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert "4 runs finished" in last and "2 failed" in last and "failures.parquet" in last
    assert "Traceback" not in err
    failures = pd.read_parquet(out / "failures.parquet")
    assert len(failures) == 2
    assert set(failures["error"]) == {"RuntimeError: test hook: broker_capacity 2 is refused"}
    assert all('"broker_capacity": 2' in p for p in failures["parameters"])
    assert failures["traceback"].str.contains("sweep_hooks.py").all()
    assert failures["seed"].notna().all()
    summary = pd.read_parquet(out / "summary.parquet")
    assert sorted(summary["broker_capacity"]) == [1, 1, 3, 3]
    # A rerun retries only the failed runs (they fail again: the failure is deterministic).
    code = main(["sweep", str(spec), "--out", str(out), "--backend", "serial",
                 "--no-progress"])
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and "(0 now, 4 already done), 2 failed" in last
    assert len(pd.read_parquet(out / "failures.parquet")) == 2


TROUBLE = """
[vary]
broker_capacity = [1, 2, 3, 4, 5, 6]
"""
# broker_capacity -> the cause recorded (sweep_hooks.TroubleModel)
CAUSES = {2: "RuntimeError: test hook: broker_capacity 2 is refused",
          3: "exited with status 3", 4: "per-run timeout of 4 s",
          5: "killed by signal 9 (SIGKILL"}


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_runs_that_raise_exit_hang_or_are_killed_do_not_stop_the_others(tmp_path, capsys,
                                                                        backend):
    """Issue 21, must show 1: every other run done, each bad run recorded with its cause."""
    # Dask: one replicate (each worker death costs a nanny restart, slow on a busy machine)
    replicates = 1 if backend == "dask" else 2
    spec = write_spec(tmp_path, TROUBLE, ticks=4, replicates=replicates)
    spec.write_text(spec.read_text().replace(
        'seed = 7', 'seed = 7\nmodel = "sweep_hooks:TroubleModel"\ntimeout = 4'))
    # the good runs' kernels compiled here first (into the shared on-disk cache): in a
    # fresh checkout a worker's first run would otherwise compile them within its 4 s
    for capacity in (1, 6):
        SymbiosisModel("kalundborg", rng=7, broker_capacity=capacity).run(4)
    out = tmp_path / "out"
    code = main(["sweep", str(spec), "--out", str(out), "--backend", backend,
                 "--workers", "2", "--chunk", "3", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert f"{2 * replicates} runs finished" in last and f"{4 * replicates} failed" in last
    assert "STOPPED" not in last
    summary = pd.read_parquet(out / "summary.parquet")
    assert sorted(summary["broker_capacity"]) == sorted([1, 6] * replicates)
    failures = pd.read_parquet(out / "failures.parquet")
    assert len(failures) == 4 * replicates and failures["run_id"].is_unique
    for _, row in failures.iterrows():
        capacity = json.loads(row["parameters"])["broker_capacity"]
        if backend == "dask" and capacity in (3, 5):
            # Dask's nanny restarts the worker; it does not say how the process ended
            assert "Dask worker process died" in row["error"], row["error"]
        else:
            assert CAUSES[capacity] in row["error"], (capacity, row["error"])
    times = pd.read_parquet(out / "times.parquet")
    assert set(times["run_id"]) == set(summary["run_id"]) | set(failures["run_id"])
    # the reference: the good runs equal a sweep of them alone
    good = tmp_path / "good.toml"
    good.write_text(spec.read_text().replace("[1, 2, 3, 4, 5, 6]", "[1, 6]"))
    run_sweep(load_spec(good), tmp_path / "ref", backend="serial", progress=False)
    want = pd.read_parquet(tmp_path / "ref" / "summary.parquet")
    pd.testing.assert_frame_equal(summary.drop(columns="point").reset_index(drop=True),
                                  want.drop(columns="point").reset_index(drop=True))


@pytest.mark.parametrize("order", [[1, 2, 3], [1, 3, 2], [3, 1, 2]])
def test_a_run_that_kills_its_worker_in_a_chunk_spares_the_chunks_other_runs(tmp_path,
                                                                             order):
    """Without a timeout the chunk's runs are advanced together, so no result has come back
    when one of them kills the worker: each goes back to run alone, and the one that kills
    its worker again is named, wherever it stands in the chunk."""
    spec = write_spec(tmp_path, f"\n[vary]\nbroker_capacity = {order}\n", ticks=3,
                      replicates=1)
    spec.write_text(spec.read_text().replace('seed = 7',
                                             'seed = 7\nmodel = "sweep_hooks:DyingModel"'))
    report = run_sweep(load_spec(spec), tmp_path / "out", workers=1, chunk=3,
                       progress=False)
    assert (report.failed, report.ran, report.aborted) == (1, 3, "")
    failures = pd.read_parquet(tmp_path / "out" / "failures.parquet")
    assert '"broker_capacity": 3' in failures["parameters"][0]
    assert "exited with status 3" in failures["error"][0]
    assert sorted(pd.read_parquet(tmp_path / "out" / "summary.parquet")["broker_capacity"]) \
        == [1, 2]


def test_a_dask_cluster_left_with_no_worker_stops_the_sweep_instead_of_waiting(monkeypatch):
    from symbiosis_abm.sweep import backends

    class Stream:            # futures that never complete
        def next_batch(self, block):
            return []

        def is_empty(self):
            return False

    class Client:            # a cluster whose nannies gave up
        def nthreads(self):
            return {}

    monkeypatch.setattr(backends, "NO_WORKER_SECONDS", 0.5)
    with pytest.raises(backends.NoWorkersLeft, match="no worker for 0.5 s"):
        list(backends._watched(Stream(), Client()))
