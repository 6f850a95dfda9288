"""The negotiation book (phase 6): opening talks within each firm's room, a tick of
talks, decisions, failures.

A mixin of :class:`~.model.SymbiosisModel`; the pure rules are in :mod:`.negotiation`.
"""

from __future__ import annotations

import operator

import numpy as np

from .assets import ROUNDING
from .codes import (
    ACTIVE,
    FAILED,
    IDLE,
    NEGOTIATING,
    OPEN,
    REASON_CODE,
    REASONS,
)
from .draws import stream_address
from .kernels import close_talks
from .kernels_drawn import deadlines_drawn, negotiate_month_held
from .kernels_tick import decide_close_talks, open_talks_building, talks_now
from .negotiation import ROOM_ROUNDS
from .state import phase
from .terms import PIPE

__all__ = ["NegotiationBook", "talk_columns"]

#: the codes of :meth:`NegotiationBook._fail_decided`'s reasons, as
#: :func:`.kernels.failure_groups` takes them
_FAILURE_CODES = tuple(REASON_CODE[r] for r in ("no surplus", "no co-funding", "low trust",
                                                 "no capital"))
_NO_COFUNDING, _BREAKDOWN, _TIMEOUT, _PARTNER_CLOSED = (
    REASON_CODE[r] for r in ("no co-funding", "breakdown", "timeout", "partner closed"))
#: each reason's key in the model's counts (by its code)
_FAILED_KEYS = tuple(f"failed: {reason}" for reason in REASONS)

#: the book's columns in the order :func:`.kernels.open_talk_rows` takes them
talk_columns = operator.itemgetter("edge", "opened", "due", "volume", "via_broker", "cofund",
                                    "trial", "status", "reason", "closed")


