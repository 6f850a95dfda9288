"""Compiled passes that make their phase's random draws themselves (:mod:`.draws`).

Each is a pass of :mod:`.kernels` or :mod:`.kernels_tick` that took numbers numpy had
drawn for it, with the stream (:func:`.draws.stream_address`) in their place: it draws
what the stream's ``Generator`` would have drawn, of the same length, in the same order,
and leaves the stream where that draw would have left it. So a phase that drew, passed
and drew again is one call, without the draws' arrays handed across, and its results are
bit for bit the same (``tests/test_kernels_drawn.py`` checks each against the pass it
wraps with numpy's draws).

Examples
--------
>>> from symbiosis_abm.draws import stream_address
>>> member, firm_open = np.array([True, False, False]), np.array([True, True, False])
>>> a, b = np.random.default_rng(3), np.random.default_rng(3)
>>> recruit_drawn(member, firm_open, stream_address(a), 0.1, 0.8)
>>> numpy_member = np.array([True, False, False])
>>> recruit_members(numpy_member, firm_open, b.random(3), 0.1, 0.8)
>>> member.tolist() == numpy_member.tolist()
True
"""

from __future__ import annotations

import numpy as np

from .compiled import kernel
from .draws import fill_standard_normal, fill_uniform, next_double, shuffle
from .kernels import (
    DEAL_FLAGS,
    DEAL_ROWS,
    budgeted_evaluations,
    close_talks,
    cofund_shares,
    discover,
    evaluated_outcome,
    recruit_members,
    talk_deadlines,
)
from .kernels_tick import (
    _price_some,
    count_starvation,
    decide_close_talks,
    leaving_rows,
    meet_pairs,
    open_split,
    open_talks_building,
    pair_slots,
    price_inputs_held,
    realised_ratios,
    rows_below,
    talks_now,
)

__all__ = ["realised_drawn", "recruit_drawn", "deadlines_drawn", "leaving_drawn",
           "uniforms_passed", "event_drawn", "process_events_drawn", "found_and_evaluated",
           "search_month", "negotiate_month"]

#: the rows of a pricing (:data:`.kernels.DEAL_ROWS`, ``DEAL_FLAGS``) the search reads
_SURPLUS, _CAPEX, _FACTOR = (DEAL_ROWS.index(name)
                             for name in ("surplus", "capex", "annuity_factor"))
_AFFORDABLE = DEAL_FLAGS.index("affordable")


@kernel
def realised_drawn(noise, stream_season, need_season, variability, stream_level,
                   stream_made, need_level, firm_open, stream_firm, need_firm, stream_ratio,
                   need_ratio):  # pragma: no cover - compiled
    """:func:`.kernels_tick.realised_ratios` with its normals drawn from the stream
    ``noise``: ``z = noise.standard_normal(len(stream_season))``."""
    z = np.empty(len(stream_season))
    fill_standard_normal(noise, z)
    realised_ratios(stream_season, need_season, z, variability, stream_level, stream_made,
                    need_level, firm_open, stream_firm, need_firm, stream_ratio, need_ratio)


@kernel
def recruit_drawn(member, firm_open, recruitment, join,
                  network_effect):  # pragma: no cover - compiled
    """:func:`.kernels.recruit_members` with its draws from the stream ``recruitment``:
    ``recruitment.random(len(firm_open))``."""
    draws = np.empty(len(firm_open))
    fill_uniform(recruitment, draws)
    recruit_members(member, firm_open, draws, join, network_effect)


@kernel
def deadlines_drawn(rows, breakdowns, failure, opened, due, tick,
                    timeout):  # pragma: no cover - compiled
    """:func:`.kernels.talk_deadlines` with its draws from the stream ``breakdowns``
    (``breakdowns.random(len(rows))``) and its three arrays in one: the rows that break
    down, then those that time out, then those due, and the first two's sizes."""
    u = np.empty(len(rows))
    fill_uniform(breakdowns, u)
    broke, late, ready = talk_deadlines(rows, u, failure, opened, due, tick, timeout)
    return np.concatenate((broke, late, ready)), len(broke), len(late)


@kernel
def leaving_drawn(closures, exits, t, firm_open, close_tick, close_chance, hazard, vacant,
                  reuse, active, supplier, receiver, status, open_code, book_edge,
                  edge_supplier, edge_receiver):  # pragma: no cover - compiled
    """:func:`.kernels_tick.leaving_rows` with its draws from the streams ``closures``
    (``closures.random(len(firm_open))``) and ``exits`` (``exits.random((2,
    len(firm_open)))``)."""
    n = len(firm_open)
    u_close, u = np.empty(n), np.empty((2, n))
    fill_uniform(closures, u_close)
    fill_uniform(exits, u[0])
    fill_uniform(exits, u[1])
    return leaving_rows(t, firm_open, close_tick, u_close, close_chance, u, hazard, vacant,
                        reuse, active, supplier, receiver, status, open_code, book_edge,
                        edge_supplier, edge_receiver)


