"""The model's frames, built once per model and month for every panel that reads them.

A step redraws the cards, plots, map, inspector and event log, and each reads the
model's time series or exchange log; :meth:`SymbiosisModel.timeseries` builds a new
DataFrame per call (several ms on a 2-core machine). These return the frame of the
model's current month, built on the first call and shared by the others (read only).

Examples
--------
>>> from symbiosis_abm import SymbiosisModel
>>> model = SymbiosisModel("kalundborg", rng=1)
>>> model.run(3)
>>> timeseries(model) is timeseries(model), len(timeseries(model))
(True, 3)
>>> model.step()
>>> len(timeseries(model)), len(exchanges(model)) == len(model.exchanges_frame())
(4, True)

One time-series column as the values recorded so far (no frame is built: the cards and
plots read a few columns every step):

>>> series(model, "active_exchanges") == timeseries(model)["active_exchanges"].tolist()
True

The exchange log as plain rows (Python values, no pandas per use: the map, the event log
and the inspector read them every step):

>>> model.run(8)
>>> rows = exchange_rows(model)
>>> rows is exchange_rows(model), len(rows) == len(exchanges(model))
(True, True)
>>> rows[0]["supplier"] == exchanges(model)["supplier"].iloc[0]
True
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..model import SymbiosisModel

__all__ = ["timeseries", "series", "exchanges", "exchange_rows"]

_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _cached(model: SymbiosisModel, name: str, build: Callable[[SymbiosisModel], Any]) -> Any:
    with _lock:
        entry = _cache.setdefault(model, {})
        hit = entry.get(name)
    if hit is not None and hit[0] == model.steps:
        return hit[1]
    frame = build(model)
    with _lock:
        entry[name] = (model.steps, frame)
    return frame


def timeseries(model: SymbiosisModel) -> pd.DataFrame:
    """``model.timeseries()`` at its current month (shared: do not modify)."""
    return _cached(model, "timeseries", lambda m: m.timeseries())


def series(model: SymbiosisModel, column: str) -> list:
    """Column ``column`` of :func:`timeseries`, one value per month so far: the list
    Mesa's ``DataCollector`` appends to (``model_vars``; read only, under the run's lock)."""
    return model.datacollector.model_vars[column]


def exchanges(model: SymbiosisModel) -> pd.DataFrame:
    """``model.exchanges_frame()`` at its current month (shared: do not modify)."""
    return _cached(model, "exchanges", lambda m: m.exchanges_frame())


def exchange_rows(model: SymbiosisModel) -> list[dict[str, Any]]:
    """:func:`exchanges` as a list of dicts of Python values, one per exchange (shared: do
    not modify)."""
    def build(m: SymbiosisModel) -> list[dict[str, Any]]:
        frame = exchanges(m)
        columns = {c: frame[c].tolist() for c in frame.columns}
        return [dict(zip(columns, values)) for values in zip(*columns.values())]

    return _cached(model, "exchange_rows", build)
