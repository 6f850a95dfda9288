"""Mesa agents a user can inspect: :class:`Firm` and :class:`Facilitator`.

The model keeps the hot state in arrays (struct of arrays) so a tick is vectorised; a
:class:`Firm` is a live view of its row in those arrays, so ``firm.partners`` or
``firm.trust_in(other)`` always show the current state. The :class:`Facilitator` holds its
own state (budget, spending, members) and carries out its roles each tick it is active.

Both work on a :class:`~.model.SymbiosisModel` given to them (typed as a ``mesa.Model``:
this module does not import the model, which imports it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from . import terms
from .assets import ROUNDING
from .codes import IDLE, MIN_OPEN_SHARE, NEGOTIATING, OPEN
from .draws import stream_address
from .input_watch import edges_by_item
from .kernels import still_open
from .kernels_drawn import event_drawn, recruit_drawn
from .kernels_tick import (
    RANKED_STRATEGIES,
    broker_month_held,
    broker_proposals,
    meet_pairs,
    ordered_pairs,
)
from .negotiation import ROOM_ROUNDS
from .region import SIZES
from .state import phase
from .world import SME

if TYPE_CHECKING:
    from .exchange import Exchange

__all__ = ["Firm", "Facilitator"]

#: candidates the broker sorts per proposal it can make (more where too few of them fit)
RANKED_PER_PROPOSAL = 8

#: the targeting strategies by their codes in :func:`.kernels_tick.broker_proposals` (-1:
#: random, ordered here by :func:`.targeting.rank_matches`' draws)
_STRATEGY_CODES = {**{name: code for code, name in enumerate(RANKED_STRATEGIES)}, "random": -1}

#: no proposals (the edges proposed, before the facilitator's first tick or while idle)
_NO_EDGES = np.zeros(0, dtype=np.int64)


class Firm(mesa.Agent):
    """A firm with streams (surplus it could supply) and needs (inputs it could replace).

    Examples
    --------
    >>> from symbiosis_abm import SymbiosisModel
    >>> model = SymbiosisModel("kalundborg", rng=1)
    >>> firm = model.firm("asnaes")
    >>> firm.size, firm.is_open
    ('large', True)
    >>> isinstance(firm.streams, list)
    True
    """

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    # Identity and fixed attributes -------------------------------------------------------
    @property
    def firm_id(self) -> str:
        return self.model.world.firm_ids[self.index]

    @property
    def name(self) -> str:
        return self.model.world.region.firms[self.index].name

    @property
    def sector(self) -> str:
        return self.model.world.region.firms[self.index].sector

    @property
    def size(self) -> str:
        return SIZES[self.model.world.firm_size[self.index]]

    @property
    def location_km(self) -> tuple[float, float]:
        x, y = self.model.world.firm_xy[self.index]
        return float(x), float(y)

    @property
    def closes_at_tick(self) -> int | None:
        tick = int(self.model.world.firm_close_tick[self.index])
        return None if tick < 0 else tick

    # Current state ------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return bool(self.model.firm_open[self.index])

    @property
    def member(self) -> bool:
        """Whether the firm is in the facilitator's registry."""
        return bool(self.model.firm_member[self.index])

    @property
    def search_budget(self) -> float:
        """Search budget, EUR per year."""
        return float(self.model.firm_search_budget[self.index])

    @property
    def min_trust(self) -> float:
        """Trust the firm needs in a partner to sign (its risk attitude)."""
        return float(self.model.firm_min_trust()[self.index])

    @property
    def capital_access(self) -> float:
        """Largest investment (EUR) the firm can fund for one exchange."""
        return float(self.model.firm_capital()[self.index])

    @property
    def net_savings(self) -> float:
        """Gains from exchanges less search, negotiation and stranded costs so far, EUR."""
        m, i = self.model, self.index
        return float(m.firm_savings[i] - m.firm_costs[i] - m.firm_stranded[i])

    @property
    def stranded_cost(self) -> float:
        """Annuity of this firm's assets left unused before their lifetime ended, EUR."""
        return float(self.model.firm_stranded[self.index])

    @property
    def streams(self) -> list[dict]:
        """Streams with yearly volume and the part not yet placed in an exchange."""
        return self.model.items_of("stream", self.index)

    @property
    def needs(self) -> list[dict]:
        """Needs with yearly volume and the part not yet filled by an exchange."""
        return self.model.items_of("need", self.index)

    @property
    def exchanges(self) -> list[Exchange]:
        """This firm's exchanges, past and present, as :class:`~.exchange.Exchange` records."""
        from .exchange import records

        log = self.model.exchanges_frame()
        return records(log[(log["supplier"] == self.firm_id) | (log["receiver"] == self.firm_id)])

    @property
    def partners(self) -> list[str]:
        """Ids of firms this firm has an active exchange with."""
        return self.model.partners_of(self.index)

    @property
    def known_firms(self) -> list[str]:
        """Ids of firms this firm is aware of."""
        store = self.model.pairs
        mine = (store.src == self.index)[: store.size] & store.aware
        return sorted({self.model.world.firm_ids[j] for j in store.dst[: store.size][mine]})

    def trust_in(self, other: Firm | str) -> float:
        """This firm's trust in ``other`` (a Firm or a firm id), in [0, 1]."""
        j = other.index if isinstance(other, Firm) else self.model.firm(other).index
        return float(self.model.pairs.trust_of(np.array([self.index]), np.array([j]))[0])

    def __repr__(self) -> str:
        return f"Firm({self.firm_id!r}, {self.sector}, {self.size})"


