"""Contract rules: the agreed seasonal profile, delivery shortfall, profit against plan.

A contract agrees a monthly profile that follows the supply: in calendar month ``m`` both
sides expect ``supply season[m]`` of the contract's mean monthly volume, capped by what the
need takes that month out of its *own* volume, shared pro rata by its contracts
(``demand season[m] x need volume / volume contracted on the need``; the same profile the
deal's expected economics use, :func:`~.economics.seasonal_utilisation`).
A planned trough is then neither a delivery failure nor a loss:

* the shortfall of a delivery is measured against what the contract expected that tick,
  after the stream's uncommitted supply has covered what it can;
* profit tracking compares each side's actual gain with its expected gain for the tick.

:class:`ContractBook` (a mixin of :class:`~.model.SymbiosisModel`) applies these rules each
tick: streams realise, exchanges deliver, renew or end, new exchanges start over an asset
(:mod:`.assets`).

Examples
--------
>>> season = np.array([[1.0] * 6 + [0.4] * 6])
>>> season_at(season, tick=6, tick_months=1.0).tolist(), season_at(season, 1, 3.0).tolist()
([0.4], [1.0])
>>> season_at(season, tick=1, tick_months=6.0).round(2).tolist()
[0.4]
"""

from __future__ import annotations

import operator

import numpy as np

from ._arrays import remembered
from .assets import LINE, ROUNDING
from .catalogue import MODES
from .codes import (
    IDLE,
    REASON_CODE,
)
from .columns import Columns
from .draws import stream_address
from .kernels import (
    building_counts,
    end_rows,
    fit_within_band,
    reprice_rows,
    resize_rows,
    settle_rows,
    start_on_routes,
    start_priced,
)
from .kernels_drawn import realised_drawn
from .kernels_tick import (
    DELIVERY_FLOAT_COLUMNS,
    DELIVERY_INT_COLUMNS,
    GROWN,
    NOT_SIGNED,
    NOT_VIABLE,
    RENEWED,
    deliver_pass_held,
    delivery_fixed,
    renewal_priced,
    worn_rows,
)
from .pace import lead_ticks
from .state import phase

__all__ = ["season_at", "supply_for_contracts", "shortfall", "forward_gains", "within_band",
           "allocation_reasons", "ContractBook"]


