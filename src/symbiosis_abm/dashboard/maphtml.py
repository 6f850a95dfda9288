"""The on-screen map: a static background drawn once per run (land, axes, names, legend,
as a PNG) with firms and exchanges drawn over it as SVG each step. A step then costs a
few milliseconds instead of a matplotlib redraw, and every firm is named on hover (an SVG
``<title>``, no JavaScript). The PNG download and the animation use the full matplotlib
drawing (:mod:`.mapplot`), with the same colours, sizes and widths.

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(12)
>>> base = map_base(model, "en")
>>> len(base.panels)          # the map and its inset zoom on the Kalundborg core
2
>>> html = map_html(model, base)
>>> html.startswith("<svg") and "<title>Novo Nordisk Kalundborg" in html
True
>>> html.count('class="exchange"') == 2 * int(model.exchanges["active"].sum())
True
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from html import escape

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from PIL import Image

from ..model import SymbiosisModel
from .mapplot import (
    MapLayers,
    draw_map,
    firm_sizes,
    line_widths,
    map_layers,
    resource_colours,
    sector_colours,
)

__all__ = ["MapBase", "Panel", "map_base", "map_html"]

_SIZE, _DPI = (8.0, 6.4), 100
_PT = _DPI / 72.0   # pixels per point


@dataclass(frozen=True)
class Panel:
    """One map panel: data (km) -> pixel scale, its box, and for an inset its own image."""

    scale: tuple[float, float, float, float]   # px = a*x + b, py = c*y + d (top-left origin)
    box: tuple[float, float, float, float]     # x, y, width, height in pixels
    image: str | None = None                   # base64 PNG drawn over earlier panels


@dataclass(frozen=True)
class MapBase:
    image: str            # base64 PNG of the static map
    width: float
    height: float
    panels: tuple[Panel, ...]


def _png(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def map_base(model: SymbiosisModel, lang: str = "en") -> MapBase:
    """The static background of ``model``'s map and the geometry of its panels."""
    w = model.world
    fig = Figure(figsize=_SIZE, dpi=_DPI)
    ax = fig.add_axes((0.07, 0.29, 0.91, 0.66))
    legend_ax = fig.add_axes((0.02, 0.0, 0.96, 0.23))
    candidates = sorted({w.catalogue.names[r] for r in np.unique(w.edge_resource)})
    draw_map(ax, map_layers(model), lang, legend_ax=legend_ax, static=True,
             legend_resources=candidates)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    image = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    height = fig.bbox.height
    panels = []
    for i, axes in enumerate([ax, *ax.child_axes]):
        (x0, y0), (x1, y1) = axes.transData.transform([(0.0, 0.0), (1.0, 1.0)])
        box = axes.bbox
        top = height - box.y1
        crop = None
        if i > 0:  # an inset covers the map below it: its background goes on top
            crop = _png(image.crop((round(box.x0), round(top), round(box.x1),
                                    round(height - box.y0))))
        panels.append(Panel((x1 - x0, x0, -(y1 - y0), height - y0),
                            (box.x0, top, box.width, box.height), crop))
    return MapBase(_png(image), fig.bbox.width, height, tuple(panels))


def _panel_svg(i: int, panel: Panel, layers: MapLayers, firm_titles: list[str]) -> str:
    a, b, c, d = panel.scale
    px, py = a * layers.firm_xy[:, 0] + b, c * layers.firm_xy[:, 1] + d
    resource = {r: to_hex(col) for r, col in resource_colours(layers).items()}
    sector = {s: to_hex(col) for s, col in sector_colours(layers).items()}
    parts = []
    x, y, width, height = panel.box
    if panel.image is not None:
        parts.append(f'<image x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                     f'height="{height:.1f}" href="data:image/png;base64,{panel.image}"/>')
    parts.append(f'<g clip-path="url(#map-clip-{i})">')
    for s, r in layers.negotiations:
        parts.append(f'<line x1="{px[s]:.1f}" y1="{py[s]:.1f}" x2="{px[r]:.1f}" '
                     f'y2="{py[r]:.1f}" stroke="#777777" stroke-width="{_PT:.2f}" '
                     f'stroke-dasharray="4 4" class="negotiation"/>')
    for (s, r, name, _), lw in zip(layers.exchanges, line_widths(layers)):
        parts.append(f'<line x1="{px[s]:.1f}" y1="{py[s]:.1f}" x2="{px[r]:.1f}" '
                     f'y2="{py[r]:.1f}" stroke="{resource[name]}" stroke-opacity="0.85" '
                     f'stroke-width="{lw * _PT:.2f}" stroke-linecap="round" class="exchange">'
                     f'<title>{escape(name)}</title></line>')
    radius = np.sqrt(firm_sizes(layers)) / 2 * _PT
    is_open = layers.firm_open if layers.firm_open is not None else np.ones(len(px), bool)
    for k in np.argsort(-radius):  # small firms on top, still reachable by the mouse
        fill = sector[layers.firm_sector[k]] if is_open[k] else "white"  # closed: hollow
        parts.append(f'<circle cx="{px[k]:.1f}" cy="{py[k]:.1f}" r="{radius[k]:.1f}" '
                     f'fill="{fill}" stroke="#333333" stroke-width="0.7" '
                     f'class="firm"><title>{firm_titles[k]}</title></circle>')
    parts.append("</g>")
    return "".join(parts)


def map_html(model: SymbiosisModel, base: MapBase, tick: int | None = None) -> str:
    """The map now (or at ``tick``): the static background with firms and exchanges."""
    layers = map_layers(model, tick)
    firms = model.world.region.firms
    titles = [escape(f"{f.name or f.id} ({f.sector}, {f.size}"
                     f"{'' if layers.firm_open is None or layers.firm_open[i] else ', closed'})")
              for i, f in enumerate(firms)]
    clips = "".join(
        f'<clipPath id="map-clip-{i}"><rect x="{p.box[0]:.1f}" y="{p.box[1]:.1f}" '
        f'width="{p.box[2]:.1f}" height="{p.box[3]:.1f}"/></clipPath>'
        for i, p in enumerate(base.panels))
    body = "".join(_panel_svg(i, p, layers, titles) for i, p in enumerate(base.panels))
    return (f'<svg viewBox="0 0 {base.width:.0f} {base.height:.0f}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg" role="img"><defs>{clips}</defs>'
            f'<image width="{base.width:.0f}" height="{base.height:.0f}" '
            f'href="data:image/png;base64,{base.image}"/>{body}</svg>')
