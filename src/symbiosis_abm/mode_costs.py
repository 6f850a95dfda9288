"""Each candidate edge's transport-mode costs for a run, computed where they are asked for.

A candidate edge's new capex per mode is the catalogue's fixed capex of its resource (less
the heat pump where the need uses the resource as it comes) plus its cost per km x the
route; a mode reaches it where ``0 < distance <= max_distance``; a documented route
(routes.py) sets its own. All of that is fixed for a run. Held as ``(edges, modes)``
tables it was 90 MB at 100,000 firms (2.6 million edges), and the hazard-adjusted annuity
another 80 MB plus half a gigabyte while it was built; here the capex of an edge is
computed when a deal is priced, from the resource's catalogue rows (a few hundred bytes)
and the edge's distance, and the hazard-adjusted annuity is a row of a small table
(:func:`.hazards.link_annuity_table`), in one compiled pass that also chooses the mode
(:func:`.kernels.cheapest_modes`). The arithmetic is the tables' own, operation for
operation, so every figure is the same bit for bit.

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=0)
>>> costs = model._edge_costs()
>>> costs.capex.shape == (len(model.world.edges), 4)
True
>>> e = np.array([0, 1])
>>> bool((costs.capex[e, np.array([1, 1])] == costs.capex[e][:, 1]).all())
True
"""

from __future__ import annotations

import numpy as np

from ._arrays import RowsByKey
from .economics import direct_use_capex_fixed
from .hazards import link_annuity_table
from .kernels import edge_capex
from .routes import route_capex, routed_edges

__all__ = ["ModeCosts", "EdgeCapex"]



class EdgeCapex:
    """New capex per mode of candidate edges, shape ``(edges, modes)``, computed for the
    edges asked for: ``capex[items]`` is their rows, ``capex[items, modes]`` one value per
    (edge, mode) pair (as a table indexed so)."""

    def __init__(self, costs: ModeCosts):
        self._costs = costs
        self.shape = (len(costs.world.edges), costs.world.catalogue.capex_fixed.shape[1])

    def __len__(self) -> int:
        return self.shape[0]

    def rows(self, items) -> tuple[np.ndarray, np.ndarray]:
        """Capex and whether each mode reaches, rows of ``items`` (edge ids)."""
        return edge_capex(np.asarray(items, dtype=np.int64).reshape(-1),
                          *self._costs.capex_inputs)

    def __getitem__(self, items) -> np.ndarray:
        if isinstance(items, tuple):   # (items, modes): one value per pair
            items, modes = items
            rows = self.rows(items)[0]
            scalar = np.ndim(items) == 0
            picked = rows[np.arange(len(rows)), np.asarray(modes).reshape(-1)
                          if not scalar else modes]
            return picked[0] if scalar else picked
        rows = self.rows(items)[0]
        return rows[0] if np.ndim(items) == 0 else rows


class ModeCosts:
    """A run's mode costs per candidate edge (``world``, parameters ``params``, each
    (resource, mode)'s plain annuity factor ``mode_annuity`` and economic life
    ``life_years``).

    ``capex`` (:class:`EdgeCapex`), ``annuity`` (the plain factor),
    ``cost_per_unit`` and ``cost_per_unit_km`` read like ``(edges, modes)`` tables (also
    as ``costs["capex"]``); ``mode_inputs`` is what :func:`.kernels.cheapest_modes`
    reads to choose each deal's mode (``DealTerms.expected_terms`` passes it on).
    """

    def __init__(self, world, params, mode_annuity: np.ndarray, life_years: np.ndarray):
        self.world = world
        cat, r = world.catalogue, world.edge_resource
        # firms decide at the annuity that counts the link's hazards (hazards.py)
        self.risk_annuity, self.firm_class = link_annuity_table(world, params, life_years)
        self.n_class = int(self.firm_class.max()) + 1 if len(self.firm_class) else 0
        self.edge_key = _edge_keys(world, self.firm_class, self.n_class)
        self.routed, self.routed_capex, self.routed_ok = _routed_rows(world)
        self.capex_inputs = (self.edge_key, self.n_class, world.edges.distance_km,
                             cat.capex_fixed, cat.heat_pump_capex, cat.capex_per_km,
                             cat.max_distance_km, self.routed, self.routed_capex,
                             self.routed_ok)
        self.capex = EdgeCapex(self)
        self.plain_annuity = np.asarray(mode_annuity, dtype=float)
        self.annuity = RowsByKey(self.plain_annuity, r)
        self.cost_per_unit = RowsByKey(cat.cost_per_unit, r)
        self.cost_per_unit_km = RowsByKey(cat.cost_per_unit_km, r)
        #: what :func:`.kernels.cheapest_modes` reads besides the deals, gathered once (a
        #: deal is priced hundreds of times a run)
        self.mode_inputs = (*self.capex_inputs, cat.cost_per_unit_km, cat.cost_per_unit,
                            self.risk_annuity, self.plain_annuity)

    def __getitem__(self, name: str):
        return getattr(self, name)


def _edge_keys(world, firm_class: np.ndarray, n_class: int) -> np.ndarray:
    """Each candidate edge's key (:func:`.kernels.cheapest_modes`): its row of the risk
    table (resource, the two firms' hazard classes) x 2 + 1 where its need uses the
    resource as it comes; 4 bytes an edge, read once per priced deal."""
    key = np.empty(len(world.edges), dtype=np.int32)
    for lo in range(0, len(key), 1 << 18):   # by blocks: no edge-sized temporaries
        b = slice(lo, lo + (1 << 18))
        row = ((world.edge_resource[b] * n_class + firm_class[world.edge_supplier[b]])
               * n_class + firm_class[world.edge_receiver[b]])
        key[b] = row * 2 + world.need_direct_use[world.edges.need[b]]
    return key


def _routed_rows(world) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges a documented route covers (ascending) and their capex and reach per
    mode: the catalogue's, then the route's (:func:`.routes.route_capex`)."""
    cat = world.catalogue
    edges = routed_edges(world)
    r, dist = world.edge_resource[edges], world.edges.distance_km[edges][:, None]
    fixed = direct_use_capex_fixed(cat.capex_fixed[r], cat.heat_pump_capex[r],
                                   world.need_direct_use[world.edges.need[edges]])
    capex = fixed + cat.capex_per_km[r] * dist
    reach = cat.max_distance_km[r]
    ok = (reach > 0) & (dist <= reach)
    route_capex(world, capex, ok, fixed, edges)
    return edges, np.ascontiguousarray(capex), np.ascontiguousarray(ok)
