"""The experiment scripts run on the sweep engine (at a tiny size) and write their reports."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    return load_script(ROOT / "experiments" / f"{name}.py", f"exp_{name}")


@pytest.mark.parametrize("name, report", [("targeting", "targeting.md"),
                                          ("validate_kalundborg", "kalundborg_validation.md")])
def test_experiment_runs_on_the_engine_and_reports(tmp_path, name, report):
    module = _script(name)
    code = module.main(["--quick", "--replicates", "2", "--ticks", "6", "--backend", "serial",
                        "--out", str(tmp_path / "out"), "--results", str(tmp_path / "res")])
    assert code == 0
    text = (tmp_path / "res" / report).read_text(encoding="utf-8")
    assert f"experiments/{name}.toml" in text and "--replicates 2 --ticks 6" in text
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    assert summary.groupby("arm")["seed"].apply(lambda s: sorted(s)).map(tuple).nunique() == 1
    # --report-only remakes the same report from the folder without running.
    (tmp_path / "res" / report).unlink()
    assert module.main(["--report-only", "--out", str(tmp_path / "out"),
                        "--results", str(tmp_path / "res")]) == 0
    # issue 21: a --quick report opens with the smoke-test banner (and a blank line), and
    # one remade from the quick folder keeps it; the rest matches but for the wall time
    remade = (tmp_path / "res" / report).read_text(encoding="utf-8")
    assert remade.startswith("> **SMOKE TEST**") and text.startswith("> **SMOKE TEST**")
    def without_wall_time(report_text: str) -> str:
        return re.sub(r" \([0-9.]+ min wall time on \d+ workers\)", "", report_text)

    assert without_wall_time(remade) == without_wall_time(text)
