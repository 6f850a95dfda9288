"""Every research experiment runs end to end at its --quick size through
``symbiosis-abm experiment NAME`` and writes its data, figures and report; the shared
paired-effects code gives the right numbers on a hand-made sweep."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from symbiosis_abm.cli import main as cli
from symbiosis_abm.cli_experiment import EXPERIMENTS
from symbiosis_abm.sweep.findings import effects_table

#: What each experiment writes into --results (besides NAME.md).
FIGURES = {"facilitator_roles": ["facilitator_roles.png", "facilitator_roles_effects.png"],
           "distance_trust": ["distance_trust.png", "distance_trust_effects.png"],
           "withdrawal": ["withdrawal.png", "withdrawal_effects.png"],
           "anchor_exit": ["anchor_exit.png", "anchor_exit_effects.png"],
           "policy": ["policy.png", "policy_effects.png"],
           "sensitivity": ["sensitivity.png"],
           "takeoff": [],          # the PRIM figure only when both outcomes occur
           "targeting": ["targeting.png"],
           "kalundborg_validation": []}
REPORT = {"kalundborg_validation": "kalundborg_validation.md"}


def test_every_experiment_is_tested():
    assert set(FIGURES) == set(EXPERIMENTS)


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_runs_quick(name, tmp_path):
    out, results = tmp_path / "out", tmp_path / "results"
    code = cli(["experiment", name, "--quick", "--out", str(out), "--results", str(results),
                "--backend", "serial", "--workers", "1"])
    assert code == 0
    report = results / REPORT.get(name, f"{name}.md")
    assert report.is_file(), sorted(p.name for p in results.iterdir())
    text = report.read_text(encoding="utf-8")
    if name not in ("targeting", "kalundborg_validation"):   # their own report formats
        assert f"symbiosis-abm experiment {name} --quick" in text
    assert any(ch.isdigit() for ch in text)
    for figure in FIGURES[name]:
        assert (results / figure).stat().st_size > 1000, figure
    assert (out / "summary.parquet").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "results"]  # (no more)
    if name in ("facilitator_roles", "distance_trust", "withdrawal", "anchor_exit",
                "policy"):
        effects = pd.read_parquet(out / "effects.parquet")
        assert {"mean_diff", "ci_low", "ci_high", "p", "p_adjusted"} <= set(effects.columns)
        assert len(effects) > 0


def test_unknown_experiment_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exc:
        cli(["experiment", "no_such_thing"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_paired_effects_pair_by_seed():
    """Arm b adds 1 + replicate to each seed's value: the effect is the mean of the
    per-seed differences, not the difference of unrelated means."""
    rows = []
    for r in range(6):
        base = 10.0 * r      # large between-seed spread, removed by pairing
        rows.append({"region": "x", "arm": "a", "point": 0, "replicate": r, "m": base})
        rows.append({"region": "x", "arm": "b", "point": 0, "replicate": r,
                     "m": base + 1 + r})
    effects = effects_table(pd.DataFrame(rows), ["a", "b"], ["m"])
    row = effects.iloc[0]
    assert row["n"] == 6 and row["reference"] == "a"
    assert row["mean_diff"] == pytest.approx(np.mean(np.arange(6) + 1))
    assert row["ci_low"] > 0 and row["verdict"] == "clear increase"
    assert row["p"] < 0.05 and row["test"] == "Wilcoxon"


def test_no_effect_when_arms_are_equal():
    rows = [{"region": "x", "arm": arm, "point": 0, "replicate": r, "m": float(r)}
            for arm in ("a", "b") for r in range(5)]
    row = effects_table(pd.DataFrame(rows), ["a", "b"], ["m"]).iloc[0]
    assert row["mean_diff"] == 0 and np.isnan(row["p"])
    assert row["verdict"] == "no clear effect"


def test_region_seeds_are_a_random_factor_of_the_effect():
    """Six pairs on three generated regions whose effects differ a lot: the interval is
    the t interval of the three region means (2 degrees of freedom), much wider than the
    pairs' own interval, which would treat the pairs as independent."""
    from scipy import stats

    effect = {1: 1.0, 2: 5.0, 3: 9.0}
    rows = []
    for r in range(6):
        seed = 1 + r % 3
        for arm, add in (("a", 0.0), ("b", effect[seed] + 0.01 * r)):
            rows.append({"region": "synthetic", "arm": arm, "point": 0, "replicate": r,
                         "region_seed": seed, "m": 100.0 * r + add})
    row = effects_table(pd.DataFrame(rows), ["a", "b"], ["m"]).iloc[0]
    means = [effect[s] + 0.01 * np.mean([r for r in range(6) if 1 + r % 3 == s])
             for s in (1, 2, 3)]
    low, high = stats.t.interval(0.95, 2, loc=np.mean(means), scale=stats.sem(means))
    assert row["mean_diff"] == pytest.approx(np.mean(means))
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["test"] == "t over 3 region seeds" and row["n"] == 6
    assert row["p"] == pytest.approx(stats.ttest_1samp(means, 0.0).pvalue)


def test_verdicts_read_the_adjusted_p():
    """Twenty metrics: one large effect, one whose raw p (0.0068) and CI alone would call
    it clear, eighteen with none. Over a family of 20 tests Benjamini-Hochberg lifts the
    second to 0.068, so its verdict is no longer clear; Holm is stricter still."""
    moderate = [1, 1.2, 0.8, 1.5, -0.3, 0.9, 1.1, -0.5, 0.7, 1.3, 0.6, -0.4]
    rows = []
    for r in range(12):
        row_a = {"region": "x", "arm": "a", "point": 0, "replicate": r}
        row_b = dict(row_a, arm="b")
        for k in range(20):
            row_a[f"m{k}"] = 0.0
            row_b[f"m{k}"] = (5.0 + 0.1 * r if k == 0 else moderate[r] if k == 1
                              else (-1.0) ** r * (1 + r // 2))
        rows += [row_a, row_b]
    metrics = [f"m{k}" for k in range(20)]
    table = effects_table(pd.DataFrame(rows), ["a", "b"], metrics).set_index("metric")
    assert table.loc["m1", "p"] == pytest.approx(0.0068359375)
    assert table.loc["m1", "ci_low"] > 0
    assert table.loc["m1", "p_adjusted"] == pytest.approx(0.0068359375 * 20 / 2)
    assert table.loc["m1", "verdict"] == "no clear effect"
    assert table.loc["m0", "verdict"] == "clear increase"
    holm = effects_table(pd.DataFrame(rows), ["a", "b"], metrics,
                         correction="holm").set_index("metric")
    assert (holm["p_adjusted"] >= table["p_adjusted"] - 1e-12).all()


def test_results_overview_covers_every_experiment_and_its_files_exist():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "results.md").read_text(encoding="utf-8")
    for name in EXPERIMENTS:
        assert f"symbiosis-abm experiment {name}" in text, name
    links = re.findall(r"\]\((results/[^)]+)\)", text)
    assert links
    missing = [link for link in links if not (root / "docs" / link).is_file()]
    assert not missing
