"""The Kalundborg observed-links list is well-formed; the validation experiment scores right.

``docs/validation/kalundborg_observed_links.csv`` must name firms of the bundled
``kalundborg`` region, catalogue resources, a stream of the supplier and a need of the
receiver of that resource (a documented link the region cannot represent is left out of the
list and named in ``docs/validation/README.md``, never added to the region), and cite
sources that exist.

The experiment's scores come from :func:`symbiosis_abm.compare.compare_links` (tested in
``test_compare.py``); here its wrapper and the random baseline are checked on a toy case
counted by hand:

- candidate links (5): a->b steam, a->c steam, b->c sludge, c->a sludge, c->b sludge;
- observed (3): a->b steam, b->c sludge, c->a sludge (all candidates);
- emerged (3 links, 4 exchanges): a->b steam (twice: one ended, one active), a->c steam
  (ended), b->c sludge (active). Every link that ever formed: matched 2 of 3, precision
  2/3, recall 2/3, F1 2/3. Active at the end: a->b, b->c, both observed: precision 1,
  recall 2/3, F1 0.8.
- uniform random network of 3 links among 5 candidates with 3 observed: expected matched
  3 x 3/5 = 1.8, so precision 0.6 and recall 0.6; all 5 links: precision 3/5, recall 1.
- same number per resource (2 steam, 1 sludge): both steam links (1 observed) and one of
  the 3 sludge links (2 observed): expected matched 1 + 2/3, precision 5/9, recall 5/9.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import load_script

from symbiosis_abm import load_region
from symbiosis_abm.catalogue import load_catalogue
from symbiosis_abm.compare import read_observed

ROOT = Path(__file__).resolve().parents[1]
OBSERVED = ROOT / "docs" / "validation" / "kalundborg_observed_links.csv"
SOURCES = ROOT / "docs" / "validation" / "kalundborg_sources.csv"
SCRIPT = ROOT / "experiments" / "validate_kalundborg.py"


@pytest.fixture(scope="module")
def observed() -> pd.DataFrame:
    return pd.read_csv(OBSERVED, dtype=str, comment="#", skipinitialspace=True)


@pytest.fixture(scope="module")
def region():
    return load_region("kalundborg")


@pytest.fixture(scope="module")
def experiment():
    return load_script(SCRIPT)


# ------------------------------------------------------------------ the observed list
def test_columns_and_rows(observed):
    assert list(observed.columns) == ["supplier", "receiver", "resource", "source", "period",
                                      "note"]
    assert len(observed) >= 10
    assert not observed.duplicated(["supplier", "receiver", "resource"]).any()
    assert observed.notna().all().all(), "every cell must be filled"


def test_reads_with_the_cli_reader(region):
    ids = [f.id for f in region.firms]
    frame = read_observed(OBSERVED, ids, list(load_catalogue().names))
    assert len(frame) == len(pd.read_csv(OBSERVED, comment="#"))


def test_firms_and_resources_exist(observed, region):
    ids = {f.id for f in region.firms}
    names = set(load_catalogue().names)
    assert set(observed["supplier"]) <= ids
    assert set(observed["receiver"]) <= ids
    assert set(observed["resource"]) <= names
    assert (observed["supplier"] != observed["receiver"]).all()


def test_supplier_has_the_stream_and_receiver_the_need(observed, region):
    streams = {(f.id, s.resource) for f in region.firms for s in f.streams}
    needs = {(f.id, n.resource) for f in region.firms for n in f.needs}
    bad = [f"{r.supplier}->{r.receiver} {r.resource}" for r in observed.itertuples()
           if (r.supplier, r.resource) not in streams or (r.receiver, r.resource) not in needs]
    assert not bad, f"no matching stream/need in kalundborg.toml: {bad}"


def test_every_row_cites_known_sources(observed, region):
    known = {ref["id"] for ref in region.references}
    known |= set(pd.read_csv(SOURCES, comment="#")["id"])
    for row in observed.itertuples():
        ids = [s.strip() for s in row.source.split(";") if s.strip()]
        assert ids, f"row {row.Index + 1}: empty source"
        assert set(ids) <= known, f"row {row.Index + 1}: unknown source {set(ids) - known}"


def test_new_sources_are_complete():
    sources = pd.read_csv(SOURCES, comment="#", dtype=str)
    assert list(sources.columns) == ["id", "citation", "url"]
    assert sources.notna().all().all()
    assert sources["id"].is_unique
    assert sources["url"].str.startswith("http").all()


# ------------------------------------------------------------------ the experiment
TOY_CANDIDATES = pd.DataFrame({
    "supplier": ["a", "a", "b", "c", "c"], "receiver": ["b", "c", "c", "a", "b"],
    "resource": ["steam", "steam", "sludge", "sludge", "sludge"]})
TOY_OBSERVED = TOY_CANDIDATES.iloc[[0, 2, 3]].reset_index(drop=True)
TOY_LOG = pd.DataFrame({
    "supplier": ["a", "a", "a", "b"], "receiver": ["b", "b", "c", "c"],
    "resource": ["steam", "steam", "steam", "sludge"], "start": [0, 30, 5, 8],
    "status": ["ended", "active", "ended", "active"],
    "reason": ["expired", "", "unprofitable", ""]})


def test_link_scores_by_hand(experiment):
    ever = experiment.link_scores(TOY_LOG, TOY_OBSERVED, active_only=False)
    assert (ever["n"], ever["matched"]) == (3, 2)
    assert ever["precision"] == pytest.approx(2 / 3)
    assert ever["recall"] == pytest.approx(2 / 3)
    assert ever["f1"] == pytest.approx(2 / 3)
    active = experiment.link_scores(TOY_LOG, TOY_OBSERVED, active_only=True)
    assert (active["n"], active["matched"]) == (2, 2)
    assert active["precision"] == pytest.approx(1.0)
    assert active["recall"] == pytest.approx(2 / 3)
    assert active["f1"] == pytest.approx(0.8)


def test_random_baseline_uniform(experiment):
    rng = np.random.default_rng(1)
    every = experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED, 5, rng, draws=10)
    assert every == pytest.approx({"precision": 0.6, "recall": 1.0, "f1": 0.75})
    three = experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED, 3, rng, draws=40000)
    assert three["precision"] == pytest.approx(0.6, abs=0.01)
    assert three["recall"] == pytest.approx(0.6, abs=0.01)


def test_random_baseline_per_resource(experiment):
    rng = np.random.default_rng(2)
    result = experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED,
                                        {"steam": 2, "sludge": 1}, rng, draws=40000)
    assert result["precision"] == pytest.approx(5 / 9, abs=0.01)
    assert result["recall"] == pytest.approx(5 / 9, abs=0.01)
    exact = experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED,
                                       {"steam": 2, "sludge": 3}, rng, draws=5)
    assert exact == pytest.approx({"precision": 0.6, "recall": 1.0, "f1": 0.75})


def test_random_baseline_edge_cases(experiment):
    rng = np.random.default_rng(3)
    empty = experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED, 0, rng)
    assert math.isnan(empty["precision"]) and empty["recall"] == 0.0
    with pytest.raises(ValueError, match="cannot draw 3 links of steam"):
        experiment.random_baseline(TOY_CANDIDATES, TOY_OBSERVED, {"steam": 3}, rng)


def test_score_run_on_toy(experiment):
    run = {"seed": 7, "ticks": 12, "exchanges": TOY_LOG, "candidates": TOY_CANDIDATES,
           "exchanges_started": 4, "negotiations_opened": 6, "seconds": 0.0}
    row, links = experiment.score_run(run, "facilitator", TOY_OBSERVED)
    assert (row["links_ever"], row["matched_ever"], row["links_active"]) == (3, 2, 2)
    assert row["rand_precision_ever"] == pytest.approx(0.6, abs=0.05)
    assert links[["supplier", "receiver", "first_start", "active_end", "observed"]
                 ].values.tolist() == [["a", "b", 0, True, True], ["a", "c", 5, False, False],
                                       ["b", "c", 8, True, True]]
    again, _ = experiment.score_run(run, "facilitator", TOY_OBSERVED)
    assert again == row  # the baseline generator is seeded from the run's seed


def test_one_kalundborg_run_is_pure(experiment):
    from symbiosis_abm import SymbiosisModel

    def collected():
        model = SymbiosisModel("kalundborg", rng=3, facilitator=False)
        model.run(24)
        return experiment.collect(model)

    first, second = collected(), collected()
    pd.testing.assert_frame_equal(first["links"], second["links"])
    cands = first["candidates"]
    observed = read_observed(OBSERVED)
    got = set(cands.itertuples(index=False, name=None))
    assert set(observed.itertuples(index=False, name=None)) <= got


def test_random_among_viable_candidates_draws_only_viable_links(experiment):
    """With a->b steam and b->c sludge viable (both observed) and 3 links formed, the
    pool holds 2 links: the baseline takes both, so precision 1 and recall 2/3; with no
    viable link it draws nothing."""
    run = {"seed": 7, "ticks": 12, "exchanges": TOY_LOG, "candidates": TOY_CANDIDATES,
           "exchanges_started": 4, "negotiations_opened": 6, "seconds": 0.0}
    viable = {("a", "b", "steam"), ("b", "c", "sludge")}
    row, _ = experiment.score_run(run, "facilitator", TOY_OBSERVED, viable)
    assert row["randviable_precision_ever"] == pytest.approx(1.0)
    assert row["randviable_recall_ever"] == pytest.approx(2 / 3)
    none, _ = experiment.score_run(run, "facilitator", TOY_OBSERVED, set())
    assert math.isnan(none["randviable_precision_ever"])


def test_non_link_rates_count_runs_that_formed_them(experiment):
    """A non-link formed in 1 of 4 runs with the facilitator (and active at the end) and in
    none without: 0.25 and 0.00, with Wilson intervals."""
    frame = pd.DataFrame({"arm": ["facilitator"] * 4 + ["no facilitator"] * 4,
                          "seed": [0, 1, 2, 3] * 2})
    links = pd.DataFrame({"arm": ["facilitator", "facilitator"], "seed": [2, 3],
                          "supplier": ["x", "a"], "receiver": ["y", "b"],
                          "resource": ["heat", "steam"], "active_end": [True, False]})
    non_links = pd.DataFrame({"supplier": ["x"], "receiver": ["y"], "resource": ["heat"],
                              "source": ["src"]})
    lines = experiment.non_link_lines(frame, links, non_links)
    row = [line for line in lines if line.startswith("| x -> y")][0]
    low, high = experiment.share_ci(1, 4)[1:]
    assert row.split(" | ")[2:] == [f"0.25 [{low:.2f}, {high:.2f}]", "0.25",
                                   "0.00 [0.00, 0.49]", "0.00 |"]


def test_documented_magnitudes_are_sourced_and_the_script_compares_them(tmp_path):
    """Every documented magnitude names a measure the script knows, a positive value, a
    year, a source and a web address; the script's table has one row per figure with the
    model's first- and last-year means and their ratio."""
    magnitudes = load_script(ROOT / "experiments" / "magnitudes.py")
    documented = pd.read_csv(magnitudes.DOCUMENTED, comment="#", skipinitialspace=True)
    assert set(documented["measure"]) <= set(magnitudes.MEASURES)
    assert (documented["value"] > 0).all()
    assert documented[["year", "source", "url"]].notna().all().all()
    assert documented["url"].str.startswith("http").all()
    rates = pd.DataFrame([{"seed": s, "year": y, **{m: 10.0 * (1 + y) + s
                                                     for m in magnitudes.MEASURES}}
                          for s in (0, 1) for y in (0, 1)])
    table = magnitudes.compare(rates, documented)
    assert len(table) == len(documented)
    first = table.iloc[0]
    assert first["first_mean"] == pytest.approx(10.5)
    assert first["last_mean"] == pytest.approx(20.5)
    assert first["ratio_last"] == pytest.approx(20.5 / first["documented"])
    assert magnitudes.main(["--seeds", "2", "--ticks", "12", "--results", str(tmp_path)]) == 0
    text = (tmp_path / "kalundborg_magnitudes.md").read_text(encoding="utf-8")
    assert text.count("\n| ") == len(documented) + 1   # header and one row per figure
