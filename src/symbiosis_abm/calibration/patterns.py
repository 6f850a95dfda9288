"""Patterns: what a calibration compares between runs and the world.

A *pattern* (pattern-oriented modelling, Grimm et al. 2005) is a named set of scalar
summary statistics that a run produces and that the documents give for the real case.
Each pattern has a scale (the size of a difference that matters, in the statistic's unit)
so that patterns in years, counts and shares can enter one distance, and a source for its
observed values. The statistics are plain ``{key: float}`` dictionaries, which is what
pyabc stores and compares.

Patterns over documented links read a links file with the columns ``supplier, receiver,
resource, period`` (``docs/validation/*_observed_links.csv``): ``period`` is ``"1982-"``
(open), ``"1987-2000s"``, ``"2010s-2022"`` or ``"c. 2018-2019"``; a decade such as
``"2000s"`` is read as its first year when it starts a period and as its last year when it
ends one.

Examples
--------
>>> links = pd.DataFrame({"supplier": ["a"], "receiver": ["b"], "resource": ["steam"],
...                       "period": ["1982-2000s"]})
>>> parse_periods(links)[["first", "last"]].iloc[0].tolist()
[1982, 2009]
>>> p = PATTERNS["outcomes"]
>>> p.scale_of("outcomes:concluded_share"), sorted(p.simulate(_demo_model()))[:2]
(0.1, ['outcomes:active_exchanges', 'outcomes:concluded_share'])
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SymbiosisInputError

__all__ = ["Pattern", "PATTERNS", "parse_periods", "PatternContext"]

KEY = ["supplier", "receiver", "resource"]
_YEAR = re.compile(r"(\d{4})(s?)")


@dataclass(frozen=True)
class PatternContext:
    """What a pattern needs besides the run: the documented links and the time window.

    ``links`` is the documented-links table (None where no pattern needs one); ``start``
    the calendar year of tick 0; ``until`` the last calendar year a pattern looks at
    (inclusive); ``after`` the first year of formation a pattern counts (inclusive).
    """

    links: pd.DataFrame | None = None
    start_year: int = 0
    after: int = 0
    until: int = 9999


@dataclass(frozen=True)
class Pattern:
    """One pattern: its statistics from a run, and from the documents.

    ``simulate(model, context)`` returns the run's statistics; ``observe(context)`` the
    documented ones (None where the pattern has no documented value, e.g. on a synthetic
    ground truth, which is then simulated). ``scale`` divides every difference.
    """

    name: str
    description: str
    scale: float
    simulate_fn: Callable[[Any, PatternContext], dict[str, float]]
    observe_fn: Callable[[PatternContext], dict[str, float]] | None = None
    needs_links: bool = False
    key_scales: tuple[tuple[str, float], ...] = ()

    def scale_of(self, key: str) -> float:
        """The scale of one statistic: its own where ``key_scales`` names it."""
        return dict(self.key_scales).get(key, self.scale)

    def simulate(self, model: Any, context: PatternContext | None = None) -> dict[str, float]:
        """The run's statistics (keys prefixed by the pattern's name)."""
        return self.simulate_fn(model, context or PatternContext())

    def observe(self, context: PatternContext) -> dict[str, float] | None:
        """The documented statistics, or None if this pattern has none."""
        return None if self.observe_fn is None else self.observe_fn(context)


def parse_periods(links: pd.DataFrame) -> pd.DataFrame:
    """The links with integer ``first`` and ``last`` years (``last`` 9999: still running).

    A decade ("2000s") is its first year as a start and its last year as an end.
    """
    firsts, lasts = [], []
    for period in links["period"].astype(str):
        head, _, tail = period.partition("-")
        first = _YEAR.search(head)
        if first is None:
            raise SymbiosisInputError(f"links file: period {period!r}: no four-digit year "
                                      "before '-'; allowed e.g. '1982-', '1987-2000s'")
        firsts.append(int(first[1]))
        last = _YEAR.search(tail)
        lasts.append(9999 if last is None else int(last[1]) + (9 if last[2] else 0))
    out = links.copy()
    out["first"], out["last"] = firsts, lasts
    return out


def read_links(path: str | Path) -> pd.DataFrame:
    """A documented-links CSV with parsed periods; one clear error if it is unusable."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True)
    except (OSError, pd.errors.ParserError) as exc:
        raise SymbiosisInputError(f"{path}: cannot read the links file ({exc})") from None
    missing = [c for c in KEY + ["period"] if c not in frame.columns]
    if missing:
        raise SymbiosisInputError(f"{path}: columns {', '.join(missing)} missing; a links "
                                  "file has supplier, receiver, resource, period")
    return parse_periods(frame)


