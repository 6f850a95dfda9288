"""How the region changes over a run: prices, processes, cascades, fading, introductions.

:class:`Lifecycle` is a mixin of :class:`~.model.SymbiosisModel`. It sets this tick's
prices and policy levels (step 1, :meth:`~Lifecycle._prices`), tracks what produced
streams' inputs receive (step 2: the tables of :meth:`~Lifecycle._input_tables`, which
the delivery's compiled pass reads), and in step 8 applies process changes, closes firms
whose key input starved, lets unkept awareness and ties fade and introduces partners'
partners (:meth:`~Lifecycle._change`). The rules are pure
functions of :mod:`.markets`, :mod:`.policy`, :mod:`.pace`, :mod:`.cascade`,
:mod:`.fading` and :mod:`.relations` (docs/ODD.md 7.15-7.21).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._arrays import remembered
from .cascade import (
    STARVED,
    produced_level_of,
    produced_level_table,
    received_share_of,
    received_share_table,
)
from .dates import parse_month
from .draws import stream_address
from .fading import lapse
from .kernels import change_levels, fade_pairs, quiet_pairs
from .kernels_drawn import process_events_drawn
from .kernels_tick import (
    breach_trust,
    count_starvation,
    events_and_closing,
    introduce_drawn,
    introducible_edges,
    introducible_small,
    rows_below,
    starved_closing,
)
from .markets import price_step
from .pace import hazard_per_tick
from .policy import carbon_value, landfill_cost, schedule_or_constant
from .portable_math import exp
from .relations import MAX_DEGREE
from .state import phase
from .surplus_heat import calendar_year, stream_tax
from .timing import in_ticks, per_tick

__all__ = ["Lifecycle", "fixed_lifecycle"]

#: Below this many stream changes expected a tick, the streams' and the needs' event draws
#: are one call (:meth:`Lifecycle._process_changes`): a tick with a stream change then
#: costs a step back of the stream, a tick without one a call less.
_RARE_CHANGES = 0.5

#: Regions of up to this many ordered pairs of firms find the introducible edges through
#: tables of all pairs (:func:`.kernels_tick.introducible_small`), larger ones by sorting
#: the pairs' keys (:func:`.kernels_tick.introducible_edges`).
_SMALL_PAIRS = 1 << 12

#: No quiet pair's draw (nobody forgets: :meth:`Lifecycle._fade`).
_NO_DRAWS = np.zeros(0, dtype=np.float32)


def fixed_lifecycle(w, p) -> dict[str, Any]:
    """What :meth:`Lifecycle._init_lifecycle` sets from world ``w`` and parameters ``p``
    alone (the model computes it once per shared world: never modify it)."""
    produced = w.stream_input >= 0
    # a firm at least half of whose streams are made from inputs exists to process
    # them: its inputs are key, and it closes when they starve (a biogas plant)
    made = np.bincount(w.stream_firm[produced], minlength=w.n_firms)
    dependent = (made > 0) & (2 * made >= np.bincount(w.stream_firm, minlength=w.n_firms))
    key = w.stream_input[produced]
    key_input = np.zeros(len(w.need_volume), dtype=bool)
    key_input[key[dependent[w.need_firm[key]]]] = True
    cat = w.catalogue
    keys = w.edge_supplier.astype(np.int64) * w.n_firms + w.edge_receiver
    order = np.argsort(keys, kind="stable")
    return {
        "stream_made": np.where(produced & p.cascade, 0.0, 1.0),
        "key_input": key_input,
        "schedules": {
            "landfill": schedule_or_constant(p.landfill_tax_schedule, p.landfill_tax_eur_per_t,
                                             "landfill_tax_schedule"),
            "carbon": schedule_or_constant(p.carbon_price_schedule, p.carbon_price_eur_per_t,
                                           "carbon_price_schedule"),
            "energy": schedule_or_constant(p.energy_price_schedule, 1.0, "energy_price_schedule"),
        },
        # the catalogue only lets materials in tonnes go to landfill (docs/regions.md)
        "stream_landfill": np.asarray(w.stream_alternative == "landfill", dtype=bool),
        "need_energy": np.array([cat.categories[r] == "energy" for r in w.need_resource],
                                dtype=bool),
        "edge_keys_sorted": (keys[order], order.astype(np.int32)),   # (int32: 10 MB at 100,000 firms)
    }


class Lifecycle:
    """Prices, process changes, cascades, fading and introductions.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    def _init_lifecycle(self, fixed: dict[str, Any],
                        take: Callable[[np.ndarray], np.ndarray] = np.copy) -> None:
        """Levels, produced streams, prices, schedules, starvation counters; ``fixed``:
        :func:`fixed_lifecycle` of the model's world and parameters, its arrays held
        through ``take`` (copies of a shared one)."""
        w, p = self.world, self.params
        u = self.streams.levels.random(len(w.stream_volume) + len(w.need_volume))
        self.stream_level = np.where(u[: len(w.stream_volume)] < p.dormant_share, 0.0, 1.0)
        self.need_level = np.where(u[len(w.stream_volume):] < p.dormant_share, 0.0, 1.0)
        self.stream_made = take(fixed["stream_made"])
        self.need_share = np.zeros(len(w.need_volume))
        self.key_input = take(fixed["key_input"])
        self.need_starved = np.full(len(w.need_volume), STARVED, dtype=np.int64)
        self.price_log = np.zeros(len(w.catalogue.names))
        self.firm_vacant = np.zeros(w.n_firms, dtype=bool)
        self.closure_log: list[tuple[int, np.ndarray]] = []
        self.schedules = dict(fixed["schedules"])   # (each schedule is frozen)
        self.stream_landfill = take(fixed["stream_landfill"])
        self.need_energy = take(fixed["need_energy"])
        self.edge_keys_sorted = tuple(take(a) for a in fixed["edge_keys_sorted"])
        self._prices(0, draw=False)

    # ------------------------------------------------------------------ step 1
    def _prices(self, t: int, draw: bool = True) -> None:
        """This tick's avoided costs per unit: virgin prices (price path, energy schedule,
        carbon price) for receivers, disposal costs (landfill tax) for suppliers.

        Price levels move once a year (tariffs and supply contracts are revised yearly).
        """
        # (key, tick, horizon, the parts of the prices that depend on the levels alone)
        last = getattr(self, "_price_key", None)
        if (last is not None and last[1] < t < last[2] and last[0][0] is self.params
                and last[0][1] == self.price_log.tobytes()):
            # no new year (no draw), calendar year or schedule level, the same price path
            # (an intervention may set it): the same inputs, the same prices
            return
        w, p, cat = self.world, self.params, self.world.catalogue
        new_year = int(t * p.tick_months // 12) != int((t - 1) * p.tick_months // 12)
        if draw and new_year and p.price_volatility > 0:
            z = self.streams.prices.standard_normal(len(self.price_log))
            self.price_log = price_step(self.price_log, z, p.price_reversion,
                                        p.price_volatility)
        year = t * p.tick_months / 12.0
        schedules = self.schedules
        # energy, carbon and landfill levels, and the calendar year of the surplus-heat
        # tax in force this tick (surplus_heat.py)
        levels = (schedules["energy"].at(year), schedules["carbon"].at(year),
                  schedules["landfill"].at(year),
                  calendar_year(w.region.start, w.region.year, t, p.tick_months))
        key = (p, self.price_log.tobytes(), *levels)
        if last is not None and key == last[0]:   # same inputs as last tick: same prices
            self._price_key = (key, t, _price_horizon(t, p.tick_months, w.region.start,
                                                      schedules.values()), last[3])
            return
        if last is not None and last[0][0] is p and last[0][2:] == key[2:]:
            # the same levels (a new model year: only the price path moved): the energy
            # factors, carbon values and disposal costs they give are the same
            energy, carbon_part, disposal_now = last[3]
        else:
            energy_level, carbon, landfill, heat_tax_year = levels
            energy = np.where(self.need_energy, energy_level, 1.0)
            carbon_part = carbon_value(cat.co2e_avoided[w.need_resource], carbon)
            disposal_now = landfill_cost(w.stream_disposal_cost, self.stream_landfill,
                                         self.stream_landfill, landfill)
            if w.stream_surplus_heat.any():   # the seller pays it on what it delivers
                disposal_now = disposal_now - stream_tax(
                    w.stream_surplus_heat, w.stream_resource, cat.surplus_heat_tax,
                    cat.surplus_heat_value_tax, heat_tax_year, cat.virgin_price)
        self._price_key = (key, t, _price_horizon(t, p.tick_months, w.region.start,
                                                  schedules.values()),
                           (energy, carbon_part, disposal_now))
        virgin_now = (w.need_virgin_price * exp(self.price_log[w.need_resource]) * energy
                      + carbon_part)
        old = getattr(self, "virgin_now", None)
        # the same bits: the same prices (a byte comparison, cheaper than array_equal's;
        # it sees a change in a -0.0 for 0.0, and no change in a NaN kept: the remembered
        # terms are stale exactly when their inputs' bits change)
        if old is None or not (old.tobytes() == virgin_now.tobytes()
                               and self.disposal_now.tobytes() == disposal_now.tobytes()):
            self.price_version = getattr(self, "price_version", -1) + 1  # remembered terms
        self.virgin_now, self.disposal_now = virgin_now, disposal_now   # are stale

    # ------------------------------------------------------------------ step 2
    def _input_constants(self) -> tuple:
        """What tracking the inputs needs that is fixed for a run's parameters (the
        received share of each need, a running mean over about 3 months, and the produced
        streams that follow it), as the functions of :mod:`.cascade`."""
        w, p = self.world, self.params
        produced = np.flatnonzero(w.stream_input >= 0)
        k = w.stream_input[produced]
        return (received_share_of(w.need_volume / p.ticks_per_year),
                per_tick(1 / 3, p.tick_months), produced, k,
                produced_level_of(w.stream_yield[produced], w.need_volume[k],
                                  w.stream_volume[produced]))

    def _input_tables(self) -> tuple:
        """:meth:`_input_constants` as the arrays of :func:`.kernels_tick.track_inputs`
        (no produced streams without cascades: nothing follows its input)."""
        w, p = self.world, self.params
        produced = np.flatnonzero(w.stream_input >= 0) if p.cascade else np.zeros(0, int)
        k = w.stream_input[produced]
        return (*received_share_table(w.need_volume / p.ticks_per_year),
                per_tick(1 / 3, p.tick_months), produced, k,
                *produced_level_table(w.stream_yield[produced], w.need_volume[k],
                                      w.stream_volume[produced]))

    def _breach(self, rows: np.ndarray, by_supplier: np.ndarray) -> None:
        """The side left behind loses trust in the one that ended the contract early."""
        if len(rows) == 0 or self.params.trust_loss_breach <= 0:
            return
        # relations.after_breach at the pairs' slots, in one compiled pass
        self._kernels[breach_trust](
            rows, by_supplier, self.exchanges["edge"], self.edge_slot_rs,
            self.edge_slot_sr, self.pairs.trust, float(self.params.trust_loss_breach))

    # ------------------------------------------------------------------ step 8
    @phase(reads=("edge_keys_sorted", "edge_slot_rs", "edge_slot_sr", "facilitator",
                  "firm_member", "firm_open", "key_input", "need_share", "params", "rates",
                  "streams", "world"),
           writes=("assets", "counts", "edge_retry", "edge_status", "exchanges",
                   "firm_savings", "firm_stranded", "need_committed", "need_level",
                   "need_starved", "pairs", "stream_committed", "stream_level"),
           draws=("fading", "introductions", "process"))
    def _change(self, t: int) -> None:
        """Process changes, starved firms close; every quarter fading and introductions
        (their monthly rates compounded: the same calendar rates, a third of the work)."""
        (h, rows, every, together, counting, closing, forget_below,
         introduce_below) = remembered(self, "_process_hazard", self.params,
                                       self._process_rules)
        n_closing = self._process_changes(t, h, rows, together, counting, closing)
        if n_closing:   # the starvation counters ran with the needs' event draws
            self._starved_close(closing, t, n_closing)
        elif not counting and closing is None:   # (else they ran there, closing nobody)
            self._starved_firms_close(t)
        if t % every == 0:
            self._fade(t, every * self.params.tick_months, forget_below)
            self._introduce(introduce_below)

    def _process_rules(self) -> tuple:
        """The chance per tick of a process change, room for the items that change, the
        ticks between fading and introductions (a quarter), whether the streams' and the
        needs' event draws are made in one call (where a tick's stream changes are rare:
        :meth:`_process_changes`), whether the starvation counters run in the same call
        (they run and nobody they count may close: :meth:`_starved_firms_close`), where
        the needs' event draws are a call of their own and the counters may close firms,
        room for the firms closing (the counters and the firms they close run in that
        call; else None), and the chances over a quarter that a quiet pair forgets (as
        the type numpy compares its float32 draws in: :meth:`_fade`) and that a
        candidate pair is introduced."""
        w, p = self.world, self.params
        h = float(hazard_per_tick(p.process_change_rate, p.tick_months))
        n_stream, n_need = len(w.stream_volume), len(w.need_volume)
        every = max(1, round(3 / p.tick_months))
        forget = per_tick(p.awareness_fade_rate, every * p.tick_months)
        together = n_stream * h < _RARE_CHANGES
        any_key, _, may_close = self._starving_rules()
        starving = p.cascade and any_key
        return (h, np.empty(n_stream + n_need, dtype=np.int64), every, together,
                together and starving and not may_close,
                np.zeros(w.n_firms, dtype=bool) if starving and may_close and not together
                else None,
                np.result_type(np.float32, forget).type(forget),
                per_tick(p.introduction_rate, every * p.tick_months))

    def _process_changes(self, t: int, h: float, rows: np.ndarray, together: bool = False,
                         counting: bool = False, closing: np.ndarray | None = None) -> int:
        """Streams, then needs, change with chance ``h`` per item and tick (``rows``: room
        for the items that change).

        One draw per item and tick (arms align): the streams' event draws, then (where a
        stream changes) their levels' draws, then the needs' event draws. With
        ``together`` both event draws are made in one call (the same numbers while no
        stream changes); a tick where a stream does change steps the stream back to the
        needs' draws (``advance``) and draws as above. With ``counting`` (only with
        ``together``) the same compiled call runs the starvation counters of
        :meth:`_starved_firms_close` (the process changes touch none of their inputs);
        with ``closing`` (room for the firms that close, only without ``together``) the
        needs' event call runs them and marks there the firms they close. Returns how
        many firms close (0 without ``closing``)."""
        rng = self.streams.process
        level_s, level_n = self.stream_level, self.need_level
        kinds = (("stream", level_s), ("need", level_n))
        if together:
            n_s = len(level_s)
            # the draws, (u_event < h).nonzero()[0] into rows and, with counting, the
            # starvation counters, in one compiled pass
            n_event, u_event = self._kernels[process_events_drawn](
                stream_address(rng), n_s + len(level_n), h, rows, counting, self.key_input,
                self.firm_open, self.world.need_firm, self.need_starved, self.need_share,
                self.params.cascade_threshold, STARVED)
            if n_event == 0:   # most ticks nothing changes: levels and contracts stay
                return 0
            if rows[0] >= n_s:   # no stream changes: the needs' draws were the next ones
                self._levels_change("need", level_n, rows[:n_event] - n_s, t)
                return 0
            rng.bit_generator.advance(-len(level_n))   # back to the streams' level draws
            self._levels_change("stream", level_s,
                                rows[:self._kernels[rows_below](u_event[:n_s], h, rows)], t)
            kinds = kinds[1:]
        n_closing = 0
        for kind, level in kinds:
            u_event = rng.random(len(level))      # one draw per item and tick: arms align
            if closing is not None and level is level_n:   # and the starvation counters
                n_event, n_closing = self._need_events_closing(u_event, h, rows, closing)
            else:
                n_event = self._kernels[rows_below](u_event, h, rows)   # (u_event < h).nonzero()[0]
            if n_event:   # most ticks nothing changes: levels and contracts stay
                self._levels_change(kind, level, rows[:n_event], t)
        return n_closing

    def _need_events_closing(self, u_event: np.ndarray, h: float, rows: np.ndarray,
                             closing: np.ndarray) -> tuple[int, int]:
        """The needs' events (``u_event`` below ``h``, into ``rows``) and the starvation
        counters of :meth:`_starved_firms_close` with the firms they close marked in
        ``closing``, in one compiled call; returns how many events, how many firms."""
        p, w = self.params, self.world
        patience = remembered(self, "_starving", p, self._starving_rules)[1]
        return events_and_closing(u_event, h, rows, closing, self.key_input, self.firm_open,
                                  w.need_firm, self.need_starved, self.need_share,
                                  p.cascade_threshold, patience, STARVED, w.firm_random_exit)

    def _levels_change(self, kind: str, level: np.ndarray, event: np.ndarray,
                       t: int) -> None:
        """The items ``event`` of ``kind`` (their levels ``level``) change: the rule
        (pace.process_change) on those at open firms, in one compiled pass
        (kernels.change_levels), the drawn levels' exponential as the C library makes it
        (:func:`.portable_math.exp`: the same bits on every machine; capped at 1 in the pass)."""
        w, p, rng = self.world, self.params, self.streams.process
        u_stop, z = rng.random(len(event)), rng.standard_normal(len(event))
        drawn = exp(p.process_change_sigma * z)
        stream = kind == "stream"
        fell = self._kernels[change_levels](
            event, u_stop, drawn, p.process_stop_share, level,
            w.stream_firm if stream else w.need_firm, self.firm_open,
            self.stream_committed if stream else self.need_committed,
            w.stream_volume if stream else w.need_volume)
        # contracts that no longer fit what is left of their stream (need) deliver pro
        # rata less within their volume band, or end below its minimum
        if len(fell):
            fell_items = np.zeros(len(level), dtype=bool)
            fell_items[fell] = True
            self._fit_to_capacity(kind, fell_items, t)

    def _starved_firms_close(self, t: int) -> None:
        p = self.params
        any_key, patience, may_close = remembered(self, "_starving", p, self._starving_rules)
        if not p.cascade or not any_key:
            return
        w = self.world
        if not may_close:   # the counters run; no firm they would close may close
            count_starvation(self.key_input, self.firm_open, w.need_firm, self.need_starved,
                             self.need_share, p.cascade_threshold, STARVED)
            return
        # the key inputs' starvation counters and the firms they close, in one compiled
        # pass: closing is demography (7.19): a real region's plant stays, idle, and may
        # find its input again; its produced streams already follow the input down to zero
        closing = starved_closing(self.key_input, self.firm_open, w.need_firm,
                                  self.need_starved, self.need_share, p.cascade_threshold,
                                  patience, STARVED, w.firm_random_exit)
        n = int(np.count_nonzero(closing))
        if n:
            self.counts["firms_closed: input lost"] += n
            self._close(closing, t, n)

    def _starved_close(self, closing: np.ndarray, t: int, n: int) -> None:
        """The ``n`` firms marked in ``closing`` (room kept for the next tick: cleared)
        close for want of their key input (as :meth:`_starved_firms_close` closes them)."""
        closed = closing.copy()
        closing[:] = False
        self.counts["firms_closed: input lost"] += n
        self._close(closed, t, n)

    def _starving_rules(self) -> tuple[bool, int, bool]:
        """Whether any need is a key input, the ticks of starvation that close its firm and
        whether any such firm may close at all (else its counters run, nobody closes)."""
        w, p = self.world, self.params
        return (bool(self.key_input.any()), in_ticks(p.cascade_patience_months, p.tick_months),
                bool((self.key_input & w.firm_random_exit[w.need_firm]).any()))

    def _fade(self, t: int, months: float, forget_below) -> None:
        """Registry membership lapses once the facilitator withdrew; unused awareness is
        forgotten (a quiet pair's draw below ``forget_below``); weak ties back at the
        baseline dissolve."""
        p, store, rng = self.params, self.pairs, self.streams.fading
        u = rng.random(len(self.firm_member))   # drawn every tick: arms stay aligned
        end = p.facilitator_end_tick
        withdrawn = self.facilitator is not None and end is not None and t >= end
        if withdrawn and p.registry_lapse_rate > 0:   # nobody keeps the registry any more
            self.firm_member &= ~lapse(self.firm_member, u, per_tick(p.registry_lapse_rate,
                                                                     months))
        u_aware = _NO_DRAWS
        if p.awareness_fade_rate > 0:   # one draw per quiet pair (aware, no contact)
            quiet = self._kernels[quiet_pairs](store.aware, store.contact)   # compiled count
            u_aware = rng.random(quiet, dtype=np.float32)   # many pairs: single precision
        # the quiet pairs forget, weak ties at the baseline dissolve (fading.dissolved),
        # in one compiled pass
        self._kernels[fade_pairs](
            store.aware, store.met, store.contact, store.trust, u_aware, forget_below,
            p.trust_baseline, 0.01)

    def _introduce(self, chance: float) -> None:
        """Candidates sharing an exchange partner become known to each other (Ghali et al.
        2017); reputation (trust upkeep) then pulls their trust."""
        if self.params.introduction_rate <= 0:
            return
        act = self.exchanges["active"]
        # the same while the active exchanges are (none below two: they share nobody)
        hit = remembered(self, "_introductions", act.tobytes(),
                         lambda: self._introducible(act))
        if len(hit) == 0:
            return
        u = self.streams.introductions.random(len(hit))
        # the drawn pairs become known both ways, in one compiled pass
        self.counts["introductions"] += self._kernels[introduce_drawn](
            hit, u, chance, self.edge_slot_sr, self.edge_slot_rs, self.pairs.aware)

    def _introducible(self, act: np.ndarray) -> np.ndarray:
        """The candidate edges between pairs sharing a partner among the exchanges
        ``act`` (a mask): those :func:`.relations.introduced` lets a draw introduce (all
        of them: their keys are the pairs'; the rule's part that needs no draw, made once
        per set of exchanges)."""
        ex, w = self.exchanges, self.world
        if w.n_firms * w.n_firms <= _SMALL_PAIRS:   # through tables of all pairs
            return self._kernels[introducible_small](
                act, ex["supplier"], ex["receiver"], w.n_firms, MAX_DEGREE,
                w.edge_supplier, w.edge_receiver)
        # common_partner_pairs of the active links and the candidate edges of those
        # pairs, in one compiled call
        keys, order = self.edge_keys_sorted
        return introducible_edges(act, ex["supplier"], ex["receiver"], w.n_firms,
                                  MAX_DEGREE, keys, order)


def _price_horizon(t: int, tick_months: float, start: str | None, schedules) -> int:
    """The first tick after ``t`` whose prices' inputs may differ from ``t``'s: the next
    model year (a price draw) or calendar year (:func:`.surplus_heat.calendar_year`, as
    it counts them), or ``t + 1`` while a schedule varies.

    Examples
    --------
    >>> _price_horizon(5, 1.0, None, ()), _price_horizon(1, 1.0, "1990-10", ())
    (12, 3)
    """
    if any(s.years for s in schedules):
        return t + 1
    m0 = parse_month(start)[1] if start is not None else 1

    def years(tick: int) -> tuple[int, int]:
        return (int(tick * tick_months // 12),
                int((m0 - 1 + tick * tick_months) // 12) if start is not None else 0)

    now, after = years(t), t + 1
    while years(after) == now:
        after += 1
    return after

