"""The map as a Vega-Lite view drawn in the browser: firms, exchanges, negotiations and
the coastline, with zoom and pan, hover tooltips and firms that open the inspector when
clicked.

The view's specification (:func:`map_spec`) is built once per run and language; each step
sends only the rows of the ``firms``, ``exchanges`` and ``negotiations`` data sets
(:func:`map_data`), which the browser swaps into the live view (``view.change``): the view
keeps its zoom, and the server draws nothing. Colours are colour-blind safe (Okabe-Ito for
resources, Paul Tol's muted scheme for sectors); a region whose firms cluster with a few
far partners (Kalundborg's cement works, 150 km away) opens zoomed on the cluster.

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(12)
>>> data = map_data(model, "en")
>>> len(data["firms"]) == model.world.n_firms
True
>>> row = data["exchanges"][0]
>>> sorted(k for k in row if not k.startswith("_"))[:4]
['price', 'receiver', 'resource', 'since']
>>> spec = map_spec(model, "en")
>>> [layer["data"]["name"] for layer in spec["layer"]][:5]
['land', 'negotiations', 'exchanges', 'firms', 'firms']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import SymbiosisModel
from . import frames
from .basemap import land_rings_km, region_centre
from .i18n import resource_label, sector_label, tr, unit_label
from .kpi import format_number
from .labels import LIMIT_PX, POSITIONS, place_labels
from .mapplot import _core, _extent, map_layers
from .timeline import month_label, region_start

__all__ = ["map_spec", "map_data", "OKABE_ITO", "TOL_MUTED"]

#: Okabe & Ito (2008): distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442",
             "#000000")
#: Paul Tol's "muted" qualitative scheme (colour-blind safe, light enough under lines).
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99",
             "#999933", "#AA4499", "#DDDDDD")
_SHAPES = ("circle", "square", "triangle-up", "diamond", "cross", "triangle-down")


def _region_resources(model: SymbiosisModel) -> list[str]:
    """Resources that can flow in this region (candidate links), catalogue order."""
    w = model.world
    present = sorted(set(np.asarray(w.edge_resource).tolist())) if len(w.edges) else []
    return [w.catalogue.names[r] for r in present]


def _when(model: SymbiosisModel, tick: int, lang: str) -> str:
    """A tick as the page shows it everywhere: "month 6", or "Jun 2010 (month 6)"."""
    n = tick + 1
    date = month_label(region_start(model.world.region), tick, model.params.tick_months, lang)
    return tr("date_counter", lang, date=date, n=n) if date else tr("step_counter", lang, n=n)


def short_name(name: str) -> str:
    """A firm's name for a map label: without its explanation in brackets or after a comma
    (the tooltip has the full name).

    >>> short_name("Novo Nordisk Kalundborg (insulin and enzymes)"), short_name("Yara, Köping")
    ('Novo Nordisk Kalundborg', 'Yara')
    """
    return name.split(" (")[0].split(", ")[0].strip() or name


def view_geometry(model: SymbiosisModel, *, height: int = 520,
                  legend: str = "bottom") -> dict[str, Any]:
    """The map's opening view: x and y domains (km) and an estimate of its km per pixel
    (``height`` less the axis is the plot's; a bottom legend is drawn below it, see
    :func:`legend_px`; equal on both axes: the width is at least the 4:3 of the
    domains), used to place labels in pixels."""
    xmin, xmax, ymin, ymax = _view_extent(model.world.firm_xy)
    # equal km on both axes: widen the shorter side to the view's aspect (4:3)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w = max((xmax - xmin) / 2, (ymax - ymin) / 2 * 4 / 3, 1e-3)
    half_h = half_w * 3 / 4
    plot_px = max(120, height - 50)
    return {"x": [cx - half_w, cx + half_w], "y": [cy - half_h, cy + half_h],
            "km_per_px": 2 * half_h / plot_px}


def legend_px(model: SymbiosisModel, legend: str = "bottom") -> int:
    """Pixels a bottom legend (three columns of resources and of sectors) adds below the
    plot, so that a region with many sectors gets a taller view, not a smaller map."""
    if legend != "bottom":
        return 0
    n_res = len(_region_resources(model))
    n_sec = len({f.sector for f in model.world.region.firms})
    return sum(26 + 18 * -(-n // 3) for n in (n_res, n_sec) if n)


def _label_positions(model: SymbiosisModel, xy: np.ndarray, texts: list[str],
                     areas: list[float], partners: np.ndarray,
                     geometry: dict[str, Any]) -> list[str | None]:
    k = geometry["km_per_px"]
    (x0, x1), (y0, y1) = geometry["x"], geometry["y"]
    points = [(float(x) / k, -float(y) / k) for x, y in xy]
    radii = [(a / np.pi) ** 0.5 + 1 for a in areas]
    order = sorted(range(len(texts)), key=lambda i: (-int(partners[i]), -areas[i], i))
    return place_labels(points, radii, texts, (x0 / k, -y1 / k, x1 / k, -y0 / k), order)


def map_data(model: SymbiosisModel, lang: str,
             geometry: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """The rows of the map's changing data sets at the model's current tick; labels are
    placed (``_pos``) for the view ``geometry`` (:func:`view_geometry`)."""
    geometry = geometry or view_geometry(model)
    layers = map_layers(model)
    xy = layers.firm_xy
    firms = model.world.region.firms
    open_ = layers.firm_open if layers.firm_open is not None else np.ones(len(xy), bool)
    catalogue = model.world.catalogue
    index = {f.id: i for i, f in enumerate(firms)}
    partners = np.zeros(len(xy), dtype=int)
    exchanges = []
    for row in frames.exchange_rows(model):
        if row["status"] != "active":
            continue
        s, t = index[row["supplier"]], index[row["receiver"]]
        partners[s] += 1
        partners[t] += 1
        unit = catalogue.units[catalogue.index(row["resource"])]
        exchanges.append({
            "_key": f"{row['supplier']}>{row['receiver']}:{row['resource']}:"
                    f"{int(row['start'])}",
            "x": float(xy[s, 0]), "y": float(xy[s, 1]), "x2": float(xy[t, 0]),
            "y2": float(xy[t, 1]),
            "resource": resource_label(row["resource"], lang),
            "supplier": firms[s].name or firms[s].id, "receiver": firms[t].name or firms[t].id,
            "volume": format_number(float(row["volume_per_year"]),
                                    unit=f"{unit_label(unit, lang)}/{tr('year', lang)}",
                                    lang=lang),
            "price": format_number(float(row["price_eur_per_unit"]),
                                   unit=f"EUR/{unit_label(unit, lang)}", lang=lang),
            "since": _when(model, int(row["start"]), lang),
            "_width": float(row["volume_per_year"]),
        })
    if exchanges:
        logs = np.log1p([e["_width"] for e in exchanges])
        top = max(float(logs.max()), 1e-9)
        for e, v in zip(exchanges, logs):
            e["_width"] = round(1.5 + 4.5 * float(v) / top, 2)
    negotiations = [{"_key": f"{s}>{t}", "x": float(xy[s, 0]), "y": float(xy[s, 1]),
                     "x2": float(xy[t, 0]), "y2": float(xy[t, 1])}
                    for s, t in layers.negotiations]
    volume = np.log1p(np.maximum(layers.firm_volume, 0.0))
    vtop = max(float(volume.max()), 1e-9) if len(volume) else 1.0
    crowd = min(1.0, (40 / max(1, len(xy))) ** 0.5)
    areas = [round(30 + 330 * crowd * float(volume[i]) / vtop, 1) for i in range(len(xy))]
    texts = [short_name(f.name or f.id) if partners[i] and len(xy) <= 60 else ""
             for i, f in enumerate(firms)]
    where = _label_positions(model, xy, texts, areas, partners, geometry)
    firm_rows = [{
        "_key": f.id, "id": f.id, "name": f.name or f.id, "x": float(xy[i, 0]),
        "y": float(xy[i, 1]),
        "sector": sector_label(f.sector, lang), "size": tr(f"size_{f.size}", lang),
        "partners": int(partners[i]),
        "state": tr("open" if open_[i] else "closed", lang),
        "_area": areas[i], "_label": texts[i] if where[i] else "", "_pos": where[i] or "",
    } for i, f in enumerate(firms)]
    # ``_key`` names a row from step to step: the browser is sent only rows that changed
    return {"firms": firm_rows, "exchanges": _unique_keys(exchanges),
            "negotiations": _unique_keys(negotiations)}


def _unique_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make every ``_key`` unique (a repeated one gets ``#2``, ``#3``...)."""
    seen: dict[str, int] = {}
    for row in rows:
        n = seen[row["_key"]] = seen.get(row["_key"], 0) + 1
        if n > 1:
            row["_key"] += f"#{n}"
    return rows


