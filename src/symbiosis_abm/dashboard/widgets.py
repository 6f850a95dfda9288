"""A Vega-Lite view whose data sets are updated in place in the browser, incrementally.

Solara's own ``VegaLite`` widget re-embeds the chart whenever anything changes (losing
zoom and costing a full layout). :class:`VegaView` embeds its ``spec`` once and, each step
(:meth:`VegaView.show`), sends only what changed since the last message: data sets whose
rows differ are replaced, data sets that only grew (the plots' series) get the new rows
appended, unchanged ones are not sent at all. The browser applies them to the live view
(``view.change``), so a 500-firm map re-sends and redraws only the firms whose rows
changed (rows with a ``_key`` are updated one by one). Messages are numbered; should the browser miss one (two arriving in one tick), it
asks for the full data (``resync``). Clicking a mark whose datum has an ``id`` calls
``on_pick(id)``. The version of the last message the browser has drawn shows in the
element's ``data-version`` attribute (tests and timings wait for it). The JavaScript comes
from the ``solara-assets`` folders: no outside request.

Examples
--------
>>> view, spec = VegaView(), {"mark": "point"}
>>> view.show(spec, {"a": [{"x": 1}], "b": [{"y": 1}]}, version=1)
>>> sorted(view.changes["ops"]), view.changes["full"]
(['a', 'b'], True)
>>> view.show(spec, {"a": [{"x": 1}], "b": [{"y": 1}, {"y": 2}]}, version=2)
>>> view.changes["ops"], view.changes["full"]
({'b': {'append': [{'y': 2}]}}, False)
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


def delta(old: dict[str, Rows], new: dict[str, Rows]) -> dict[str, dict[str, Any]]:
    """The operations taking data sets ``old`` to ``new``, per changed data set: ``set``
    (replace every row), ``append`` (rows added at the end) or, where rows carry a
    ``_key``, ``upsert`` (keys to remove, rows to insert: only the rows that changed).

    >>> one, two, three = {"v": 1}, {"v": 2}, {"v": 3}
    >>> delta({"a": [one, two], "b": [three]}, {"a": [one, two, three], "b": [one], "c": []})
    {'a': {'append': [{'v': 3}]}, 'b': {'set': [{'v': 1}]}, 'c': {'set': []}}
    >>> delta({"a": [one, two]}, {"a": [one, two]})
    {}
    >>> old = [{"_key": "x", "v": 1}, {"_key": "y", "v": 1}, {"_key": "z", "v": 1}]
    >>> new = [{"_key": "y", "v": 2}, {"_key": "z", "v": 1}, {"_key": "w", "v": 0}]
    >>> delta({"f": old}, {"f": new})
    {'f': {'upsert': {'remove': ['x', 'y'], 'rows': [{'_key': 'y', 'v': 2}, {'_key': 'w', 'v': 0}]}}}
    """
    out: dict[str, dict[str, Any]] = {}
    for name, rows in new.items():
        before = old.get(name)
        if before is None:
            out[name] = {"set": rows}
        elif rows is before or rows == before:
            continue
        elif len(rows) > len(before) and rows[:len(before)] == before:
            out[name] = {"append": rows[len(before):]}
        elif rows and before and all("_key" in r for r in rows) and all(
                "_key" in r for r in before):
            out[name] = {"upsert": _upsert(before, rows)}
        else:
            out[name] = {"set": rows}
    return out


def _upsert(before: Rows, rows: Rows) -> dict[str, Any]:
    was = {r["_key"]: r for r in before}
    now = {r["_key"]: r for r in rows}
    changed = [r for r in rows if was.get(r["_key"]) != r]
    gone = [k for k in was if k not in now or was[k] != now[k]]
    return {"remove": gone, "rows": changed}


class VegaView(v.VuetifyTemplate):
    template_file = str(Path(__file__).parent / "vue" / "vega_view.vue")
    spec = traitlets.Dict().tag(sync=True)
    #: numbered id of ``spec`` (messages for an older spec are ignored by the browser)
    spec_id = traitlets.Int(0).tag(sync=True)
    #: the last message: {"seq", "spec", "version", "full", "ops"} (ops: see :func:`delta`)
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
        ops = delta(self._sent, self.datasets)
        self._sent = dict(self.datasets)
        self._seq += 1
        self.changes = {"seq": self._seq, "spec": self.spec_id, "version": self.version,
                        "full": full, "ops": ops}

    def vue_resync(self, _data: Any = None) -> None:
        """The browser missed a message: send every data set in full."""
        with self._lock:
            self._sent = {}
            self._send_changes()

    def vue_pick(self, firm_id):
        if self.on_pick is not None:
            self.on_pick(firm_id)
