"""Everything checkable is checked before the first run; --dry-run counts without making
the runs; a large sweep asks for --yes (issue 21, must show 3)."""

from __future__ import annotations

import pytest
from sweep_helpers import write_spec

from symbiosis_abm.cli import main
from symbiosis_abm.sweep import design

# 2 arms x 10 x 10 x 10 x 10 x 10 points x 20 replicates = 2,000,000 runs... x regions 1
HUGE = """
[vary]
broker_capacity = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
bargaining_power = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
facilitator_start_tick = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
exit_rate_sme = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]
process_change_rate = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]

[arms.on]
[arms.off]
facilitator = false
"""


def test_dry_run_counts_a_two_million_run_grid_without_making_it(tmp_path, capsys,
                                                                 monkeypatch):
    spec = write_spec(tmp_path, HUGE, ticks=12, replicates=10)

    def refuse(*args, **kwargs):
        raise AssertionError("the dry run made every design point")

    monkeypatch.setattr(design, "design_points", refuse)
    monkeypatch.setattr(design, "expand", refuse)
    assert main(["sweep", str(spec), "--dry-run", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "2,000,000 runs = 1 region(s) x 2 arm(s) x 100,000 design point(s) x 10 " \
           "replicate(s)" in out
    assert "estimated time:" in out and "on 2 worker(s)" in out
    assert out.strip().endswith("problems: 0")
    assert not (tmp_path / "out").exists()
    # running it asks for --yes, before writing anything
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "2,000,000 runs" in err and "--yes" in err
    assert not (tmp_path / "out").exists()


def test_a_large_grid_is_checked_pairwise_for_values_not_allowed_together(tmp_path, capsys):
    body = HUGE + "\n[fixed]\nfacilitator_end_tick = 5\n"
    spec = write_spec(tmp_path, body, ticks=12, replicates=10)
    assert main(["sweep", str(spec), "--dry-run"]) == 2
    out = capsys.readouterr().out
    assert "problems: 0" not in out and "facilitator_end_tick" in out and "before" in out


@pytest.mark.parametrize("extra, message", [
    ('[outputs]\ncollect = "no_such_file.py:collect"\n',
     "outputs.collect: 'no_such_file.py:collect': no such file"),
    ('[outputs]\ncollect = "sweep_hooks:no_such_hook"\n',
     "outputs.collect: 'sweep_hooks:no_such_hook': the module has no 'no_such_hook'"),
    ("[fixed]\nn_firms = 50\n",
     "fixed.n_firms: applies only to the synthetic region, not to 'kalundborg'"),
    ("[vary]\nregion_seed = [1, 2]\n",
     "vary.region_seed: applies only to the synthetic region"),
])
def test_spec_problems_exit_2_before_any_run(tmp_path, capsys, extra, message):
    spec = write_spec(tmp_path, extra, ticks=2, replicates=1)
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--backend", "serial"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not out.exists()
    assert main(["sweep", str(spec), "--dry-run"]) == 2
    assert message in capsys.readouterr().out


def test_ignore_runs_a_parameter_knowingly_set_where_unused(tmp_path, capsys):
    spec = write_spec(tmp_path, "[fixed]\nn_firms = 50\n", ticks=2, replicates=1)
    spec.write_text(spec.read_text().replace("seed = 7", 'seed = 7\nignore = ["n_firms"]'))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out"), "--backend", "serial",
                 "--no-progress"]) == 0
