"""Map labels that do not overlap: a greedy placement in screen pixels.

Each labelled firm tries a few positions around its point (right, left, above, below and
the diagonals) in order and takes the first whose box overlaps neither a label placed
before nor another firm's point, and lies inside the view; a label with no free position
is left out (the firm's name stays in its tooltip). Firms with more exchanges are placed
first. Positions are fixed pixel offsets (the map's text layers use the same ``dx``,
``dy``, ``align`` and ``baseline``), so zooming in only moves labels further apart.

Examples
--------
>>> pos = place_labels([(0, 0), (30, 0), (200, 200)], [5, 5, 5], ["Alpha", "Beta", ""],
...                    view=(-100, -100, 400, 400))
>>> pos
['l', 'r', None]
>>> b = [label_box(x, y, t, p) for (x, y), t, p in zip([(0, 0), (30, 0)], ["Alpha", "Beta"], pos)]
>>> overlaps(b[0], b[1])
False
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["POSITIONS", "FONT_PX", "LIMIT_PX", "place_labels", "label_box", "text_width",
           "overlaps"]

FONT_PX = 12
#: longest label drawn (Vega's ``limit``: longer names end in an ellipsis)
LIMIT_PX = 130
#: position -> (dx, dy, align, baseline) of the text mark, in pixels (y down)
POSITIONS: dict[str, tuple[int, int, str, str]] = {
    "r": (11, 0, "left", "middle"), "l": (-11, 0, "right", "middle"),
    "t": (0, -11, "center", "bottom"), "b": (0, 11, "center", "top"),
    "tr": (7, -8, "left", "bottom"), "br": (7, 8, "left", "top"),
    "tl": (-7, -8, "right", "bottom"), "bl": (-7, 8, "right", "top"),
}
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def text_width(text: str) -> float:
    """An upper estimate of a label's width in pixels (Vega's default sans serif)."""
    return min(LIMIT_PX, 0.62 * FONT_PX * len(text) + 2)


def label_box(x: float, y: float, text: str, pos: str) -> Box:
    """The box a label at ``pos`` of a point at pixel (x, y) takes."""
    dx, dy, align, baseline = POSITIONS[pos]
    w, h = text_width(text), FONT_PX + 3
    left = {"left": x + dx, "right": x + dx - w, "center": x + dx - w / 2}[align]
    top = {"middle": y + dy - h / 2, "bottom": y + dy - h, "top": y + dy}[baseline]
    return left, top, left + w, top + h


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(points: Sequence[tuple[float, float]], radii: Sequence[float],
                 texts: Sequence[str], view: Box,
                 order: Sequence[int] | None = None) -> list[str | None]:
    """The position of each label (a key of :data:`POSITIONS`) or None (left out, or no
    text). ``points`` and ``view`` in pixels, y down; ``order``: indices, first placed
    first (default: as given)."""
    discs = [(x - r, y - r, x + r, y + r) for (x, y), r in zip(points, radii)]
    placed: list[Box] = []
    out: list[str | None] = [None] * len(points)
    for i in order if order is not None else range(len(points)):
        if not texts[i]:
            continue
        x, y = points[i]
        for pos in POSITIONS:
            box = label_box(x, y, texts[i], pos)
            inside = view[0] <= box[0] and box[2] <= view[2] and view[1] <= box[1] and \
                box[3] <= view[3]
            if inside and not any(overlaps(box, b) for b in placed) and not any(
                    overlaps(box, d) for j, d in enumerate(discs) if j != i):
                out[i] = pos
                placed.append(box)
                break
    return out