def _link_key(row: pd.Series | tuple) -> str:
    supplier, receiver, resource = row[0], row[1], row[2]
    return f"{supplier}>{receiver}:{resource}"


def _first_years(model: Any, start_year: int) -> dict[str, float]:
    """First calendar year each (supplier, receiver, resource) started in a run."""
    ex = model.exchanges_frame()
    if not len(ex):
        return {}
    months = model.params.tick_months
    years = start_year + np.floor(ex["start"].to_numpy() * months / 12.0)
    firsts = pd.Series(years, index=pd.MultiIndex.from_frame(ex[KEY])).groupby(level=KEY).min()
    return {_link_key(k): float(v) for k, v in firsts.items()}


def _active_in(model: Any, start_year: int, year: int) -> set[str]:
    """Links with an exchange running in December of ``year``."""
    ex = model.exchanges_frame()
    months = model.params.tick_months
    tick = ((year - start_year) * 12 + 11) / months
    end = np.where(ex["end"].to_numpy() < 0, np.inf, ex["end"].to_numpy())
    running = (ex["start"].to_numpy() <= tick) & (end > tick)
    return {_link_key(r) for r in ex.loc[running, KEY].itertuples(index=False)}


# ---------------------------------------------------------------- documented-link patterns
def _decades(context: PatternContext) -> list[int]:
    first = (context.start_year // 10) * 10 + 9
    return [y for y in range(first, context.until + 1, 10) if y >= context.start_year]


def _links_by_decade_sim(model: Any, context: PatternContext) -> dict[str, float]:
    documented = {_link_key(r) for r in context.links[KEY].itertuples(index=False)}
    return {f"links_by_decade:{y}": float(len(_active_in(model, context.start_year, y)
                                             & documented))
            for y in _decades(context)}


def _links_by_decade_obs(context: PatternContext) -> dict[str, float]:
    links = context.links
    return {f"links_by_decade:{y}": float(((links["first"] <= y) & (links["last"] >= y)).sum())
            for y in _decades(context)}


def _window(context: PatternContext) -> pd.DataFrame:
    links = context.links
    return links[(links["first"] >= context.after) & (links["first"] <= context.until)]


def _formation_years_sim(model: Any, context: PatternContext) -> dict[str, float]:
    # a link that never formed within the window counts as formed the year after it:
    # the distance then grows with how late the run is, without an infinite value
    censor = float(context.until + 1)
    firsts = _first_years(model, context.start_year)
    return {f"formation_year:{_link_key(r)}": min(firsts.get(_link_key(r), censor), censor)
            for r in _window(context)[KEY].itertuples(index=False)}


def _formation_years_obs(context: PatternContext) -> dict[str, float]:
    window = _window(context)
    return {f"formation_year:{_link_key(r)}": float(f)
            for r, f in zip(window[KEY].itertuples(index=False), window["first"])}


# ---------------------------------------------------------------- run-level outcomes
def _outcomes_sim(model: Any, context: PatternContext) -> dict[str, float]:
    s = model.summary()
    opened = max(1, s["negotiations_opened"])
    return {"outcomes:active_exchanges": float(s["active_exchanges"] or 0),
            "outcomes:exchanges_started": float(s["exchanges_started"]),
            "outcomes:concluded_share": float(s["negotiations_concluded"]) / opened}


PATTERNS: dict[str, Pattern] = {p.name: p for p in (
    Pattern("links_by_decade",
            "documented links running at the end of each decade (December of 1969, 1979, "
            "...), counted in the run and in the links file", scale=2.0,
            simulate_fn=_links_by_decade_sim, observe_fn=_links_by_decade_obs,
            needs_links=True),
    Pattern("formation_years",
            "calendar year each documented link first formed, for links documented from "
            "`after` to `until`; a link that never formed counts as `until` + 1", scale=10.0,
            simulate_fn=_formation_years_sim, observe_fn=_formation_years_obs,
            needs_links=True),
    Pattern("outcomes",
            "active exchanges at the end, exchanges started, and the share of negotiations "
            "concluded (no documented values: for synthetic ground truths)", scale=2.0,
            simulate_fn=_outcomes_sim,
            key_scales=(("outcomes:exchanges_started", 4.0),
                        ("outcomes:concluded_share", 0.1))),
)}


def _demo_model():  # a tiny run for the doctest
    from ..model import SymbiosisModel

    model = SymbiosisModel("kalundborg", rng=1)
    model.run(3)
    return model
