"""``experiment NAME --quick --out DIR`` writes only under DIR, for every experiment, and
its report's first line says it is a smoke test (issue 21, must show 5 and point 7)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from symbiosis_abm.cli import main
from symbiosis_abm.cli_experiment import EXPERIMENTS
from symbiosis_abm.sweep.experiment import SMOKE_BANNER

ROOT = Path(__file__).resolve().parents[1]
TICKS = {"kalundborg_validation": 6, "sensitivity": 12}


def _status() -> str:
    done = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_quick_writes_only_under_out_and_says_it_is_a_smoke_test(tmp_path, name):
    before = _status()
    out = tmp_path / "out"
    ticks = TICKS.get(name, 3)      # the fewest that give each report something to show
    code = main(["experiment", name, "--quick", "--out", str(out), "--replicates", "2",
                 "--ticks", str(ticks), "--backend", "serial"])
    assert code in (0, 1)          # 1: a quick run may fail a run; nothing more
    assert _status() == before, f"{name} --quick wrote into the repository"
    reports = [p for p in tmp_path.rglob("*.md")]
    assert reports, f"{name} --quick wrote no report under --out"
    for report in reports:
        first = report.read_text(encoding="utf-8").splitlines()[0]
        assert first == SMOKE_BANNER, (report, first)


def test_region_seeds_option_draws_several_synthetic_regions(tmp_path):
    import pandas as pd

    out = tmp_path / "out"
    assert main(["experiment", "withdrawal", "--quick", "--region-seeds", "1,2",
                 "--replicates", "2", "--ticks", "3", "--backend", "serial",
                 "--out", str(out)]) == 0
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["region"]) == {"synthetic", "kalundborg"}
    # the spec draws by replicate: replicate r of every arm runs on region seed r + 1
    synthetic = summary[summary["region"] == "synthetic"]
    assert dict(zip(synthetic["replicate"], synthetic["region_seed"])) == {0: 1, 1: 2}
    assert synthetic.groupby("replicate")["region_seed"].nunique().eq(1).all()
    report = (out / "report" / "withdrawal.md").read_text(encoding="utf-8")
    assert "--region-seeds 1,2" in report and "t over 2 region seeds" in report
    assert main(["experiment", "distance_trust", "--quick", "--region-seeds", "x",
                 "--out", str(tmp_path / "bad")]) == 2
