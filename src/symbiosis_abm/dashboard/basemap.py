"""A light land/coast outline for real regions, from Natural Earth data shipped with the
package (``data/land_nordic.geojson``; licence and conversion in ``data/README.md``).

Examples
--------
>>> rings = land_rings_km(55.66, 11.1, (-30.0, 30.0, -30.0, 30.0))   # around Kalundborg
>>> len(rings) > 0 and rings[0].shape[1] == 2
True
>>> land_rings_km(0.0, 0.0, (-10.0, 10.0, -10.0, 10.0))    # far outside the Nordic file
[]
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources

import numpy as np

from ..region import EARTH_RADIUS_KM

__all__ = ["land_rings", "land_rings_km", "region_centre"]


@lru_cache(maxsize=1)
def land_rings() -> tuple[np.ndarray, ...]:
    """Every polygon ring of the land file as an (n, 2) array of (lon, lat)."""
    path = resources.files("symbiosis_abm") / "dashboard" / "data" / "land_nordic.geojson"
    data = json.loads(path.read_text())
    rings = []
    for feature in data["features"]:
        geom = feature["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings += [np.asarray(ring, dtype=float) for polygon in polygons for ring in polygon]
    return tuple(rings)


def region_centre(region) -> tuple[float, float] | None:
    """(lat, lon) the region's km plane is centred on, or None for a region without
    geographic coordinates (a synthetic one). Mirrors :func:`symbiosis_abm.region._centre`."""
    located = [(f.lat, f.lon) for f in region.firms if f.lat is not None and f.lon is not None]
    if not located:
        return None
    lats, lons = zip(*located)
    return sum(lats) / len(lats), sum(lons) / len(lons)


def land_rings_km(lat0: float, lon0: float,
                  extent: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Land rings projected to the region's km plane, keeping those that meet ``extent``
    (xmin, xmax, ymin, ymax in km). Points far outside are clipped to a margin so a
    country-sized ring costs little to draw."""
    k = math.pi / 180.0 * EARTH_RADIUS_KM
    xmin, xmax, ymin, ymax = extent
    margin = max(xmax - xmin, ymax - ymin)
    out = []
    for ring in land_rings():
        x = (ring[:, 0] - lon0) * k * math.cos(math.radians(lat0))
        y = (ring[:, 1] - lat0) * k
        if x.max() < xmin or x.min() > xmax or y.max() < ymin or y.min() > ymax:
            continue
        # Clamping outside points onto a box larger than the view keeps the visible shape
        # (the box edge is never on screen) and drops the ring's far vertices.
        xy = np.column_stack([np.clip(x, xmin - margin, xmax + margin),
                              np.clip(y, ymin - margin, ymax + margin)])
        keep = np.ones(len(xy), dtype=bool)
        keep[1:-1] = np.any(xy[1:-1] != xy[:-2], axis=1)
        out.append(xy[keep])
    return out
