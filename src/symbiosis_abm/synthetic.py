"""The ``synthetic`` region: a generated industrial region of any size.

Firms are drawn from sector templates (``data/sectors.toml``): a sector by its weight, a
size class by the sector's share of large firms, and each of the sector's streams and
needs with its probability and a lognormal volume. Locations: a share ``park_share`` of
firms sits in ``n_parks`` industrial parks (normal scatter of ``park_radius_km`` around a
park centre), the rest anywhere in an ``area_km`` x ``area_km`` square.

All random draws are made in unit coordinates before scaling, so the same ``region_seed``
with a larger ``area_km`` gives the same firms spread over a larger area.

Examples
--------
>>> from symbiosis_abm.catalogue import load_catalogue
>>> region = generate_synthetic(Parameters(n_firms=50), load_catalogue(),
...                             np.random.default_rng(3))
>>> len(region.firms)
50
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .catalogue import REFERENCE_SPEC, ResourceCatalogue, read_toml
from .errors import RegionError
from .params import Parameters
from .portable_math import exp
from .region import FirmSpec, NeedSpec, Region, StreamSpec
from .schema import Field, Table, check

__all__ = ["generate_synthetic", "load_sectors", "SECTORS_SPEC", "Sector"]

_ITEM = Table({
    "resource": Field(str, required=True),
    "probability": Field(float, required=True, low=0.0, high=1.0),
    "volume_sme": Field(float, required=True, low=0.0, low_open=True),
    "volume_large": Field(float, required=True, low=0.0, low_open=True),
    "sigma": Field(float, required=True, low=0.0, high=5.0),
    "produced_from": Field(str),
    "yield_per_unit": Field(float, low=0.0, low_open=True),
}, provenance=True)
_SECTOR = Table({
    "description": Field(str, required=True),
    "weight": Field(float, required=True, low=0.0),
    "large_share": Field(float, required=True, low=0.0, high=1.0),
    "streams": Field(list, item=Field(_ITEM)),
    "needs": Field(list, item=Field(_ITEM)),
}, provenance=True)
SECTORS_SPEC = Table({
    "schema_version": Field(int, required=True, low=1, high=1),
    "references": Field(list, item=Field(REFERENCE_SPEC)),
    "sectors": Field(Table(values=Field(_SECTOR)), required=True),
})


@dataclass(frozen=True)
class Sector:
    """A sector template: how likely each stream and need is, and how large."""

    name: str
    weight: float
    large_share: float
    streams: tuple[dict, ...]
    needs: tuple[dict, ...]


@lru_cache(maxsize=1)
def load_sectors() -> tuple[Sector, ...]:
    """The bundled sector templates (validated)."""
    path = resources.files("symbiosis_abm") / "data" / "sectors.toml"
    data = read_toml(str(path))
    problems = check(SECTORS_SPEC, data, str(path))
    if problems:
        raise RegionError(problems)
    return tuple(Sector(name, s["weight"], s["large_share"], tuple(s.get("streams", ())),
                        tuple(s.get("needs", ())))
                 for name, s in sorted(data["sectors"].items()))


def generate_synthetic(params: Parameters, catalogue: ResourceCatalogue,
                       rng: np.random.Generator) -> Region:
    """Generate a synthetic region from the ``synthetic`` group of parameters."""
    sectors = load_sectors()
    n = params.n_firms
    weights = np.array([s.weight for s in sectors])
    sector_of = rng.choice(len(sectors), size=n, p=weights / weights.sum())
    large = rng.random(n) < np.array([s.large_share for s in sectors])[sector_of]
    xy = _locations(params, n, rng)
    # Draws firm by firm (streams, then needs: the order fixes the region for a seed);
    # the volumes of all drawn items are then computed in one array operation.
    # Python scalars, not numpy ones, in the per-firm loop (same values, less overhead).
    sector_of, large = [sectors[s] for s in sector_of.tolist()], large.tolist()
    drawn = [(_draw_items(sector.streams, big, rng), _draw_items(sector.needs, big, rng))
             for sector, big in zip(sector_of, large)]
    volumes = iter(_volumes([item for pair in drawn for side in pair for item in side]))
    x_km, y_km = xy[:, 0].tolist(), xy[:, 1].tolist()
    firms = []
    for i, (own_streams, own_needs) in enumerate(drawn):
        sector = sector_of[i]
        streams = tuple(StreamSpec(item["resource"], next(volumes),
                                   produced_from=item.get("produced_from"),
                                   yield_per_unit=item.get("yield_per_unit"))
                        for item, _, _ in own_streams)
        needs = tuple(NeedSpec(item["resource"], next(volumes)) for item, _, _ in own_needs)
        firms.append(FirmSpec(
            id=f"f{i:06d}", sector=sector.name, size="large" if large[i] else "sme",
            x_km=x_km[i], y_km=y_km[i], name=f"{sector.name} {i}",
            streams=streams, needs=needs))
    unknown = {it["resource"] for s in sectors for it in s.streams + s.needs} - set(catalogue.names)
    if unknown:
        raise RegionError(f"sectors.toml: resources not in the catalogue: {sorted(unknown)}")
    return Region(name="synthetic", title=f"Synthetic region ({n} firms)",
                  description="Generated from the sector templates in sectors.toml",
                  firms=tuple(firms), origin="synthetic", random_exit=True)


def _locations(params: Parameters, n: int, rng: np.random.Generator) -> np.ndarray:
    """Firm locations in km; draws are made in unit coordinates, then scaled."""
    scattered = rng.random((n, 2))
    centres = rng.random((max(params.n_parks, 1), 2))
    park = rng.integers(0, len(centres), size=n)
    offset = rng.standard_normal((n, 2))
    in_park = (rng.random(n) < params.park_share) & (params.n_parks > 0)
    xy = scattered * params.area_km
    park_xy = centres[park] * params.area_km + offset * params.park_radius_km
    return np.where(in_park[:, None], park_xy, xy)


def _draw_items(items: tuple[dict, ...], large: bool,
                rng: np.random.Generator) -> list[tuple[dict, float, float]]:
    """(item, median volume, normal draw) for each template item the firm turns out to have."""
    draws = rng.random(len(items)).tolist()
    noise = rng.standard_normal(len(items)).tolist()
    size = "volume_large" if large else "volume_sme"
    return [(item, item[size], z) for item, u, z in zip(items, draws, noise)
            if u < item["probability"]]


def _volumes(drawn: list[tuple[dict, float, float]]) -> list[float]:
    """Lognormal volumes, median x exp(sigma x z), of drawn items."""
    median = np.array([m for _, m, _ in drawn], dtype=float)
    sigma = np.array([item["sigma"] for item, _, _ in drawn], dtype=float)
    z = np.array([z for _, _, z in drawn], dtype=float)
    return (median * exp(sigma * z)).tolist()
