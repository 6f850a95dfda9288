"""A Vega-Lite view whose data sets are updated in place in the browser, incrementally.

Solara's own ``VegaLite`` widget re-embeds the chart whenever anything changes (losing
zoom and costing a full layout). :class:`VegaView` embeds its ``spec`` once and, each step
(:meth:`VegaView.show`), sends only what changed since the last message: data sets whose
rows differ are replaced, data sets that only grew (the plots' series) get the new rows
appended, unchanged ones are not sent at all. The browser applies them to the live view
(``view.change``), so a 500-firm map whose firms did not change re-sends and redraws no
firm. Messages are numbered; should the browser miss one (two arriving in one tick), it
asks for the full data (``resync``). Clicking a mark whose datum has an ``id`` calls
``on_pick(id)``. The version of the last message the browser has drawn shows in the
element's ``data-version`` attribute (tests and timings wait for it). The JavaScript comes
from the ``solara-assets`` folders: no outside request.

Examples
--------
>>> view, spec = VegaView(), {"mark": "point"}
>>> view.show(spec, {"a": [{"x": 1}], "b": [{"y": 1}]}, version=1)
>>> sorted(view.changes["set"]), view.changes["full"]
(['a', 'b'], True)
>>> view.show(spec, {"a": [{"x": 1}], "b": [{"y": 1}, {"y": 2}]}, version=2)
>>> view.changes["set"], view.changes["append"], view.changes["full"]
({}, {'b': [{'y': 2}]}, False)
>>> view.datasets["b"], view.version
([{'y': 1}, {'y': 2}], 2)
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import ipyvuetify as v
import traitlets

__all__ = ["VegaView", "delta"]

Rows = list[dict[str, Any]]


def delta(old: dict[str, Rows], new: dict[str, Rows]) -> tuple[dict[str, Rows],
                                                                  dict[str, Rows]]:
    """(data sets to replace, rows to append) taking ``old`` to ``new``.

    >>> delta({"a": [1, 2], "b": [3]}, {"a": [1, 2, 4], "b": [5], "c": []})
    ({'b': [5], 'c': []}, {'a': [4]})
    >>> delta({"a": [1, 2]}, {"a": [1, 2]})
    ({}, {})
    """
    replace, append = {}, {}
    for name, rows in new.items():
        before = old.get(name)
        if before is None:
            replace[name] = rows
        elif rows is before or rows == before:
            continue
        elif len(rows) > len(before) and rows[:len(before)] == before:
            append[name] = rows[len(before):]
        else:
            replace[name] = rows
    return replace, append


class VegaView(v.VuetifyTemplate):
    template_file = str(Path(__file__).parent / "vue" / "vega_view.vue")
    spec = traitlets.Dict().tag(sync=True)
    #: numbered id of ``spec`` (messages for an older spec are ignored by the browser)
    spec_id = traitlets.Int(0).tag(sync=True)
    #: the last message: {"seq", "spec", "version", "full", "set", "append"}
    changes = traitlets.Dict().tag(sync=True)
    on_pick = traitlets.Callable(None, allow_none=True)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        #: every data set's current rows (what the browser shows once it has drawn)
        self.datasets: dict[str, Rows] = {}
        self.version = 0
        self._sent: dict[str, Rows] = {}
        self._spec_obj: dict | None = None
        self._seq = 0
        self._lock = threading.Lock()

    def show(self, spec: dict, datasets: dict[str, Rows], version: int) -> None:
        """Show ``datasets`` in the view of ``spec`` (embedded again only when ``spec`` is
        another object), sending the browser only what changed."""
        with self._lock:
            if spec is not self._spec_obj:
                self._spec_obj, self._sent = spec, {}
                self.spec_id += 1
                self.spec = spec
            self.datasets, self.version = dict(datasets), version
            self._send_changes()

    def _send_changes(self) -> None:
        full = not self._sent
        replace, append = delta(self._sent, self.datasets)
        self._sent = dict(self.datasets)
        self._seq += 1
        self.changes = {"seq": self._seq, "spec": self.spec_id, "version": self.version,
                        "full": full, "set": replace, "append": append}

    def vue_resync(self, _data: Any = None) -> None:
        """The browser missed a message: send every data set in full."""
        with self._lock:
            self._sent = {}
            self._send_changes()

    def vue_pick(self, firm_id):
        if self.on_pick is not None:
            self.on_pick(firm_id)