@kernel
def uniforms_passed(first, n_first, second, n_second):  # pragma: no cover - compiled
    """Draw ``n_first`` uniforms from the stream ``first`` and ``n_second`` from
    ``second``, and drop them: the streams then stand where ``first.random(n_first)`` and
    ``second.random(n_second)`` leave them, for a phase whose draws were not needed."""
    for _ in range(n_first):
        next_double(first)
    for _ in range(n_second):
        next_double(second)


@kernel
def event_drawn(events, firm_open, member, reach, key_buffer, slot_buffer, n_keys, start, src,
                dst, n_firms, trust, aware, met, contact, gain):  # pragma: no cover - compiled
    """The convener's event (:meth:`.agents.Facilitator._convene`) in one call, its
    attendees drawn from the stream ``events``.

    The open firms are split into members and others (:func:`.kernels_tick.open_split`),
    each pool shuffled as ``events.shuffle`` shuffles it (the members' first); the first
    ``reach`` of the members then the others attend. Every ordered pair of attendees
    (:func:`.kernels_tick.ordered_pairs`' order) is found in the pair store, or added
    where its buffers have room (:func:`.kernels_tick.pair_slots`: the index
    ``key_buffer``, ``slot_buffer`` of ``n_keys`` keys, new slots from ``start``), and
    the pairs meet (:func:`.kernels_tick.meet_pairs` on the state's whole buffers).

    Returns ``(added, attendees)``: how many pairs were added (the caller takes them
    into the store), -1 where fewer than two attend (nothing met), or ``-2 - absent``
    where the ``absent`` new pairs do not fit (nothing added or met: the caller adds them
    and meets the attendees' pairs).
    """
    members, others = open_split(firm_open, member)
    shuffle(events, members)
    shuffle(events, others)
    attendees = np.concatenate((members, others))[:reach]
    m = len(attendees)
    if m < 2:
        return np.int64(-1), attendees
    keys = np.empty(m * (m - 1), dtype=np.int64)
    k = 0
    for a in range(m):   # (attendees are distinct firms: no pair of a firm with itself)
        for b in range(m):
            if a != b:
                keys[k] = attendees[a] * n_firms + attendees[b]
                k += 1
    slots = np.empty(len(keys), dtype=np.int64)
    added = pair_slots(key_buffer, slot_buffer, n_keys, keys, slots, start, src, dst, n_firms)
    if added < 0:
        return np.int64(-2 + added), attendees
    meet_pairs(slots, trust, aware, met, contact, gain)
    return np.int64(added), attendees


@kernel
def process_events_drawn(process, n, h, rows, counting, key_input, firm_open, need_firm,
                         need_starved, need_share, threshold,
                         starved_marker):  # pragma: no cover - compiled
    """The process changes' event draws of a tick (:meth:`.lifecycle.Lifecycle.
    _process_changes`, both kinds in one draw: ``u = process.random(n)``) and the
    positions of those below ``h`` into ``rows`` (:func:`.kernels_tick.rows_below`);
    with ``counting``, the starvation counters first
    (:func:`.kernels_tick.count_starvation`, the arguments from ``key_input`` on; the
    process changes touch none of their inputs). Returns how many fell below, and ``u``."""
    u = np.empty(n)
    fill_uniform(process, u)
    if counting:
        count_starvation(key_input, firm_open, need_firm, need_starved, need_share,
                         threshold, starved_marker)
    return rows_below(u, h, rows), u


@kernel
def found_and_evaluated(edges, discovery, search, slot_sr, slot_rs, aware, chance,
                        supplier, receiver, firm_size, member, sme, helped, search_cost,
                        expert_support, budget, ticks_per_year,
                        firm_costs):  # pragma: no cover - compiled
    """The search's discovery and budgeted evaluation
    (:meth:`.partner_search.PartnerSearch._search`) in one call: :func:`.kernels.discover`
    over ``edges`` with the find and then the side draws from the stream ``discovery``
    (``discovery.random((2, len(edges)))``), then :func:`.kernels.budgeted_evaluations`
    of the edges found with the draws of the stream ``search`` (``search.random(found)``).
    Returns the edges evaluated, in their order (their costs paid into ``firm_costs``)."""
    n = len(edges)
    u = np.empty(2 * n)
    fill_uniform(discovery, u)
    found, evaluator = discover(edges, slot_sr, slot_rs, aware, chance, u[:n], u[n:],
                                supplier, receiver)
    draws = np.empty(len(found))
    fill_uniform(search, draws)
    return budgeted_evaluations(found, evaluator, draws, firm_size, member, sme, helped,
                                search_cost, expert_support, budget, ticks_per_year,
                                firm_costs)


