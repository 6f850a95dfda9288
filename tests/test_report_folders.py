"""A command writes under its ``--out`` (or ``runs/``), never into ``docs/``: the committed
reports are remade only when a command is told their folder (``--results docs/results``)."""

from __future__ import annotations

from pathlib import Path

from helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    return load_script(ROOT / "experiments" / f"{name}.py", f"exp_{name}_folders")


def test_a_full_size_sweep_report_goes_under_out(tmp_path):
    """Without ``--quick`` and without ``--results`` the report lands in ``OUT/report``;
    the committed one keeps its bytes."""
    committed = ROOT / "docs" / "results" / "kalundborg_validation.md"
    before = committed.read_bytes()
    module = _script("validate_kalundborg")
    out = tmp_path / "out"
    assert module.main(["--replicates", "2", "--ticks", "6", "--backend", "serial",
                        "--out", str(out)]) == 0
    text = (out / "report" / "kalundborg_validation.md").read_text(encoding="utf-8")
    assert not text.startswith("> **SMOKE TEST**")   # a full-size report, in OUT
    assert committed.read_bytes() == before


def test_mechanisms_report_goes_under_out(tmp_path):
    module = _script("mechanisms")
    args = module.parse(["--out", str(tmp_path / "m")])
    assert args.results is None    # main() makes it OUT/report (report_folder)
    assert module.report_folder(args) == tmp_path / "m" / "report"


def test_magnitudes_default_is_under_runs(tmp_path, monkeypatch):
    committed = ROOT / "docs" / "validation" / "kalundborg_magnitudes.md"
    before = committed.read_bytes()
    module = _script("magnitudes")
    monkeypatch.setattr(module, "ROOT", tmp_path)   # the default is ROOT/runs/magnitudes
    assert module.main(["--seeds", "2", "--ticks", "12"]) == 0
    assert (tmp_path / "runs" / "magnitudes" / "kalundborg_magnitudes.md").is_file()
    assert committed.read_bytes() == before


def test_arboga_line_default_report_is_under_runs():
    module = _script("arboga_line")
    assert module.REPORT.is_relative_to(ROOT / "runs")


def test_no_script_defaults_into_docs():
    """No argument of an experiment script has a folder under docs/ as its default (the
    inputs they read from docs/validation are module constants, not defaults)."""
    offenders = [f"{path.name}:{number}"
                 for path in sorted((ROOT / "experiments").glob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "default=" in line and '"docs"' in line]
    assert offenders == []