def _view_extent(xy: np.ndarray) -> tuple[float, float, float, float]:
    full = _extent(xy)
    core = _core(xy, full)
    return core[1] if core is not None else full


def _land(model: SymbiosisModel, extent) -> list[dict[str, Any]]:
    centre = region_centre(model.world.region)
    if centre is None or model.world.region.origin == "synthetic":
        return []
    xmin, xmax, ymin, ymax = extent
    span = max(xmax - xmin, ymax - ymin)
    wide = (xmin - 3 * span, xmax + 3 * span, ymin - 3 * span, ymax + 3 * span)
    out = []
    for k, ring in enumerate(land_rings_km(*centre, wide)):
        step = max(1, len(ring) // 4000)      # at most a few thousand vertices per ring
        out += [{"ring": k, "i": i, "x": round(float(x), 3), "y": round(float(y), 3)}
                for i, (x, y) in enumerate(ring[::step])]
    return out


def map_spec(model: SymbiosisModel, lang: str, *, height: int = 520,
             legend: str = "bottom") -> dict[str, Any]:
    """The Vega-Lite specification of ``model``'s map (data sets filled by :func:`map_data`);
    ``legend`` "bottom" (three columns) or "right" (one column: presenter mode)."""
    xy = model.world.firm_xy
    xmin, xmax, ymin, ymax = _view_extent(xy)
    geometry = view_geometry(model, height=height, legend=legend)
    x_dom, y_dom = geometry["x"], geometry["y"]
    resources = [resource_label(r, lang) for r in _region_resources(model)]
    sectors = sorted({sector_label(f.sector, lang) for f in model.world.region.firms})
    res_colours = [OKABE_ITO[i % len(OKABE_ITO)] for i in range(len(resources))]
    sec_colours = [TOL_MUTED[i % len(TOL_MUTED)] for i in range(len(sectors))]
    x = {"field": "x", "type": "quantitative", "scale": {"domain": x_dom}, "title": "km"}
    y = {"field": "y", "type": "quantitative", "scale": {"domain": y_dom}, "title": "km"}
    legend_side = legend
    legend = ({"orient": "bottom", "direction": "horizontal", "columns": 3}
              if legend == "bottom" else {"orient": "right", "columns": 1})
    legend |= {"labelFontSize": 13, "titleFontSize": 13, "symbolSize": 140, "labelLimit": 200}
    exchange_tooltip = [
        {"field": "resource", "title": tr("tt_resource", lang)},
        {"field": "supplier", "title": tr("tt_from", lang)},
        {"field": "receiver", "title": tr("tt_to", lang)},
        {"field": "volume", "title": tr("tt_volume", lang)},
        {"field": "price", "title": tr("tt_price", lang)},
        {"field": "since", "title": tr("tt_since", lang)}]
    firm_tooltip = [
        {"field": "name", "title": tr("tt_firm", lang)},
        {"field": "sector", "title": tr("tt_sector", lang)},
        {"field": "size", "title": tr("tt_size", lang)},
        {"field": "partners", "title": tr("tt_partners", lang)},
        {"field": "state", "title": tr("tt_state", lang)}]
    data = map_data(model, lang, geometry)
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container", "height": height + legend_px(model, legend_side),
        "autosize": {"type": "fit", "contains":
                                                              "padding"},
        "background": "#f4f8fb",
        "config": {"axis": {"labelFontSize": 12, "titleFontSize": 12, "grid": False},
                   "view": {"fill": "#f4f8fb"}},
        "datasets": {"land": _land(model, (xmin, xmax, ymin, ymax)), **data},
        "resolve": {"scale": {"color": "independent", "shape": "independent"}},
        "layer": [
            {"data": {"name": "land"}, "mark": {"type": "line", "color": "#8c8470",
                                                "strokeWidth": 1.2, "clip": True},
             "encoding": {"x": x, "y": y, "detail": {"field": "ring"},
                          "order": {"field": "i", "type": "quantitative"}}},
            {"data": {"name": "negotiations"},
             "mark": {"type": "rule", "color": "#777777", "strokeDash": [4, 4],
                      "strokeWidth": 1.2, "clip": True},
             "encoding": {"x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"}}},
            {"data": {"name": "exchanges"},
             "mark": {"type": "rule", "clip": True, "strokeCap": "round", "opacity": 0.9},
             "encoding": {
                 "x": x, "y": y, "x2": {"field": "x2"}, "y2": {"field": "y2"},
                 "color": {"field": "resource", "type": "nominal",
                           "scale": {"domain": resources, "range": res_colours},
                           "legend": {**legend, "title": tr("map_legend_resource", lang)}},
                 "strokeWidth": {"field": "_width", "type": "quantitative", "scale": None},
                 "tooltip": exchange_tooltip}},
            {"data": {"name": "firms"},
             "params": [{"name": "zoom", "select": "interval", "bind": "scales"}],
             "mark": {"type": "point", "filled": True, "stroke": "#333333",
                      "strokeWidth": 0.8, "opacity": 0.95, "clip": True,
                      "cursor": "pointer"},
             "encoding": {
                 "x": x, "y": y,
                 "color": {"field": "sector", "type": "nominal",
                           "scale": {"domain": sectors, "range": sec_colours},
                           "legend": {**legend, "title": tr("map_legend_sector", lang)}},
                 "size": {"field": "_area", "type": "quantitative", "scale": None},
                 "tooltip": firm_tooltip}},
            # one text layer per label position (labels.POSITIONS): pixel offsets
            *({"data": {"name": "firms"},
               "transform": [{"filter": {"field": "_pos", "equal": pos}}],
               "mark": {"type": "text", "align": align, "baseline": baseline, "dx": dx,
                        "dy": dy, "fontSize": 12, "limit": LIMIT_PX, "clip": True,
                        "color": "#222222"},
               "encoding": {"x": x, "y": y, "text": {"field": "_label"}}}
              for pos, (dx, dy, align, baseline) in POSITIONS.items()),
        ],
        "usermeta": {"km_per_px": geometry["km_per_px"]},
    }

