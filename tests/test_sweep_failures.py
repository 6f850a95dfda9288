"""Must show 3: runs that raise land in failures.parquet; the others finish; exit 1."""

from __future__ import annotations

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm.cli import main

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


def test_a_worker_that_dies_stops_the_sweep_cleanly(tmp_path, capsys):
    spec = write_spec(tmp_path, BODY, ticks=3, replicates=1)
    spec.write_text(spec.read_text().replace('seed = 7', 'seed = 7\nmodel = "sweep_hooks:DyingModel"'))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2",
                 "--chunk", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "STOPPED: a worker process died" in last and "rerun the same command" in last
