"""Build the dashboard's land outline from Natural Earth (via the npm package world-atlas).

Run once; the result is committed as package data. Steps (node and npm needed, not at
run time):

    npm pack world-atlas@2.0.2 topojson-client@3.1.0
    tar xzf world-atlas-2.0.2.tgz && mkdir tc && tar xzf topojson-client-3.1.0.tgz -C tc
    node -e "const tc=require('./tc/package/dist/topojson-client.js'),fs=require('fs');
      const t=JSON.parse(fs.readFileSync('package/land-10m.json'));
      fs.writeFileSync('land10.geojson', JSON.stringify(tc.feature(t, t.objects.land)))"
    python tools/make_basemap.py land10.geojson

It clips the 1:10m land polygons to Scandinavia and Denmark, simplifies them to about
0.005 degrees (~400 m, finer than the dashboard draws) and writes
``src/symbiosis_abm/dashboard/data/land_nordic.geojson``. Needs ``shapely`` (not a
dependency of the package).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely import make_valid, unary_union
from shapely.geometry import box, mapping, shape

BBOX = (4.0, 53.5, 32.0, 71.5)  # lon/lat: Denmark, Norway, Sweden, Finland's west coast
TOLERANCE_DEG = 0.005
OUT = Path(__file__).resolve().parents[1] / "src/symbiosis_abm/dashboard/data/land_nordic.geojson"


def main(source: str) -> None:
    data = json.loads(Path(source).read_text())
    features = data.get("features", [data])
    area = box(*BBOX)
    parts = [make_valid(shape(f["geometry"])).intersection(area) for f in features]
    polygons = [g for p in parts for g in getattr(p, "geoms", [p])
                if g.geom_type in ("Polygon", "MultiPolygon")]
    clipped = unary_union(polygons).simplify(TOLERANCE_DEG, preserve_topology=True)
    geometry = json.loads(json.dumps(mapping(clipped)),
                          parse_float=lambda s: round(float(s), 4))
    out = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "geometry": geometry, "properties": {
               "source": "Natural Earth 1:10m land (public domain), via npm world-atlas "
                         "2.0.2 (ISC)", "bbox": BBOX, "simplified_deg": TOLERANCE_DEG}}]}
    OUT.write_text(json.dumps(out, separators=(",", ":")))
    print(f"{OUT}: {OUT.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main(sys.argv[1])
