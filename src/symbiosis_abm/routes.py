"""Documented routes: a line between two firms' sites with its own length and cost.

The model prices a link from the catalogue: ``capex = capex_fixed + capex_per_km x
route``, with ``route = straight line x detour_factor`` (docs/ODD.md 7.1, 7.4). Where a
region documents a real line (VME's transit line between Köping and Arboga), its
``[[routes]]`` table (docs/regions.md) replaces, for that pair of firms, resource and
mode only, the route length (``length_km``) and the cost (``capex_eur_per_km``,
``capex_fixed_eur``: all-in, pump stations included); every other pair keeps the
catalogue's pricing. A route is a line between two sites: it serves both directions, as
one asset (:mod:`.assets`).

Two small hooks use it: :func:`with_route_lengths` where the world's candidate edges are
built, and :func:`route_capex` where a run's mode costs are set up (the routed edges'
rows, :mod:`.mode_costs`).

Examples
--------
>>> from symbiosis_abm.search import CandidateEdges
>>> r = RouteSpec(("a", "b"), "steam", "pipe", length_km=12.0, capex_eur_per_km=4e5)
>>> edges, _ = route_matches((r,), ("a", "b"), np.array([0, 1]), np.array([1, 0]),
...                          np.array([0, 0]), ("steam",))
>>> edges.tolist()   # both directions
[0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .catalogue import MODES

__all__ = ["RouteSpec", "route_matches", "with_route_lengths", "routed_edges", "route_capex"]


@dataclass(frozen=True)
class RouteSpec:
    """A documented line between two firms' sites for one resource and mode (None: the
    model's own value is kept)."""

    firms: tuple[str, str]
    resource: str
    mode: str = "pipe"
    length_km: float | None = None
    capex_eur_per_km: float | None = None
    capex_fixed_eur: float | None = None


def route_matches(routes, firm_ids, supplier: np.ndarray, receiver: np.ndarray,
                  resource: np.ndarray, names) -> tuple[np.ndarray, list[RouteSpec]]:
    """Candidate edges a route covers (either direction) and the route of each.

    ``supplier``, ``receiver``, ``resource``: per edge, firm and resource indices.
    """
    index = {fid: i for i, fid in enumerate(firm_ids)}
    rows, specs = [], []
    for route in routes:
        a, b = index[route.firms[0]], index[route.firms[1]]
        r = list(names).index(route.resource)
        pair = ((supplier == a) & (receiver == b)) | ((supplier == b) & (receiver == a))
        hit = np.flatnonzero(pair & (resource == r))
        rows.extend(hit.tolist())
        specs.extend([route] * len(hit))
    return np.array(rows, dtype=np.int64), specs


def with_route_lengths(edges, routes, firm_ids, supplier, receiver, resource, names):
    """``edges`` with each routed edge's ``distance_km`` set to its route's length.

    Examples
    --------
    >>> from symbiosis_abm.search import CandidateEdges
    >>> e = CandidateEdges(np.array([0]), np.array([0]), np.array([20.1]))
    >>> r = RouteSpec(("a", "b"), "steam", length_km=17.0)
    >>> with_route_lengths(e, (r,), ("a", "b"), np.array([0]), np.array([1]),
    ...                    np.array([0]), ("steam",)).distance_km.tolist()
    [17.0]
    """
    if not routes:
        return edges
    rows, specs = route_matches(routes, firm_ids, supplier, receiver, resource, names)
    given = [(e, s.length_km) for e, s in zip(rows, specs) if s.length_km is not None]
    if not given:
        return edges
    dist = edges.distance_km.copy()
    for e, length in given:
        dist[e] = length
    return replace(edges, distance_km=dist)


def routed_edges(world) -> np.ndarray:
    """The candidate edges of ``world`` that a documented route covers, ascending."""
    region = world.region
    if not getattr(region, "routes", ()):
        return np.zeros(0, dtype=np.int64)
    rows, _ = route_matches(region.routes, world.firm_ids, world.edge_supplier,
                            world.edge_receiver, world.edge_resource, world.catalogue.names)
    return np.unique(rows)


def route_capex(world, capex: np.ndarray, ok: np.ndarray, fixed: np.ndarray,
                edges: np.ndarray | None = None) -> None:
    """Set, in place, the capex of each routed edge's mode from its route and let that
    mode reach it (the line exists). ``fixed``: the catalogue's fixed capex per edge and
    mode as charged (heat pump included where due); a route's ``capex_fixed_eur``
    replaces the catalogue's own fixed part, its ``capex_eur_per_km`` the per-km cost.
    The arrays' rows are the candidate edges, or with ``edges`` (ascending, holding
    :func:`routed_edges`) those edges."""
    region = world.region
    if not getattr(region, "routes", ()):
        return
    cat = world.catalogue
    rows, specs = route_matches(region.routes, world.firm_ids, world.edge_supplier,
                                world.edge_receiver, world.edge_resource, cat.names)
    for e, spec in zip(rows, specs):
        m, r = MODES.index(spec.mode), world.edge_resource[e]
        i = e if edges is None else int(np.searchsorted(edges, e))
        base = fixed[i, m]
        if spec.capex_fixed_eur is not None:   # keep a heat pump the catalogue charges
            base = base - cat.capex_fixed[r, m] + spec.capex_fixed_eur
        per_km = cat.capex_per_km[r, m] if spec.capex_eur_per_km is None \
            else spec.capex_eur_per_km
        capex[i, m] = base + per_km * world.edges.distance_km[e]
        ok[i, m] = True
