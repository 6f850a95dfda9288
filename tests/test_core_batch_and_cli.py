"""Mesa's batch_run works unchanged; the CLI writes the four output files."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import mesa
import networkx as nx
import pandas as pd

from symbiosis_abm import SymbiosisModel, precompile
from symbiosis_abm.cli import main


def test_mesa_batch_run():
    results = mesa.batch_run(SymbiosisModel, parameters={"region": "kalundborg",
                                                         "broker_capacity": [1, 3]},
                             rng=[1, 2], max_steps=20, number_processes=1,
                             display_progress=False)
    frame = pd.DataFrame(results)
    assert len(frame) == 4
    assert {"active_exchanges", "mean_trust", "broker_capacity", "rng"} <= set(frame.columns)
    assert (frame["Step"] == 20).all()


def test_cli_run_writes_outputs_and_prints_summary(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", "kalundborg", "--steps", "120", "--seed", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "active exchanges" in printed and "public cost eur" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "exchanges.parquet", "network.graphml", "summary.json", "timeseries.parquet"]
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert len(ts) == 120
    log = pd.read_parquet(out / "exchanges.parquet")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["exchanges_started"] == len(log) > 0
    graph = nx.read_graphml(out / "network.graphml")
    assert graph.number_of_edges() == len(log[log["status"] == "active"]
                                          [["supplier", "receiver"]].drop_duplicates())


def test_cli_run_without_facilitator_has_no_public_cost(tmp_path, capsys):
    assert main(["run", "kalundborg", "--steps", "24", "--no-facilitator",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["facilitator"] is False and summary["public_cost_eur"] == 0


def test_cli_synthetic_2000_firms_as_console_script(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "symbiosis_abm.cli", "run", "synthetic", "--set", "n_firms=2000",
         "--steps", "60"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "firms                       2000" in done.stdout or "2000" in done.stdout


def test_a_run_compiles_its_kernels_first_and_its_seconds_leave_that_out(tmp_path,
                                                                         monkeypatch):
    """``run`` compiles the kernels (``ensure_precompiled``, here made to take 2 s) before
    it builds the model, whose building calls a few kernels (compiled one by one when
    built first: 5 s of a first run), and its summary's ``seconds`` is the run's own time,
    without that compiling."""
    order = []
    monkeypatch.setattr(precompile, "ensure_precompiled",
                        lambda: order.append("compile") or time.sleep(2.0))
    build = SymbiosisModel.__init__

    def building(self, *args, **kwargs):
        order.append("build")
        build(self, *args, **kwargs)

    monkeypatch.setattr(SymbiosisModel, "__init__", building)
    out = tmp_path / "run"
    assert main(["run", "kalundborg", "--steps", "3", "--out", str(out)]) == 0
    assert order == ["compile", "build"]
    seconds = json.loads((out / "summary.json").read_text())["seconds"]
    assert 0 < seconds < 1.0


def test_bad_set_value_is_one_line_exit_2(capsys):
    assert main(["run", "kalundborg", "--set", "discount_rate=-1"]) == 2
    err = capsys.readouterr().err
    assert "discount_rate" in err and ">= 0" in err and "Traceback" not in err


def test_out_that_is_a_file_is_refused_before_running(tmp_path, capsys):
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert main(["run", "kalundborg", "--steps", "2", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "not a folder" in err and "Traceback" not in err
    assert target.read_text() == "keep me"


def test_unwritable_out_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    assert main(["run", "kalundborg", "--steps", "2", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write" in err[0]