@kernel
def search_month(edges, discovery, search, chance, firm_size, member, sme, supported,
                 search_cost, expert_support, budget, ticks_per_year, firm_costs,
                 cofund_budget, cofund_share, retry, reconsider_at, counted, edge_status,
                 idle, supplier, receiver, negotiations, ex_active, ex_first, ex_supplier,
                 ex_receiver, max_negotiations, rounds, aware, met, negotiating, base_ticks,
                 open_status, size, c_edge, c_opened, c_due, c_volume, c_via_broker, c_cofund,
                 c_trial, c_status, c_reason, c_closed, edge_stream, edge_need, stream_volume,
                 stream_level, stream_made, stream_committed, need_level, need_volume,
                 need_committed, tick, edge_route, route_asset, until, edge_user, load,
                 capacity, paid_off, asset_annuity, asset_volume, slack, asset_mode, edge_key,
                 n_class, distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                 routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                 risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                 stream_season, need_season, virgin, disposal, capital, need_firm, half_cost,
                 trial_share, distrust, beta):  # pragma: no cover - compiled
    """The search's month (``PartnerSearch._search`` on the open ``edges``) in one call:

    1. :func:`found_and_evaluated`: the edges discovered and evaluated within the firms'
       budgets, with their draws from the streams ``discovery`` and ``search``;
    2. their terms at their free volumes (:func:`.kernels_tick._price_some`,
       ``DealTerms.expected_terms``);
    3. the co-funding rule on them (:func:`.kernels.cofund_shares`, ``cofunding.offer``;
       none where ``cofund_budget <= 0``), the co-funded ones priced again with their
       share, their surplus and affordability merged in;
    4. :func:`.kernels.evaluated_outcome`: the worthwhile ones best first, the others
       waiting until ``reconsider_at``, each share counted on;
    5. :func:`.kernels_tick.open_talks_building` on those (not via the broker), into the
       book's rows from ``size`` (``c_*``: its whole columns, with room for every one of
       ``edges``).

    Returns how many edges were evaluated and how many talks opened. The arguments from
    ``edge_stream`` on are ``DealTerms._price_inputs``' (its ``tick`` the talks' too).
    """
    evaluated = found_and_evaluated(edges, discovery, search, slot_sr, slot_rs, aware,
                                    chance, supplier, receiver, firm_size, member, sme,
                                    supported, search_cost, expert_support, budget,
                                    ticks_per_year, firm_costs)
    n = len(evaluated)
    if n == 0:
        return 0, 0
    pricing = (edge_stream, edge_need, stream_volume, stream_level, stream_made,
               stream_committed, need_level, need_volume, need_committed, tick, edge_route,
               route_asset, until, edge_user, load, capacity, paid_off, asset_annuity,
               asset_volume, slack, asset_mode, edge_key, n_class, distance, capex_fixed,
               heat_pump_capex, capex_per_km, max_distance, routed, routed_capex, routed_ok,
               cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe, slot_sr,
               slot_rs, pair_trust, stream_season, need_season, virgin, disposal, capital,
               need_firm, half_cost, trial_share, distrust, beta)
    each, no_trial = np.zeros(0), np.zeros(1, dtype=np.bool_)   # free volumes, no trial
    out, _, flags = _price_some(evaluated, each, np.zeros(1), no_trial, *pricing)
    surplus, affordable = out[_SURPLUS], flags[_AFFORDABLE]
    if cofund_budget <= 0:
        share = np.zeros(n)
    else:
        capex = out[_CAPEX]
        share = cofund_shares(surplus, capex * out[_FACTOR], capex, cofund_share,
                              cofund_budget)
    helped = np.nonzero(share > 0)[0]
    if len(helped):   # the co-funded deals' surplus and affordability, priced with it
        more, _, more_flags = _price_some(evaluated[helped], each, share[helped], no_trial,
                                          *pricing)
        for j in range(len(helped)):
            surplus[helped[j]] = more[_SURPLUS, j]
            affordable[helped[j]] = more_flags[_AFFORDABLE, j]
    ordered = evaluated_outcome(evaluated, surplus, affordable, share, retry, reconsider_at,
                                counted)
    if len(ordered) == 0:
        return n, 0
    opened = open_talks_building(ordered, -1, edge_status, idle, supplier, receiver,
                                 negotiations, ex_active, ex_first, ex_supplier, ex_receiver,
                                 max_negotiations, rounds, slot_sr, slot_rs, aware, met,
                                 pair_trust, negotiating, tick, base_ticks, False, counted,
                                 edge_stream, edge_need, stream_volume, stream_level,
                                 stream_made, stream_committed, need_volume, need_level,
                                 need_committed, open_status, size, c_edge, c_opened, c_due,
                                 c_volume, c_via_broker, c_cofund, c_trial, c_status,
                                 c_reason, c_closed)
    return n, len(opened)


