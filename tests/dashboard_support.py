"""Helpers for the dashboard tests: walk a rendered widget tree, find by CSS class."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as w
import solara


def render_page():
    """The dashboard page rendered in-process (inside AppLayout, so the sidebar is there)."""
    from symbiosis_abm.dashboard.app import Page

    return solara.render(solara.AppLayout(children=[Page()]), handle_error=False)


def walk(widget):
    yield widget
    for child in getattr(widget, "children", None) or ():
        if isinstance(child, w.Widget):
            yield from walk(child)
    for slot in getattr(widget, "v_slots", None) or ():
        children = slot.get("children")
        for child in children if isinstance(children, list) else [children]:
            if isinstance(child, w.Widget):
                yield from walk(child)


def having(root, css_class: str) -> list:
    """Widgets under ``root`` whose class attribute holds ``css_class``."""
    def classes(x) -> list[str]:
        attributes = getattr(x, "attributes", None)
        html = attributes.get("class", "") if isinstance(attributes, dict) else ""
        return ((getattr(x, "class_", None) or "") + " " + html).split()

    return [x for x in walk(root) if css_class in classes(x)]


def text_of(widget) -> str:
    """All plain text under ``widget``."""
    parts = []
    for x in walk(widget):
        parts += [c for c in getattr(x, "children", None) or () if isinstance(c, str)]
        if getattr(x, "unsafe_innerHTML", None):
            parts.append(x.unsafe_innerHTML)
    return " ".join(parts)


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def click_step(rc, times: int = 1) -> None:
    for _ in range(times):
        button(rc, "Step").click()


def labelled(root, cls, label: str):
    """The one widget of type ``cls`` with this label (sliders, selects, checkboxes)."""
    found = [x for x in walk(root) if isinstance(x, cls) and getattr(x, "label", None) == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}"
    return found[0]
