"""Must show 2: a sweep killed with SIGKILL midway resumes to the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from sweep_helpers import write_spec

from symbiosis_abm.sweep import load_spec, run_sweep

BODY = """
[vary]
broker_capacity = [1, 2, 3, 4, 5, 6]

[arms.on]
[arms.off]
facilitator = false

[outputs]
timeseries_every = 12
"""
N_RUNS = 6 * 2 * 4


def _sweep_command(spec: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "symbiosis_abm.cli", "sweep", str(spec), "--out", str(out),
            "--backend", "processes", "--workers", "2", "--chunk", "1", "--batch", "2",
            "--no-progress"]


def _summary_parts(out: Path) -> int:
    folder = out / "parts" / "summary"
    return len(list(folder.glob("*.parquet"))) if folder.is_dir() else 0


def test_sigkill_midway_then_resume_equals_uninterrupted(tmp_path):
    spec_file = write_spec(tmp_path, BODY, ticks=60, replicates=4)
    out = tmp_path / "killed"
    # (its temporary files in tmp_path: a process killed outright cannot remove them)
    proc = subprocess.Popen(_sweep_command(spec_file, out), start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    deadline = time.monotonic() + 120
    while _summary_parts(out) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its worker processes
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it was killed"
    # finished parts only: a part being written when the kill came is a temporary file
    partial = pd.concat([pq.read_table(p).to_pandas()
                         for p in (out / "parts" / "summary").glob("*.parquet")
                         if not p.name.startswith(".tmp-")])
    assert 0 < len(partial) < N_RUNS

    resumed = subprocess.run(_sweep_command(spec_file, out), capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{N_RUNS} runs finished" in resumed.stdout
    assert f"{len(partial)} already done" in resumed.stdout

    # No corrupt or temporary file is left; every part reads.
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.startswith(".tmp-")]
    for path in files:
        if path.suffix == ".parquet":
            pq.read_table(path)

    reference = tmp_path / "reference"
    run_sweep(load_spec(spec_file), reference, backend="serial", progress=False)
    got = pd.read_parquet(out / "summary.parquet")
    want = pd.read_parquet(reference / "summary.parquet")
    assert got["run_id"].is_unique and len(got) == N_RUNS
    pd.testing.assert_frame_equal(got, want)
    # The time series has each kept tick of each run exactly once (orphans removed).
    ts = pd.read_parquet(out / "timeseries")
    assert len(ts) == N_RUNS * 6
    assert not ts.duplicated(["run_id", "tick"]).any()
    assert set(ts["run_id"]) == set(got["run_id"])