@kernel
def negotiate_month(firm_open, firm_costs, cost, contact, gain, breakdowns, failure,
                    opened, due, timeout, closed_code, breakdown_code, timeout_code,
                    open_code, book_edge, book_volume, book_trial, book_cofund, no_surplus,
                    no_cofunding, low_trust, no_capital, budget, cofund_share,
                    trial_volume_share, supplier, receiver, min_trust, holdup, owned_from,
                    mobile_specificity, payback_years, weight, trial_trust_share, failed,
                    idle, tick, retry, book_status, book_reason, book_closed,
                    firm_negotiations, edge_status, edge_retry, edge_stream, edge_need,
                    stream_volume, stream_level, stream_made, stream_committed, need_level,
                    need_volume, need_committed, price_tick, edge_route, route_asset, until,
                    edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack,
                    asset_mode, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                    capex_per_km, max_distance, routed, routed_capex, routed_ok,
                    cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
                    slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin,
                    disposal, capital, need_firm, half_cost, trial_share, distrust,
                    beta):  # pragma: no cover - compiled
    """A tick of talks (``NegotiationBook._negotiate``) in one call:

    1. :func:`.kernels_tick.talks_now`: the open talks, their costs and contact;
    2. those with a closed firm fail (``closed_code``; :func:`.kernels.close_talks`, as
       ``_fail`` closes them: their edges ``idle``, reconsidered from ``retry``);
    3. :func:`deadlines_drawn` on the others (a draw each from the stream
       ``breakdowns``): those that break down fail (``breakdown_code``), then those that
       time out (``timeout_code``);
    4. :func:`.kernels_tick.decide_close_talks` on those due at ``tick``: decided, and
       those that did not conclude closed (the arguments from ``book_edge`` on are its
       own after ``rows``, in its order: ``tick`` its ``closed_tick``, ``price_tick`` its
       pricing's ``tick``).

    Returns the talks due (step 4's rows), what ``decide_close_talks`` returns for them
    (its array, how many concluded, the deals' volumes), and how many failed for a closed
    firm, by breakdown and by timeout: the caller counts them and fails the decided as
    ``NegotiationBook._fail_decided`` does.
    """
    rows, n_closed = talks_now(book_status, open_code, book_edge, supplier, receiver,
                               firm_open, firm_costs, cost, slot_sr, slot_rs, pair_trust,
                               contact, gain)
    nothing, no_volume = rows[:0], np.zeros(0)
    if len(rows) == 0:
        return nothing, nothing, 0, no_volume, 0, 0, 0
    m = len(rows) - n_closed
    if n_closed:
        close_talks(rows[m:], failed, closed_code, tick, book_status, book_reason,
                    book_closed, book_edge, supplier, receiver, firm_negotiations,
                    edge_status, idle, edge_retry, retry)
    ends, n_broke, n_late = deadlines_drawn(rows[:m], breakdowns, failure, opened, due, tick,
                                            timeout)
    if n_broke:
        close_talks(ends[:n_broke], failed, breakdown_code, tick, book_status, book_reason,
                    book_closed, book_edge, supplier, receiver, firm_negotiations,
                    edge_status, idle, edge_retry, retry)
    if n_late:
        close_talks(ends[n_broke:n_broke + n_late], failed, timeout_code, tick, book_status,
                    book_reason, book_closed, book_edge, supplier, receiver,
                    firm_negotiations, edge_status, idle, edge_retry, retry)
    ready = ends[n_broke + n_late:]
    if len(ready) == 0:
        return ready, nothing, 0, no_volume, n_closed, n_broke, n_late
    out, n_ok, volume = decide_close_talks(
        ready, book_edge, book_volume, book_trial, book_cofund, no_surplus, no_cofunding,
        low_trust, no_capital, budget, cofund_share, trial_volume_share, supplier, receiver,
        min_trust, holdup, owned_from, mobile_specificity, payback_years, weight,
        trial_trust_share, failed, idle, tick, retry, book_status, book_reason, book_closed,
        firm_negotiations, edge_status, edge_retry, edge_stream, edge_need, stream_volume,
        stream_level, stream_made, stream_committed, need_level, need_volume, need_committed,
        price_tick, edge_route, route_asset, until, edge_user, load, capacity, paid_off,
        asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class, distance,
        capex_fixed, heat_pump_capex, capex_per_km, max_distance, routed, routed_capex,
        routed_ok, cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
        slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin, disposal, capital,
        need_firm, half_cost, trial_share, distrust, beta)
    return ready, out, n_ok, volume, n_closed, n_broke, n_late


