"""Must show 6: analyze's Morris and Sobol' indices equal SALib's on the same data; the
paired arm differences equal scipy's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from scipy import stats
from sweep_helpers import write_spec

from symbiosis_abm.cli import main
from symbiosis_abm.sweep import load_spec, run_sweep

RANGES = {
    "bargaining_power": (0.2, 0.8), "initial_trust": (0.1, 0.6),
    "discovery_rate": (0.01, 0.1), "negotiation_failure_rate": (0.0, 0.2),
    "transaction_cost_eur": (1000.0, 20000.0), "trust_decay": (0.0, 0.1),
    "cofund_share": (0.0, 0.6), "disposal_cost_multiplier": (0.5, 2.0),
}
MORRIS = "[ranges]\n" + "".join(f"{k} = [{lo}, {hi}]\n" for k, (lo, hi) in RANGES.items()) + (
    '[sampler]\nmethod = "morris"\nsamples = 2\nlevels = 4\nseed = 3\n')
METRICS = ["active_exchanges", "co2e_avoided_t_total", "public_cost_eur"]


@pytest.fixture(scope="module")
def morris_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("morris")
    spec = load_spec(write_spec(folder, MORRIS, ticks=24, replicates=1))
    run_sweep(spec, folder / "out", backend="serial", progress=False)
    return folder / "out"


def test_morris_indices_match_salib_called_directly(morris_dir, capsys):
    assert main(["analyze", str(morris_dir)]) == 0
    assert "morris.png" in capsys.readouterr().out
    assert (morris_dir / "analysis" / "morris.png").stat().st_size > 10_000
    table = pd.read_csv(morris_dir / "analysis" / "morris.csv")
    problem = {"num_vars": 8, "names": list(RANGES), "bounds": [list(b) for b in RANGES.values()]}
    x = morris_sample.sample(problem, 2, num_levels=4, seed=3)
    summary = pd.read_parquet(morris_dir / "summary.parquet").sort_values("point")
    assert len(summary) == len(x) == 2 * 9
    # The runs used the sampled values.
    np.testing.assert_allclose(summary[list(RANGES)].to_numpy(dtype=float), x)
    for metric in METRICS:
        direct = morris_analyze.analyze(problem, x, summary[metric].to_numpy(dtype=float),
                                        num_levels=4, seed=7)
        mine = table[table["metric"] == metric].set_index("parameter").loc[list(RANGES)]
        np.testing.assert_allclose(mine["mu_star"], direct["mu_star"], rtol=1e-12)
        np.testing.assert_allclose(mine["sigma"], direct["sigma"], rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(mine["mu"], direct["mu"], rtol=1e-12, atol=1e-9)
    assert table.loc[table["metric"] == "co2e_avoided_t_total", "mu_star"].gt(0).any()
    assert set(table["unit"]) >= {"count", "t", "EUR"}


def test_sobol_indices_match_salib_called_directly(tmp_path):
    body = ('[ranges]\nbargaining_power = [0.2, 0.8]\ninitial_trust = [0.1, 0.6]\n'
            '[sampler]\nmethod = "sobol"\nsamples = 8\n')
    spec = load_spec(write_spec(tmp_path, body, ticks=12, replicates=1))
    run_sweep(spec, tmp_path / "out", backend="serial", progress=False)
    assert main(["analyze", str(tmp_path / "out"), "--metrics",
                 "exchanges_started,co2e_avoided_t_total"]) == 0
    table = pd.read_csv(tmp_path / "out" / "analysis" / "sobol.csv")
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet").sort_values("point")
    problem = {"num_vars": 2, "names": ["bargaining_power", "initial_trust"],
               "bounds": [[0.2, 0.8], [0.1, 0.6]]}
    y = summary["co2e_avoided_t_total"].to_numpy(dtype=float)
    direct = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=7)
    mine = table[table["metric"] == "co2e_avoided_t_total"].set_index("parameter")
    np.testing.assert_allclose(mine.loc[problem["names"], "S1"], direct["S1"])
    np.testing.assert_allclose(mine.loc[problem["names"], "ST"], direct["ST"])
    assert (tmp_path / "out" / "analysis" / "sobol.png").is_file()


def test_paired_arm_differences_match_scipy(tmp_path):
    body = "[arms.with]\n[arms.without]\nfacilitator = false\n"
    spec = load_spec(write_spec(tmp_path, body, ticks=24, replicates=6))
    run_sweep(spec, tmp_path / "out", backend="serial", progress=False)
    assert main(["analyze", str(tmp_path / "out")]) == 0
    table = pd.read_csv(tmp_path / "out" / "analysis" / "arm_differences.csv")
    row = table[table["metric"] == "public_cost_eur"].iloc[0]
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    wide = summary.pivot(index="replicate", columns="arm", values="public_cost_eur")
    diff = wide["without"] - wide["with"]
    low, high = stats.t.interval(0.95, len(diff) - 1, loc=diff.mean(), scale=stats.sem(diff))
    assert row["n"] == 6 and row["reference"] == "with"
    assert row["mean_diff"] == pytest.approx(diff.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["wilcoxon_p"] == pytest.approx(stats.wilcoxon(diff).pvalue)
    assert row["mean_diff"] < 0  # no facilitator, no public spending
    assert (tmp_path / "out" / "analysis" / "arm_differences.png").is_file()
