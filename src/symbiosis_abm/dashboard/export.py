"""Downloads: time series and exchange log (CSV), the network (GraphML), the map (PNG) and
an animation of the network forming (GIF, matplotlib frames joined by Pillow).

Examples
--------
>>> from symbiosis_abm.dashboard.run import DashboardRun
>>> run = DashboardRun("kalundborg", rng=1)
>>> for _ in range(6): run.step()
>>> timeseries_csv(run).splitlines()[0].split(",")[:2]
['tick', 'active_exchanges']
>>> graphml(run).startswith("<?xml")
True
>>> map_png(run)[:4] == b"\\x89PNG"
True
"""

from __future__ import annotations

import io

import networkx as nx
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from .i18n import tr
from .mapplot import map_figure, map_layers, set_exchanges
from .run import DashboardRun
from .timeline import month_label, region_start

__all__ = ["timeseries_csv", "exchanges_csv", "graphml", "map_png", "animation_gif",
           "frame_ticks", "TWIN_SUFFIX", "B_SUFFIX"]

TWIN_SUFFIX = "_without_facilitator"
#: suffix of run B's columns in A/B mode
B_SUFFIX = "_B"


def timeseries_csv(run: DashboardRun) -> str:
    """One row per tick; the twin's columns carry the suffix ``_without_facilitator``
    (in A/B mode, run B's the suffix ``_B``)."""
    frame = run.main.timeseries()
    if run.comparison is not None:
        suffix = B_SUFFIX if run.mode == "ab" else TWIN_SUFFIX
        frame = frame.join(run.comparison.timeseries().add_suffix(suffix))
    return frame.to_csv()


def exchanges_csv(run: DashboardRun) -> str:
    """The exchange log of the run with facilitator."""
    return run.main.exchanges_frame().to_csv(index=False)


def graphml(run: DashboardRun) -> str:
    """The network of active exchanges as GraphML."""
    buffer = io.BytesIO()
    nx.write_graphml(run.main.network(), buffer)
    return buffer.getvalue().decode()


def _title(run: DashboardRun, tick: int, lang: str) -> str:
    model = run.main
    date = month_label(region_start(model.world.region), tick, model.params.tick_months, lang)
    when = date or tr("step_counter", lang, n=tick + 1)
    return f"{model.world.region.name}: {when}"


def map_png(run: DashboardRun, lang: str = "en", dpi: int = 120) -> bytes:
    """The current map as PNG bytes."""
    fig = map_figure(run.main, lang, title=_title(run, max(0, run.main.steps - 1), lang))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def frame_ticks(steps: int, max_frames: int) -> list[int]:
    """Ticks shown as frames: every tick, or evenly spread ones ending at the last.

    >>> frame_ticks(5, 60), frame_ticks(100, 4)
    ([0, 1, 2, 3, 4], [0, 33, 66, 99])
    """
    if steps <= max_frames:
        return list(range(steps))
    return np.linspace(0, steps - 1, max_frames).round().astype(int).tolist()


def animation_gif(run: DashboardRun, lang: str = "en", *, max_frames: int = 60,
                  frame_ms: int = 250, size=(6.4, 5.0), dpi: int = 80) -> bytes:
    """A GIF of the network forming, one frame per tick (at most ``max_frames``).

    Frames are rebuilt from the exchange log, so they show exchanges (not negotiations).
    The figure is drawn once and only its exchange lines and title change per frame.
    """
    model = run.main
    ticks = frame_ticks(model.steps, max_frames) or [0]
    fig = map_figure(model, lang, tick=ticks[-1], size=size, dpi=dpi, title=" ")
    ax = fig.axes[0]
    every = [*fig.axes, *ax.child_axes]   # the map, its legend and any inset zoom
    maps = [a for a in every if any(c.get_gid() == "exchanges" for c in a.collections)]
    lines = [c for a in maps for c in a.collections if c.get_gid() == "exchanges"]
    # Blitting: the land, legend and labels are drawn once; each frame redraws only the
    # exchange lines, the firms above them and the title (about 10x faster than a redraw).
    moving = [(a, c) for a in maps for c in a.collections if c.get_gid() in ("exchanges", "firms")]
    moving.append((ax, ax.title))
    for _, artist in moving:
        artist.set_animated(True)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for tick in ticks:
        layers = map_layers(model, tick)
        for collection in lines:
            set_exchanges(collection, layers)
        ax.set_title(_title(run, tick, lang), fontsize=10)
        canvas.restore_region(background)
        for axes, artist in moving:
            axes.draw_artist(artist)
        rgb = Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3])
        frames.append(rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=128))
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:],
                   duration=frame_ms, loop=0, optimize=False)
    return buffer.getvalue()
