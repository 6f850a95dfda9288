"""Calibration (issue 20): ABC-SMC that is deterministic, resumable and finds a known truth."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm.calibration import calibrate, load_posterior
from symbiosis_abm.calibration.patterns import PATTERNS, PatternContext, read_links
from symbiosis_abm.calibration.spec import spec_from_dict
from symbiosis_abm.cli import main

ROOT = Path(__file__).resolve().parents[1]
HISTORY_LINKS = ROOT / "docs" / "validation" / "kalundborg_history_observed_links.csv"


def _spec(population: int = 6, populations: int = 2, ticks: int = 6, seed: int = 1,
          **priors) -> dict:
    return {"calibration": {"name": "t", "region": "kalundborg", "ticks": ticks, "seed": seed},
            "priors": priors or {"discovery_rate": [0.01, 0.09]},
            "patterns": {"training": {"outcomes": 1.0}},
            "truth": {k: (v[0] + v[1]) / 2 for k, v in
                      (priors or {"discovery_rate": [0.01, 0.09]}).items()},
            "schedule": {"population": population, "max_populations": populations}}


def _write(path: Path, data: dict) -> Path:
    lines = []
    for table, values in data.items():
        if table == "patterns":
            lines.append("[patterns.training]")
            lines += [f"{k} = {v}" for k, v in values["training"].items()]
            continue
        lines.append(f"[{table}]")
        for key, value in values.items():
            lines.append(f"{key} = {value!r}" if not isinstance(value, str)
                         else f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def _populations(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as conn:
            return conn.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_the_same_seed_gives_the_same_posterior_on_every_backend(tmp_path):
    spec = spec_from_dict(_spec(), "t.toml")
    serial = calibrate(spec, tmp_path / "serial", backend="serial", progress=False)
    pooled = calibrate(spec, tmp_path / "pool", backend="processes", workers=2,
                       progress=False)
    pd.testing.assert_frame_equal(serial.posterior.particles, pooled.posterior.particles)
    np.testing.assert_array_equal(serial.posterior.weights, pooled.posterior.weights)
    pd.testing.assert_frame_equal(serial.populations, pooled.populations)
    other = calibrate(spec_from_dict(_spec(seed=2), "t.toml"), tmp_path / "other",
                      backend="serial", progress=False)
    assert not other.posterior.particles.equals(serial.posterior.particles)


def test_a_calibration_killed_mid_population_resumes_to_the_uninterrupted_posterior(tmp_path):
    data = _spec(population=6, populations=3, ticks=12, seed=5)
    spec_file = _write(tmp_path / "spec.toml", data)
    command = [sys.executable, "-m", "symbiosis_abm.cli", "calibrate", str(spec_file),
               "--backend", "serial", "--no-progress"]
    whole = tmp_path / "whole"
    assert subprocess.run(command + ["--out", str(whole)], capture_output=True).returncode == 0

    killed = tmp_path / "killed"
    proc = subprocess.Popen(command + ["--out", str(killed)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _populations(killed / "abc.db") < 1 and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # into the second population
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _populations(killed / "abc.db") in (1, 2), "the kill came too late to test"
    done = subprocess.run(command + ["--out", str(killed)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr

    a, b = load_posterior(whole / "posterior.parquet"), load_posterior(killed / "posterior.parquet")
    pd.testing.assert_frame_equal(a.particles, b.particles)
    np.testing.assert_array_equal(a.weights, b.weights)
    events = [e["event"] for e in pd.read_json(killed / "manifest.json", typ="series")["events"]]
    assert events[:2] == ["started", "resumed"] and events[-1] == "finished"


@pytest.mark.slow
def test_posterior_intervals_contain_a_synthetic_truth(tmp_path):
    # Runs at known values are the observations. A 90% interval misses its truth one time
    # in ten even when exact, so three ground truths (seeds) are calibrated: a parameter the
    # posteriors narrow down (90% interval under 60% of the prior) must be identified in at
    # least two and contain its true value in at least two of them.
    truth = {"negotiation_failure_rate": 0.12, "discovery_rate": 0.05}
    inside: dict[str, int] = {}
    identified: dict[str, int] = {}
    for seed in (11, 12, 13):
        data = _spec(population=30, populations=4, ticks=36, seed=seed,
                     negotiation_failure_rate=[0.0, 0.4], discovery_rate=[0.005, 0.1])
        data["truth"] = truth
        result = calibrate(spec_from_dict(data, "truth.toml"), tmp_path / str(seed),
                           backend="processes", workers=2, progress=False)
        for name, row in result.posterior.summary().iterrows():
            if row["interval_share_of_prior"] < 0.6:
                identified[name] = identified.get(name, 0) + 1
                inside[name] = inside.get(name, 0) + int(row["q05"] <= truth[name] <= row["q95"])
    well_identified = [n for n, k in identified.items() if k >= 2]
    assert well_identified, identified
    for name in well_identified:
        assert inside[name] >= 2, (name, inside, identified)


def test_documented_patterns_read_the_links_file():
    links = read_links(HISTORY_LINKS)
    context = PatternContext(links=links, start_year=1960, until=1995)
    observed = PATTERNS["links_by_decade"].observe(context)
    assert set(observed) == {f"links_by_decade:{y}" for y in (1969, 1979, 1989)}
    # 1961 Tissø water to the refinery runs in 1969; by 1989 the 1980s steam and heat links
    assert observed["links_by_decade:1969"] == 1.0
    assert observed["links_by_decade:1989"] > observed["links_by_decade:1979"]
    years = PATTERNS["formation_years"].observe(context)
    assert len(years) == int((links["first"] <= 1995).sum())
    assert years["formation_year:asnaes>forsyning:waste_heat_high"] == 1981.0


def test_a_run_that_forms_nothing_is_censored_the_year_after_the_window():
    from symbiosis_abm import SymbiosisModel

    model = SymbiosisModel("kalundborg_history", rng=1)
    model.run(1)
    context = PatternContext(links=read_links(HISTORY_LINKS), start_year=1960, until=1995)
    years = PATTERNS["formation_years"].simulate(model, context)
    assert set(years.values()) == {1996.0}


def test_bad_specs_exit_2_with_one_line_each(tmp_path, capsys):
    data = _spec()
    data["priors"] = {"discovery_rate": [0.2, 0.1], "n_firms": [10, 20]}
    data["patterns"] = {"training": {"formation_years": 1.0}}
    spec_file = _write(tmp_path / "bad.toml", data)
    assert main(["calibrate", str(spec_file), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert any("priors.discovery_rate: low 0.2 is not below high 0.1" in e for e in err)
    assert any("priors.n_firms" in e and "real-valued" in e for e in err)
    assert any("calibration.links: missing" in e for e in err)
    assert all(line.startswith("error: ") for line in err)
    assert not (tmp_path / "o").exists()


def test_a_folder_of_another_spec_is_refused(tmp_path, capsys):
    first = _write(tmp_path / "a.toml", _spec(populations=1, population=3))
    second = _write(tmp_path / "b.toml", _spec(populations=1, population=3, seed=9))
    out = str(tmp_path / "o")
    assert main(["calibrate", str(first), "--out", out, "--backend", "serial",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["calibrate", str(second), "--out", out, "--backend", "serial",
                 "--no-progress"]) == 2
    assert "another spec" in capsys.readouterr().err


def test_run_draws_its_parameters_from_a_posterior(tmp_path, capsys):
    out = tmp_path / "cal"
    calibrate(spec_from_dict(_spec(population=5, populations=1), "t.toml"), out,
              backend="serial", progress=False)
    posterior = out / "posterior.parquet"
    draws = set()
    for seed in (1, 2, 3, 4):
        assert main(["run", "kalundborg", "--steps", "2", "--seed", str(seed),
                     "--posterior", str(posterior)]) == 0
        line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("posterior")]
        draws.add(line[0])
    assert len(draws) > 1  # the draw follows the seed
    assert main(["run", "kalundborg", "--steps", "2", "--posterior", str(posterior),
                 "--set", "discovery_rate=0.02"]) == 0
    assert "posterior" not in capsys.readouterr().out  # --set wins over the draw
    assert main(["run", "kalundborg", "--steps", "2", "--posterior",
                 str(tmp_path / "none.parquet")]) == 2
    assert "no such posterior file" in capsys.readouterr().err


def test_held_out_scores_of_a_hand_made_run():
    from types import SimpleNamespace

    from symbiosis_abm.calibration.heldout import HeldOut, draws, score_run

    links = read_links(HISTORY_LINKS)
    setting = HeldOut("kalundborg_history", 12, 1960, 1996, 2020, links,
                      non_links=links.iloc[:1])  # the 1961 link plays a non-link here
    window = setting.window_links()
    # the run forms the first three held-out links in reverse documented order, one
    # undocumented link inside the window, and the "non-link" in 1965
    rows = [(*window.iloc[i][["supplier", "receiver", "resource"]], (2015 - 5 * i - 1960) * 12)
            for i in range(3)]
    rows += [("x", "y", "steam", (2000 - 1960) * 12), (*links.iloc[0][["supplier", "receiver",
                                                                        "resource"]], 60)]
    frame = pd.DataFrame(rows, columns=["supplier", "receiver", "resource", "start"])
    frame["end"] = [-1, -1, -1, -1, 120]     # the "non-link" ends in 1970
    model = SimpleNamespace(exchanges_frame=lambda: frame, params=SimpleNamespace(tick_months=1.0))
    scores = score_run(model, setting)
    assert scores["formed"] == 3 and scores["documented"] == len(window)
    assert scores["precision"] == pytest.approx(3 / 4)
    assert scores["recall"] == pytest.approx(3 / len(window))
    assert scores["non_links"] == 1
    if window["first"].iloc[:3].nunique() == 3:
        assert scores["rho_formed"] == pytest.approx(-1.0)
    # running at the end of 2020: the three held-out links, not the one that ended in 1970
    running = {tuple(r) for r in window.iloc[:3][["supplier", "receiver", "resource"]]
               .itertuples(index=False)}
    still_open = [tuple(r) for r in links.loc[links["last"] >= 2020, ["supplier", "receiver",
                                                                       "resource"]]
                  .itertuples(index=False)]
    assert scores["alive_recall"] == pytest.approx(np.mean([k in running for k in still_open]))
    # years run: 2015, 2010 and 2005 to the end of 2020 (6, 11, 16), 1965-1969 (5)
    assert scores["lifetime_years"] == pytest.approx(8.5)

    spec = spec_from_dict(_spec(), "t.toml")
    prior = draws("prior", spec, [1, 2])
    assert prior == draws("prior", spec, [1, 2]) and prior[0] != prior[1]
    assert all(0.01 <= d["discovery_rate"] <= 0.09 for d in prior)
    assert draws("defaults", spec, [1, 2]) == [{}, {}]


def test_sweeps_and_experiments_draw_from_a_posterior(tmp_path, capsys):
    from symbiosis_abm.sweep import load_results

    calibrate(spec_from_dict(_spec(population=5, populations=1), "t.toml"), tmp_path / "cal",
              backend="serial", progress=False)
    posterior = tmp_path / "cal" / "posterior.parquet"
    spec = tmp_path / "s.toml"
    spec.write_text('[sweep]\nname = "p"\nregions = ["kalundborg"]\nticks = 2\n'
                    'replicates = 4\n\n[arms.on]\n[arms.off]\nfacilitator = false\n')
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--backend", "serial",
                 "--no-progress", "--posterior", str(posterior)]) == 0
    summary = load_results(out).summary
    draws = summary.groupby("replicate")["discovery_rate"]
    assert (draws.nunique() == 1).all()          # arms of a replicate share the draw
    assert summary["discovery_rate"].nunique() > 1  # replicates draw anew
    particles = set(load_posterior(posterior).particles["discovery_rate"])
    assert set(summary["discovery_rate"]) <= particles
    # an experiment's report says that its runs drew from the posterior, and from which
    from symbiosis_abm.sweep.findings import posterior_lines, posterior_option

    spec_under = load_results(out).spec
    text = " ".join(posterior_lines(spec_under))
    assert "`discovery_rate`" in text and "calibration `t`" in text
    assert posterior_option(spec_under, tmp_path) == " --posterior cal/posterior.parquet"
    assert posterior_lines(dataclasses.replace(spec_under, posterior=None)) == []
    capsys.readouterr()
    assert main(["sweep", str(spec), "--out", str(tmp_path / "bad"), "--posterior",
                 str(spec)]) == 2
    assert "not a Parquet file" in capsys.readouterr().err