def season_at(season: np.ndarray, tick: int, tick_months: float) -> np.ndarray:
    """Each row's seasonal factor over the months a tick covers (their mean).

    A tick of ``tick_months`` months starting at month ``tick * tick_months`` covers the
    calendar months it overlaps; a tick shorter than a month reads its month.
    """
    start = tick * tick_months
    if tick_months <= 1.0:
        return season[:, int(start // 1) % 12]
    months = (int(start // 1) + np.arange(int(round(tick_months)))) % 12
    return season[:, months].mean(axis=1)


def supply_for_contracts(ratio: np.ndarray, volume: np.ndarray,
                         committed: np.ndarray) -> np.ndarray:
    """A stream's realised supply per unit of committed volume (the contracts' ratio).

    The stream's uncommitted volume is used first to cover a shortfall of the committed
    part: contracts of a stream that is half placed get up to twice its ratio (each is
    still capped at what it agreed). The same rule gives a need's room per unit of
    contracted volume: a need of 100 with contracts for 38 takes up to 100/38 times its
    seasonal factor of each contract's mean monthly volume.

    Examples
    --------
    >>> supply_for_contracts(np.array([0.8, 0.8]), np.array([100.0, 100.0]),
    ...                      np.array([50.0, 100.0])).tolist()
    [1.6, 0.8]
    """
    placed = committed > 1e-9 * volume   # ignore rounding left by ended contracts
    out = np.array(ratio, dtype=float)
    out[placed] = ratio[placed] * volume[placed] / committed[placed]
    return out


def shortfall(delivered_share: np.ndarray, expected_share: np.ndarray) -> np.ndarray:
    """Share of what the contract expected this tick that was not delivered (0 if none was
    expected).

    Examples
    --------
    >>> shortfall(np.array([0.4, 0.2, 0.0]), np.array([0.4, 0.4, 0.0])).tolist()
    [0.0, 0.5, 0.0]
    """
    gap = np.maximum(expected_share - delivered_share, 0.0)
    return np.where(expected_share > 0, gap / np.maximum(expected_share, 1e-300), 0.0)


def forward_gains(expected_sup: np.ndarray, expected_rec: np.ndarray,
                  priced_annuity: np.ndarray, planned: np.ndarray, d_disposal: np.ndarray,
                  d_virgin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each side's expected yearly gain from going on with a contract, at today's prices,
    against its alternative (ending it).

    ``expected_*`` are the gains the contract was priced at (the Nash split at signing or
    at its last renewal), ``planned`` its expected yearly delivered volume and ``d_*`` how
    far the avoided costs per unit moved since. The receiver's annuity of the asset
    already built (``priced_annuity``, the part of it in ``expected_rec``) is owed whether
    the exchange goes on or not (ending it strands it, :mod:`.assets`): it is no cost of
    going on.

    Examples
    --------
    Priced at a gain of 100 each, with 30 of the receiver's in an annuity; 10 units a
    year, the virgin price down by 15 per unit:

    >>> sup, rec = forward_gains(np.array([100.0]), np.array([100.0]), np.array([30.0]),
    ...                          np.array([10.0]), np.array([0.0]), np.array([-15.0]))
    >>> sup.tolist(), rec.tolist()
    ([100.0], [-20.0])
    """
    return (expected_sup + planned * d_disposal,
            expected_rec + priced_annuity + planned * d_virgin)


def within_band(items: np.ndarray, capacity: np.ndarray, volume: np.ndarray,
                max_volume: np.ndarray, min_share: float
                ) -> tuple[np.ndarray, np.ndarray]:
    """The contracts on items (streams or needs) whose ``capacity`` fell below what is
    contracted on them, refitted: which end below their minimum volume, and each
    contract's new volume (0 for those).

    ``items`` is each contract's stream (need), ``capacity`` each item's volume now, and
    every contract on those items is given. A contract names a maximum (its contracted
    volume, ``max_volume``) and a minimum (``min_share`` x maximum). Each contract first
    takes the same share (capacity / committed) of its volume; those that would go below
    their minimum end, and the rest share the capacity again, pro rata (never more than
    they had).

    Examples
    --------
    Two contracts of 60 and 40 on a stream that now yields 50, a minimum of 30 % of the
    maximum; the second was already cut to 40 from 100: at half its volume (20) it would
    be under its minimum (30) and ends; the first takes the 50.

    >>> below, new = within_band(np.array([0, 0]), np.array([50.0]), np.array([60.0, 40.0]),
    ...                          np.array([60.0, 100.0]), 0.3)
    >>> below.tolist(), new.tolist()
    ([False, True], [50.0, 0.0])
    """
    n = len(capacity)

    def share_of(committed: np.ndarray) -> np.ndarray:
        out = np.ones(n)
        np.divide(capacity, committed, out=out, where=committed > 0)
        return np.minimum(out, 1.0)

    share = share_of(np.bincount(items, weights=volume, minlength=n))
    below = volume * share[items] < min_share * max_volume * (1.0 - 1e-9)
    share = share_of(np.bincount(items[~below], weights=volume[~below], minlength=n))
    return below, np.where(below, 0.0, volume * share[items])


def allocation_reasons(granted: np.ndarray, gains_ok: np.ndarray, affordable: np.ndarray,
                       funded: np.ndarray) -> np.ndarray:
    """Why each concluded deal fails at allocation ("" if it does not): one code per cause.

    ``granted`` is the volume allocation gave (0: the supply or need was taken by better
    deals); ``gains_ok`` whether both sides still gain at that volume; ``affordable``
    whether the receiver can fund its part of the capex; ``funded`` is False where the
    deal counted on co-funding, did not get it and does not pay without it (a deal that
    pays on its own is never refused for want of co-funding).
    """
    # the first cause that holds, as np.select would pick it, by code into the names
    code = np.where(granted <= 0, 1, np.where(~funded, 2, np.where(~gains_ok, 3,
                                                                   np.where(~affordable, 4, 0))))
    return _ALLOCATION_REASONS[code]


#: the causes of :func:`allocation_reasons` by code ("" : none), in the order they are checked
_ALLOCATION_REASONS = np.array(["", "no capacity left", "no co-funding",
                                "no gain at granted volume", "no capital"], dtype=object)


class ContractBook:
    """Delivery of contracts, their trust and profit tracking, renewal, start and end.

    A mixin of :class:`~.model.SymbiosisModel`: it works on the model's state.
    """

    @phase(reads=("firm_open", "need_energy", "need_level", "params", "schedules",
                  "stream_landfill", "stream_level", "stream_made", "streams", "world"),
           writes=("disposal_now", "need_ratio", "need_season_now", "_price_key", "price_log",
                   "price_version", "stream_ratio", "stream_season_now", "virgin_now"),
           draws=("noise", "prices"))
    def _realise_streams(self, t: int) -> None:
        """Realised supply and demand this tick, relative to the yearly mean per tick."""
        w = self.world
        tm = self.params.tick_months
        self._prices(t)                             # policy levers and price path (7.20)
        # the factors depend on the calendar month the tick starts in: remembered per
        # month (shared: read only; as remembered() would, without a call a tick)
        memo = self.__dict__.get("_season_months")
        if memo is None or memo[0] is not w:
            memo = self._season_months = (w, {})
        by_month, month = memo[1], int(t * tm // 1) % 12
        if month not in by_month:
            by_month[month] = (season_at(w.stream_season, t, tm), season_at(w.need_season, t, tm))
        self.stream_season_now, self.need_season_now = by_month[month]
        # the volume noise (one normal per stream) with process changes and, for streams
        # made from inputs, what the input receives; nothing at a closed firm (one
        # compiled pass that draws the normals, into the model's arrays)
        self._kernels[realised_drawn](
            stream_address(self.streams.noise), self.stream_season_now,
            self.need_season_now, w.stream_variability, self.stream_level,
            self.stream_made, self.need_level, self.firm_open, w.stream_firm, w.need_firm,
            self.stream_ratio, self.need_ratio)

    @phase(reads=("_capital", "disposal_now", "edge_slot_rs", "edge_slot_sr", "facilitator",
                  "_min_trust", "need_ratio", "need_season_now", "params", "rates",
                  "stream_ratio", "stream_season_now", "tick", "virgin_now", "world"),
           writes=("assets", "counts", "delivered_by_resource", "edge_retry", "edge_status",
                   "exchanges", "facilitator", "firm_paid_in", "firm_paid_out", "firm_savings",
                   "firm_stranded", "last_delivery", "need_committed", "need_share", "pairs",
                   "stream_committed", "stream_made"),
           draws=())
    def _deliver(self, t: int) -> None:
        """Active exchanges deliver; trust follows reliability; losers and expired end."""
        ex = self.exchanges
        # one compiled pass (kernels_tick.deliver_pass): the worn lines first (if any:
        # replaced or ended, then the pass again without that check); lines under
        # construction are contact and their annuity is paid; the others deliver: each
        # contract's share of its volume and of its plan (the profile it follows, capped
        # by the stream's supply and the need's room, supply_for_contracts), each side's
        # gain and the payments booked; trust follows (the receiver's may break); profit
        # against plan (_end_losing); the needs' received shares and the produced
        # streams that follow them (7.19); the contracts whose term ends
        check_worn = True
        while True:
            # (the run's arrays held in one record, held.py: made again where replacing
            # the worn lines grew a table)
            rows, amounts = self._kernels[deliver_pass_held](
                self._run_record(), t, check_worn, self.need_season_now,
                self.stream_season_now, self.disposal_now, self.virgin_now,
                *remembered(self, "_delivery_fixed", self.params, self._delivery_tables),
                len(ex), len(self.assets.table), self.pairs.size)
            m, n_lost, n_over = rows[:3].tolist()
            if m >= 0:   # (-1: worn lines, nothing done)
                break
            self._replace_worn_assets(t)
            check_worn = False
        a = 3 + 3 * m
        self.last_delivery = {"stream": rows[3 + m:3 + 2 * m], "need": rows[3 + 2 * m:a],
                              "delivered": amounts[:m]}
        self.delivered_by_resource.append(amounts[m:])
        if n_lost:
            self._end_exchanges(rows[a:a + n_lost], t, "broken trust")
        a += n_lost
        if n_over:
            self._end_losing(t, rows[a:a + n_over],
                             rows[a + n_over:a + 2 * n_over].astype(np.bool_))
        a += 2 * n_over
        if a < len(rows):   # contracts at their term: those still active after the endings
            due = rows[a:]  # above (all of them where none ended)
            self._renew_or_expire(t, due[ex["active"][due]] if n_lost or n_over else due)

    def _delivery_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """What :meth:`_deliver`'s pass reads that is fixed for a run's parameters
        (:func:`.kernels_tick.delivery_fixed`)."""
        w, p, rates = self.world, self.params, self.rates
        positive, safe, input_alpha, produced, k, follows, scale, divisor = (
            self._input_tables())
        scalars = {"tpy": p.ticks_per_year, "n_resources": len(w.catalogue.names),
                   "tolerance": p.shortfall_tolerance, "gain": rates.gain_delivery,
                   "loss": rates.loss_shortfall, "trust_break": p.trust_break,
                   "alpha": 1.0 / max(1.0, p.ticks_per_year), "patience": rates.patience,
                   "input_alpha": input_alpha, "n_produced": len(produced)}
        return delivery_fixed(scalars, w.stream_volume, w.need_volume, positive, safe,
                              produced, k, follows, scale, divisor, _DELIVERY_ROWS)

    def _annuity_due(self, rows: np.ndarray, t: int) -> np.ndarray:
        """1 where the exchange's asset is still being paid for (within life, not paid off).

        For inspection: the tick applies the same rule inside its compiled delivery pass
        (:func:`.kernels_tick.deliver_pass`, as :func:`.kernels_tick.deliver_contracts`)."""
        ids = self.exchanges["asset"][rows]
        has = ids >= 0
        due = np.zeros(len(rows))
        table = self.assets.table
        due[has] = (~table["paid_off"][ids[has]] & (table["until"][ids[has]] > t)).astype(float)
        return due

    def _end_losing(self, t: int, rows: np.ndarray, by_supplier: np.ndarray) -> None:
        """Exchanges ``rows`` one of whose sides has lost money for its patience end,
        unless a price review keeps them; ``by_supplier`` where the supplier is losing.

        The rule (:func:`.kernels_tick.track_profit`, inside :meth:`_deliver`'s pass): each side
        keeps a running yearly average of its deviation from plan (actual minus planned
        gain this tick at this tick's prices: a planned seasonal trough is no deviation,
        so the month a contract was signed does not matter; a price move is no deviation
        either but moves the expected gain at once); an exchange whose expected gain at
        this tick's prices (:func:`forward_gains`), corrected by that running deviation,
        stays negative for ``unprofitable_patience_months`` loses.
        """
        if self.params.price_review:   # re-priced contracts go on
            kept = self._review_price(rows)
            rows, by_supplier = rows[~kept], by_supplier[~kept]
        # the side that walks out is the one losing; the other loses trust in it (7.16)
        self._breach(rows, by_supplier)
        self._settle_early_end(rows, by_supplier, t)
        self._end_exchanges(rows, t, "unprofitable")

    def _review_price(self, rows: np.ndarray) -> np.ndarray:
        """A price review of contracts whose side has lost money for its patience: where
        today's surplus (the asset sunk) is positive and both sides still sign, the
        contract is re-priced at its Nash split, as at a renewal, and goes on to its term.
        Returns which contracts were kept."""
        kept = self._renegotiate(rows, renewing=False) == RENEWED
        self.counts["price reviews"] += int(kept.sum())
        return kept

    def _renew_or_expire(self, t: int, due: np.ndarray) -> None:
        """Contracts ``due`` (active, at their end), renegotiate: renew at a new price (the
        Nash split of the surplus at today's prices, with the asset already built sunk) if
        that surplus is positive and both still sign; end as "renegotiation failed" where
        no price leaves both sides better off than their alternatives, as "expired" where
        one will not sign. A trial whose pair would now sign the full link ends, to grow
        into it (7.15)."""
        if len(due) == 0:
            return
        codes = self._renegotiate(due, renewing=True)
        renewed = len(due) - int(np.count_nonzero(codes))
        self.counts["renewals"] += renewed
        if renewed == len(due):   # (most renewals: every contract due goes on)
            return
        grown = due[codes == GROWN]
        if len(grown):
            self._end_exchanges(grown, t, "trial completed")
            self.edge_retry[self.exchanges["edge"][grown]] = t
        self._end_exchanges(due[codes == NOT_VIABLE], t, "renegotiation failed")
        self._end_exchanges(due[codes == NOT_SIGNED], t, "expired")

    def _renegotiate(self, rows: np.ndarray, renewing: bool) -> np.ndarray:
        """Contracts ``rows`` priced anew at today's prices (the asset already built sunk:
        the renewal books no capex), at their volume; those whose surplus is positive and
        both sides still sign are re-priced (:meth:`_reprice`; with ``renewing``, their
        end moves on by their term first, and a trial whose pair would now sign the full
        link does not go on). Returns each one's code (:data:`.kernels_tick.RENEWED`,
        ``GROWN``, ``NOT_VIABLE``, ``NOT_SIGNED``).

        The pricing (:meth:`expected_terms`' compiled pass, its rows without the terms
        and info made of them), the signatures (:meth:`_signs`), the decision and the
        re-pricing are one compiled call (:func:`.kernels_tick.renewal_priced`)."""
        ex, w, p = self.exchanges, self.world, self.params
        term = (remembered(self, "_contract_ticks", p, lambda: _contract_ticks(p))
                if renewing else _NO_TERM)
        return renewal_priced(
            rows, ex["edge"], ex["trial"], ex["volume"], p.trial_volume_share,
            w.edge_supplier, w.edge_receiver, self._min_trust, self.edge_slot_sr,
            self.edge_slot_rs, self.pairs.trust, p.holdup_weight > 0, self._edge_owned_from(),
            max(self.tick, 0), _PIPE, p.mobile_specificity, p.holdup_payback_years,
            p.holdup_weight, p.trial_trust_share, renewing, term, ex.block(np.int64),
            ex.block(np.float64), _DELIVERY_ROWS, self.virgin_now, self.disposal_now,
            *self._price_inputs_at_volumes())

    def _reprice(self, rows: np.ndarray, terms, info, sel: np.ndarray, *,
                 trial: np.ndarray | None = None, term: np.ndarray | None = None) -> None:
        """A renewed contract's new terms: price, expected gains and costs of the deal
        ``terms``/``info`` (rows ``sel`` of them) at today's prices; the plan it is judged
        against starts afresh. With ``trial`` (of the deals) and ``term``
        (:func:`_contract_ticks`), a renewal: each contract's end moves on by its term
        first. One compiled pass (kernels.reprice_rows)."""
        ex = self.exchanges
        renewing = trial is not None
        reprice_rows(rows, sel, renewing, trial if renewing else sel,
                     term if renewing else _NO_TERM, ex["end"], info["volume"],
                     info["utilisation"], info["transport"], terms.payment,
                     terms.supplier_gain, terms.receiver_gain, terms.annuity,
                     terms.tc_supplier, terms.tc_receiver, ex["need"], ex["stream"],
                     self.virgin_now, self.disposal_now, ex["planned"], ex["price"],
                     ex["expected_supplier"], ex["expected_receiver"], ex["priced_annuity"],
                     ex["tc_supplier"], ex["tc_receiver"], ex["transport_unit"],
                     ex["virgin_unit"], ex["disposal_unit"], ex["avg_supplier"],
                     ex["avg_receiver"], ex["losing_ticks"])

    def _replace_worn_assets(self, t: int) -> None:
        """Exchanges whose asset reached the end of its economic life: the pair prices a
        new one (new capex, the co-funding rule applied again, the contract re-priced with
        it) and builds it where that pays both sides, the receiver can fund it and both
        still sign; otherwise the exchange ends ("asset worn out"). The contracts of one
        worn asset decide one after another: the first prices the whole new line (built
        at the old one's capacity), the others their share of it (7.15)."""
        ex = self.exchanges
        rows = worn_rows(t, ex["active"], ex["asset"], ex["first"],
                         self.assets.table["until"])
        while len(rows):
            _, first = np.unique(ex["asset"][rows], return_index=True)
            self._replace_asset(rows[first], t)
            rows = np.delete(rows, first)

    def _replace_asset(self, rows: np.ndarray, t: int) -> None:
        """:meth:`_replace_worn_assets` for contracts on distinct worn assets."""
        ex = self.exchanges
        edges, volume = ex["edge"][rows], ex["volume"][rows]
        share = self.cofunding_offer(edges, volume)
        terms, info = self.expected_terms(edges, volume=volume, cofund=share, held=volume)
        ok = (terms.surplus > 0) & info["affordable"] & self._signs(edges, terms, info)
        self._end_exchanges(rows[~ok], t, "asset worn out")
        rows, edges = rows[ok], edges[ok]
        if len(rows) == 0:
            return
        old = ex["asset"][rows]
        capacity = self.assets.table["capacity"][old]
        self._leave_assets(rows)
        ids, capex, subsidy, _ = self._attach_assets(
            edges, info["mode"][ok], info["capex"][ok], (share * info["capex"])[ok],
            info["booked_annuity"][ok], volume[ok], ex["stream"][rows], built=t,
            ready=np.full(len(rows), t), capacity=capacity)
        ex["asset"][rows] = ids
        ex["mode"][rows] = info["mode"][ok]
        ex["capex"][rows] += capex
        ex["subsidy"][rows] += subsidy
        ex["annuity"][rows] = info["booked_annuity"][ok]   # paid at its plain annuity
        self._reprice(rows, terms, info, ok)
        self._share_annuity(ids)   # (repeats are harmless: a mask over assets)
        self.counts["assets replaced"] += int((capex > 0).sum())
        if self.facilitator is not None and subsidy.sum() > 0:
            self.facilitator.pay_cofunding(float(subsidy.sum()))

    @property
    def firm_building(self) -> np.ndarray:
        """Connections each firm has under construction (signed, not yet delivering).

        Read several times a tick, as the exchanges change between the reads: one
        compiled pass over the exchanges each time (cheaper than a key of the active
        rows to remember it by)."""
        ex = self.exchanges
        return building_counts(ex["active"], ex["first"], max(self.tick, 0), ex["supplier"],
                               ex["receiver"], self.world.n_firms)

    def _start_exchanges(self, t, edges, terms, info, cofund, ok) -> None:
        w, p = self.world, self.params
        book, ex = self.assets, self.exchanges
        n = len(edges)
        asset_size, columns, load = book.room(n)
        size = len(ex)
        # one compiled pass (kernels.start_on_routes): the deals taken where ``ok``; a new
        # line is designed, permitted and built before it delivers (7.17); one asset per
        # route: join its line where it fits, else build (7.15), its life and annuity run
        # from the first tick of work, booked at its plain annuity (the deal was priced
        # at the hazard-adjusted one, hazards.py); the rows (written into the table's
        # room), the commitments, the first delivery (a joined line's when it is not yet
        # built), the end of the term; the assets' annuity split anew
        subsidy, after, trials = start_on_routes(
            t, np.asarray(ok, dtype=bool), np.asarray(edges, dtype=np.int64), info["volume"],
            info["utilisation"], terms.payment, info["transport"], info["mode"],
            info["capex"], cofund, info["booked_annuity"], terms.annuity, terms.tc_supplier,
            terms.tc_receiver, terms.supplier_gain, terms.receiver_gain, info["trial"],
            remembered(self, "_lead_ticks", p, lambda: _lead_by_mode(p)),
            remembered(self, "_contract_ticks", p, lambda: _contract_ticks(p)), LINE,
            *book.placing(w, self._edge_costs(), asset_size, columns, load), w.edges.stream,
            w.edges.need, self.virgin_now, self.disposal_now, self.stream_committed,
            self.need_committed, size, *_exchange_columns(ex.spare(n)))
        self._count_started(n, after, load, subsidy, trials)

    def _start_priced(self, t, edges, out, mode, flags, cofund, ok, offered: bool) -> None:
        """:meth:`_start_exchanges` of deals as :meth:`~.terms.DealTerms._price` gives them
        (``out``, ``mode``, ``flags``: the rows their terms and info are views of), in one
        compiled pass (kernels.start_priced: kernels.start_on_routes on those rows).
        Without co-funding ``offered`` (``cofund`` all 0) no subsidy is paid (each is 0 x
        capex, 0 or NaN: its sum is not positive)."""
        n = len(edges)
        load, starting = self._start_inputs(n)
        subsidy, after, trials = self._kernels[start_priced](
            t, ok, edges, out, mode, flags, cofund, *starting)
        self._count_started(n, after, load, subsidy if offered else None, trials)

    def _start_inputs(self, n: int) -> tuple:
        """The asset book's ``load`` with room for ``n`` new assets and what
        :func:`.kernels.start_priced` reads after the deals' ``cofund``, in its order:
        the run's lead times and terms, the asset book's :meth:`~.assets.AssetBook.placing`
        (with room for ``n`` assets), the world's rows, this tick's prices, the
        commitments and the exchange table with room for ``n`` rows."""
        w, p = self.world, self.params
        book, ex = self.assets, self.exchanges
        asset_size, columns, load = book.room(n)
        return load, (
            remembered(self, "_lead_ticks", p, lambda: _lead_by_mode(p)),
            remembered(self, "_contract_ticks", p, lambda: _contract_ticks(p)), LINE,
            *book.placing(w, self._edge_costs(), asset_size, columns, load), w.edges.stream,
            w.edges.need, self.virgin_now, self.disposal_now, self.stream_committed,
            self.need_committed, len(ex), *_exchange_columns(ex.spare(n)))

    def _count_started(self, n: int, after: int, load, subsidy, trials: int) -> None:
        """Count in the ``n`` exchanges and the assets (up to row ``after``, ``load``) a
        start wrote, its trials, and pay its ``subsidy`` (None: none)."""
        self.assets.count_in(after, load)
        self.exchanges.extend(n)
        self.counts["trials_started"] += trials
        if self.facilitator is not None and subsidy is not None and subsidy.sum() > 0:
            self.facilitator.pay_cofunding(float(subsidy.sum()))

    def _fit_to_capacity(self, kind: str, fell: np.ndarray, t: int) -> None:
        """Contracts on streams (``kind="stream"``) or needs whose process level ``fell``
        below what is contracted on them: those that would go below their minimum volume
        end ("below minimum volume"; the side whose process changed walks out), the rest
        deliver pro rata less within their band, at their price per unit (docs/ODD.md
        7.19)."""
        ex, w, p = self.exchanges, self.world, self.params
        stream = kind == "stream"
        level = self.stream_level if stream else self.need_level
        volume = w.stream_volume if stream else w.need_volume
        # the rows and within_band's rule in one compiled pass
        rows, below, new = self._kernels[fit_within_band](
            fell, ex[kind], ex["active"], volume, level, ex["volume"], ex["max_volume"],
            p.min_volume_share)
        n_below = int(np.count_nonzero(below))
        if n_below:
            self._breach(rows[below], np.full(n_below, stream))
            self._settle_early_end(rows[below], np.full(n_below, stream), t)
            self._end_exchanges(rows[below], t, "below minimum volume")
        if n_below < len(rows):
            if n_below:
                rows, new = rows[~below], new[~below]
            self._resize(rows, new)

    def _resize(self, rows: np.ndarray, new_volume: np.ndarray) -> None:
        """Contracts ``rows`` now run at ``new_volume`` a year, at the same price per unit:
        commitments, plan and expected gains follow."""
        ex, w = self.exchanges, self.world
        table = self.assets.table
        # one compiled pass: the commitments, plan, expected gains and volume, then the
        # assets' load and annuity split (kernels.resize_rows)
        self._kernels[resize_rows](
            np.asarray(rows, dtype=np.int64), np.asarray(new_volume, dtype=float),
            ex["stream"], ex["need"], ex["volume"], ex["planned"], ex["price"],
            ex["disposal_unit"], ex["virgin_unit"], ex["transport_unit"],
            ex["expected_supplier"], ex["expected_receiver"], self.stream_committed,
            self.need_committed, ex["active"], ex["asset"], ex["annuity"], w.stream_season,
            table["volume"], self.assets.load, table["changes"], ROUNDING,
            table["annuity"])
        self.counts["volumes adjusted"] += len(rows)

    def _end_exchanges(self, rows: np.ndarray, t: int, reason: str) -> None:
        if len(rows) == 0:
            return
        ex, book = self.exchanges, self.assets
        table = book.table
        # one compiled pass (kernels.end_rows): the rows still active end (the log, their
        # volumes leave the commitments, their edges idle, kernels.end_contracts) and
        # leave their assets: AssetBook.leave, kernels.strand_assets (the annuity still to come
        # on an asset no contract uses any more, owed by the leavers' receivers, pro rata,
        # 7.15), _share_annuity's split; a partner's closure retires the assets left
        # unused (the site's end of the line is gone with it, AssetBook.retire)
        n = self._kernels[end_rows](
            np.asarray(rows, dtype=np.int64), t, REASON_CODE[reason], ex["active"],
            ex["ended"], ex["reason"], ex["edge"], ex["stream"], ex["need"], ex["volume"],
            self.stream_committed, self.need_committed, self.edge_status, self.edge_retry,
            IDLE, t + self.rates.reconsider, float(self.params.ticks_per_year),
            ex["asset"], ex["annuity"], ex["receiver"], self.world.stream_season,
            table["volume"], book.load, table["changes"], ROUNDING, book.edge_user,
            table["until"], table["paid_off"], table["stranded"], table["last_used"],
            table["annuity"], self.firm_stranded, reason == "partner closed")
        if n:
            self.counts[f"ended: {reason}"] += n

    def _settle_early_end(self, rows: np.ndarray, by_supplier: np.ndarray, t: int) -> None:
        """The side ending contracts ``rows`` early pays the other its notice and, where
        the supplier ends it, the compensation for the receiver's stranded asset
        (:func:`.termination.early_end_payment`); call before the contracts end."""
        p, ex = self.params, self.exchanges
        if len(rows) == 0 or (p.notice_months <= 0 and p.stranded_compensation_share <= 0):
            return
        table = self.assets.table
        # one compiled pass (kernels.settle_rows): early_end_payment's rule, the annuity
        # still to come on each asset not paid off, the payers' and payees' savings
        paid = self._kernels[settle_rows](
            np.asarray(rows, dtype=np.int64), np.asarray(by_supplier, dtype=bool), t,
            float(p.ticks_per_year), float(p.notice_months),
            float(p.stranded_compensation_share), ex["asset"], ex["annuity"],
            ex["expected_supplier"], ex["expected_receiver"], ex["supplier"],
            ex["receiver"], table["until"], table["paid_off"], self.firm_savings)
        self.counts["early termination paid (EUR)"] += float(paid.sum())


def _contract_ticks(p) -> np.ndarray:
    """A new contract's term in ticks: a full contract's, a trial's (at least one tick
    each, rounded as numpy rounds)."""
    length = np.array([p.contract_years * p.ticks_per_year, p.trial_months / p.tick_months])
    return np.maximum(1, np.round(length)).astype(np.int64)


#: no term to extend (a re-pricing that is no renewal, :meth:`ContractBook._reprice`)
_NO_TERM = np.zeros(2, dtype=np.int64)

#: the mode whose own capex is all dedicated (:meth:`.terms.DealTerms._signs`)
_PIPE = MODES.index("pipe")


def _lead_by_mode(p) -> np.ndarray:
    """Ticks of building of a new line, by mode (:func:`.pace.lead_ticks` of each)."""
    months = np.array([getattr(p, f"lead_time_{m}_months") for m in MODES])
    modes = np.arange(len(MODES))
    return lead_ticks(modes, months, p.tick_months, np.zeros(len(modes), bool))


_EXCHANGE_COLUMNS = {
    "edge": np.int64, "stream": np.int64, "need": np.int64, "supplier": np.int64,
    "receiver": np.int64, "resource": np.int64, "volume": float, "price": float,
    "distance_km": float, "mode": np.int64, "capex": float, "subsidy": float,
    "transport_unit": float, "annuity": float, "tc_supplier": float, "tc_receiver": float,
    "expected_supplier": float, "expected_receiver": float, "avg_supplier": float,
    "avg_receiver": float, "losing_ticks": np.int64, "asset": np.int64, "start": np.int64,
    "first": np.int64, "end": np.int64, "ended": np.int64, "reason": np.int8, "active": bool,
    "delivered": float, "paid": float, "trial": bool, "virgin_unit": float,
    "disposal_unit": float, "priced_annuity": float, "planned": float, "max_volume": float,
}

#: the exchange table's columns in their order (as :func:`.kernels.start_exchange_rows`
#: takes them), from a ``dict`` of them
_exchange_columns = operator.itemgetter(*_EXCHANGE_COLUMNS)

#: the rows of the exchange columns the delivery and renewal passes read in the table's
#: blocks (:meth:`.columns.Columns.row`: fixed by the columns' dtypes and order)
_DELIVERY_ROWS = np.array([Columns(_EXCHANGE_COLUMNS, capacity=0).row(name) for name in
                           DELIVERY_INT_COLUMNS + DELIVERY_FLOAT_COLUMNS])
