"""``compare-links``: precision and recall of emerged links against an observed list.

The fixtures in ``tests/fixtures/compare/`` are hand-made. Hand count (every link that
ever formed; a link is a (supplier, receiver, resource) triple):

- emerged, 7 links (``exchanges.csv``; asnaes->novo steam appears twice, counted once):
  asnaes->gyproc fgd_gypsum, asnaes->novo steam, asnaes->forsyning waste_heat_high (ended),
  equinor->asnaes cooling_water, novo->bioenergi yeast_slurry, forsyning->farms sludge
  (ended), gyproc->forsyning waste_heat_high;
- observed, 6 links (``observed.csv``; one row repeated, one id padded with spaces):
  the first four above, plus asnaes->aalborg_portland fly_ash, novozymes->farms sludge;
- matched 4: precision 4/7, recall 4/6, F1 = 2 (4/7)(2/3) / (4/7 + 2/3) = 8/13.

With ``--active-only`` the two ended links drop out: 5 emerged, 3 matched (gypsum, steam,
cooling water): precision 3/5, recall 3/6, F1 = 6/11.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from symbiosis_abm import SymbiosisInputError
from symbiosis_abm.cli import main
from symbiosis_abm.compare import compare_links, read_observed

FIX = Path(__file__).parent / "fixtures" / "compare"


@pytest.fixture
def run_dir(tmp_path) -> Path:
    """A run folder holding the hand-made exchange log as exchanges.parquet."""
    pd.read_csv(FIX / "exchanges.csv").to_parquet(tmp_path / "exchanges.parquet", index=False)
    return tmp_path


def test_hand_checked_scores():
    result = compare_links(pd.read_csv(FIX / "exchanges.csv"), read_observed(FIX / "observed.csv"))
    assert (result.n_emerged, result.n_observed, len(result.matched)) == (7, 6, 4)
    assert result.precision == pytest.approx(4 / 7)
    assert result.recall == pytest.approx(4 / 6)
    assert result.f1 == pytest.approx(8 / 13)
    assert result.missing == (("asnaes", "aalborg_portland", "fly_ash"),
                              ("novozymes", "farms", "sludge"))
    assert result.unexpected == (("forsyning", "farms", "sludge"),
                                 ("gyproc", "forsyning", "waste_heat_high"),
                                 ("novo", "bioenergi", "yeast_slurry"))


def test_active_only():
    result = compare_links(pd.read_csv(FIX / "exchanges.csv"),
                           read_observed(FIX / "observed.csv"), active_only=True)
    assert (result.n_emerged, len(result.matched)) == (5, 3)
    assert result.precision == pytest.approx(3 / 5)
    assert result.recall == pytest.approx(3 / 6)
    assert result.f1 == pytest.approx(6 / 11)


def test_nothing_emerged_gives_undefined_precision():
    empty = pd.DataFrame(columns=["supplier", "receiver", "resource", "status"])
    result = compare_links(empty, read_observed(FIX / "observed.csv"))
    assert math.isnan(result.precision) and result.recall == 0.0
    assert len(result.missing) == 6


def test_table_lists_every_link_once(run_dir):
    result = compare_links(pd.read_csv(FIX / "exchanges.csv"), read_observed(FIX / "observed.csv"))
    table = result.table()
    assert table["status"].value_counts().to_dict() == {"matched": 4, "unexpected": 3,
                                                        "missing": 2}


def test_cli_prints_scores_and_links(run_dir, tmp_path, capsys):
    out_csv = tmp_path / "links.csv"
    assert main(["compare-links", str(run_dir), str(FIX / "observed.csv"),
                 "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "precision       0.571" in out
    assert "recall          0.667" in out
    assert "F1              0.615" in out
    assert "asnaes -> aalborg_portland  fly_ash" in out        # missing
    assert "novo -> bioenergi  yeast_slurry" in out            # unexpected
    assert len(pd.read_csv(out_csv)) == 9
    assert main(["compare-links", str(run_dir), str(FIX / "observed.csv"),
                 "--active-only"]) == 0
    assert "precision       0.600" in capsys.readouterr().out


@pytest.mark.parametrize("name, message", [
    ("observed_bad_column.csv", "missing column 'receiver' (did you mean 'reciever'?); "
                                "columns must include supplier, receiver, resource"),
    ("observed_no_rows.csv", "no links; add one row per observed link"),
    ("observed_empty.csv", "empty; expected a header line 'supplier,receiver,resource'"),
    ("observed_blank_cell.csv", "row 1, receiver: empty; give a firm id"),
    ("no_such_file.csv", "file not found"),
])
def test_bad_observed_csv(run_dir, name, message, capsys):
    assert main(["compare-links", str(run_dir), str(FIX / name)]) == 2
    err = capsys.readouterr().err
    assert f"error: {FIX / name}: {message}" in err and "Traceback" not in err
    with pytest.raises(SymbiosisInputError):
        read_observed(FIX / name)


def test_missing_run_dir(tmp_path, capsys):
    assert main(["compare-links", str(tmp_path / "nope"), str(FIX / "observed.csv")]) == 2
    assert "no exchanges.parquet; write one with 'symbiosis-abm run REGION --out" in (
        capsys.readouterr().err)


def test_end_to_end_checks_ids_against_the_run(tmp_path):
    """After a real run, ids and resources the run cannot have are refused with hints."""
    cli = [sys.executable, "-m", "symbiosis_abm.cli"]
    run = subprocess.run([*cli, "run", "kalundborg", "--steps", "24", "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    proc = subprocess.run([*cli, "compare-links", str(tmp_path),
                           str(FIX / "observed_bad_ids.csv")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2
    assert "row 1, supplier: 'asnes' is not a firm id of the run's region (did you mean " \
           "'asnaes'?)" in lines[0]
    assert "row 2, resource: 'stem' is not a resource (did you mean 'steam'?)" in lines[1]
    ok = subprocess.run([*cli, "compare-links", str(tmp_path), str(FIX / "observed.csv")],
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0 and "recall" in ok.stdout
