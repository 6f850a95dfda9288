"""The map: firms at their locations, exchanges as lines, on a light land outline.

Firms are coloured by sector and sized by their yearly volume (streams plus needs, on a
log scale since units differ); active exchanges are lines coloured by resource and widened
by volume; negotiations in progress are dashed grey lines. The same drawing serves the
page, the PNG download and the animation frames (:mod:`.export`).

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(12)
>>> layers = map_layers(model)
>>> len(layers.firm_xy) == model.world.n_firms, len(layers.exchanges) > 0
(True, True)
>>> fig = map_figure(model, "en")
>>> "steam" in [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..model import SymbiosisModel
from .basemap import land_rings_km, region_centre
from .i18n import tr

__all__ = ["MapLayers", "map_layers", "draw_map", "map_figure", "set_exchanges", "LABEL_LIMIT",
           "sector_colours", "resource_colours", "firm_sizes", "line_widths"]

#: Real regions up to this many firms get name labels on the map.
LABEL_LIMIT = 40
_LAND, _SEA = "#ece8dc", "#f4f8fb"


@dataclass(frozen=True)
class MapLayers:
    """What the map shows at one tick, as plain arrays (from the live model or the log)."""

    firm_xy: np.ndarray          # (n, 2) km
    firm_sector: tuple[str, ...]
    firm_name: tuple[str, ...]
    firm_volume: np.ndarray      # yearly, streams plus needs (mixed units)
    sectors: tuple[str, ...]     # all sectors of the region, sorted (stable colours)
    resources: tuple[str, ...]   # the catalogue's resource names (stable colours)
    exchanges: list[tuple[int, int, str, float]]   # supplier, receiver, resource, volume
    negotiations: list[tuple[int, int]]
    centre: tuple[float, float] | None             # (lat, lon) of a real region
    firm_open: np.ndarray | None = None            # False: closed (or not yet open)


def _firm_volume(model: SymbiosisModel) -> np.ndarray:
    w = model.world
    return (np.bincount(w.stream_firm, w.stream_volume, minlength=w.n_firms)
            + np.bincount(w.need_firm, w.need_volume, minlength=w.n_firms))


def map_layers(model: SymbiosisModel, tick: int | None = None) -> MapLayers:
    """The map's content now, or at ``tick`` rebuilt from the exchange log (animation;
    negotiations are not logged, so a past tick shows exchanges only)."""
    w, ex = model.world, model.exchanges
    if tick is None:
        rows = np.flatnonzero(ex["active"])
        book = model.negotiations
        open_edges = book["edge"][book["status"] == 0]
        negotiations = list(zip(w.edge_supplier[open_edges].tolist(),
                                w.edge_receiver[open_edges].tolist()))
    else:
        started = ex["start"] <= tick
        running = ex["active"] | (ex["ended"] > tick)
        rows = np.flatnonzero(started & running)
        negotiations = []
    names = w.catalogue.names
    exchanges = [(int(ex["supplier"][r]), int(ex["receiver"][r]), names[ex["resource"][r]],
                  float(ex["volume"][r])) for r in rows]
    firms = w.region.firms
    return MapLayers(
        firm_xy=w.firm_xy, firm_sector=tuple(f.sector for f in firms),
        firm_name=tuple(f.name or f.id for f in firms), firm_volume=_firm_volume(model),
        sectors=tuple(sorted({f.sector for f in firms})), resources=tuple(names),
        exchanges=exchanges, negotiations=negotiations, centre=region_centre(w.region),
        firm_open=model.firm_open.copy() if tick is None else None)


def _extent(xy: np.ndarray) -> tuple[float, float, float, float]:
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = np.maximum(0.12 * (hi - lo), 2.0)
    return lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1]


def _scaled(values: np.ndarray, low: float, high: float) -> np.ndarray:
    logs = np.log1p(np.maximum(values, 0.0))
    top = logs.max() if len(logs) and logs.max() > 0 else 1.0
    return low + (high - low) * logs / top


def sector_colours(layers: MapLayers) -> dict:
    """Sector -> colour, stable for a region (sectors sorted)."""
    return {s: colormaps["Set2" if len(layers.sectors) <= 8 else "tab20b"](i % 20)
            for i, s in enumerate(layers.sectors)}


def firm_sizes(layers: MapLayers) -> np.ndarray:
    """Marker areas (points^2): log of yearly volume; smaller on crowded maps."""
    biggest = 160.0 * min(1.0, (LABEL_LIMIT / len(layers.firm_xy)) ** 0.5)
    return _scaled(layers.firm_volume, 6.0, biggest)


def line_widths(layers: MapLayers) -> np.ndarray:
    """Exchange line widths (points): log of yearly volume."""
    return _scaled(np.array([v for *_, v in layers.exchanges]), 1.0, 5.0)


def draw_map(ax, layers: MapLayers, lang: str = "en", *, legend_ax=None,
             title: str | None = None, static: bool = False,
             legend_resources: list[str] | None = None) -> None:
    """Draw ``layers`` on the matplotlib axes ``ax`` (the legend on ``legend_ax``).

    A region whose firms cluster around a core with a few far-away partners (Kalundborg:
    a cement works 150 km away) gets an inset zoomed on the core, labelled there. With
    ``static`` only what does not change during a run is drawn (land, axes, names,
    legend); the page draws its map in the browser instead (:mod:`.vegamap`).
    """
    xy = layers.firm_xy
    resource_colour = _resource_colours(layers)
    sector_colour = sector_colours(layers)
    labels = layers.centre is not None and len(xy) <= LABEL_LIMIT
    full = _extent(xy)
    core = _core(xy, full)
    style = (layers, resource_colour, sector_colour)
    _layer(ax, *style, full, labels and core is None, static=static)
    ax.set_xlabel("km")
    if core is not None:
        inside, box = core
        inset = ax.inset_axes(_corner(xy, full, box))
        _layer(inset, *style, box, labels, label_only=inside, static=static)
        inset.tick_params(labelsize=6)
        ax.indicate_inset_zoom(inset, edgecolor="#555555")
        if labels:
            _labels(ax, layers, ~inside)
    if title:
        ax.set_title(title, fontsize=11)
    if legend_ax is not None:
        _legend(legend_ax, layers, sector_colour, resource_colour, lang, legend_resources)


def _layer(ax, layers: MapLayers, resource_colour, sector_colour, extent, labels: bool,
           label_only: np.ndarray | None = None, static: bool = False) -> None:
    """Land, negotiations, exchanges and firms on ``ax`` within ``extent``."""
    xy = layers.firm_xy
    if layers.centre is not None:
        ax.set_facecolor(_SEA)
        rings = land_rings_km(*layers.centre, extent)
        ax.add_collection(PolyCollection(rings, facecolor=_LAND, edgecolor="#b9b3a3",
                                         linewidth=0.6, zorder=0))
    if layers.negotiations and not static:
        segs = [(xy[a], xy[b]) for a, b in layers.negotiations]
        ax.add_collection(LineCollection(segs, colors="#777777", linewidths=1.0,
                                         linestyles=(0, (3, 3)), zorder=1))
    if not static:
        lines = LineCollection([], alpha=0.85, zorder=2, capstyle="round", gid="exchanges")
        ax.add_collection(lines)
        set_exchanges(lines, layers, resource_colour)
        colours = [sector_colour[s] for s in layers.firm_sector]
        if layers.firm_open is not None:  # closed firms: hollow
            colours = [c if ok else "none" for c, ok in zip(colours, layers.firm_open)]
        ax.scatter(xy[:, 0], xy[:, 1], s=firm_sizes(layers), c=colours, edgecolors="#333333",
                   linewidths=0.5, zorder=3, gid="firms")
    if labels:
        _labels(ax, layers, label_only)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")


def _labels(ax, layers: MapLayers, which: np.ndarray | None) -> None:
    for i, ((x, y), name) in enumerate(zip(layers.firm_xy, layers.firm_name)):
        if which is None or which[i]:
            ax.annotate(_short(name), (x, y), xytext=(4, 3), textcoords="offset points",
                        fontsize=6.5, color="#222222", zorder=4)


def _core(xy: np.ndarray, full) -> tuple[np.ndarray, tuple] | None:
    """(mask, extent) of a dense core worth an inset, or None.

    The core is the firms within three median distances of the median location; it gets
    an inset when it holds most firms (more than half: Kalundborg's 15 of 27, whose other
    firms are distant biogas plants and food factories) but spans under a quarter of the
    whole map.
    """
    if len(xy) < 4:
        return None
    distance = np.hypot(*(xy - np.median(xy, axis=0)).T)
    inside = distance <= max(2.0, 3.0 * np.median(distance))
    if inside.sum() < max(3, 0.5 * len(xy)) or inside.all():
        return None
    box = _extent(xy[inside])
    span = max(full[1] - full[0], full[3] - full[2])
    if max(box[1] - box[0], box[3] - box[2]) > 0.25 * span:
        return None
    return inside, box


def _corner(xy: np.ndarray, full, box) -> tuple[float, float, float, float]:
    """Inset bounds (axes fraction) in the corner holding the fewest firms and not the core."""
    fx = (xy[:, 0] - full[0]) / (full[1] - full[0])
    fy = (xy[:, 1] - full[2]) / (full[3] - full[2])
    cx = ((box[0] + box[1]) / 2 - full[0]) / (full[1] - full[0])
    cy = ((box[2] + box[3]) / 2 - full[2]) / (full[3] - full[2])
    size = 0.5
    best = None
    for x0 in (0.0, 1.0 - size):
        for y0 in (0.0, 1.0 - size):
            covers_core = x0 <= cx <= x0 + size and y0 <= cy <= y0 + size
            count = int(((fx >= x0) & (fx <= x0 + size) & (fy >= y0) & (fy <= y0 + size)).sum())
            key = (covers_core, count)
            if best is None or key < best[0]:
                best = (key, (x0 + 0.01, y0 + 0.01, size - 0.02, size - 0.02))
    return best[1]


def set_exchanges(lines: LineCollection, layers: MapLayers, resource_colour=None) -> None:
    """Point the exchange lines at ``layers.exchanges`` (animation frames reuse the figure)."""
    if resource_colour is None:
        resource_colour = _resource_colours(layers)
    xy = layers.firm_xy
    lines.set_segments([(xy[a], xy[b]) for a, b, _, _ in layers.exchanges])
    lines.set_linewidths(line_widths(layers))
    lines.set_colors([resource_colour[r] for _, _, r, _ in layers.exchanges])


def resource_colours(layers: MapLayers) -> dict:
    """Resource -> colour, stable across regions (catalogue order)."""
    return _resource_colours(layers)


def _resource_colours(layers: MapLayers) -> dict:
    return {r: colormaps["tab20"](i % 20) for i, r in enumerate(layers.resources)}


def _short(name: str, limit: int = 22) -> str:
    """A map label: the name before any parenthesis, cut to ``limit`` characters.

    >>> _short("Aalborg Portland (cement works)"), _short("x" * 30)[-1]
    ('Aalborg Portland', '…')
    """
    text = name.split("(")[0].strip() or name
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(ax, layers: MapLayers, sector_colour, resource_colour, lang: str,
            resources: list[str] | None = None) -> None:
    handles = [Line2D([], [], marker="o", linestyle="", markersize=6, color=sector_colour[s],
                      markeredgecolor="#333333", label=s) for s in layers.sectors]
    used = resources if resources is not None else sorted({r for _, _, r, _ in layers.exchanges})
    handles += [Line2D([], [], color=resource_colour[r], linewidth=3, label=r) for r in used]
    handles.append(Line2D([], [], color="#777777", linestyle=(0, (3, 3)),
                          label=tr("map_negotiating", lang)))
    handles.append(Line2D([], [], linestyle="", label=tr("map_size_note", lang)))
    ax.axis("off")
    ax.legend(handles=handles, loc="upper left", fontsize=6.5, ncol=5 if len(handles) > 24
              else 4, frameon=False, handlelength=1.6, columnspacing=0.8,
              title=f"{tr('map_legend_sector', lang)} / {tr('map_legend_resource', lang)}",
              title_fontsize=7, alignment="left")


def map_figure(model: SymbiosisModel, lang: str = "en", *, tick: int | None = None,
               title: str | None = None, size: tuple[float, float] = (8.0, 6.4),
               dpi: int = 100) -> Figure:
    """A figure of the map, the legend below it (not attached to pyplot: no global state)."""
    # Fixed margins rather than a layout engine: text measuring would double the cost.
    fig = Figure(figsize=size, dpi=dpi)
    ax = fig.add_axes((0.07, 0.29, 0.91, 0.66))
    legend_ax = fig.add_axes((0.02, 0.0, 0.96, 0.23))
    draw_map(ax, map_layers(model, tick), lang, legend_ax=legend_ax, title=title)
    return fig
