"""Held-out scores: how runs do on the patterns that were never fitted.

After fitting, runs are made to the end of the spec's ``held_out_window`` with parameters
drawn from one of three sources, on the same seeds (paired):

* ``posterior``: the calibration's posterior file;
* ``defaults``: the parameter record's defaults (ODD Appendix B assumptions);
* ``prior``: uniform draws from the spec's priors (the prior predictive).

Each run is scored on the links documented as first running inside the window:

* ``rho_formed`` / ``rho_never_last``: Spearman's rank correlation of the documented first
  year with the run's first year, over the links that formed / with links that never
  formed placed last (as ``experiments/history_order.py`` does);
* ``precision``, ``recall``, ``f1``: the links that first formed inside the window against
  those documented for it (:func:`~symbiosis_abm.compare.compare_links`);
* ``non_links``: how many documented non-links formed at any time;
* ``alive_recall``: of the documented links still running at the end of the window (an
  open period such as ``"1982-"``), the share running in the run then (December of
  ``until``);
* ``lifetime_years``: the median years each documented link that formed in the run ran
  (its first start to its last end, censored at the end of the window), against
  :func:`documented_lifetime`, the same median over the documents.

:func:`opening_dates_rho` is the fourth reference: the order the firms' opening dates
alone give (each link forms when the later of its two firms opens).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..compare import compare_links
from .patterns import KEY, read_links
from .posterior import Posterior
from .spec import CalibrationSpec

__all__ = ["HeldOut", "REFERENCES", "held_out", "score_run", "draws", "run_scores",
           "summarise", "opening_dates_rho", "opening_dates_window",
           "documented_lifetime"]

REFERENCES = ("posterior", "defaults", "prior")


@dataclass(frozen=True)
class HeldOut:
    """What the held-out runs need: region, length, window and the documented links."""

    region: str
    ticks: int
    start_year: int
    after: int
    until: int
    links: pd.DataFrame
    non_links: pd.DataFrame | None = None

    def window_links(self) -> pd.DataFrame:
        first = self.links["first"]
        return self.links[(first >= self.after) & (first <= self.until)]


def held_out(spec: CalibrationSpec, tick_months: float = 1.0) -> HeldOut:
    """The held-out setting of a spec (its ``held_out_window`` and links files)."""
    from ..region import load_region

    if spec.held_out_window is None or spec.links_path() is None:
        raise ValueError(f"{spec.origin}: held-out scores need calibration.links and "
                         "calibration.held_out_window")
    after, until = spec.held_out_window
    start = load_region(spec.region).start
    start_year = int(start[:4]) if start else 0
    non = spec.non_links_path()
    return HeldOut(spec.region, int(round((until - start_year + 1) * 12 / tick_months)),
                   start_year, after, until, read_links(spec.links_path()),
                   read_links(non) if non is not None else None)


def score_run(model: Any, setting: HeldOut) -> dict[str, float]:
    """The held-out scores of one finished run (see the module docstring)."""
    ex = model.exchanges_frame()
    years = setting.start_year + np.floor(ex["start"].to_numpy() * model.params.tick_months
                                          / 12.0)
    first = pd.Series(years, index=pd.MultiIndex.from_frame(ex[KEY])).groupby(level=KEY).min()
    window = setting.window_links()
    documented = window["first"].to_numpy(float)
    formed = np.array([first.get(tuple(r), np.nan) for r in window[KEY].itertuples(index=False)])
    mask = ~np.isnan(formed)
    rho_formed = (stats.spearmanr(documented[mask], formed[mask]).statistic
                  if mask.sum() >= 3 else np.nan)
    rho_last = stats.spearmanr(documented, np.where(mask, formed, setting.until + 1)).statistic
    inside = first[(first >= setting.after) & (first <= setting.until)]
    emerged = pd.DataFrame(list(inside.index), columns=KEY) if len(inside) else \
        pd.DataFrame(columns=KEY)
    links = compare_links(emerged, window)
    out = {"rho_formed": float(rho_formed), "rho_never_last": float(rho_last),
           "formed": int(mask.sum()), "documented": len(window),
           "precision": links.precision, "recall": links.recall, "f1": links.f1}
    out.update(_lifetimes(ex, model.params.tick_months, setting, first))
    if setting.non_links is not None:
        out["non_links"] = int(sum(tuple(r) in first.index
                                   for r in setting.non_links[KEY].itertuples(index=False)))
    return out


def _lifetimes(ex: pd.DataFrame, months: float, setting: HeldOut, first: pd.Series
               ) -> dict[str, float]:
    """``alive_recall`` and ``lifetime_years`` of a run's exchange log (module docstring)."""
    end_tick = (setting.until - setting.start_year + 1) * 12 / months
    ends = np.where(ex["end"].to_numpy() < 0, end_tick, np.minimum(ex["end"], end_tick))
    last = pd.Series(ends, index=pd.MultiIndex.from_frame(ex[KEY])).groupby(level=KEY).max()
    running = {k for k, v in last.items() if v >= end_tick}
    open_links = [tuple(r) for r in setting.links.loc[setting.links["last"] >= setting.until,
                                                      KEY].itertuples(index=False)]
    alive = (float(np.mean([link in running for link in open_links])) if open_links
             else np.nan)
    documented = [tuple(r) for r in setting.links[KEY].itertuples(index=False)]
    years = [(last[k] * months / 12.0) - (first[k] - setting.start_year)
             for k in documented if k in first.index]
    return {"alive_recall": alive,
            "lifetime_years": float(np.median(years)) if years else np.nan}


