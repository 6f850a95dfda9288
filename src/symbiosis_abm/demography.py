"""Firm demography: firms open and leave the region, and new firms take over their sites.

* **Scheduled closures** (a region's ``closes``, ``closes_at_tick``) and the optional
  uniform hazard ``closure_rate_per_year`` (a closure-study switch for every firm).
* **Exit**: each open firm that may close at random (``world.firm_random_exit``: plants
  of a region with ``random_exit``, such as the synthetic region; never utilities,
  municipalities, public bodies or aggregates, and no firm of a real region that does
  not give its own sourced hazard) closes with a yearly hazard by size class
  (``exit_rate_sme``, ``exit_rate_large``). Eurostat's business demography statistics put
  enterprise death rates in the EU business economy at around 9 % a year, mostly among
  the smallest firms; employer firms and above all large firms close far less often.
* **Entry**: the site of a firm that exited is taken over by a newcomer of the same
  sector (same streams and needs: the plant, the permits and the process stay) with a
  yearly chance ``site_reuse_rate``. The newcomer has no relationships: its pairs start
  again at the initial trust, unaware. Eurostat reports birth rates close to death rates
  (both about 9 %), so over decades the population stays about constant while its
  members turn over. Only hazard exits are re-occupied: closures a region file schedules
  are history.

The rules are pure functions; :class:`Demography` (a mixin of
:class:`~.model.SymbiosisModel`) applies them in phase 8.

Examples
--------
>>> h = exit_hazard(np.array([0, 1]), sme_rate=0.06, large_rate=0.015, tick_months=12.0)
>>> h.tolist()
[0.06, 0.015]
"""

from __future__ import annotations

import numpy as np

from .cascade import STARVED
from .codes import OPEN
from .draws import stream_address
from .kernels_drawn import leaving_drawn, uniforms_passed
from .kernels_tick import closing_rows, take_over_sites
from .pace import hazard_per_tick
from .relations import tie_trust
from .state import phase
from .world import SME

__all__ = ["exit_hazard", "exits", "entries", "pairs_of", "Demography"]


def exit_hazard(size: np.ndarray, sme_rate: float, large_rate: float,
                tick_months: float, sme_code: int = 0) -> np.ndarray:
    """Chance per tick that each firm closes, by size class (``size == sme_code``: SME).

    Examples
    --------
    >>> np.round(exit_hazard(np.array([0, 1]), 0.06, 0.015, 1.0), 5)
    array([0.00514, 0.00126])
    """
    yearly = np.where(np.asarray(size) == sme_code, sme_rate, large_rate)
    return hazard_per_tick(yearly, tick_months)


def exits(is_open: np.ndarray, u: np.ndarray, hazard: np.ndarray) -> np.ndarray:
    """Open firms that close this tick.

    Examples
    --------
    >>> exits(np.array([True, True, False]), np.array([0.1, 0.9, 0.0]), np.array([0.5] * 3))
    array([ True, False, False])
    """
    return np.asarray(is_open, dtype=bool) & (np.asarray(u) < hazard)


def entries(vacant: np.ndarray, u: np.ndarray, reuse_per_tick: float) -> np.ndarray:
    """Vacant sites a newcomer takes over this tick.

    Examples
    --------
    >>> entries(np.array([True, True, False]), np.array([0.1, 0.9, 0.0]), 0.5)
    array([ True, False, False])
    """
    return np.asarray(vacant, dtype=bool) & (np.asarray(u) < reuse_per_tick)


def pairs_of(src: np.ndarray, dst: np.ndarray, firms: np.ndarray, n_firms: int) -> np.ndarray:
    """Pair slots that involve any of ``firms`` (their relationships restart).

    Examples
    --------
    >>> pairs_of(np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0]), 3).tolist()
    [0, 2]
    """
    hit = np.zeros(n_firms, dtype=bool)
    hit[np.asarray(firms, dtype=np.int64)] = True
    return np.flatnonzero(hit[src] | hit[dst])


def _exit_rates(p, w) -> tuple[np.ndarray, int, float, bool, frozenset]:
    """Each firm's exit hazard per tick (0 where it may not close at random), the ticks
    between site take-overs, a vacant site's chance to be taken over at one, whether any
    firm may close at random (an exit hazard or the uniform hazard) and the ticks with
    scheduled closures (in a real region's run most ticks see none of these: nothing to
    do)."""
    hazard = np.where(w.firm_random_exit, exit_hazard(
        w.firm_size, p.exit_rate_sme, p.exit_rate_large, p.tick_months, SME), 0.0)
    # sites are taken over at quarter ends (vacancies last years; a third of the work)
    every = max(1, round(3 / p.tick_months))
    return (hazard, every, float(hazard_per_tick(p.site_reuse_rate, every * p.tick_months)),
            bool(p.closure_rate_per_year > 0 or (hazard > 0).any()),
            frozenset(w.firm_close_tick.tolist()))