class NegotiationBook:
    """Phase 6: the book of open negotiations.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    def open_negotiations(self, edges: np.ndarray, *, via_broker: bool = False,
                          limit: int | None = None) -> np.ndarray:
        """Open talks on ``edges`` (in priority order) within each firm's capacity (a
        repeated edge counts once)."""
        w, p, store, book = self.world, self.params, self.pairs, self.negotiations
        edges = np.asarray(edges, dtype=np.int64)
        if len(edges) == 0:   # (a quarter of the calls at Kalundborg: no pass to make)
            return edges
        # one compiled pass (kernels_tick.open_talks_building): the idle edges, each once,
        # within the firms' room for projects (pace.project_room, negotiation.within_room;
        # the lines being built counted in the pass, as firm_building); the first
        # ``limit`` open: both sides aware and met, the firms' count of talks, the edges
        # negotiating (kernels.open_within_room); their rows in the book, due after the
        # duration the lower of the pair's trusts gives, at their free volume
        t = max(self.tick, 0)
        size = len(book)
        ex = self.exchanges
        edges = self._kernels[open_talks_building](
            edges, -1 if limit is None else int(limit), self.edge_status, IDLE,
            w.edge_supplier, w.edge_receiver, self.firm_negotiations, ex["active"],
            ex["first"], ex["supplier"], ex["receiver"], int(p.max_negotiations),
            ROOM_ROUNDS, self.edge_slot_sr, self.edge_slot_rs,
            store.aware, store.met, store.trust, NEGOTIATING, t,
            float(self.rates.negotiation), bool(via_broker), self.edge_counted,
            w.edges.stream, w.edges.need, w.stream_volume, self.stream_level,
            self.stream_made, self.stream_committed, w.need_volume, self.need_level,
            self.need_committed, OPEN, size,
            *talk_columns(book.spare(len(edges) if limit is None else min(len(edges), limit))))
        if len(edges):
            book.extend(len(edges))
            self.counts["negotiations_opened"] += len(edges)
        return edges

    @phase(reads=("assets", "_capital", "disposal_now", "edge_slot_rs", "edge_slot_sr",
                  "facilitator", "firm_open", "_min_trust", "need_committed", "need_level",
                  "params", "rates", "stream_committed", "stream_level", "stream_made",
                  "streams", "tick", "virgin_now", "world"),
           writes=("cofund_wait", "counts", "edge_retry", "edge_status", "firm_costs",
                   "firm_negotiations", "negotiations", "pairs"),
           draws=("breakdowns",))
    def _negotiate(self, t: int) -> np.ndarray:
        """A tick of talks: costs, contact, breakdowns, timeouts, and decisions when due.

        Returns the rows of negotiations that concluded (to be allocated).
        """
        book, rates, p = self.negotiations, self.rates, self.params
        # one compiled pass (kernels_drawn.negotiate_month, the run's arrays held in one
        # record: held.py): the open talks, their costs and contact (trust toward 1) this
        # tick; those with a closed firm fail; a breakdown draw per other talk:
        # breakdowns and timeouts fail; the talks due decide (those that do not conclude
        # closed, each for its first reason)
        n_class, half_cost, trial_share, distrust, beta = self._deal_scalars()
        tick = max(self.tick, 0)
        due, decided, n_ok, volume, n_closed, n_broke, n_late = self._kernels[
            negotiate_month_held](
            self._run_record(), self._min_trust, self.assets.load, self.virgin_now,
            self.disposal_now, self._capital, rates.negotiation_cost, rates.gain_contact,
            stream_address(self.streams.breakdowns), rates.failure, rates.timeout,
            _PARTNER_CLOSED, _BREAKDOWN, _TIMEOUT, OPEN, *_FAILURE_CODES,
            float(self.cofunding_available()), float(p.cofund_share),
            float(p.trial_volume_share), p.holdup_weight > 0, p.mobile_specificity,
            p.holdup_payback_years, p.holdup_weight, p.trial_trust_share, FAILED, IDLE, t,
            tick + rates.reconsider, tick, 1.0 + ROUNDING, n_class, PIPE, half_cost,
            trial_share, distrust, beta, len(book), len(self.assets.table), self.pairs.size)
        # counted as they closed: a closed firm's, the breakdowns, the timeouts, then the
        # decided that did not conclude (NegotiationBook._fail_decided)
        counts = self.counts
        for n, code in ((n_closed, _PARTNER_CLOSED), (n_broke, _BREAKDOWN),
                        (n_late, _TIMEOUT)):
            if n:
                counts["negotiations_failed"] += n
                counts[_FAILED_KEYS[code]] += n
        if n_ok < len(due):
            self._fail_decided(due, decided[n_ok:], volume)
        return decided[:n_ok]

    def _negotiate_step_by_step(self, t: int) -> np.ndarray:
        """:meth:`_negotiate` a pass at a time (the reference its one call is held to,
        ``tests/test_negotiate_month.py``)."""
        book, w, store, rates = self.negotiations, self.world, self.pairs, self.rates
        rows, n_closed = self._kernels[talks_now](
            book["status"], OPEN, book["edge"], w.edge_supplier, w.edge_receiver,
            self.firm_open, self.firm_costs, rates.negotiation_cost, self.edge_slot_sr,
            self.edge_slot_rs, store.trust, store.contact, rates.gain_contact)
        if len(rows) == 0:   # no talks: nothing to pay, draw or decide
            return rows
        if n_closed:   # (most ticks none fails: no selections to make)
            self._fail(rows[len(rows) - n_closed:], t, "partner closed")
            rows = rows[:len(rows) - n_closed]
        ends, n_broke, n_late = self._kernels[deadlines_drawn](
            rows, stream_address(self.streams.breakdowns), rates.failure,
            book["opened"], book["due"], t, rates.timeout)
        if n_broke or n_late:
            self._fail_ends(ends, n_broke, n_late, t)
            ends = ends[n_broke + n_late:]
        return self._decide(ends, t) if len(ends) else ends

    def _fail_ends(self, ends: np.ndarray, n_broke: int, n_late: int, t: int) -> None:
        """The talks that broke down (the first ``n_broke`` of ``ends``) and then those
        that timed out (the next ``n_late``) fail: :meth:`_fail`'s work for each reason,
        each closed in one compiled pass (kernels.close_talks)."""
        book, w, counts = self.negotiations, self.world, self.counts
        retry = max(self.tick, 0) + self.rates.reconsider
        start = 0
        for n, code, key in ((n_broke, _BREAKDOWN, _FAILED_KEYS[_BREAKDOWN]),
                             (n_late, _TIMEOUT, _FAILED_KEYS[_TIMEOUT])):
            if n:
                self._kernels[close_talks](
                    ends[start:start + n], FAILED, code, t, book["status"], book["reason"],
                    book["closed"], book["edge"], w.edge_supplier, w.edge_receiver,
                    self.firm_negotiations, self.edge_status, IDLE, self.edge_retry, retry)
                counts["negotiations_failed"] += n
                counts[key] += n
                start += n

    def _decide(self, rows: np.ndarray, t: int) -> np.ndarray:
        """Due negotiations conclude if both sign and the deal still pays; the others
        fail, each for its first reason: no surplus (or no co-funding, where it counted
        on some and was offered none), low trust, no capital (``rows``: one or more)."""
        book = self.negotiations
        out, n_ok, volume = self._decided(rows, book["volume"], book["trial"], t)
        if n_ok < len(rows):
            self._fail_decided(rows, out[n_ok:], volume)
        return out[:n_ok]

    def _decided(self, rows: np.ndarray, volume: np.ndarray, trial: np.ndarray,
                 t: int = -1) -> tuple:
        """:meth:`_decide`'s rule on the due talks ``rows``, in one compiled pass
        (:func:`.kernels_tick.decide_close_talks`): each deal at the smaller of its booked
        and free volume (:meth:`free_volume`), its co-funding share
        (:meth:`cofunding_offer`), its terms (:meth:`expected_terms`), both signatures
        (:meth:`_signs`), a trial where the full deal pays but is not signed
        (:meth:`_trial`). Writes the book's columns ``trial`` (of ``rows``) and ``volume``
        (of the deals concluded, a trial's share); with ``t`` >= 0, closes those that
        failed at ``t``, by reason (:meth:`_close_talks`; :meth:`_fail_decided` counts
        them). Returns the rows that concluded followed by the others' reasons
        (:func:`.kernels.failure_groups`), how many concluded and each deal's volume."""
        book = self.negotiations
        return self._kernels[decide_close_talks](
            rows, book["edge"], volume, trial, book["cofund"], *self._decision_inputs(t))

    def _decision_inputs(self, t: int) -> tuple:
        """What :func:`.kernels_tick.decide_close_talks` reads after the talks' own
        columns (``book_cofund``), in its order: the failure codes, the co-funding
        available, the signing rule's parameters, the closing at ``t`` (-1: none), the
        book's and edges' columns it writes, and ``DealTerms._price_inputs`` (written
        out: faster)."""
        w, p, book = self.world, self.params, self.negotiations
        edge_rows, need_volume, modes, seasons, constants = self._deal_inputs()
        return (*_FAILURE_CODES, float(self.cofunding_available()), float(p.cofund_share),
                float(p.trial_volume_share), w.edge_supplier, w.edge_receiver,
                self._min_trust, p.holdup_weight > 0, self._edge_owned_from(),
                p.mobile_specificity, p.holdup_payback_years, p.holdup_weight,
                p.trial_trust_share, FAILED, IDLE, t,
                max(self.tick, 0) + self.rates.reconsider, book["status"], book["reason"],
                book["closed"], self.firm_negotiations, self.edge_status, self.edge_retry,
                *edge_rows, w.stream_volume, self.stream_level, self.stream_made,
                self.stream_committed, self.need_level, need_volume, self.need_committed,
                *self.assets.use_inputs(max(self.tick, 0)), *modes, self.pairs.trust,
                *seasons, self.virgin_now, self.disposal_now, self._capital, *constants)

    def _fail_decided(self, rows: np.ndarray, groups: np.ndarray,
                      volume: np.ndarray) -> None:
        """The due negotiations ``rows`` that did not conclude, closed by
        :meth:`_decided`, fail, by the ``groups`` of :func:`.kernels.failure_groups`
        (their reasons and each one's positions in ``rows``; ``volume``: each deal's):
        what :meth:`_fail` does after closing them."""
        n = int(groups[0])
        head, at = groups[1:1 + 2 * n].tolist(), groups[1 + 2 * n:]
        counts, start = self.counts, 0
        for g in range(n):   # codes ascending (np.unique's order)
            code, end = head[2 * g], head[2 * g + 1]
            if code == _NO_COFUNDING:
                sel = at[start:end]
                self._fail_cofunding(rows[sel], volume[sel])
            counts["negotiations_failed"] += end - start
            counts[_FAILED_KEYS[code]] += end - start
            start = end

    def _fail(self, rows: np.ndarray, t: int, reason: str,
              volume: np.ndarray | None = None) -> None:
        """Negotiations ``rows`` fail for ``reason`` (at the deals' ``volume``, where the
        caller priced them: a deal failing for want of co-funding is checked, apart from
        the rule that failed it, for whether it paid on its own; count
        ``no co-funding while viable alone``, 0 under the co-funding rule, docs/ODD.md
        7.4)."""
        if len(rows) == 0:
            return
        cofunding = reason == "no co-funding"
        if cofunding and volume is not None:
            self._viable_alone(rows, volume)
        self._close_talks(rows, t, FAILED, REASON_CODE[reason])
        if cofunding:  # not retried until the budget changes
            self.cofund_wait[self.negotiations["edge"][rows]] = self.cofunding_available()
        self.counts["negotiations_failed"] += len(rows)
        self.counts[f"failed: {reason}"] += len(rows)

    def _fail_cofunding(self, rows: np.ndarray, volume: np.ndarray) -> None:
        """:meth:`_fail`'s work for the talks ``rows`` closed for want of co-funding,
        around their closing (the deals' ``volume``): whether each paid on its own, and
        the wait for a new budget."""
        self._viable_alone(rows, volume)
        self.cofund_wait[self.negotiations["edge"][rows]] = self.cofunding_available()

    def _viable_alone(self, rows: np.ndarray, volume: np.ndarray) -> None:
        """Count the deals of ``rows`` (at ``volume``) failing for want of co-funding
        that paid on their own (``no co-funding while viable alone``)."""
        book = self.negotiations
        alone = self.expected_terms(book["edge"][rows], volume=volume,
                                    trial=book["trial"][rows])[0]
        self.counts["no co-funding while viable alone"] += int(
            ((alone.supplier_gain > 0) & (alone.receiver_gain > 0)).sum())

    def _close_talks(self, rows: np.ndarray, t: int, status: int, reason: int = -1) -> None:
        """Negotiations ``rows`` close with ``status`` (and ``reason``; -1: none) at
        ``t``: their edges are free again (``FAILED``: idle, reconsidered after the
        usual wait; else an exchange's, ``ACTIVE``) and their firms have one talk less
        each (one compiled pass, kernels.close_talks)."""
        book, w = self.negotiations, self.world
        failed = status == FAILED
        self._kernels[close_talks](
            np.asarray(rows, dtype=np.int64), status, reason, t, book["status"],
            book["reason"], book["closed"], book["edge"], w.edge_supplier, w.edge_receiver,
            self.firm_negotiations, self.edge_status, IDLE if failed else ACTIVE,
            self.edge_retry, max(self.tick, 0) + self.rates.reconsider if failed else -1)
