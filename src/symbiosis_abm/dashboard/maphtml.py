"""The on-screen map: the matplotlib PNG inside an SVG whose invisible circles over the
firms carry their names, so the browser names a firm on hover (no JavaScript needed, and
the SVG scales with the page).

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> html = map_html(model, "en")
>>> html.startswith("<svg") and "<title>Novo Nordisk Kalundborg" in html
True
"""

from __future__ import annotations

import base64
import io
from html import escape

import numpy as np

from ..model import SymbiosisModel
from .mapplot import map_figure

__all__ = ["map_html", "firm_hotspots"]


def firm_hotspots(fig, model: SymbiosisModel) -> list[tuple[float, float, str]]:
    """(x, y) in image pixels (origin top left) and a hover text per visible firm, on
    the map and on its inset zoom. Call after the figure has been drawn."""
    height = fig.bbox.height
    firms = model.world.region.firms
    out = []
    maps = [a for a in fig.axes if any(c.get_gid() == "firms" for c in a.collections)]
    for ax in maps + [c for a in maps for c in a.child_axes]:
        px = ax.transData.transform(model.world.firm_xy)
        inside = np.array([ax.bbox.contains(x, y) for x, y in px])
        for (x, y), firm, show in zip(px, firms, inside):
            if show:
                out.append((float(x), float(height - y),
                            f"{firm.name or firm.id} ({firm.sector}, {firm.size})"))
    return out


def map_html(model: SymbiosisModel, lang: str = "en", *, title: str | None = None) -> str:
    """An SVG holding the map as a PNG and a hover title over every firm."""
    fig = map_figure(model, lang, title=title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    width, height = fig.bbox.width, fig.bbox.height
    data = base64.b64encode(buffer.getvalue()).decode()
    spots = "".join(
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="transparent" class="firm-spot">'
        f"<title>{escape(text)}</title></circle>" for x, y, text in firm_hotspots(fig, model))
    return (f'<svg viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
            f'xmlns="http://www.w3.org/2000/svg" role="img">'
            f'<image href="data:image/png;base64,{data}" width="{width:.0f}" '
            f'height="{height:.0f}"/>{spots}</svg>')