class Demography:
    """Firms enter at their opening tick (phase 0); in phase 8 they close (scheduled, by
    hazard, by size-class exit) and newcomers take over vacant sites.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("tie_schedule", "world"),
           writes=("counts", "firm_open", "pairs"),
           draws=())
    def _open_firms(self, t: int) -> None:
        """Firms whose opening tick is ``t`` enter: from now on they search and trade.
        Documented ties dated at ``t`` begin (their members know each other, trust at
        least the tie's value: :func:`~.relations.tie_trust`).

        A firm that has not opened yet is not open, so it is no candidate, is not
        recruited and does not attend events (every phase checks ``firm_open``).
        """
        for i, j, trust in self.tie_schedule.get(t, ()):
            slots = self.pairs.slots(i, j)
            self.pairs.trust[slots] = tie_trust(self.pairs.trust[slots], trust)
            self.pairs.aware[slots] = True
            self.pairs.met[slots] = True
            self.counts["ties_begun"] += 1
        if t == 0:
            return  # the firms that exist at tick 0 are open from the constructor on
        w = self.world
        # the opening ticks, remembered (as remembered() would, without a call and a
        # closure a tick)
        opening_ticks = self.__dict__.get("_opening_ticks")
        if opening_ticks is None or opening_ticks[0] is not w:
            opening_ticks = self._opening_ticks = (w, frozenset(w.firm_open_tick.tolist()))
        if t not in opening_ticks[1]:
            return   # (most ticks no firm is due to open)
        opening = (w.firm_open_tick == t) & ~self.firm_open
        if opening.any():
            self.firm_open |= opening
            self.counts["firms_opened"] += int(opening.sum())

    @phase(reads=("params", "rates", "streams", "tick", "world"),
           writes=("assets", "closure_log", "counts", "edge_retry", "edge_status", "exchanges",
                   "firm_member", "firm_negotiations", "firm_open", "firm_stranded",
                   "firm_vacant", "need_committed", "need_level", "need_share", "need_starved",
                   "negotiations", "pairs", "stream_committed", "stream_level"),
           draws=("closures", "exits"))
    def _close_firms(self, t: int) -> None:
        """Scheduled closures, the uniform hazard, size-class exits; then site take-overs
        (the rules :func:`exits` and :func:`entries`, in one compiled pass)."""
        p, w = self.params, self.world
        # remembered per parameters (as remembered() would, without a call and a closure
        # a tick)
        last = self.__dict__.get("_exit_hazard")
        if last is None or last[0] is not p:
            last = self._exit_hazard = (p, _exit_rates(p, w))
        hazard, every, reuse, may_close, closing_ticks = last[1]
        n = w.n_firms
        closures, exits = stream_address(self.streams.closures), stream_address(self.streams.exits)
        if not (may_close or t in closing_ticks
                or (t % every == 0 and reuse > 0 and self.firm_vacant.any())):
            # nothing can close or enter: the draws made all the same (a draw per firm and
            # tick from the closures, two from the exits), as the kernel would make them
            self._kernels[uniforms_passed](closures, n, exits, 2 * n)
            self.counts["firms_exited"] += 0
            return
        chance = 0.0   # no uniform hazard: no draw falls below it
        if p.closure_rate_per_year > 0:
            chance = 1.0 - (1.0 - p.closure_rate_per_year) ** (1.0 / p.ticks_per_year)
        ex, book = self.exchanges, self.negotiations
        # the draws, who leaves, the sites taken over and what the leavers leave, in one
        # call (one array: the counts, then the firms, sites, exchanges' and talks' rows)
        out = self._kernels[leaving_drawn](
            closures, exits, t, self.firm_open, w.firm_close_tick, chance, hazard,
            self.firm_vacant, reuse if t % every == 0 else 0.0, ex["active"],
            ex["supplier"], ex["receiver"], book["status"], OPEN, book["edge"],
            w.edge_supplier, w.edge_receiver)
        n_gone, n_exits, n_coming, n_hit = out[:4].tolist()
        self.counts["firms_exited"] += n_exits
        a = 4 + n_gone
        b = a + n_coming
        if n_gone:   # (the firms copied: the closure log keeps them, not the whole array)
            self._leave(out[4:a].copy(), out[b:b + n_hit], out[b + n_hit:], t, n_gone)
        if n_coming:
            self._newcomers(out[a:b])

    def _close(self, closing: np.ndarray, t: int, n: int) -> None:
        """Firms in ``closing`` (a mask of ``n`` > 0 firms) leave: their exchanges end and
        their talks fail."""
        w, ex, book = self.world, self.exchanges, self.negotiations
        firms = np.flatnonzero(closing)
        self.firm_open[firms] = False
        # (ending the exchanges leaves the talks as they are: both found at once)
        hit, talks = closing_rows(closing, ex["active"], ex["supplier"], ex["receiver"],
                                  book["status"], OPEN, book["edge"], w.edge_supplier,
                                  w.edge_receiver)
        self._leave(firms, hit, talks, t, n)

    def _leave(self, firms: np.ndarray, hit: np.ndarray, talks: np.ndarray, t: int,
               n: int) -> None:
        """The ``n`` firms ``firms`` (closed in ``firm_open``) leave: the active exchanges
        ``hit`` end and the open talks ``talks`` fail."""
        self._end_exchanges(hit, t, "partner closed")
        self._fail(talks, t, "partner closed")
        self.counts["firms_closed"] += n
        self.closure_log.append((t, firms))

    def _newcomers(self, firms: np.ndarray) -> None:
        """A newcomer takes the site: same process, no relationships, not a member (the
        pairs of :func:`pairs_of` and the site's items in one compiled pass)."""
        w, store = self.world, self.pairs
        self.firm_vacant[firms] = False
        self.firm_open[firms] = True
        self.firm_member[firms] = False
        take_over_sites(firms, w.n_firms, store.src[: store.size], store.dst[: store.size],
                        store.trust, store.aware, store.met, store.initial_trust,
                        w.stream_firm, w.need_firm, self.stream_level, self.need_level,
                        self.need_starved, self.need_share, STARVED)
        self.counts["firms_entered"] += len(firms)
