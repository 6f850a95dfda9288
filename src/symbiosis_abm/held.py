"""A run's arrays held in one record for its compiled calls, across its ticks.

Each array a compiled kernel is given from Python is unboxed at every call: numba makes a
reference-counted handle for it (a ``malloc``), and releases it after the call (the
interpreter's lock taken, the array's reference dropped, a ``free``). A ``kalundborg``
tick gave its kernels some 285 arrays; in a tick, where little of that is in the
processor's caches, unboxing them cost several times what it costs warm
(benchmarks/README.md, "The run's arrays held in one record").

Most of those arrays are the same objects tick after tick: the world's, the run state's
firm, stream, need and edge rows, the whole buffers of the tables that grow (a table's
used rows are taken inside the call, of the length it is given). A :class:`RunArrays`
record holds them (:data:`RUN_FIELDS`, gathered by :func:`run_arrays`) as a numba
``StructRef``: one handle each, made once, and the record passed to a kernel as one
argument. The kernels that take it (``broker_month_held``, ``search_month_held``,
``negotiate_month_held``, ``deliver_pass_held``, ``measure_flat_held``) hand its fields
on to the kernels they stand for, which are unchanged. :class:`HeldArrays` makes the
record again only when a held array was replaced, which it tells from a few *anchors*
(:func:`run_anchors`: a table's blocks, replaced when it grows past its room, and the
pair store's buffer), not by looking at each array; what is replaced tick by tick (this
tick's seasons and prices, the asset book's load, the firms' traits at some sizes) is
passed as before. A record is made by a compiled kernel (``kernels_tick.hold_run``),
so from numba's on-disk cache like every kernel; in numba's pure-Python mode
(``NUMBA_DISABLE_JIT``: the recording run of :mod:`.precompile`) it is a plain
stand-in whose numba type is the compiled record's, so the recording names that type.

With ``checked`` (:data:`CHECKED`; the tests switch it on for every run,
``tests/conftest.py``), each record handed out is first compared, array by array, with
what :func:`run_arrays` gives then, and :class:`RuntimeError` is raised where an array
was replaced without an anchor moving: a stale record would otherwise run on old arrays
with no error.

Examples
--------
>>> import numpy as np
>>> arrays = lambda: (np.arange(3), np.zeros(2))
>>> held = HeldArrays(RunArrays, arrays, anchors=lambda: (), fields=("a", "b"))
>>> record = held.record()
>>> record.a.tolist(), record.b.tolist()
([0, 1, 2], [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import typeof
from numba.core import types
from numba.core.typing.typeof import Purpose
from numba.experimental import structref

__all__ = ["HeldType", "RunArrays", "RUN_FIELDS", "HeldArrays", "run_arrays", "run_anchors",
           "CHECKED"]

#: Whether a new :class:`HeldArrays` checks, at every record it hands out, that no held
#: array was replaced behind its anchors (the tests switch it on; a run leaves it off).
CHECKED = False


@structref.register
class HeldType(types.StructRef):
    """The numba type of a record of held arrays: one field per array, of its type."""

    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(kind)) for name, kind in fields)


#: The run's arrays held in its record (:class:`RunArrays`), in the order
#: :func:`run_arrays` gives them: what the broker's month, the search's, a tick of talks,
#: the deliveries and the measurement read of the world and the run state
#: (``kernels_tick.broker_month``, ``kernels_drawn.search_month``,
#: ``kernels_drawn.negotiate_month``, ``kernels_tick.deliver_pass``,
#: ``kernels_tick.measure_flat``), bar the few replaced tick by tick. A table's
#: columns are its whole buffers (``ex_*``: the exchanges', ``asset_*``: the asset
#: book's, ``c_*``: the negotiation book's; ``pair_*``: the pair store's); a kernel takes
#: their used rows, of the lengths it is given.
RUN_FIELDS = (
    # the world's rows and the edges' fixed costs (kernels.cheapest_modes)
    "stream_edges", "stream_firm", "need_firm", "edge_stream", "edge_need",
    "stream_volume", "need_volume", "stream_season", "need_season", "disposal_cost",
    "virgin_price", "supplier", "receiver", "firm_size", "edge_key", "distance",
    "capex_fixed", "heat_pump_capex", "capex_per_km", "max_distance", "routed",
    "routed_capex", "routed_ok", "cost_per_unit_km", "cost_per_unit", "risk_annuity",
    "plain_annuity", "slot_sr", "slot_rs", "owned_from",
    # the run state's rows: firms, edges, streams and needs
    "firm_open", "firm_costs", "firm_savings", "firm_paid_in", "firm_paid_out",
    "firm_stranded", "negotiations", "member", "status", "retry", "cofund_wait",
    "edge_counted", "stream_level", "stream_made", "stream_committed", "stream_ratio",
    "need_level", "need_committed", "need_ratio", "need_share",
    # the tables' whole columns (the exchanges' also as the blocks of their integer and
    # float columns, ``ex_ints`` and ``ex_floats``)
    "ex_active", "ex_first", "ex_supplier", "ex_receiver", "ex_edge", "ex_ended",
    "ex_reason", "ex_ints", "ex_floats", "edge_route", "route_asset",
    "edge_user", "asset_changes", "asset_until", "asset_capacity", "asset_paid_off",
    "asset_annuity", "asset_volume", "asset_mode", "pair_trust", "pair_aware", "pair_met",
    "pair_contact", "c_edge", "c_opened", "c_due", "c_volume", "c_via_broker", "c_cofund",
    "c_trial", "c_status", "c_reason", "c_closed",
)


class RunArrays(structref.StructRefProxy):
    """The run's held arrays (:data:`RUN_FIELDS`) as Python sees a record: made by
    ``kernels_tick.hold_run`` (compiled), or in numba's pure-Python mode a
    :class:`_StandIn` of the same numba type."""

    FIELDS = RUN_FIELDS

    def __new__(cls, *arrays):
        # (compiled code makes a record through the constructor defined below; Python
        # calls this only in numba's pure-Python mode, where a StructRef cannot be made)
        return _StandIn(cls.FIELDS, arrays)


structref.define_constructor(RunArrays, HeldType, RUN_FIELDS)
structref.define_boxing(HeldType, RunArrays)


def run_arrays(model) -> tuple:
    """The arrays of ``model`` a :class:`RunArrays` record holds (:data:`RUN_FIELDS`, in
    order), as they are now: of the tables that grow, their whole columns."""
    w, assets, store = model.world, model.assets, model.pairs
    ex, table, book = model.exchanges.spare(0), assets.table.spare(0), model.negotiations.spare(0)
    edge_rows, _, modes, seasons, _ = model._deal_inputs()
    # (modes: ModeCosts.mode_inputs, edge_key, n_class, then its 12 arrays, then PIPE and
    # the edges' two pair slots; n_class and PIPE are passed as scalars)
    _, _, _, _, _, _, _, trust, aware, met, contact = store.buffers()
    return (w.stream_edges, w.stream_firm, w.need_firm, *edge_rows, w.stream_volume,
            w.need_volume, *seasons, w.stream_disposal_cost, w.need_virgin_price,
            w.edge_supplier, w.edge_receiver, w.firm_size, modes[0], *modes[2:14],
            *modes[15:17], model._edge_owned_from(),
            model.firm_open, model.firm_costs, model.firm_savings, model.firm_paid_in,
            model.firm_paid_out, model.firm_stranded, model.firm_negotiations,
            model.firm_member, model.edge_status, model.edge_retry, model.cofund_wait,
            model.edge_counted, model.stream_level, model.stream_made, model.stream_committed,
            model.stream_ratio, model.need_level, model.need_committed, model.need_ratio,
            model.need_share,
            ex["active"], ex["first"], ex["supplier"], ex["receiver"], ex["edge"],
            ex["ended"], ex["reason"], model.exchanges.block(np.int64),
            model.exchanges.block(np.float64), assets.edge_route,
            assets.route_asset, assets.edge_user, table["changes"], table["until"],
            table["capacity"], table["paid_off"], table["annuity"], table["volume"],
            table["mode"], trust, aware, met, contact, book["edge"], book["opened"],
            book["due"], book["volume"], book["via_broker"], book["cofund"], book["trial"],
            book["status"], book["reason"], book["closed"])


def run_anchors(model) -> tuple:
    """What replaces a held array of :func:`run_arrays` when one is replaced: the tables'
    layouts and the pair store's buffer (the rest are the world's rows and the run
    state's, which keep their arrays through a run)."""
    return (model.exchanges.layout, model.negotiations.layout, model.assets.table.layout,
            model.pairs.layout)


