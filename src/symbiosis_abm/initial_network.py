"""The network a region starts with: exchanges documented as running at its start.

A region with a start month may list ``[[initial_exchanges]]`` (docs/regions.md): links
that sources document as running at that month, such as Yara's heat in Köping's
district-heating network since 1982 in a run from 2010. They are history, not something
the run is to discover, so the model opens them once, before the first tick
(:func:`open_initial_network`), through the contract book's own start of an exchange:

* **active at tick 0**, delivering from the first tick (no construction lead time);
* **their asset sunk with its remaining value**: built ``age`` ticks before the start, so
  the owner pays its annuity only for the rest of its economic life (an asset older than
  its life was renewed: it counts from its last renewal), and a renewal books no capex;
* **their inputs fed**: a stream made from a need the initial exchanges supply runs at
  the level they bring (7.20);
* **trust from the relationship's age**: as if every tick since ``since`` had been a
  reliable delivery (:func:`trust_of_age`), never below a tie the region declares; both
  sides know and have met each other.

Their ``start`` in ``exchanges_frame()`` is the (negative) tick of ``since``: an exchange
with ``start < 0`` ran before the run began, and what *forms* in a run is the exchanges
with ``start >= 0`` (:func:`formed_in_run`).

Examples
--------
>>> round(float(trust_of_age(0.3, 0.02, 0)), 3), round(float(trust_of_age(0.3, 0.02, 120)), 3)
(0.3, 0.938)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codes import ACTIVE
from .dates import tick_of
from .errors import RegionError
from .portable_math import power

__all__ = ["trust_of_age", "initial_edges", "open_initial_network", "formed_in_run"]


def trust_of_age(initial: float, gain_per_tick: float, age_ticks: int | np.ndarray) -> np.ndarray:
    """Trust after ``age_ticks`` reliable deliveries from ``initial``: each closes a share
    ``gain_per_tick`` of the gap to 1 (the delivery rule, docs/ODD.md 7.7).

    Examples
    --------
    >>> trust_of_age(0.5, 0.5, np.array([0, 1, 2])).tolist()
    [0.5, 0.75, 0.875]
    """
    age = np.maximum(np.asarray(age_ticks, dtype=float), 0.0)
    return 1.0 - (1.0 - initial) * power(1.0 - gain_per_tick, age)


def initial_edges(model) -> tuple[np.ndarray, np.ndarray]:
    """Candidate edge and age in ticks of each of the region's initial exchanges.

    Raises
    ------
    RegionError
        If a listed exchange is no candidate link of the run (beyond every transport
        mode's range, or left out by ``max_candidates``).
    """
    w = model.world
    region = w.region
    index = {fid: i for i, fid in enumerate(w.firm_ids)}
    names = list(w.catalogue.names)
    edges, ages = [], []
    for k, x in enumerate(region.initial_exchanges):
        r = names.index(x.resource)
        hit = np.flatnonzero((w.edge_supplier == index[x.supplier])
                             & (w.edge_receiver == index[x.receiver]) & (w.edge_resource == r))
        if len(hit) == 0:
            raise RegionError(
                f"{region.origin}: initial_exchanges[{k}]: {x.supplier} -> {x.receiver} "
                f"({x.resource}) is no candidate link of the run (beyond the resource's "
                f"transport range or max_candidates); allowed: links the partner search finds")
        edges.append(int(hit[0]))
        ages.append(max(0, -tick_of(region.start, x.since, model.params.tick_months)))
    return np.array(edges, dtype=np.int64), np.array(ages, dtype=np.int64)


def open_initial_network(model) -> np.ndarray:
    """Open the region's initial exchanges before the first tick; their exchange rows.

    Called once by :class:`~.model.SymbiosisModel` after its state is built.
    """
    region = model.world.region
    if not region.initial_exchanges or region.start is None:
        return np.zeros(0, dtype=np.int64)
    w, p, store = model.world, model.params, model.pairs
    edges, ages = initial_edges(model)
    sr, rs = model.edge_slot_sr[edges], model.edge_slot_rs[edges]
    aged = trust_of_age(p.initial_trust, model.rates.gain_delivery, ages)
    for slots in (sr, rs):
        store.trust[slots] = np.maximum(store.trust[slots], aged)
        store.aware[slots] = True
        store.met[slots] = True
    s, n = w.edges.stream[edges], w.edges.need[edges]
    free = np.minimum(w.stream_volume[s], w.need_volume[n])
    asked = np.array([np.nan if x.volume_per_year is None else x.volume_per_year
                      for x in region.initial_exchanges])
    volume = np.where(np.isnan(asked), free, np.minimum(asked, free))
    _inputs_running(model, n, volume)
    terms, info = model.expected_terms(edges, volume=volume)
    first_row = len(model.exchanges)
    ok = np.ones(len(edges), dtype=bool)
    model._start_exchanges(0, edges, terms, info, np.zeros(len(edges)), ok)
    rows = np.arange(first_row, len(model.exchanges))
    _backdate(model, rows, ages)
    model.edge_status[edges] = ACTIVE
    model.counts["exchanges_at_start"] += len(rows)
    return rows


def _inputs_running(model, needs: np.ndarray, volume: np.ndarray) -> None:
    """Inputs fed at the start are fed already: the needs' received share is what the
    initial exchanges bring, and the streams made from them run at that level (a biogas
    plant whose substrate deliveries run makes its gas from tick 0; 7.20)."""
    w, p = model.world, model.params
    got = np.bincount(needs, weights=volume, minlength=len(w.need_volume))
    fed = got > 0
    model.need_share[fed] = np.minimum(1.0, got[fed] / w.need_volume[fed])
    _, _, produced, k, level_of = model._input_constants()
    if p.cascade and len(produced):
        level = (level_of(model.need_share[k]) * 100.0).round() / 100.0
        model.stream_made[produced] = np.where(fed[k], level, model.stream_made[produced])


def _backdate(model, rows: np.ndarray, ages: np.ndarray) -> None:
    """Running since ``ages`` ticks: delivering now, asset built then (sunk)."""
    ex, table = model.exchanges, model.assets.table
    ex["end"][rows] -= ex["first"][rows]      # the contract runs from now
    ex["first"][rows] = 0
    ex["start"][rows] = -ages
    ids = ex["asset"][rows]
    has = ids >= 0
    if has.any():
        life = table["until"][ids[has]] - table["built"][ids[has]]
        built = -(ages[has] % np.maximum(life, 1))   # renewed at the end of each life
        table["built"][ids[has]] = built
        table["last_used"][ids[has]] = 0
        table["until"][ids[has]] = built + life
        table["ready"][ids[has]] = 0   # the line is in service


def formed_in_run(exchanges: pd.DataFrame) -> pd.DataFrame:
    """The exchanges that formed during the run (not those running at its start).

    Examples
    --------
    >>> frame = pd.DataFrame({"supplier": ["a", "b"], "start": [-336, 12]})
    >>> formed_in_run(frame)["supplier"].tolist()
    ['b']
    """
    return exchanges[exchanges["start"] >= 0]