def documented_lifetime(setting: HeldOut) -> float:
    """Median years the documented links ran, each censored at the end of the window."""
    links = setting.links
    return float(np.median(np.minimum(links["last"], setting.until) + 1 - links["first"]))


def draws(reference: str, spec: CalibrationSpec, seeds: list[int],
          posterior: Posterior | None = None) -> list[dict[str, float]]:
    """The parameters of each seed's run under a reference (paired by seed)."""
    if reference == "defaults":
        return [{} for _ in seeds]
    if reference == "prior":
        out = []
        for seed in seeds:
            rng = np.random.default_rng([seed, 0x5052494F])  # "PRIO"
            out.append({k: float(rng.uniform(lo, hi)) for k, (lo, hi) in spec.priors.items()})
        return out
    if reference == "posterior":
        if posterior is None:
            raise ValueError("the posterior reference needs a posterior")
        return [posterior.draw(seed) for seed in seeds]
    raise ValueError(f"reference {reference!r}: choose one of {', '.join(REFERENCES)}")


def run_scores(spec: CalibrationSpec, setting: HeldOut, reference: str, seeds: list[int],
               posterior: Posterior | None = None, map_: Any = map) -> pd.DataFrame:
    """One row per seed: the reference, the seed, the drawn parameters and the scores."""
    jobs = [(setting, spec.fixed, params, seed)
            for params, seed in zip(draws(reference, spec, seeds, posterior), seeds)]
    rows = list(map_(_scored_run, jobs))
    frame = pd.DataFrame(rows)
    frame.insert(0, "reference", reference)
    return frame


def _scored_run(job: tuple[HeldOut, dict, dict, int]) -> dict[str, Any]:
    from ..model import SymbiosisModel

    setting, fixed, params, seed = job
    model = SymbiosisModel(setting.region, rng=seed, **{**fixed, **params})
    model.run(setting.ticks)
    return {"seed": seed, **{f"param:{k}": v for k, v in params.items()},
            **score_run(model, setting)}


def summarise(frame: pd.DataFrame, scores: tuple[str, ...] = (
        "rho_formed", "rho_never_last", "precision", "recall", "f1", "non_links",
        "alive_recall", "lifetime_years")
              ) -> pd.DataFrame:
    """Mean and 95% bootstrap CI (over seeds) of each score, per reference."""
    rows = []
    for reference, group in frame.groupby("reference", sort=False):
        for score in scores:
            if score not in group:
                continue
            x = group[score].dropna().to_numpy(float)
            low = high = np.nan
            if len(x) >= 2 and np.ptp(x) > 0:
                ci = stats.bootstrap((x,), np.mean, n_resamples=4999, method="percentile",
                                     random_state=np.random.default_rng(0))
                low, high = ci.confidence_interval.low, ci.confidence_interval.high
            rows.append({"reference": reference, "score": score, "runs": len(x),
                         "mean": float(x.mean()) if len(x) else np.nan,
                         "low": float(low), "high": float(high)})
    return pd.DataFrame(rows)


def opening_dates_window(setting: HeldOut) -> dict[str, float]:
    """Precision, recall, F1 and non-links if every candidate link formed when the later of
    its two firms opened (the data alone, no behaviour)."""
    from ..model import SymbiosisModel

    model = SymbiosisModel(setting.region, rng=0)
    w = model.world
    ids = np.array(w.firm_ids, dtype=object)
    names = np.array(w.catalogue.names, dtype=object)
    opened = np.maximum(w.firm_open_tick[w.edge_supplier], w.firm_open_tick[w.edge_receiver])
    years = setting.start_year + np.floor(np.maximum(opened, 0) * model.params.tick_months
                                          / 12.0)
    candidates = pd.DataFrame({"supplier": ids[w.edge_supplier],
                               "receiver": ids[w.edge_receiver],
                               "resource": names[w.edge_resource], "year": years})
    inside = candidates[(candidates["year"] >= setting.after)
                        & (candidates["year"] <= setting.until)].drop_duplicates(KEY)
    links = compare_links(inside, setting.window_links())
    out = {"precision": links.precision, "recall": links.recall, "f1": links.f1}
    if setting.non_links is not None:
        formed = {tuple(r) for r in candidates[KEY].itertuples(index=False)}
        out["non_links"] = float(sum(tuple(r) in formed for r in
                                     setting.non_links[KEY].itertuples(index=False)))
    return out


def opening_dates_rho(setting: HeldOut) -> float:
    """Spearman rho of the documented years with the later opening of each link's firms."""
    from ..model import SymbiosisModel

    world = SymbiosisModel(setting.region, rng=0).world
    opened = dict(zip(world.firm_ids, world.firm_open_tick.tolist()))
    window = setting.window_links()
    entry = [max(opened[a], opened[b]) for a, b in zip(window["supplier"], window["receiver"])]
    return float(stats.spearmanr(window["first"], entry).statistic)