@kernel
def negotiate_month_held(h, min_trust, load, virgin, disposal, capital, cost, gain,
                         breakdowns, failure, timeout, closed_code, breakdown_code,
                         timeout_code, open_code, no_surplus, no_cofunding, low_trust,
                         no_capital, budget, cofund_share, trial_volume_share, holdup,
                         mobile_specificity, payback_years, weight, trial_trust_share,
                         failed, idle, tick, retry, price_tick, slack, n_class, pipe,
                         half_cost, trial_share, distrust, beta, n_talks, n_assets,
                         n_pairs):  # pragma: no cover - compiled
    """:func:`negotiate_month` with the run's arrays read from ``h``
    (:class:`.held.RunArrays`: the negotiation book's ``n_talks``, the asset book's
    ``n_assets`` and the pair store's ``n_pairs`` used rows taken of their tables' whole
    columns), the trust each firm needs to sign, the asset book's ``load``, this tick's
    prices and capital (each replaced now and then: not held) and the scalars given."""
    b, a, p = n_talks, n_assets, n_pairs
    return negotiate_month(
        h.firm_open, h.firm_costs, cost, h.pair_contact[:p], gain, breakdowns, failure,
        h.c_opened[:b], h.c_due[:b], timeout, closed_code, breakdown_code, timeout_code,
        open_code, h.c_edge[:b], h.c_volume[:b], h.c_trial[:b], h.c_cofund[:b], no_surplus,
        no_cofunding, low_trust, no_capital, budget, cofund_share, trial_volume_share,
        h.supplier, h.receiver, min_trust, holdup, h.owned_from, mobile_specificity,
        payback_years, weight, trial_trust_share, failed, idle, tick, retry,
        h.c_status[:b], h.c_reason[:b], h.c_closed[:b], h.negotiations, h.status, h.retry,
        *price_inputs_held(h, a, p, price_tick, load, slack, n_class, pipe, virgin,
                            disposal, capital, half_cost, trial_share, distrust, beta))


@kernel
def search_month_held(h, edges, discovery, search, chance, budget, load, virgin, disposal,
                      capital, sme, supported, search_cost, expert_support, ticks_per_year,
                      cofund_budget, cofund_share, reconsider_at, idle, max_negotiations,
                      rounds, negotiating, base_ticks, open_status, size, tick, slack,
                      n_class, pipe, half_cost, trial_share, distrust, beta, n_exchanges,
                      n_assets, n_pairs):  # pragma: no cover - compiled
    """:func:`search_month` on the open ``edges`` with the run's arrays read from ``h``
    (:class:`.held.RunArrays`: the exchanges' ``n_exchanges``, the asset book's
    ``n_assets`` and the pair store's ``n_pairs`` used rows taken of their tables' whole
    columns; the book's whole columns, as ``search_month`` takes them), each edge's
    chance of discovery, the firms' search budgets, the asset book's ``load``, this
    tick's prices and capital (each replaced now and then: not held) and the scalars
    given."""
    x, a, p = n_exchanges, n_assets, n_pairs
    return search_month(
        edges, discovery, search, chance, h.firm_size, h.member, sme, supported,
        search_cost, expert_support, budget, ticks_per_year, h.firm_costs, cofund_budget,
        cofund_share, h.retry, reconsider_at, h.edge_counted, h.status, idle, h.supplier,
        h.receiver, h.negotiations, h.ex_active[:x], h.ex_first[:x], h.ex_supplier[:x],
        h.ex_receiver[:x], max_negotiations, rounds, h.pair_aware[:p], h.pair_met[:p],
        negotiating, base_ticks, open_status, size, h.c_edge, h.c_opened, h.c_due,
        h.c_volume, h.c_via_broker, h.c_cofund, h.c_trial, h.c_status, h.c_reason,
        h.c_closed, *price_inputs_held(h, a, p, tick, load, slack, n_class, pipe, virgin, disposal,
                            capital, half_cost, trial_share, distrust, beta))
