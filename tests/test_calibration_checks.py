"""Held-out checks of a calibration (issue 20): other regions, stylized facts and the
opening-dates reference, on hand-made runs whose scores are known."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from test_calibration import HISTORY_LINKS

from symbiosis_abm.calibration.crosscheck import (
    RegionCheck,
    opening_dates_region,
    region_checks,
    score_region,
    scored_job,
    stylized_scores,
)
from symbiosis_abm.calibration.heldout import HeldOut, opening_dates_window
from symbiosis_abm.calibration.patterns import read_links
from symbiosis_abm.model import SymbiosisModel

COLUMNS = ["supplier", "receiver", "resource", "start", "status"]


def _links(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["supplier", "receiver", "resource"])


def test_a_region_run_is_scored_on_the_links_it_formed_and_those_it_kept():
    documented = _links(("a", "b", "steam"), ("c", "d", "sludge"), ("e", "f", "steam"))
    non_links = _links(("b", "a", "steam"))
    # e->f ran at the start and has ended; a->b formed; x->y formed (not documented);
    # the non-link formed
    log = pd.DataFrame([("e", "f", "steam", -1, "ended"), ("a", "b", "steam", 5, "active"),
                        ("x", "y", "steam", 7, "active"), ("b", "a", "steam", 9, "ended")],
                       columns=COLUMNS)
    scores = score_region(SimpleNamespace(exchanges_frame=lambda: log),
                          RegionCheck("r", documented, non_links))
    assert scores["precision"] == pytest.approx(1 / 3)     # a->b of a->b, x->y, b->a
    assert scores["recall"] == pytest.approx(1 / 2)        # a->b of a->b, c->d
    assert scores["given"] == 1 and scores["given_alive"] == 0.0
    assert scores["non_links"] == 1


def test_the_opening_dates_reference_forms_every_candidate_link():
    check = next(c for c in region_checks() if c.region == "high_coast")
    scores = opening_dates_region(check)
    model = SymbiosisModel("high_coast", rng=0)
    w = model.world
    candidates = {(w.firm_ids[s], w.firm_ids[r], w.catalogue.names[k])
                  for s, r, k in zip(w.edge_supplier, w.edge_receiver, w.edge_resource)}
    documented = {tuple(r) for r in check.links[["supplier", "receiver", "resource"]]
                  .itertuples(index=False)}
    assert documented <= candidates          # every documented link is a candidate
    assert scores["recall"] == 1.0
    assert scores["precision"] == pytest.approx(len(documented) / len(candidates))


def test_the_history_window_reference_forms_links_when_the_later_firm_opens():
    links = read_links(HISTORY_LINKS)
    setting = HeldOut("kalundborg_history", 12, 1960, 1996, 2020, links)
    scores = opening_dates_window(setting)
    early = HeldOut("kalundborg_history", 12, 1960, 1960, 1995, links)
    # every documented link opens as a candidate at some date, so over the whole span
    # the data alone recall more than over either half
    whole = HeldOut("kalundborg_history", 12, 1960, 1960, 2020, links)
    assert opening_dates_window(whole)["recall"] >= max(scores["recall"],
                                                        opening_dates_window(early)["recall"])
    assert 0 < scores["precision"] < 1 and 0 < scores["recall"] <= 1


def test_stylized_facts_read_transported_distances_and_concluded_negotiations():
    log = pd.DataFrame({"mode": ["truck", "pipe", "rail", "ship"],
                        "distance_km": [10.0, 2.0, 30.0, 50.0]})
    model = SimpleNamespace(exchanges_frame=lambda: log,
                            summary=lambda: {"negotiations_opened": 8,
                                             "negotiations_concluded": 2})
    scores = stylized_scores(model)
    assert scores["median_km_transported"] == 30.0 and scores["transported"] == 3
    assert scores["concluded_share"] == 0.25


def test_a_scored_job_is_a_pure_function_of_its_parameters_and_seed():
    check = next(c for c in region_checks() if c.region == "vastra_malardalen")
    job = ("region", check, {}, {"discovery_rate": 0.08}, 3)
    assert scored_job(job) == scored_job(job)
    assert np.isfinite(scored_job(job)["given_alive"])


def test_the_posterior_comparison_pairs_effects_by_replicate_and_region_seed():
    from helpers import load_script
    from test_calibration import ROOT

    compare = load_script(ROOT / "experiments" / "posterior_compare.py").compare
    rng = np.random.default_rng(0)
    rows = []
    for replicate in range(6):
        base = rng.normal(10, 3)   # a seed's own level, shared by its arms
        for arm, gain in (("none", 0.0), ("all", 2.0), ("all_defaults", 9.0)):
            rows.append({"region": "synthetic", "replicate": replicate,
                         "region_seed": replicate % 3 + 1, "arm": arm, "x": base + gain})
    defaults = pd.DataFrame(rows)
    # under the posterior the same seeds give an effect larger by 1.5 in every replicate
    posterior = defaults.assign(x=defaults["x"] + np.where(defaults["arm"] == "all", 1.5, 0))
    table = compare(defaults, posterior, "none", ("x",))
    assert table["arm"].tolist() == ["all"]          # *_defaults arms are left out
    row = table.iloc[0]
    assert row["defaults"] == pytest.approx(2.0) and row["posterior"] == pytest.approx(3.5)
    assert row["change"] == pytest.approx(1.5) and row["n"] == 3   # over 3 region seeds
