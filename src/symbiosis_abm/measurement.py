"""Measurement (phase 9) and inspection: the statistics of each tick, partners, items.

A mixin of :class:`~.model.SymbiosisModel`.
"""

from __future__ import annotations

import operator

import mesa
import numpy as np

from .codes import (
    INTERNAL_ENDINGS,
    OPEN,
    REASON_CODE,
    REASONS,
)
from .kernels_tick import measure_flat_held
from .state import phase

__all__ = ["Measurement", "TickRecord"]


class Measurement:
    """Phase 9 and inspection: the tick's statistics, partners, free items.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("counts", "delivered_by_resource", "edge_slot_rs", "edge_slot_sr",
                  "exchanges", "facilitator", "firm_costs", "firm_member", "firm_open",
                  "firm_savings", "firm_stranded", "negotiations", "pairs", "params",
                  "_unit_masks", "world"),
           writes=("_diverted_total", "stats"),
           draws=())
    def _measure(self, t: int) -> None:
        ex, w, store, book = self.exchanges, self.world, self.pairs, self.negotiations
        # remembered (_MeasureMemo): the network's figures, measured again when the active
        # exchanges change (an exchange's supplier and receiver never do); each pair
        # slot's src < dst (a slot's ends never change); the unit masks as one array
        memo = self.__dict__.get("_measure_memo")
        if memo is None or memo.store is not store:
            memo = self._measure_memo = _MeasureMemo(store, self._unit_masks)
        active = ex["active"]
        key = active.tobytes()
        fresh = memo.key != key
        size = store.size
        if size > memo.known:
            memo.lower_upto(size)
        delivered = self.delivered_by_resource[-1]
        # the tick's counts, mean trusts and sums in one compiled pass (the run's arrays
        # held in one record: held.py), with the network's
        # figures if fresh; the CO2e avoided as numpy's pairwise sum of the products
        # (kernels_tick._product_sum_in), not a BLAS dot: OpenBLAS picks its dot by
        # processor (Haswell, SkylakeX, ...), and their sums differ in the last bit
        (n_active, n_talks, n_strong, building, n_ended, n_internal, n_weak, n_open, members,
         mean_trust, mean_strong, mean_weak, diverted_t, energy, water, co2e, savings, costs,
         stranded, *topology) = self._kernels[measure_flat_held](
            self._run_record(), fresh, t, _INTERNAL, OPEN, memo.lower,
            self.params.initial_trust, delivered, memo.units, w.catalogue.co2e_avoided,
            len(ex), len(book), size)
        if fresh:
            memo.key, memo.topology = key, topology
        participating, n_pairs, largest = memo.topology
        self._diverted_total += diverted_t
        public = self.facilitator.spent_total if self.facilitator is not None else 0.0
        self.stats = {
            "tick": t,
            "active_exchanges": n_active,
            "participating_firms": participating,
            "largest_component": largest,
            "density": n_pairs / max(1, n_open * (n_open - 1) / 2),
            "materials_diverted_t": diverted_t,
            "energy_recovered_mwh": energy,
            "water_reused_m3": water,
            "co2e_avoided_t": co2e,
            "firm_net_savings_eur": savings - costs - stranded,
            "public_cost_eur": public,
            "public_cost_per_t_diverted": (public / self._diverted_total
                                           if self._diverted_total > 0 else np.nan),
            "mean_trust": mean_trust,
            "negotiations_open": n_talks,
            "negotiations_opened": self.counts["negotiations_opened"],
            "negotiations_concluded": self.counts["negotiations_concluded"],
            "negotiations_failed": self.counts["negotiations_failed"],
            "registry_members": members,
            "open_firms": n_open,
            # strong ties (exchanging or in talks) and weak ties (met only) with their mean
            # trust; exchanges being built; ended this tick, and for internal reasons
            "strong_ties": n_strong, "weak_ties": n_weak,
            "mean_trust_strong": mean_strong,
            "mean_trust_weak": mean_weak,
            "exchanges_building": building,
            "exchanges_ended": n_ended,
            "exchanges_ended_internal": n_internal,
        }

    def items_of(self, kind: str, firm: int) -> list[dict]:
        """Streams (``kind='stream'``) or needs of one firm, with what is still free."""
        w = self.world
        owner = w.stream_firm if kind == "stream" else w.need_firm
        resource = w.stream_resource if kind == "stream" else w.need_resource
        volume = w.stream_volume if kind == "stream" else w.need_volume
        free = self.stream_free() if kind == "stream" else self.need_free()
        return [{"resource": w.catalogue.names[resource[i]], "unit": w.catalogue.units[resource[i]],
                 "volume_per_year": float(volume[i]), "free_per_year": float(free[i])}
                for i in np.flatnonzero(owner == firm)]

    def partners_of(self, firm: int) -> list[str]:
        ex = self.exchanges
        act = ex["active"]
        others = np.concatenate([ex["receiver"][act & (ex["supplier"] == firm)],
                                 ex["supplier"][act & (ex["receiver"] == firm)]])
        return sorted({self.world.firm_ids[j] for j in others})

    def partner_counts(self) -> np.ndarray:
        """Number of active exchanges each firm takes part in."""
        ex, n = self.exchanges, self.world.n_firms
        act = ex["active"]
        return (np.bincount(ex["supplier"][act], minlength=n)
                + np.bincount(ex["receiver"][act], minlength=n))


_STAT_NAMES = (
    "tick", "active_exchanges", "participating_firms", "largest_component", "density",
    "materials_diverted_t", "energy_recovered_mwh", "water_reused_m3", "co2e_avoided_t",
    "firm_net_savings_eur", "public_cost_eur", "public_cost_per_t_diverted", "mean_trust",
    "negotiations_open", "negotiations_opened", "negotiations_concluded",
    "negotiations_failed", "registry_members", "open_firms", "strong_ties", "weak_ties",
    "mean_trust_strong", "mean_trust_weak", "exchanges_building", "exchanges_ended",
    "exchanges_ended_internal",
)

class TickRecord(mesa.DataCollector):
    """Mesa's ``DataCollector`` of the tick statistics (``model.stats``), cheaper per tick.

    Mesa's ``collect`` calls one reporter per column and deep-copies each value; at a few
    dozen firms that was a tenth of a run's time. This one keeps the tick's values (plain
    scalars: nothing to copy) as one tuple and moves the tuples held into the same
    ``model_vars`` lists, column by column, whenever ``model_vars`` is read, so everything
    Mesa reads (``get_model_vars_dataframe``, ``batch_run``) is as before.

    Examples
    --------
    >>> record = TickRecord(("tick", "x"))
    >>> class M: stats, time = {"tick": 0, "x": 1.5}, 1.0
    >>> record.collect(M())
    >>> record.model_vars, record.column("x").tolist()
    ({'tick': [0], 'x': [1.5]}, [1.5])
    """

    def __init__(self, names: tuple[str, ...]):
        self._held: list[tuple] = []   # the ticks' values not yet in model_vars
        self._names = names
        super().__init__(model_reporters={k: (lambda m, k=k: m.stats[k]) for k in names})
        # the tick's values in one call (a tuple, also of one name)
        self._values = operator.itemgetter(*names, *names[:1]) if len(names) == 1 else (
            operator.itemgetter(*names))

    @property
    def model_vars(self) -> dict[str, list]:
        """Mesa's lists of each statistic over the ticks (the ticks held moved in)."""
        held, columns = self._held, self._model_vars
        if held:   # a list's extend per column, not an append per value and tick
            for name, values in zip(self._names, zip(*held)):
                columns[name].extend(values)
            held.clear()
        return columns

    @model_vars.setter
    def model_vars(self, columns: dict[str, list]) -> None:
        self._model_vars = columns

    @phase(reads=("stats",),
           writes=("datacollector",),
           draws=())
    def collect(self, model) -> None:
        """Record the tick's statistics and the model time (as Mesa's collector does)."""
        self._collection_steps.append(model.time)
        self._held.append(self._values(model.stats))

    def column(self, name: str) -> np.ndarray:
        """One statistic over the ticks, as floats."""
        return np.array(self.model_vars[name], dtype=float)


