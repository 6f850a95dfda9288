"""experiments/paired_runs.py and the issue-18 checks built on it (tick_length.py,
stranded_capex.py, cofunding_failures.py): the paired estimator against hand-computed
values, the co-funding probe leaving the run unchanged, and each script at a tiny size."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_script

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "experiments"))   # the scripts import their shared engine
pr = load_script(ROOT / "experiments" / "paired_runs.py", "paired_runs")


def test_paired_difference_and_interval_by_hand():
    f = pd.DataFrame({"region": "r", "arm": ["a"] * 4 + ["b"] * 4, "seed": [0, 1, 2, 3] * 2,
                      "x": [10.0, 20, 30, 40, 12, 21, 33, 42]})
    p = pr.paired(f, "r", "a", "b", "x")
    d = np.array([2.0, 1, 3, 2])                 # b - a by seed
    half = 3.182446 * d.std(ddof=1) / 2          # t(0.975, 3) x sd / sqrt(4)
    assert p["n"] == 4 and p["base"] == 25.0 and p["other"] == 27.0
    assert p["diff"] == pytest.approx(2.0)
    assert (p["low"], p["high"]) == pytest.approx((2 - half, 2 + half), rel=1e-5)
    assert p["rel_pct"] == pytest.approx(8.0)
    assert p["rel_low"] == pytest.approx(100 * (2 - half) / 25, rel=1e-5)
    # seeds missing in one arm are left out of the pairing
    g = f[~((f.arm == "b") & (f.seed == 3))]
    assert pr.paired(g, "r", "a", "b", "x")["n"] == 3


def test_cofunding_probe_does_not_change_the_run():
    plain = pr.run_one("synthetic", "defaults", {"n_firms": 60}, 2, 24)
    probed = pr.run_one("synthetic", "defaults", {"n_firms": 60}, 2, 24, probe=True)
    same = [k for k in plain if k != "seconds"]
    assert {k: probed[k] for k in same} == pytest.approx({k: plain[k] for k in same},
                                                         nan_ok=True)
    assert 0 <= probed["probe_viable_without"] <= probed["probe_allocation_no_cofunding"]
    assert probed["probe_allocation_no_cofunding"] <= probed["failed_no_cofunding"]
    # the probe is removed after the run
    from symbiosis_abm import allocation, contracts
    assert allocation.allocation_reasons is contracts.allocation_reasons


def test_cofunding_probe_counts_viable_deals_that_lose_their_grant():
    from symbiosis_abm import allocation
    with pr.cofunding_probe() as seen:
        reasons = allocation.allocation_reasons(
            granted=np.array([5.0, 5.0, 0.0, 5.0, 5.0]),
            gains_ok=np.array([True, False, True, True, True]),
            affordable=np.array([True, True, True, False, True]),
            funded=np.array([False, False, False, False, True]))
    # row 0: lost the grant, viable without it; 1: no gain; 2: nothing granted (its own
    # reason); 3: cannot pay; 4: funded
    assert reasons.tolist() == ["no co-funding", "no co-funding", "no capacity left",
                                "no co-funding", ""]
    assert seen == {"no_cofunding": 3, "viable_without": 1}


def test_run_measures_are_consistent():
    row = pr.run_one("kalundborg", "x", {}, 1, 24)
    assert row["ticks"] == 24 and row["months"] == 24
    assert row["gross_gains_meur"] >= 0 and row["stranded_meur"] >= 0
    if row["gross_gains_meur"] > 0:
        assert row["stranded_share_pct"] == pytest.approx(
            100 * row["stranded_meur"] / row["gross_gains_meur"])


def test_tick_length_script_reports_the_refusal(tmp_path, capsys):
    script = load_script(ROOT / "experiments" / "tick_length.py", "exp_tick_length")
    assert script.main(["--seeds", "2", "--months", "6", "--workers", "1", "--out",
                        str(tmp_path)]) == 0
    text = (tmp_path / "tick_length.md").read_text(encoding="utf-8")
    assert "quarterly: parameter 'tick_months': 3.0 is refused" in text
    assert "monthly" not in text.split("quarterly:")[0].split("compare:")[1]
    assert not (tmp_path / "tick_length_runs.parquet").exists()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["stranded_capex", "cofunding_failures"])
def test_script_tiny_run(name, tmp_path, capsys):
    script = load_script(ROOT / "experiments" / f"{name}.py", f"exp_{name}")
    assert script.main(["--seeds", "2", "--months", "6", "--workers", "1", "--out",
                        str(tmp_path)]) == 0
    text = (tmp_path / f"{name}.md").read_text(encoding="utf-8")
    assert text.startswith("# ") and f"experiments/{name}.py --seeds 2 --months 6" in text
    assert (tmp_path / f"{name}_runs.parquet").is_file()
    assert "wrote" in capsys.readouterr().out
    # --quick: a smoke test, its first line the banner
    args = script.parse(["--quick", "--out", str(tmp_path / "q")])
    assert args.quick and args.seeds == args.quick_size[0]
    assert script.report(pd.read_parquet(tmp_path / f"{name}_runs.parquet"), args,
                         0.0).startswith("> **SMOKE TEST**")


def test_a_scripts_pool_spawns_its_workers():
    """Forked, a worker would copy the locks a parent's threads hold (tqdm's monitor)."""
    from symbiosis_abm.sweep.experiment import process_pool

    with process_pool(1) as pool:
        assert pool._mp_context.get_start_method() == "spawn"
        assert pool.submit(abs, -3).result() == 3