#: regions with at most this many candidate edges find the broker's and the search's
#: open edges in one pass (PartnerSearch.open_edges_split); in larger ones each makes its
#: own, since every firm's open edges would be held through the broker's pricing (at
#: 100,000 firms, 2.6 million edges, that raised a run's peak memory past 1.5 GB)
ONE_PASS_UP_TO_EDGES = 1_000_000


class Facilitator(mesa.Agent):
    """The municipality or regional IS centre, with separable roles.

    Roles (each switchable by a parameter): *broker* (a registry of members; proposes up
    to ``broker_capacity`` matches per month, chosen by ``targeting``, at no search cost to
    the firms), *convener* (an event every ``convener_interval_months`` that raises
    attendees' mutual trust and awareness), *co-funder* (pays ``cofund_share`` of a new
    exchange's capex within ``cofund_budget_eur``, only for deals that would not pay
    without it: :mod:`.cofunding`) and *expert support* for SME members.
    Active from ``facilitator_start_tick`` until ``facilitator_end_tick``. What it spends
    is public cost.
    """

    def __init__(self, model: mesa.Model, name: str = "facilitator"):
        super().__init__(model)
        self.name = name
        p = model.params
        self.cofund_budget_left = p.cofund_budget_eur
        self.spent_total = 0.0
        self.spent_this_year = 0.0
        self._budget_year = 0       # calendar year (from the start) spent_this_year is for
        self.proposals_made = 0
        self.events_held = 0
        self.maps_published = 0
        self.links_mapped = 0
        self._proposed = _NO_EDGES   # the edges proposed this tick (last_proposals)
        # every firm's open edges after this tick's proposals (None: not known), for the
        # search (PartnerSearch.open_edges_after_broker), and the lines being built per
        # firm and the two sizes its pass found (PartnerSearch.open_edges_split)
        self.open_now = None
        self._building = np.zeros(model.world.n_firms, dtype=np.int64)
        self._sizes = np.zeros(2, dtype=np.int64)
        self._firm_edges = None   # each firm's edges as supplier, as receiver (_edges_of)
        w = model.world   # (what the broker's targeting reads of the world, fixed for a run)
        self._world_rows = (w.edges.stream, w.edges.need, w.stream_volume,
                            w.stream_disposal_cost, w.need_virgin_price, w.edge_supplier,
                            w.edge_receiver, w.firm_size, SME)

    @property
    def roles(self) -> list[str]:
        p = self.model.params
        flags = {"broker": p.broker, "convener": p.convener, "co-funder": p.cofunder,
                 "expert support": p.expert_support > 0, "mapper": p.mapper}
        return [name for name, on in flags.items() if on]

    @property
    def last_proposals(self) -> list[tuple[str, str, str]]:
        """The matches proposed this tick: (supplier id, receiver id, resource name)."""
        w, proposed = self.model.world, self._proposed
        return [(w.firm_ids[s], w.firm_ids[r], w.catalogue.names[k]) for s, r, k in zip(
            w.edge_supplier[proposed].tolist(), w.edge_receiver[proposed].tolist(),
            w.edge_resource[proposed].tolist())]

    @property
    def members(self) -> list[str]:
        return [self.model.world.firm_ids[i] for i in np.flatnonzero(self.model.firm_member)]

    def is_active(self, tick: int) -> bool:
        p = self.model.params
        end = p.facilitator_end_tick
        return tick >= p.facilitator_start_tick and (end is None or tick < end)

    def budget_left_this_year(self) -> float:
        ceiling = self.model.params.facilitator_budget_eur_per_year
        return np.inf if ceiling is None else max(0.0, ceiling - self.spent_this_year)

    def spend(self, amount: float, *, under_ceiling: bool = True) -> None:
        """Book public spending; staff cost (``under_ceiling=False``) is outside the
        yearly ceiling, which limits events, proposals and co-funding."""
        self.spent_total += amount
        if under_ceiling:
            self.spent_this_year += amount

    # The tick's work -------------------------------------------------------------------------
    @phase(reads=("asset_life_years", "assets", "_capital", "cofund_wait", "disposal_now",
                  "edge_retry",
                  "edge_slot_rs", "edge_slot_sr", "exchanges", "firm_open", "mode_annuity",
                  "need_committed", "need_level", "params", "price_version", "rates",
                  "stream_committed", "stream_level", "stream_made", "streams", "tick",
                  "virgin_now", "world"),
           writes=("counts", "edge_counted", "edge_status", "facilitator", "firm_member",
                   "firm_negotiations", "negotiations", "pairs"),
           draws=("broker", "events", "recruitment"))
    def act(self, tick: int) -> None:
        """Carry out the roles for this tick (nothing if not active)."""
        self._proposed, self.open_now = _NO_EDGES, None
        if not self.is_active(tick):
            return
        p = self.model.params
        year = int(tick * p.tick_months // 12)
        if year != self._budget_year:  # a new calendar year: the yearly budget starts again
            self._budget_year, self.spent_this_year = year, 0.0
        self.spend(self.model.rates.staff_cost, under_ceiling=False)
        if p.broker or p.expert_support > 0:  # the registry serves these two roles
            self._recruit()
        since = tick - p.facilitator_start_tick
        if p.mapper and since % self.model.rates.mapping_interval == 0:
            self._map()
        if p.convener and since % self.model.rates.convener_interval == 0:
            self._convene()
        if p.broker and self.model.rates.broker_capacity > 0:
            self._broker()

    def _recruit(self) -> None:
        """Non-members join the registry; joining gets likelier as membership grows."""
        model, rates = self.model, self.model.rates
        # one compiled pass (kernels_drawn.recruit_drawn): a draw per firm, the open
        # firms' members' share before anyone joins, the chance it gives, who joins
        model._kernels[recruit_drawn](
            model.firm_member, model.firm_open, stream_address(model.streams.recruitment),
            float(rates.join), float(rates.network_effect))

    def _map(self) -> None:
        """Publish the opportunity map: both sides of every candidate link that would pay
        at full trust between open firms learn of each other (seed 001: mapping)."""
        model, p = self.model, self.model.params
        if p.mapping_cost_eur > self.budget_left_this_year():
            return
        w = model.world
        edges = np.flatnonzero(model.firm_open[w.edge_supplier] & model.firm_open[w.edge_receiver])
        if len(edges):
            terms, _ = model.expected_terms(edges, volume=np.minimum(
                w.stream_volume[w.edges.stream[edges]], w.need_volume[w.edges.need[edges]]),
                trust=1.0)
            mapped = edges[terms.surplus > 0]
            model.pairs.aware[model.edge_slot_sr[mapped]] = True
            model.pairs.aware[model.edge_slot_rs[mapped]] = True
            self.links_mapped = len(mapped)
        self.maps_published += 1
        self.spend(p.mapping_cost_eur)

    def _convene(self) -> None:
        """An event: attendees (members first) meet; their mutual trust and awareness rise."""
        model, p = self.model, self.model.params
        if p.event_cost_eur > self.budget_left_this_year() or p.convener_attendees < 2:
            return
        # a share of the region's open firms, at most a room's worth (issue 19)
        reach = min(p.convener_attendees,
                    int(round(p.convener_share * np.count_nonzero(model.firm_open))))
        # in one compiled pass (kernels_drawn.event_drawn): the open members and the other
        # open firms, each in a random order (numpy's shuffle of each pool, members first),
        # the first ``reach`` attend, and every ordered pair of attendees meets: trust
        # toward 1 (trust.toward), aware, met, in contact
        store = model.pairs
        added, attendees = model._kernels[event_drawn](
            stream_address(model.streams.events), model.firm_open, model.firm_member,
            reach, *store.buffers(), float(p.convener_trust_gain))
        if added == -1:   # (fewer than two attend)
            return
        if added >= 0:
            store.taken_in(int(added))
        else:   # the store had no room for the new pairs: they are added, then meet
            slots = store.slots(*ordered_pairs(attendees))
            meet_pairs(slots, store.trust, store.aware, store.met, store.contact,
                       float(p.convener_trust_gain))
        self.events_held += 1
        self.spend(p.event_cost_eur)

    def _broker(self) -> None:
        """Propose the best matches among members, as ranked by the targeting strategy."""
        model, p = self.model, self.model.params
        affordable = int(min(model.rates.broker_capacity,
                             self.budget_left_this_year() // max(p.proposal_cost_eur, 1e-9)))
        if affordable <= 0:
            return
        # matches between members, from one pass over the candidates that finds every
        # firm's open edges too (kept for the search, PartnerSearch.open_edges_split); the
        # co-funding available (cofunding.available: none without the role)
        available = model.cofunding_available() if p.cofunder else 0.0
        code = _STRATEGY_CODES[p.targeting]
        # a ranked targeting in a region whose remembered surpluses need no input watch
        # (fewer than WATCH_FROM_EDGES candidate edges) and whose open edges are found in
        # one pass: the month in one compiled call
        n_edges = len(model.world.edges)
        if code >= 0 and n_edges < terms.WATCH_FROM_EDGES and n_edges <= ONE_PASS_UP_TO_EDGES:
            self._month_in_one_call(affordable, available, code)
        else:
            self._month_step_by_step(affordable, available, code)

    def _month_step_by_step(self, affordable: int, available: float, code: int) -> None:
        """:meth:`_broker`'s month with ``affordable`` proposals, co-funding ``available``
        and the targeting of ``code`` (-1: random), a pass at a time."""
        model, p = self.model, self.model.params
        if len(model.world.edges) <= ONE_PASS_UP_TO_EDGES:
            self.open_now, edges = model.open_edges_split(self._building, self._sizes,
                                                          available)
        else:   # (the search makes its own pass)
            edges = model.open_edges(among=model.firm_member)
        if len(edges) == 0:
            return
        surplus, capex = model.expected_surplus(edges, with_capex=True)
        # the broker ranks with the co-funding it would offer (the one rule, cofunding.py);
        # co-funding a share of capex adds that share's annuity (the yearly capex as just
        # checked, remembered) to the surplus. In one compiled pass
        # (kernels_tick.broker_proposals): the matches that pay so, the share each counts
        # on, and the first of them in targeting order, enough that the negotiations
        # opened from them are those opened from the whole order (only the candidates
        # that can come first are sorted: the first RANKED_PER_PROPOSAL per proposal,
        # eight times as many while too few of them fit the firms' room)
        ex = model.exchanges
        edges = broker_proposals(
            edges, surplus, capex, model.remembered_annual_capex(), p.cofund_share,
            available, model.edge_counted, code,
            RANKED_PER_PROPOSAL * affordable, affordable, *self._world_rows,
            model.firm_negotiations, p.max_negotiations, ex["active"], ex["first"],
            ex["supplier"], ex["receiver"], max(model.tick, 0), ROOM_ROUNDS)
        if len(edges) == 0:
            return
        if code < 0:   # random: a permutation of all of them (rank_matches' draws)
            edges = edges[model.streams.broker.permutation(len(edges))]
        chosen = self._proposed = model.open_negotiations(edges, via_broker=True,
                                                          limit=affordable)
        if len(chosen) == 0:
            return
        self._proposals_made(chosen)
        # the open edges now: the talks just opened took their edges and some firms'
        # room; the spending may have changed the co-funding available, which decides
        # which edges wait for it (then the search makes its own pass)
        if self.open_now is None or (p.cofunder and model.cofunding_available() != available):
            self.open_now = None
        else:
            w = model.world
            self.open_now = model._kernels[still_open](
                self.open_now, chosen, w.edge_supplier, w.edge_receiver,
                model.firm_negotiations, self._building, p.max_negotiations,
                *self._edges_of())

    def _month_in_one_call(self, affordable: int, available: float, code: int) -> None:
        """:meth:`_month_step_by_step` for a ranked targeting (``code`` >= 0) in a region
        without an input watch, its passes in one compiled call
        (kernels_tick.broker_month, the run's arrays held in one record:
        :mod:`.held`): the open edges, the members' remembered surplus
        (:meth:`.DealTerms._surplus_cache` at no co-funding), the proposals in targeting
        order, the talks opened from them into the book's spare rows (room for
        ``affordable``, the most that open) and the edges open after them."""
        model, p = self.model, self.model.params
        book = model.negotiations
        book.spare(affordable)   # (room first: a book that grows replaces its columns)
        cache = model._surplus_cache(0.0)
        n_class, half_cost, trial_share, distrust, beta = model._deal_scalars()
        tick = max(model.tick, 0)
        self.open_now, chosen = model._kernels[broker_month_held](
            model._run_record(), cache["inputs"], cache["surplus"], cache["capex"],
            cache["annual"], cache["parts"], self._building, self._sizes, *self._edges_of(),
            model.assets.load, model.virgin_now, model.disposal_now, model._capital,
            affordable, available, code, p.cofund_share, RANKED_PER_PROPOSAL * affordable,
            tick, ROOM_ROUNDS, MIN_OPEN_SHARE, p.max_negotiations, terms.RECOMPUTE_SLICE,
            tick, 1.0 + ROUNDING, n_class, terms.PIPE, half_cost, trial_share, distrust,
            beta, SME, IDLE, NEGOTIATING, float(model.rates.negotiation), OPEN, len(book),
            len(model.exchanges), len(model.assets.table), model.pairs.size)
        self._proposed = chosen
        if len(chosen) == 0:
            return
        book.extend(len(chosen))
        model.counts["negotiations_opened"] += len(chosen)
        self._proposals_made(chosen)
        if p.cofunder and model.cofunding_available() != available:
            self.open_now = None   # (the spending changed which edges wait for co-funding)

    def _proposals_made(self, chosen: np.ndarray) -> None:
        """Count and pay for the proposals whose talks opened (``chosen``)."""
        self.proposals_made += len(chosen)
        self.spend(self.model.params.proposal_cost_eur * len(chosen))

    def _edges_of(self) -> tuple:
        """Each firm's edges as supplier and as receiver (``starts, edges`` each, as
        :func:`.input_watch.edges_by_item` makes them): fixed for a run, made when first asked."""
        if self._firm_edges is None:
            w = self.model.world
            edges, n = np.arange(len(w.edge_supplier)), w.n_firms
            self._firm_edges = (*edges_by_item(w.edge_supplier, edges, n),
                                *edges_by_item(w.edge_receiver, edges, n))
        return self._firm_edges

    def pay_cofunding(self, amount: float) -> None:
        self.cofund_budget_left -= amount
        self.spend(amount)

    def __repr__(self) -> str:
        return f"Facilitator({self.name!r}, roles={self.roles})"