#: Whether each reason code is an internal ending (a lookup instead of np.isin per tick).
_INTERNAL = np.isin(np.arange(len(REASONS)), [REASON_CODE[r] for r in INTERNAL_ENDINGS])


class _MeasureMemo:
    """What :meth:`Measurement._measure` remembers from tick to tick (the model's
    ``_measure_memo``): the active exchanges' mask (as bytes) the network's figures were
    last measured for and those figures; whether each pair slot's ends ascend
    (``store.src < store.dst``, ``lower``: known for the first ``known`` slots, extended as
    the store adds slots, whose ends never change afterwards); the unit masks t, MWh, m3
    as the rows of one array."""

    __slots__ = ("store", "key", "topology", "lower", "known", "units")

    def __init__(self, store, unit_masks: dict):
        self.store = store
        self.key, self.topology = None, (0, 0, 0)
        self.lower = np.zeros(0, dtype=np.bool_)
        self.known = 0
        self.units = np.array([unit_masks[u] for u in ("t", "MWh", "m3")], dtype=np.bool_)

    def lower_upto(self, size: int) -> None:
        """Know ``lower`` of the store's first ``size`` slots (room for the store's
        capacity)."""
        store, known = self.store, self.known
        if len(self.lower) < size:
            lower = np.zeros(max(size, len(store.src)), dtype=np.bool_)
            lower[:known] = self.lower[:known]
            self.lower = lower
        np.less(store.src[known:size], store.dst[known:size], out=self.lower[known:size])
        self.known = size