class _StandIn:
    """A record in numba's pure-Python mode: the arrays as attributes, and the numba
    type the compiled record of the same arrays has (``_numba_type_``, which numba's
    ``typeof`` reads: the recording run of :mod:`.precompile` names that type)."""

    def __init__(self, fields: tuple[str, ...], arrays: tuple):
        if len(fields) != len(arrays):
            raise ValueError(f"a record of {len(fields)} fields given {len(arrays)} arrays")
        self.__dict__.update(zip(fields, arrays))
        self._numba_type_ = HeldType([(name, typeof(a, Purpose.argument))
                                      for name, a in zip(fields, arrays)])


class HeldArrays:
    """One kind of record of a run (``kind``: :class:`RunArrays`), kept current.

    Parameters
    ----------
    kind : type
        The record's class (:class:`RunArrays`); its ``FIELDS`` name the arrays.
    arrays : callable
        ``arrays()``: the arrays to hold, in the order of ``kind.FIELDS``, as they are now.
    anchors : callable
        ``anchors()``: the objects whose replacement replaces a held array (a table's
        blocks, the pair store's trust buffer, this tick's prices...). The record is
        made again when any of them is not the object it was.
    build : callable, optional
        ``build(*arrays)``: the record of ``arrays`` (a compiled kernel); by default
        ``kind(*arrays)`` (pure-Python mode only).
    checked : bool, optional
        Compare every held array with ``arrays()`` at each :meth:`record`
        (default: :data:`CHECKED` when made).
    fields : tuple of str, optional
        The field names (default: ``kind.FIELDS``; for a record made in Python).
    """

    __slots__ = ("_arrays", "_anchors", "_build", "_checked", "_fields", "_held",
                 "_anchored", "_record")

    def __init__(self, kind: type, arrays: Callable[[], tuple],
                 anchors: Callable[[], tuple], build: Callable | None = None,
                 checked: bool | None = None, fields: tuple[str, ...] | None = None):
        self._fields = kind.FIELDS if fields is None else fields
        self._arrays, self._anchors = arrays, anchors
        self._build = (lambda *a: _StandIn(self._fields, a)) if build is None else build
        self._checked = CHECKED if checked is None else checked
        self._held: tuple = ()
        self._anchored: tuple | None = None
        self._record = None

    def record(self):
        """The record of the arrays as they are now (made again if an anchor moved)."""
        anchors = self._anchors()
        if self._anchored is None or not _same(anchors, self._anchored):
            self._held = self._arrays()
            self._record = self._build(*self._held)
            self._anchored = anchors
        elif self._checked:
            self._check()
        return self._record

    def arrays_of(self, record) -> tuple | None:
        """The arrays ``record`` holds, if it is the record made last (else None): for a
        tool that copies a call's arguments (``benchmarks/tick_costs.py``)."""
        return self._held if record is self._record and record is not None else None

    def _check(self) -> None:
        for name, held, now in zip(self._fields, self._held, self._arrays()):
            if held is not now:
                raise RuntimeError(f"held array {name!r} was replaced without its anchor "
                                   "moving: the record would be stale")


def _same(a: tuple, b: tuple) -> bool:
    """Whether two tuples hold the same objects, item by item."""
    for x, y in zip(a, b):
        if x is not y:
            return False
    return len(a) == len(b)

