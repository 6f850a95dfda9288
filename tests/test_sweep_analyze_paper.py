"""analyze for a paper: interactions with CIs and adjusted p, failed runs named, figures
for every region and arm, unstable Sobol' indices flagged (issue 21, must show 4)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sweep_helpers import write_spec

from symbiosis_abm.cli import main
from symbiosis_abm.reporting import mean_ci
from symbiosis_abm.sweep import load_spec, run_sweep
from symbiosis_abm.sweep.analyze import adjust_p
from symbiosis_abm.sweep.design import expand

TWO_BY_TWO = """
[vary]
bargaining_power = [0.3, 0.7]

[arms.on]
[arms.off]
facilitator = false
"""
METRIC = "active_exchanges"


@pytest.fixture(scope="module")
def two_by_two(tmp_path_factory):
    folder = tmp_path_factory.mktemp("twobytwo")
    spec = load_spec(write_spec(folder, TWO_BY_TWO, ticks=24, replicates=6))
    run_sweep(spec, folder / "out", backend="serial", progress=False)
    return folder / "out"


def test_a_2x2_paired_design_prints_the_interaction_with_ci_and_adjusted_p(two_by_two,
                                                                          capsys):
    assert main(["analyze", str(two_by_two), "--correction", "holm"]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(two_by_two / "analysis" / "interactions.csv")
    row = table[table["metric"] == METRIC].iloc[0]
    # by hand: per replicate, (off - on at 0.7) - (off - on at 0.3)
    s = pd.read_parquet(two_by_two / "summary.parquet").set_index(
        ["arm", "bargaining_power", "replicate"])[METRIC].sort_index()   # (sorted: looked up)
    dod = ((s["off", 0.7] - s["on", 0.7]) - (s["off", 0.3] - s["on", 0.3])).to_numpy(float)
    m, low, high = mean_ci(dod)
    assert (row["interaction"], row["ci_low"], row["ci_high"]) == pytest.approx((m, low, high))
    assert row["n"] == 6 and row["group"] == "bargaining_power=0.7"
    assert row["t_p"] == pytest.approx(stats.ttest_1samp(dod, 0).pvalue, nan_ok=True)
    np.testing.assert_allclose(table["p_adjusted"], adjust_p(table["t_p"], "holm"))
    assert (table["p_adjusted"].dropna() >= table["t_p"].dropna()).all()
    assert "interactions (difference of differences, 95% CI; p adjusted over" in out
    assert f"kalundborg {METRIC}: effect of off vs on at bargaining_power=0.7 minus at " \
           "bargaining_power=0.3" in out and "adjusted p = " in out
    diffs = pd.read_csv(two_by_two / "analysis" / "arm_differences.csv")
    assert {"wilcoxon_p", "p_adjusted", "correction"} <= set(diffs.columns)
    assert set(diffs["correction"]) == {"holm"}
    assert "provenance: package" in out and "session 1:" in out and "commit " in out


def test_bh_is_the_default_and_matches_scipy():
    p = np.array([0.001, 0.02, 0.04, 0.041, 0.3, np.nan])
    got = adjust_p(p)
    np.testing.assert_allclose(got[:5], stats.false_discovery_control(p[:5]))
    assert np.isnan(got[5])


def test_a_failed_run_is_named_and_analyze_exits_1_unless_allowed(tmp_path, capsys):
    spec = write_spec(tmp_path, "[vary]\nbroker_capacity = [1, 2]\n", ticks=4, replicates=2)
    spec.write_text(spec.read_text().replace(
        "seed = 7", 'seed = 7\nmodel = "sweep_hooks:FragileModel"'))
    out = tmp_path / "out"
    report = run_sweep(load_spec(spec), out, backend="serial", progress=False)
    assert report.failed == 2
    failed = pd.read_parquet(out / "failures.parquet")["run_id"]
    assert main(["analyze", str(out)]) == 1
    err = capsys.readouterr().err
    assert "kalundborg/default point 1: 0 of 2 runs finished, 2 failed" in err
    assert all(run_id in err for run_id in failed)
    assert "test hook: broker_capacity 2 is refused" in err
    assert "2 runs missing in 1 groups" in err and "--allow-missing" in err
    assert main(["analyze", str(out), "--allow-missing"]) == 0
    assert "warning: kalundborg/default point 1" in capsys.readouterr().err


def test_morris_figures_for_every_region_and_arm(tmp_path, capsys):
    body = ('[ranges]\nbargaining_power = [0.2, 0.8]\nbroker_capacity = [0, 4]\n'
            '[sampler]\nmethod = "morris"\nsamples = 2\nlevels = 4\n' + TWO_BY_TWO.split(
                "[arms.on]")[1].join(["[arms.on]", ""]))
    spec_file = write_spec(tmp_path, body, ticks=6, replicates=1)
    spec_file.write_text(spec_file.read_text().replace('["kalundborg"]',
                                                       '["kalundborg", "high_coast"]'))
    out = tmp_path / "out"
    run_sweep(load_spec(spec_file), out, backend="serial", progress=False)
    assert main(["analyze", str(out)]) == 0
    for region in ("kalundborg", "high_coast"):
        for arm in ("on", "off"):
            path = out / "analysis" / f"morris_{region}_{arm}.png"
            assert path.stat().st_size > 10_000, path


def test_unstable_sobol_indices_are_flagged_with_advice(tmp_path, capsys):
    body = ('[ranges]\nbargaining_power = [0.2, 0.8]\nbroker_capacity = [0, 4]\n'
            'trust_gain_contact = [0.01, 0.2]\n[sampler]\nmethod = "sobol"\nsamples = 4\n')
    spec_file = write_spec(tmp_path, body, ticks=12, replicates=1)
    out = tmp_path / "out"
    run_sweep(load_spec(spec_file), out, backend="serial", progress=False)
    assert main(["analyze", str(out)]) == 0
    err = capsys.readouterr().err
    table = pd.read_csv(out / "analysis" / "sobol.csv")
    bad = table[(table["S1"] < 0) | (table["ST"] > 1) | (table["S1_conf"] > table["S1"].abs())
                | (table["ST_conf"] > table["ST"].abs())]
    assert len(bad) > 0
    warned = [line for line in err.splitlines() if line.startswith("warning: sobol ")]
    assert len(warned) == len(bad)
    assert all("raise sampler.samples" in line for line in warned)


def test_independent_seeds_per_design_point(tmp_path):
    body = TWO_BY_TWO.replace("[vary]", "[vary]")
    spec_file = write_spec(tmp_path, body, ticks=2, replicates=3)
    shared = expand(load_spec(spec_file))
    spec_file.write_text(spec_file.read_text().replace("seed = 7",
                                                       'seed = 7\nseeds = "per_point"'))
    own = expand(load_spec(spec_file))
    seeds = {(r.arm, r.point): [x.seed for x in own if (x.arm, x.point) == (r.arm, r.point)]
             for r in own}
    assert seeds["on", 0] != seeds["on", 1]          # each point its own seeds
    assert seeds["on", 0] == seeds["off", 0]         # arms still paired
    assert [r.seed for r in shared if r.point == 0 and r.arm == "on"] == \
        [r.seed for r in shared if r.point == 1 and r.arm == "on"]


def test_replication_check_reports_the_half_width_against_replicates(two_by_two, capsys):
    assert main(["analyze", str(two_by_two), "--primary", METRIC]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(two_by_two / "analysis" / "replication.csv")
    row = table[(table["arm"] == "off") & (table["point"] == 1) & (table["n"] == 4)].iloc[0]
    s = pd.read_parquet(two_by_two / "summary.parquet")
    values = s[(s["arm"] == "off") & (s["point"] == 1)].sort_values("replicate")[METRIC]
    m, low, high = mean_ci(values.to_numpy(float)[:4])
    assert row["half_width"] == pytest.approx((high - low) / 2)
    assert sorted(set(table["n"])) == [2, 3, 4, 5, 6]
    assert f"replication check ({METRIC}" in out and "at n = 6 replicates" in out
