"""experiments/history_order.py: first ticks of documented links and their rank correlation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_script

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "experiments" / "history_order.py"


@pytest.fixture(scope="module")
def ho():
    return load_script(SCRIPT)


def test_documented_years_parse_every_period(ho):
    d = ho.documented_years()
    assert len(d) == 26 and d["year"].between(1960, 2020).all()
    # "2010s" and "c. 2018-2019" rows read as their first year
    assert set(d.loc[d.receiver == "novozymes"].query("resource == 'process_water'").year) == {2010}
    assert d.loc[(d.supplier == "gyproc"), "year"].item() == 2018


def test_two_seeds_first_ticks_and_correlation(ho):
    runs = ho.run_all([0, 1], workers=1)
    assert set(runs.seed) == {0, 1} and len(runs) == 52
    # a link never forms before both its firms exist (entry dates from the region)
    base = ho.entry_baseline()
    merged = runs.merge(base, on=ho.KEY + ["year"])
    formed = merged.dropna(subset=["first_tick"])
    assert (formed.first_tick >= formed.entry_tick).all()
    # the biogas plant opens in 2018: its links form only then
    bio = formed[formed.supplier == "bioenergi"]
    assert (bio.first_tick >= 12 * (2018 - 1960)).all()
    rho = ho.rank_correlations(runs)
    assert len(rho) == 2 and rho.rho_formed.between(-1, 1).all()
    # the same runs again give the same first ticks (a run is a pure function of its seed)
    again = ho.first_ticks(1)
    pd.testing.assert_series_equal(
        again.first_tick, runs[runs.seed == 1].first_tick.reset_index(drop=True))
    text = ho.report(runs)
    assert "Spearman" in text and "Entry-date baseline" in text


def test_rank_correlation_counts_never_formed_as_last(ho):
    runs = pd.DataFrame({"seed": [0] * 4, "year": [1960, 1970, 1980, 1990],
                         "first_tick": [1.0, 2.0, np.nan, 3.0]})
    r = ho.rank_correlations(runs, ticks=10).iloc[0]
    assert r.rho_formed == pytest.approx(1.0) and r.n_formed == 3
    assert r.rho_never_last == pytest.approx(0.8)


def test_summarise_bootstrap_ci_brackets_the_mean(ho):
    s = ho.summarise(pd.Series([0.1, 0.3, 0.5, 0.2, 0.4]))
    assert s["low"] <= s["mean"] <= s["high"] and s["share_positive"] == 1.0


# (in three ticks no link forms: every rank is tied, and scipy says so)
@pytest.mark.filterwarnings("ignore:An input array is constant")
def test_the_report_goes_under_out_not_into_docs(ho, tmp_path, capsys):
    """The committed report changes only when asked for (``--results docs/results``)."""
    committed = ROOT / "docs" / "results" / ho.REPORT_NAME
    before = committed.read_bytes()
    out = tmp_path / "history"
    assert ho.main(["--seeds", "1", "--ticks", "3", "--workers", "1", "--out", str(out)]) == 0
    written = out / "report" / ho.REPORT_NAME
    assert "3 monthly ticks" in written.read_text(encoding="utf-8")
    assert (out / "history_first_ticks.parquet").is_file()
    assert committed.read_bytes() == before
    assert str(written) in capsys.readouterr().out
    elsewhere = tmp_path / "elsewhere"
    assert ho.main(["--seeds", "1", "--ticks", "3", "--workers", "1", "--out", str(out),
                    "--results", str(elsewhere)]) == 0
    assert (elsewhere / ho.REPORT_NAME).is_file()
