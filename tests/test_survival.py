"""symbiosis_abm.survival: which endings are events, Kaplan-Meier against hand-computed
values, and experiments/lifetimes.py end to end at a tiny size."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_script

from symbiosis_abm.survival import (
    CENSORING_ENDINGS,
    CONTRACT_ENDINGS,
    UnknownEndingError,
    is_event,
    kaplan_meier,
    lifetimes,
)

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "symbiosis_abm"


def test_kaplan_meier_matches_hand_computation():
    # lifetimes 2, 3+, 5, 7+, 8 (+ censored)
    # t=2: 5 at risk, 1 event -> S = 4/5; t=5: 3 at risk, 1 event -> S = 4/5 * 2/3;
    # t=8: 1 at risk, 1 event -> S = 0
    km = kaplan_meier([2, 3, 5, 7, 8], [True, False, True, False, True])
    assert km.time.tolist() == [2.0, 5.0, 8.0]
    np.testing.assert_allclose(km.survival, [0.8, 0.8 * 2 / 3, 0.0])
    assert (km.n, km.events) == (5, 3)
    # log-log Greenwood band at t=2: var = 1/(5*4); se of log(-log S) = sqrt(var)/|log S|
    s, se = 0.8, np.sqrt(1 / 20) / abs(np.log(0.8))
    low = s ** np.exp(1.959964 * se)
    high = s ** np.exp(-1.959964 * se)
    assert km.low[0] == pytest.approx(low, rel=1e-4)
    assert km.high[0] == pytest.approx(high, rel=1e-4)
    assert (km.low <= km.survival).all() and (km.survival <= km.high).all()
    # the step function: 1 before the first event, constant between events
    assert km.at(1.9) == 1.0 and km.at(4.0) == pytest.approx(0.8)
    assert km.at(100) == 0.0


def test_median_and_its_interval():
    # S: 0.9 0.8 ... 0.0 at t = 1..10; median where S first <= 0.5 -> t = 5
    km = kaplan_meier(np.arange(1, 11), np.ones(10, bool))
    med, low, high = km.median()
    assert med == 5.0 and low <= med <= high
    # censoring after half the events: the median is still reached
    km = kaplan_meier([1, 2, 3, 4, 5, 6], [True, True, True, False, False, False])
    assert km.median()[0] == 3.0
    # more than half survive: not reached
    km = kaplan_meier([1, 5, 5, 5], [True, False, False, False])
    assert km.median()[0] == np.inf
    # no event at all: survival stays at 1
    km = kaplan_meier([1.0, 2.0], [False, False])
    assert km.at(5.0) == 1.0 and km.events == 0


def test_event_classification():
    reasons = sorted(CONTRACT_ENDINGS) + sorted(CENSORING_ENDINGS) + [""]
    active = [False] * (len(reasons) - 1) + [True]
    event = is_event(reasons, active)
    assert event.tolist() == ([True] * len(CONTRACT_ENDINGS)
                              + [False] * len(CENSORING_ENDINGS) + [False])
    # all causes: every ending is an event, a running exchange never
    assert is_event(reasons, active, all_causes=True).tolist() == [True] * (
        len(reasons) - 1) + [False]
    # an active exchange is censored whatever its (stale) reason
    assert not is_event(["expired"], [True])[0]


def test_unknown_ending_reason_is_a_clear_error():
    with pytest.raises(UnknownEndingError, match=r"'moved away'.*CONTRACT_ENDINGS"):
        is_event(["expired", "moved away"], [False, False])
    # an ended exchange without a reason is not silently censored either
    with pytest.raises(UnknownEndingError, match="''"):
        is_event([""], [False])


def test_every_ending_the_model_can_give_is_classified():
    """A reason passed to ``_end_exchanges`` anywhere in the rules is an event or a
    censoring: a new reason fails here until survival.py says which."""
    found = set()
    for path in SRC.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'_end_exchanges\([^()]*(?:\([^()]*\)[^()]*)*"([^"]+)"\)',
                                text))
    # the regex finds the reasons actually passed ("process change" is no longer given:
    # a falling stream cuts contracts within their band or ends them below it)
    assert {"unprofitable", "partner closed", "below minimum volume", "broken trust",
            "expired", "renegotiation failed", "asset worn out"} <= found
    assert found <= CONTRACT_ENDINGS | CENSORING_ENDINGS, found - (
        CONTRACT_ENDINGS | CENSORING_ENDINGS)


def test_lifetimes_censor_running_exchanges_at_the_horizon():
    ex = pd.DataFrame({"start": [0, 6, 10, 3], "end": [12, -1, 16, 9],
                       "status": ["ended", "active", "ended", "ended"],
                       "reason": ["unprofitable", "", "trial completed", "partner closed"]})
    out = lifetimes(ex, horizon=30, tick_months=3.0)
    assert out["years"].tolist() == [3.0, 6.0, 1.5, 1.5]
    assert out["event"].tolist() == [True, False, False, False]
    assert lifetimes(ex, 30, all_causes=True)["event"].tolist() == [True, False, True, True]
    with pytest.raises(ValueError, match="horizon"):
        lifetimes(ex, horizon=4)


def test_model_run_lifetimes_are_classified():
    from symbiosis_abm import SymbiosisModel
    model = SymbiosisModel("kalundborg", rng=3)
    model.run(60)
    ex = model.exchanges_frame()
    out = lifetimes(ex, horizon=60)
    assert len(out) == len(ex) > 0
    assert (out["years"] >= 0).all() and (out["years"] <= 5).all()
    # a contract event is also an all-cause event
    every = lifetimes(ex, horizon=60, all_causes=True)["event"]
    assert (every | ~out["event"]).all()
    assert every.sum() == (ex["status"] == "ended").sum()


@pytest.fixture(scope="module")
def script():
    return load_script(ROOT / "experiments" / "lifetimes.py", "exp_lifetimes")


def test_documented_links_parse(script):
    d = script.documented_links()
    assert len(d) >= 19 and (d["span_years"] >= 0).all()
    assert d["first_year"].between(1950, 2020).all()
    steam = d[(d.supplier == "asnaes") & (d.receiver == "novo")].iloc[0]
    assert (steam.first_year, steam.last_year) == (1982, 2019)
    assert "steam" in script.pipe_bound_resources()


def test_lifetimes_script_tiny_run(script, tmp_path):
    out, results = tmp_path / "out", tmp_path / "res"
    assert script.main(["--seeds", "1", "--months", "24", "--workers", "1", "--out",
                        str(out), "--results", str(results)]) == 0
    text = (results / "lifetimes.md").read_text(encoding="utf-8")
    assert text.startswith("# How long exchanges last")
    assert "| kalundborg |" in text and "documented links" in text
    assert (results / "lifetimes.png").stat().st_size > 1000
    frame = pd.read_parquet(out / "lifetimes_exchanges.parquet")
    assert set(frame["region"]) == {"kalundborg", "synthetic"} and (frame["horizon"] == 24).all()
    # the same seed gives the same exchanges (a run is a pure function of its inputs)
    keys = ["start", "supplier", "receiver", "resource"]
    again = script.run_one("kalundborg", 0, 24).sort_values(keys, kind="stable")
    again = again.reset_index(drop=True)
    first = frame[frame["region"] == "kalundborg"].reset_index(drop=True)
    pd.testing.assert_frame_equal(first[again.columns], again, check_dtype=False)


def test_lifetimes_quick_is_a_smoke_test_under_out(script, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        script.parse(["--quick", "--results", str(tmp_path)])
    assert exc.value.code == 2 and "--quick" in capsys.readouterr().err
    args = script.parse(["--quick", "--out", str(tmp_path / "q")])
    assert (args.seeds, args.months) == (script.QUICK["seeds"], script.QUICK["months"])
    assert script.main(["--quick", "--out", str(tmp_path / "q"), "--workers", "1"]) == 0
    text = (tmp_path / "q" / "report" / "lifetimes.md").read_text(encoding="utf-8")
    assert text.startswith("> **SMOKE TEST**") and "lifetimes.py --quick" in text
    # nothing to report on: one clear line, exit 2
    assert script.main(["--report-only", "--out", str(tmp_path / "none")]) == 2
    assert "no runs to report on" in capsys.readouterr().err
