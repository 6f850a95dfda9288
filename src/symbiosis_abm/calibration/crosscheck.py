"""Held-out checks beyond the calibrated history: the other regions and stylized facts.

A calibration on one case fits that case; these checks ask whether its parameters carry
to what was never used for fitting (issue 20):

* **Regions** (:data:`REGIONS`): each bundled real region run for :data:`REGION_TICKS`
  months and scored against its documented links (``docs/validation/REGION_observed_links
  .csv``) with :func:`~symbiosis_abm.compare.compare_links`: precision, recall and F1 of
  the links that formed in the run (links the region starts with count on neither side),
  ``given_alive`` (of the documented links the region starts with, the share still running
  at the end: the real ones run for decades) and, where documented, how many non-links
  formed.
* **Stylized facts** (:func:`stylized_scores`), on a synthetic region of NISP's scale
  (:data:`STYLIZED`): the median distance of exchanges moved by truck, rail or ship
  (NISP's facilitated material exchanges: about 33 km, DESIGN.md), and the share of
  negotiations that conclude ("many negotiations fail"; the sources give no number).

:func:`opening_dates_region` is the data-only reference: every candidate link of the region
(a stream and a need of one resource within a mode's reach, both firms open) forms.

Examples
--------
>>> checks = region_checks()
>>> [c.region for c in checks][:2], int(checks[0].non_links is not None)
(['kalundborg', 'high_coast'], 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..compare import compare_links, read_observed

__all__ = ["RegionCheck", "REGIONS", "REGION_TICKS", "STYLIZED", "NISP_MEDIAN_KM",
           "region_checks", "score_region", "opening_dates_region", "stylized_scores",
           "scored_job"]

#: the bundled real regions with a documented-links file, in report order
REGIONS = ("kalundborg", "high_coast", "vastra_malardalen", "sotenas",
           "kronoberg_kalmar_water")
#: documented non-links, where a region has them
NON_LINKS = {"kalundborg": "kalundborg_non_links.csv"}
#: months each region is run (as experiments/validate_kalundborg.toml)
REGION_TICKS = 120
#: the synthetic region of the stylized facts: about NISP's regional scale (an assumption:
#: 300 firms on 100 km x 100 km), with a facilitator, for ten years
STYLIZED = {"region": "synthetic", "ticks": 120,
            "overrides": {"n_firms": 300, "area_km": 100.0, "facilitator": True}}
#: NISP's facilitated material exchanges, median distance (DESIGN.md, Jensen et al. 2011)
NISP_MEDIAN_KM = 33.0
TRANSPORTED = ("truck", "rail", "ship")

VALIDATION = Path(__file__).resolve().parents[3] / "docs" / "validation"


@dataclass(frozen=True)
class RegionCheck:
    """One region's documented links (and non-links, or None) to score runs against."""

    region: str
    links: pd.DataFrame
    non_links: pd.DataFrame | None = None


def region_checks(folder: Path | str = VALIDATION) -> list[RegionCheck]:
    """The checks of :data:`REGIONS` from the documented-links files in ``folder``."""
    folder = Path(folder)
    out = []
    for region in REGIONS:
        non = NON_LINKS.get(region)
        out.append(RegionCheck(region, read_observed(folder / f"{region}_observed_links.csv"),
                               read_observed(folder / non) if non else None))
    return out


def _link_rows(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Each row's (supplier, receiver, resource), in row order."""
    return [tuple(r) for r in frame[["supplier", "receiver", "resource"]]
            .itertuples(index=False)]


def _links_of(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(_link_rows(frame))


def score_region(model: Any, check: RegionCheck) -> dict[str, float]:
    """Precision, recall, F1, ``given_alive`` and non-links of a finished run."""
    ex = model.exchanges_frame()
    result = compare_links(ex, check.links)
    given = set(result.given) & _links_of(check.links)   # documented, running at the start
    running = _links_of(ex[ex["status"] == "active"])
    out = {"precision": result.precision, "recall": result.recall, "f1": result.f1,
           "documented": result.n_observed, "emerged": result.n_emerged,
           "given": float(len(given)),
           "given_alive": (float(np.mean([g in running for g in given])) if given
                           else np.nan)}
    if check.non_links is not None:
        formed = _links_of(ex[ex["start"] >= 0])
        out["non_links"] = float(len(_links_of(check.non_links) & formed))
    return out


def opening_dates_region(check: RegionCheck) -> dict[str, float]:
    """The scores if every candidate link of the region formed (the data alone)."""
    from ..model import SymbiosisModel

    model = SymbiosisModel(check.region, rng=0)
    w = model.world
    ids = np.array(w.firm_ids, dtype=object)
    names = np.array(w.catalogue.names, dtype=object)
    candidates = pd.DataFrame({"supplier": ids[w.edge_supplier],
                               "receiver": ids[w.edge_receiver],
                               "resource": names[w.edge_resource]}).drop_duplicates()
    given = _links_of(model.exchanges_frame())
    candidates = candidates[[link not in given for link in _link_rows(candidates)]]
    result = compare_links(candidates, check.links[[link not in given for link in
                                                    _link_rows(check.links)]])
    out = {"precision": result.precision, "recall": result.recall, "f1": result.f1,
           "documented": result.n_observed, "emerged": result.n_emerged,
           "given": float(len(given & _links_of(check.links))),
           "given_alive": 1.0 if given else np.nan}
    if check.non_links is not None:
        out["non_links"] = float(len(_links_of(check.non_links) & _links_of(candidates)))
    return out


def stylized_scores(model: Any) -> dict[str, float]:
    """Median distance of transported exchanges and the share of negotiations concluded."""
    ex = model.exchanges_frame()
    moved = ex.loc[ex["mode"].isin(TRANSPORTED), "distance_km"]
    s = model.summary()
    opened = s["negotiations_opened"]
    return {"median_km_transported": float(moved.median()) if len(moved) else np.nan,
            "transported": float(len(moved)),
            "concluded_share": s["negotiations_concluded"] / opened if opened else np.nan}


def scored_job(job: tuple[str, Any, dict, dict, int]) -> dict[str, Any]:
    """One run of a check, for a process pool: ``(kind, check, fixed, params, seed)``.

    ``kind`` is ``"region"`` (``check`` a :class:`RegionCheck`) or ``"stylized"``.
    """
    from ..model import SymbiosisModel

    kind, check, fixed, params, seed = job
    if kind == "region":
        model = SymbiosisModel(check.region, rng=seed, **{**fixed, **params})
        model.run(REGION_TICKS)
        scores = score_region(model, check)
    else:
        model = SymbiosisModel(STYLIZED["region"], rng=seed,
                               **{**fixed, **STYLIZED["overrides"], **params})
        model.run(STYLIZED["ticks"])
        scores = stylized_scores(model)
    return {"check": check.region if kind == "region" else "stylized", "seed": seed,
            **scores}
