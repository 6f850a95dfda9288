"""A sweep folder is resumed only by the same code and the same runs: results of another
model version or of a changed region file are never mixed with new ones."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm.region import bundled_regions
from symbiosis_abm.sweep import load_spec, run_sweep, store
from symbiosis_abm.sweep.spec import SpecError


def _run(spec, out, **kw):
    return run_sweep(spec, out, backend="serial", progress=False, **kw)


def test_results_of_other_code_are_refused_or_restarted(tmp_path, monkeypatch):
    spec = load_spec(write_spec(tmp_path, ticks=3, replicates=2))
    out = tmp_path / "out"
    assert _run(spec, out).ran == 2
    assert _run(spec, out).ran == 0                      # same code: resumed, nothing to do
    monkeypatch.setattr(store, "code_fingerprint", lambda: "0123456789abcdef")
    with pytest.raises(SpecError, match="made by other code.*--fresh"):
        _run(spec, out)
    report = _run(spec, out, stale="restart")            # experiments: start over
    assert report.ran == 2
    summary = pd.read_parquet(out / "summary.parquet")
    assert len(summary) == 2 and summary["run_id"].is_unique


def test_a_changed_region_file_is_not_resumed(tmp_path):
    region = tmp_path / "my_region.toml"
    shutil.copy(bundled_regions()["kalundborg"], region)
    spec_file = write_spec(tmp_path, ticks=3, replicates=2)
    text = spec_file.read_text(encoding="utf-8").replace('["kalundborg"]', '["my_region.toml"]')
    spec_file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert _run(load_spec(spec_file), out).ran == 2
    body = region.read_text(encoding="utf-8")
    region.write_text(body.replace("volume_per_year = ", "volume_per_year = 1", 1),
                      encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "symbiosis_abm.cli", "sweep", str(spec_file),
                           "--out", str(out), "--backend", "serial", "--no-progress"],
                          capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "results of other runs" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    # the old results are untouched
    assert len(pd.read_parquet(out / "summary.parquet")) == 2
