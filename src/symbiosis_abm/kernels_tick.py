"""Compiled passes (numba) of the tick's fixed work on small and medium regions.

A region of a few dozen to a few hundred firms spends its tick in hundreds of small numpy
calls, each a few microseconds of Python and dispatch for a few dozen numbers. Where one
phase makes many of them on the same rows every tick, a single compiled loop here does
the same arithmetic, in the same order, once (:mod:`.kernels` holds the passes over the
candidate edges of large regions).

Like :mod:`.kernels`, these functions compare, count and make the same IEEE operations
as the numpy expressions they replace, element by element and in the same order (no
fast-math, no reassociated sums), so results are bit for bit the same
(``tests/test_kernels_tick.py`` checks each against its expression). Compiled functions
are cached on disk, as :func:`.compiled.kernel` does it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .compiled import kernel
from .held import RunArrays
from .kernels import (
    _free_volume,
    _search_left,
    asset_state_keys,
    block_sum,
    cofund_one,
    lexsort_prefix,
    refresh_inputs,
    same_bits,
    stream_values,
)

__all__ = ["exchange_topology", "memo_lookup", "memo_insert", "memo_update", "MEMO_MISSING"]


@kernel
def exchange_topology(sup, rec, n):  # pragma: no cover - compiled
    """Participating firms, distinct linked pairs and the size of the largest weakly
    connected component of the links ``sup[i] -> rec[i]`` among ``n`` firms.

    The same three numbers as ``len(np.unique(np.concatenate([sup, rec])))``,
    ``len(np.unique(np.minimum(sup, rec) * n + np.maximum(sup, rec)))`` and the largest
    of scipy's ``connected_components(..., connection="weak")`` (0, 0, 0 without links).

    Examples
    --------
    >>> exchange_topology(np.array([0, 1, 5, 1]), np.array([1, 0, 6, 2]), 7)
    (5, 3, 3)
    """
    m = len(sup)
    if m == 0:
        return 0, 0, 0
    parent = np.arange(n)
    seen = np.zeros(n, dtype=np.bool_)
    keys = np.empty(m, dtype=np.int64)
    participating = 0
    for i in range(m):
        a, b = sup[i], rec[i]
        for x in (a, b):
            if not seen[x]:
                seen[x] = True
                participating += 1
        keys[i] = min(a, b) * n + max(a, b)
        # union by root, with path halving
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a != b:
            parent[a] = b
    size = np.zeros(n, dtype=np.int64)
    largest = 0
    for x in range(n):
        if seen[x]:
            r = x
            while parent[r] != r:
                r = parent[r]
            size[r] += 1
            if size[r] > largest:
                largest = size[r]
    radix_sort(keys)
    pairs = 1
    for i in range(1, m):
        if keys[i] != keys[i - 1]:
            pairs += 1
    return participating, pairs, largest


@njit(inline="always")
def _minimum(a, b):  # pragma: no cover - compiled
    """``np.minimum`` of two floats: a NaN wins, else the smaller, the second on a tie
    (+0/-0)."""
    return a if a != a or a < b else b


@njit(inline="always")
def _maximum(a, b):  # pragma: no cover - compiled
    """``np.maximum`` of two floats: a NaN wins, else the larger, the second on a tie."""
    return a if a != a or a > b else b


@njit(inline="always")
def _unit(x):  # pragma: no cover - compiled
    """``np.clip(x, 0.0, 1.0)`` of a float: NaN stays NaN, -0.0 stays -0.0 (clip keeps
    ``x`` where it equals a bound)."""
    if x != x:
        return x
    y = x if x >= 0.0 else 0.0
    return y if y <= 1.0 else 1.0


@njit(inline="always")
def _per_committed(ratio, volume, committed, i):  # pragma: no cover - compiled
    """One item of :func:`.contracts.supply_for_contracts`."""
    if committed[i] > 1e-9 * volume[i]:
        return ratio[i] * volume[i] / committed[i]
    return ratio[i]


@kernel
def deliver_contracts(t, active, first, edge, asset, paid_off, until, slot_sr, slot_rs,
                      contact, stream, need, supplier, receiver, resource, volume, price,
                      tc_supplier, tc_receiver, transport_unit, annuity, tpy,
                      stream_ratio, stream_volume, stream_committed, need_ratio,
                      need_volume, need_committed, need_season_now, stream_season_now,
                      disposal_now, virgin_now, firm_savings, firm_paid_in, firm_paid_out,
                      ex_delivered, ex_paid, n_resources):  # pragma: no cover - compiled
    """The exchanges' work and deliveries at tick ``t``, as
    :meth:`.contracts.ContractBook._deliver` computed them in numpy.

    An active exchange whose line is under construction (``first > t``) is in contact
    (both pair slots of its edge) and its receiver pays the asset's annuity while it is
    due (the asset not paid off and within its life: ``annuity x due / tpy``); these
    payments are booked first, in row order. The other active exchanges (``act``,
    returned) deliver. Each contract gets ``share = min(profile, avail[s], room[n])`` of its mean volume
    (:func:`.contracts.supply_for_contracts` per stream and need), against a planned
    ``min(profile, room_plan[n])``; each side's gain this tick and in the plan
    (:meth:`.contracts.ContractBook._gains`, with ``annuity x due``) are booked: savings
    (all suppliers' gains first, then all receivers', as two ``np.add.at``), payments
    in and out, the log's delivered and paid. Returns ``act``, ``delivered``, ``share``,
    ``planned``, each side's deviation from plan (actual minus planned gain) and the
    delivered volume per resource (``np.bincount``).
    """
    act = np.empty(len(active), dtype=np.int64)
    due = np.empty(len(active))
    m = 0
    for r in range(len(active)):
        if not active[r]:
            continue
        a = asset[r]
        d = 1.0 if a >= 0 and not paid_off[a] and until[a] > t else 0.0
        if first[r] > t:   # building: the work together is contact; the annuity is paid
            contact[slot_sr[edge[r]]] = True
            contact[slot_rs[edge[r]]] = True
            firm_savings[receiver[r]] -= annuity[r] * d / tpy
        else:
            act[m], due[m] = r, d
            m += 1
    act = act[:m].copy()
    delivered = np.empty(m)
    paid = np.empty(m)
    share = np.empty(m)
    planned = np.empty(m)
    gain_sup = np.empty(m)
    gain_rec = np.empty(m)
    dev_sup = np.empty(m)
    dev_rec = np.empty(m)
    for i in range(m):
        r = act[i]
        s, n = stream[r], need[r]
        avail = _per_committed(stream_ratio, stream_volume, stream_committed, s)
        room = _per_committed(need_ratio, need_volume, need_committed, n)
        room_plan = _per_committed(need_season_now, need_volume, need_committed, n)
        profile = stream_season_now[s]
        sh = _minimum(profile, _minimum(avail, room))
        pl = _minimum(profile, room_plan)
        mean = volume[r] / tpy
        tc_sup = tc_supplier[r] / tpy
        tc_rec = (annuity[r] * due[i] + tc_receiver[r]) / tpy
        disposal, virgin, transport = disposal_now[s], virgin_now[n], transport_unit[r]
        d = mean * sh
        p = price[r] * d
        g_sup = d * disposal + p - tc_sup
        g_rec = d * (virgin - transport) - p - tc_rec
        d_plan = mean * pl
        p_plan = price[r] * d_plan
        delivered[i], paid[i], share[i], planned[i] = d, p, sh, pl
        gain_sup[i], gain_rec[i] = g_sup, g_rec
        dev_sup[i] = g_sup - (d_plan * disposal + p_plan - tc_sup)
        dev_rec[i] = g_rec - (d_plan * (virgin - transport) - p_plan - tc_rec)
    by_resource = np.zeros(n_resources)
    for i in range(m):
        firm_savings[supplier[act[i]]] += gain_sup[i]
    for i in range(m):
        firm_savings[receiver[act[i]]] += gain_rec[i]
    for i in range(m):
        r = act[i]
        firm_paid_in[supplier[r]] += paid[i]
        firm_paid_out[receiver[r]] += paid[i]
        ex_delivered[r] += delivered[i]
        ex_paid[r] += paid[i]
        by_resource[resource[r]] += delivered[i]
    return act, delivered, share, planned, dev_sup, dev_rec, by_resource


@kernel
def trust_after_delivery(slot_rs, slot_sr, share, planned, trust, contact, tolerance, gain,
                         loss):  # pragma: no cover - compiled
    """Trust after this tick's deliveries (:meth:`.contracts.ContractBook.
    _trust_after_delivery`): each receiver's trust in its supplier (slots ``slot_rs``)
    after a delivery with shortfall ``shortfall(share, planned)``
    (:func:`.trust.after_delivery`), all from the trust before, then each supplier's in
    its receiver (``slot_sr``) toward 1 (:func:`.trust.toward`); both pairs were in
    contact. Where slots repeat, the last write wins, as numpy's assignment."""
    m = len(slot_rs)
    new = np.empty(m)
    for i in range(m):
        expected = planned[i]
        gap = _maximum(expected - share[i], 0.0)
        short = gap / _maximum(expected, 1e-300) if expected > 0 else 0.0
        old = trust[slot_rs[i]]
        if short <= tolerance:
            new[i] = _unit(old + gain * (1.0 - old))
        else:
            new[i] = _unit(old - loss * (short - tolerance))
    for i in range(m):
        trust[slot_rs[i]] = new[i]
    for i in range(m):
        old = trust[slot_sr[i]]
        new[i] = _unit(old + gain * (1.0 - old))
    for i in range(m):
        trust[slot_sr[i]] = new[i]
        contact[slot_rs[i]] = True
        contact[slot_sr[i]] = True


@kernel
def track_profit(act, stream, need, dev_sup, dev_rec, avg_supplier, avg_receiver,
                 expected_supplier, expected_receiver, priced_annuity, planned,
                 disposal_unit, virgin_unit, losing_ticks, disposal_now, virgin_now, tpy,
                 alpha, patience):  # pragma: no cover - compiled
    """Profit against plan of the exchanges ``act`` (the profit rule of
    :meth:`.contracts.ContractBook._deliver`, docs/ODD.md 7.8): each side's running deviation moves a share ``alpha`` toward this
    tick's ``dev_*``; an exchange whose expected gain at today's prices
    (:func:`.contracts.forward_gains`, per tick) plus that deviation is negative for one
    side counts a losing tick, else starts again at 0. Returns which exchanges have lost
    for ``patience`` ticks and, for each, whether the supplier is losing."""
    m = len(act)
    over = np.zeros(m, dtype=np.bool_)
    sup_loses = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        r = act[i]
        avg_s = avg_supplier[r] + alpha * (dev_sup[i] - avg_supplier[r])
        avg_r = avg_receiver[r] + alpha * (dev_rec[i] - avg_receiver[r])
        avg_supplier[r], avg_receiver[r] = avg_s, avg_r
        fwd_sup = expected_supplier[r] + planned[r] * (disposal_now[stream[r]]
                                                         - disposal_unit[r])
        fwd_rec = (expected_receiver[r] + priced_annuity[r]
                   + planned[r] * (virgin_now[need[r]] - virgin_unit[r]))
        loses = fwd_sup / tpy + avg_s < 0
        sup_loses[i] = loses
        if loses or fwd_rec / tpy + avg_r < 0:
            losing_ticks[r] += 1
        else:
            losing_ticks[r] = 0
        over[i] = losing_ticks[r] >= patience
    return over, sup_loses


@kernel
def decay_idle(trust, met, contact, baseline, rate):  # pragma: no cover - compiled
    """Trust of pairs that met but had no contact this tick moves a share ``rate`` toward
    ``baseline`` (:func:`.trust.toward`); then every pair's contact is reset.

    Without branches, so that the loops run on vectors: every slot's decayed trust is
    computed and kept only where the slot is idle (met, no contact: the byte of ``met``
    above that of ``contact``), ``_unit``'s clip written as selects (the same bits). Idle
    slots lie scattered among the others (a 600-firm store's 2,800 met slots of 30,000
    make 2,000 runs): a branch per slot mispredicts often and was 3x slower."""
    met_bytes, contact_bytes = met.view(np.uint8), contact.view(np.uint8)
    for i in range(len(trust)):
        t = trust[i]
        x = t + rate * (baseline - t)
        y = x if x >= 0.0 else 0.0
        y = y if y <= 1.0 else 1.0
        y = x if x != x else y
        trust[i] = y if met_bytes[i] > contact_bytes[i] else t
    for i in range(len(contact)):
        contact_bytes[i] = 0


@kernel
def pass_reputation(trust, pulls, initial, weight):  # pragma: no cover - compiled
    """i's trust in j after hearing from common partners k
    (:func:`.trust.reputation_pull`), for each row ``(ij, ik, kj)`` of ``pulls``: the
    slots of (i, j), (i, k) and (k, j) (-1: no slot, the ``initial`` trust); the pull
    toward ``trust(i, k) x trust(k, j)``, all from the trust before; where a pair repeats,
    the last write wins, as numpy's assignment."""
    m = len(pulls)
    new = np.empty(m)
    for x in range(m):
        a, b = pulls[x, 1], pulls[x, 2]
        hearsay = ((trust[a] if a >= 0 else initial) * (trust[b] if b >= 0 else initial))
        own = trust[pulls[x, 0]]
        new[x] = _unit(own + weight * (hearsay - own)) if hearsay > own else own
    for x in range(m):
        trust[pulls[x, 0]] = new[x]


@kernel
def active_and_talks(active, ex_edge, status, book_edge,
                     open_code):  # pragma: no cover - compiled
    """Rows of the active exchanges (``active.nonzero()[0]``) and the ties they and the
    open talks hold: the exchanges' edges, then the edges of negotiations whose
    ``status`` is ``open_code``, each in row order."""
    act = np.empty(len(active), dtype=np.int64)
    tied = np.empty(len(active) + len(status), dtype=np.int64)
    m = 0
    for r in range(len(active)):
        if active[r]:
            act[m] = r
            tied[m] = ex_edge[r]
            m += 1
    k = m
    for r in range(len(status)):
        if status[r] == open_code:
            tied[k] = book_edge[r]
            k += 1
    return act[:m].copy(), tied[:k].copy()


_BYTE_ONES = np.uint64(0x0101010101010101)


@njit(inline="always")
def _lowest_byte(low):  # pragma: no cover - compiled
    """The byte (0-7) of a word of boolean bytes whose only set bit is ``low`` (a true
    byte's bit): how many bytes lie below it, counted by adding up the low bits of the
    bytes ``low - 1`` sets. Bytes in memory order: a little-endian machine's (the only
    kind numba targets here: x86-64, arm64)."""
    return np.int64((((low - np.uint64(1)) & _BYTE_ONES) * _BYTE_ONES) >> np.uint64(56))


@njit(inline="always")
def _tail_word(met, strong, whole):  # pragma: no cover - compiled
    """The word of ``met | strong`` over the slots from ``whole`` on (fewer than eight),
    byte ``k`` for slot ``whole + k`` as in the words of the masks' bytes."""
    word = np.uint64(0)
    for i in range(whole, len(met)):
        if met[i] or strong[i]:
            word |= np.uint64(1) << np.uint64(8 * (i - whole))
    return word


@kernel
def tick_tallies(t, active, first, ended, reason, internal, trust, met, strong, src, dst,
                 firm_open, firm_member):  # pragma: no cover - compiled
    """The counts of :meth:`.measurement.Measurement._measure` and the trusts it averages.

    Returns exchanges being built (active, ``first > t``), ended at ``t`` and of those
    ended for an ``internal`` reason (a lookup by reason code); weak ties (met, not
    ``strong``) counted once per pair (``src < dst``); the trust of pairs that met, of
    strong and of weak ties (``trust[mask]``: in slot order, for numpy to sum); open
    firms and registry members among them.
    """
    building = n_ended = n_internal = 0
    for r in range(len(active)):
        if active[r] and first[r] > t:
            building += 1
        if ended[r] == t:
            n_ended += 1
            if internal[reason[r]]:
                n_internal += 1
    size = len(trust)
    met_trust, strong_trust, weak_trust = np.empty(size), np.empty(size), np.empty(size)
    n_met = n_strong = n_weak = weak_pairs = 0
    # most slots are neither met nor strong (~95% at 10,000 firms): the masks are read
    # eight slots to a word and only the slots set in either are visited, in order
    whole = size - size % 8
    met_words, strong_words = met[:whole].view(np.uint64), strong[:whole].view(np.uint64)
    zero = np.uint64(0)
    for w in range((size + 7) // 8):
        word = (met_words[w] | strong_words[w] if 8 * w < whole
                else _tail_word(met, strong, whole))
        while word != zero:
            low = word & (zero - word)   # its lowest set bit
            word ^= low
            i = 8 * w + _lowest_byte(low)
            if met[i]:
                met_trust[n_met] = trust[i]
                n_met += 1
            if strong[i]:
                strong_trust[n_strong] = trust[i]
                n_strong += 1
            elif met[i]:
                weak_trust[n_weak] = trust[i]
                n_weak += 1
                if src[i] < dst[i]:
                    weak_pairs += 1
    n_open = members = 0
    for f in range(len(firm_open)):
        if firm_open[f]:
            n_open += 1
            if firm_member[f]:
                members += 1
    return (building, n_ended, n_internal, weak_pairs, met_trust[:n_met].copy(),
            strong_trust[:n_strong].copy(), weak_trust[:n_weak].copy(), n_open, members)


@kernel
def talks_tick(status, open_code, book_edge, supplier, receiver, firm_open, firm_costs, cost,
               slot_sr, slot_rs, trust, contact, gain):  # pragma: no cover - compiled
    """A tick of the open talks (negotiations whose ``status`` is ``open_code``), as
    :meth:`.negotiation_book.NegotiationBook._negotiate` made it in numpy.

    Returns their rows and which have a closed firm at either end. The others' firms pay
    ``cost`` each (every supplier first, then every receiver, as two ``np.add.at``) and
    their pairs are in contact: trust moves a share ``gain`` toward 1
    (:func:`.trust.toward`), the supplier's in the receiver for all talks first, then
    the receiver's in the supplier (where slots repeat, the last write wins).
    """
    rows = np.empty(len(status), dtype=np.int64)
    m = 0
    for r in range(len(status)):
        if status[r] == open_code:
            rows[m] = r
            m += 1
    rows = rows[:m].copy()
    closed = np.zeros(m, dtype=np.bool_)
    edges = np.empty(m, dtype=np.int64)
    k = 0
    for i in range(m):
        e = book_edge[rows[i]]
        closed[i] = not (firm_open[supplier[e]] and firm_open[receiver[e]])
        if not closed[i]:
            edges[k] = e
            k += 1
    for i in range(k):
        firm_costs[supplier[edges[i]]] += cost
    for i in range(k):
        firm_costs[receiver[edges[i]]] += cost
    new = np.empty(k)
    for slots in (slot_sr, slot_rs):
        for i in range(k):
            old = trust[slots[edges[i]]]
            new[i] = _unit(old + gain * (1.0 - old))
        for i in range(k):
            trust[slots[edges[i]]] = new[i]
            contact[slots[edges[i]]] = True
    return rows, closed


@kernel
def realised_ratios(stream_season, need_season, z, variability, stream_level, stream_made,
                    need_level, firm_open, stream_firm, need_firm, stream_ratio,
                    need_ratio):  # pragma: no cover - compiled
    """This tick's realised supply and demand per unit of mean
    (:meth:`.contracts.ContractBook._realise_streams`): a stream's seasonal factor times
    ``max(1 + variability x z, 0)`` times its level and made share; a need's seasonal
    factor times its level; 0 where the item's firm is closed.

    Writes them into ``stream_ratio`` and ``need_ratio`` (the model's, allocated once):
    nothing is returned, so no array is boxed (each returned array costs a microsecond).
    """
    for i in range(len(stream_season)):
        if firm_open[stream_firm[i]]:
            noise = _maximum(1.0 + variability[i] * z[i], 0.0)
            stream_ratio[i] = stream_season[i] * noise * (stream_level[i] * stream_made[i])
        else:
            stream_ratio[i] = 0.0
    for i in range(len(need_season)):
        need_ratio[i] = need_season[i] * need_level[i] if firm_open[need_firm[i]] else 0.0


@kernel
def hub_pairs(hub, max_degree):  # pragma: no cover - compiled
    """:func:`._arrays.hub_pair_positions` (``max_degree < 0``: no limit): positions of
    all pairs of links (k, i), (k, j), i != j, in links sorted by hub k, ordered by hub,
    then i, then j, each hub pairing its first ``max_degree`` links.

    Examples
    --------
    >>> [x.tolist() for x in hub_pairs(np.array([0, 1, 1, 1]), -1)]
    [[1, 1, 2, 2, 3, 3], [2, 3, 1, 3, 1, 2]]
    """
    n = len(hub)
    total = 0
    start = 0
    while start < n:   # first pass: how many pairs
        end = start + 1
        while end < n and hub[end] == hub[start]:
            end += 1
        d = end - start if max_degree < 0 else min(end - start, max_degree)
        if d >= 2:
            total += d * (d - 1)
        start = end
    ki = np.empty(total, dtype=np.int64)
    kj = np.empty(total, dtype=np.int64)
    k = 0
    start = 0
    while start < n:
        end = start + 1
        while end < n and hub[end] == hub[start]:
            end += 1
        d = end - start if max_degree < 0 else min(end - start, max_degree)
        if d >= 2:
            for row in range(d):
                for col in range(d):
                    if row != col:
                        ki[k], kj[k] = start + row, start + col
                        k += 1
        start = end
    return ki, kj


@kernel
def starved_closing(key_input, firm_open, need_firm, need_starved, need_share, threshold,
                    patience, starved_marker, random_exit):  # pragma: no cover - compiled
    """Key inputs of open firms count the ticks they have been starved
    (:func:`.cascade.starvation`: ``starved_marker`` while the input never ran, else
    consecutive ticks below ``threshold``, 0 at or above it); returns the firms (mask)
    one of whose key inputs reached ``patience`` and that may close (``random_exit``)."""
    closing = np.zeros(len(firm_open), dtype=np.bool_)
    for i in range(len(key_input)):
        f = need_firm[i]
        if not (key_input[i] and firm_open[f]):
            continue
        below = need_share[i] < threshold
        if below:
            if need_starved[i] != starved_marker:
                need_starved[i] += 1
        else:
            need_starved[i] = 0
        if need_starved[i] >= patience and random_exit[f]:
            closing[f] = True
    return closing


@kernel
def worn_rows(t, active, asset, first, until):  # pragma: no cover - compiled
    """Rows of the active, delivering exchanges (``first <= t``) whose asset's life is
    over at ``t`` (``until <= t``), in row order (:meth:`.contracts.ContractBook.
    _replace_worn_assets`)."""
    rows = np.empty(len(active), dtype=np.int64)
    m = 0
    for r in range(len(active)):
        a = asset[r]
        if active[r] and a >= 0 and first[r] <= t and until[a] <= t:
            rows[m] = r
            m += 1
    return rows[:m].copy()


@kernel
def track_inputs(need, delivered, need_share, positive, safe, alpha, produced, k, follows,
                 scale, divisor, stream_made):  # pragma: no cover - compiled
    """The needs' received shares and the produced streams' levels after this tick's
    deliveries (the rule :func:`deliver_pass` runs after delivering), in place.

    What each need got (``np.bincount(need, weights=delivered)``) over its volume per
    tick (``safe``; 0 where not ``positive``), clipped to [0, 1]
    (:func:`.cascade.received_share_of`), moves ``need_share`` a share ``alpha`` toward
    it (:func:`.cascade.smooth`); each produced stream (``produced``, made from need
    ``k``) is then at :func:`.cascade.produced_level_of` of its input's share (the share
    itself where it ``follows`` it, else ``scale x share / divisor``, clipped), in whole
    percent (``round(level x 100) / 100``, half to even). No ``produced``: no levels.
    """
    got = np.zeros(len(need_share))
    for i in range(len(need)):
        got[need[i]] += delivered[i]
    for i in range(len(need_share)):
        share = _unit(got[i] / safe[i]) if positive[i] else 0.0
        need_share[i] = need_share[i] + alpha * (share - need_share[i])
    for x in range(len(produced)):
        share = need_share[k[x]]
        level = _unit(share if follows[x] else scale[x] * share / divisor[x])
        stream_made[produced[x]] = np.rint(level * 100.0) / 100.0


@kernel
def deliver_tick(t, active, first, end, edge, asset, paid_off, until, slot_sr, slot_rs,
                 trust, contact, stream, need, supplier, receiver, resource, volume, price,
                 tc_supplier, tc_receiver, transport_unit, annuity, tpy, stream_ratio,
                 stream_volume, stream_committed, need_ratio, need_volume, need_committed,
                 need_season_now, stream_season_now, disposal_now, virgin_now, firm_savings,
                 firm_paid_in, firm_paid_out, ex_delivered, ex_paid, n_resources, tolerance,
                 gain, loss, trust_break, avg_supplier, avg_receiver, expected_supplier,
                 expected_receiver, priced_annuity, planned, disposal_unit, virgin_unit,
                 losing_ticks, alpha, patience):  # pragma: no cover - compiled
    """A tick's deliveries and what follows from them, in one pass: the arithmetic of
    :meth:`.contracts.ContractBook._deliver` between its calls that start or end contracts.

    :func:`deliver_contracts`; then :func:`trust_after_delivery` over the delivering
    exchanges' pairs; those whose receiver's trust in its supplier fell below
    ``trust_break`` (:func:`.relations.broken`) are ``lost``; :func:`track_profit` over
    the others. Ending the lost ones (which the caller does next) changes nothing the
    profit rule reads, so it may run first. Finds the delivering rows ``act``, what
    each delivered, the delivered volume per resource, the ``lost`` rows, the rows that
    lost money for ``patience`` ticks with whether the supplier is the side losing, and
    the active rows whose term ends (``end <= t``; some may end before their renewal).

    Returns them packed in two arrays, rows and amounts (each returned array is boxed at
    about a microsecond): :func:`delivery_parts` splits them.
    """
    act, delivered, share, pl, dev_sup, dev_rec, by_resource = deliver_contracts(
        t, active, first, edge, asset, paid_off, until, slot_sr, slot_rs, contact, stream,
        need, supplier, receiver, resource, volume, price, tc_supplier, tc_receiver,
        transport_unit, annuity, tpy, stream_ratio, stream_volume, stream_committed,
        need_ratio, need_volume, need_committed, need_season_now, stream_season_now,
        disposal_now, virgin_now, firm_savings, firm_paid_in, firm_paid_out, ex_delivered,
        ex_paid, n_resources)
    m = len(act)
    rs = np.empty(m, dtype=np.int64)
    sr = np.empty(m, dtype=np.int64)
    for i in range(m):
        rs[i], sr[i] = slot_rs[edge[act[i]]], slot_sr[edge[act[i]]]
    trust_after_delivery(rs, sr, share, pl, trust, contact, tolerance, gain, loss)
    lost = np.empty(m, dtype=np.int64)
    kept = np.empty(m, dtype=np.int64)
    n_lost = n_kept = 0
    for i in range(m):
        if trust[rs[i]] < trust_break:
            lost[n_lost] = act[i]
            n_lost += 1
        else:
            kept[n_kept], dev_sup[n_kept], dev_rec[n_kept] = act[i], dev_sup[i], dev_rec[i]
            n_kept += 1
    kept = kept[:n_kept]
    over, sup_loses = track_profit(kept, stream, need, dev_sup[:n_kept], dev_rec[:n_kept],
                                   avg_supplier, avg_receiver, expected_supplier,
                                   expected_receiver, priced_annuity, planned, disposal_unit,
                                   virgin_unit, losing_ticks, disposal_now, virgin_now, tpy,
                                   alpha, patience)
    n_over = n_due = 0
    for i in range(n_kept):
        if over[i]:
            n_over += 1
    for r in range(len(active)):
        if active[r] and end[r] <= t:
            n_due += 1
    rows = np.empty(3 + m + n_lost + 2 * n_over + n_due, dtype=np.int64)
    rows[0], rows[1], rows[2] = m, n_lost, n_over
    rows[3:3 + m] = act
    k = 3 + m
    rows[k:k + n_lost] = lost[:n_lost]
    k += n_lost
    for i in range(n_kept):
        if over[i]:
            rows[k], rows[k + n_over] = kept[i], sup_loses[i]
            k += 1
    k += n_over
    for r in range(len(active)):
        if active[r] and end[r] <= t:
            rows[k] = r
            k += 1
    amounts = np.empty(m + len(by_resource))
    amounts[:m] = delivered
    amounts[m:] = by_resource
    return rows, amounts


def delivery_parts(rows: np.ndarray, amounts: np.ndarray) -> tuple[np.ndarray, ...]:
    """What :func:`deliver_tick` found, from its two packed arrays: the delivering rows
    ``act``, what each delivered, the delivered volume per resource, the ``lost`` rows,
    the ``losing`` rows, whether each one's supplier is the side losing, and the ``due``
    rows (views of ``rows`` and ``amounts``, but for the booleans).

    ``rows`` holds the counts of ``act``, ``lost`` and ``losing``, then those rows, the
    supplier flags (0 or 1) and the due rows; ``amounts`` what was delivered, then the
    volume per resource.

    Examples
    --------
    >>> parts = delivery_parts(np.array([2, 0, 1, 4, 7, 7, 1, 9]),
    ...                        np.array([0.5, 1.5, 2.0]))
    >>> [x.tolist() for x in parts]
    [[4, 7], [0.5, 1.5], [2.0], [], [7], [True], [9]]
    """
    m, n_lost, n_over = rows[:3].tolist()
    a = 3 + m
    b = a + n_lost
    c = b + n_over
    return (rows[3:a], amounts[:m], amounts[m:], rows[a:b], rows[b:c],
            rows[c:c + n_over].astype(np.bool_), rows[c + n_over:])


@kernel
def numpy_sum(a):  # pragma: no cover - compiled
    """``float(a.sum())`` of a 1-d contiguous float64 array, bit for bit.

    Examples
    --------
    >>> x = np.random.default_rng(1).standard_normal(1000) * 1e6
    >>> numpy_sum(x) == float(x.sum())
    True
    """
    if len(a) <= 128:   # one block
        return 0.0 + block_sum(a, 0, len(a))
    # numpy's pairwise recursion (halves, cut at a multiple of 8, down to blocks of at
    # most 128), walked with an explicit stack: a recursive compiled function does not
    # load safely from numba's cache
    lo_of = np.empty(64, dtype=np.int64)
    n_of = np.empty(64, dtype=np.int64)
    step = np.zeros(64, dtype=np.int64)
    values = np.empty(64)
    lo_of[0], n_of[0], step[0] = 0, len(a), 0
    depth, held = 1, 0
    while depth:
        top = depth - 1
        lo, n = lo_of[top], n_of[top]
        half = n // 2
        half -= half % 8
        if n <= 128:
            values[held] = block_sum(a, lo, n)
            held += 1
            depth -= 1
        elif step[top] == 0:   # the first half
            step[top] = 1
            lo_of[depth], n_of[depth], step[depth] = lo, half, 0
            depth += 1
        elif step[top] == 1:   # then the second
            step[top] = 2
            lo_of[depth], n_of[depth], step[depth] = lo + half, n - half, 0
            depth += 1
        else:                  # both summed: their sum
            held -= 1
            values[held - 1] = values[held - 1] + values[held]
            depth -= 1
    return 0.0 + values[0]   # numpy adds the sum to the identity: -0.0 becomes 0.0


@kernel
def _mean_or(values, empty):  # pragma: no cover - compiled
    """``values.sum() / len(values)``, ``empty`` if there are none."""
    return numpy_sum(values) / len(values) if len(values) else empty


@kernel
def _masked_sum(values, mask):  # pragma: no cover - compiled
    """``values[mask].sum()``."""
    return numpy_sum(values[mask])


@kernel
def measure_tick(t, active, ex_edge, first, ended, reason, internal, status, book_edge,
                 open_code, trust, met, src, dst, slot_sr, slot_rs, edge_supplier,
                 edge_receiver, n_firms, firm_open, firm_member, initial_trust, savings,
                 costs, stranded, delivered, unit_t, unit_mwh,
                 unit_m3):  # pragma: no cover - compiled
    """The tick's statistics of :meth:`.measurement.Measurement._measure` that need no
    graph, in one pass.

    :func:`active_and_talks`; the strong ties: both pair slots of the edges the active
    exchanges and the open talks hold, and how many unordered firm pairs they join
    (:func:`.measures.undirected_keys`); :func:`tick_tallies`; the mean trust of pairs
    that met (``initial_trust`` if none), of strong and of weak ties (NaN if none);
    the delivered volume in tonnes, MWh and m3 (``delivered[unit].sum()``) and the
    firms' savings, costs and stranded annuities summed, each sum as numpy makes it
    (:func:`numpy_sum`). Returns the active rows and a tuple of the figures, in the
    order the code unpacks them.
    """
    act, tied = active_and_talks(active, ex_edge, status, book_edge, open_code)
    strong = np.zeros(len(trust), dtype=np.bool_)
    keys = np.empty(len(tied), dtype=np.int64)
    k = 0
    for e in tied:
        strong[slot_sr[e]] = True
        strong[slot_rs[e]] = True
        a, b = edge_supplier[e], edge_receiver[e]
        if a != b:
            keys[k] = min(a, b) * n_firms + max(a, b)
            k += 1
    keys = np.sort(keys[:k])
    n_strong = 1 if k else 0
    for i in range(1, k):
        if keys[i] != keys[i - 1]:
            n_strong += 1
    (building, n_ended, n_internal, n_weak, met_trust, strong_trust, weak_trust, n_open,
     members) = tick_tallies(t, active, first, ended, reason, internal, trust, met, strong,
                             src, dst, firm_open, firm_member)
    return act, (len(tied) - len(act), n_strong, building, n_ended, n_internal, n_weak,
                 n_open, members, _mean_or(met_trust, initial_trust),
                 _mean_or(strong_trust, np.nan), _mean_or(weak_trust, np.nan),
                 _masked_sum(delivered, unit_t), _masked_sum(delivered, unit_mwh),
                 _masked_sum(delivered, unit_m3), numpy_sum(savings), numpy_sum(costs),
                 numpy_sum(stranded))


@kernel
def closures_and_entries(t, firm_open, close_tick, u_close, close_chance, u_exit, hazard,
                         vacant, u_entry, reuse):  # pragma: no cover - compiled
    """The firms that leave and the sites taken over at tick ``t``
    (:meth:`.demography.Demography._close_firms`).

    An open firm closes where its scheduled ``close_tick`` is ``t`` or its draw
    ``u_close`` falls below ``close_chance`` (the uniform hazard; 0: none); another open
    firm exits where ``u_exit < hazard`` (:func:`.demography.exits`); a vacant site is
    taken over where ``u_entry < reuse`` (:func:`.demography.entries`, on the vacancies
    before this tick's exits). The exits' sites become ``vacant`` (in place). Returns
    which firms leave (closures and exits), how many, how many exited and the sites
    taken over.
    """
    n = len(firm_open)
    gone = np.zeros(n, dtype=np.bool_)
    coming = np.empty(n, dtype=np.int64)
    n_gone = n_exits = n_coming = 0
    for f in range(n):
        closing = firm_open[f] and (close_tick[f] == t or u_close[f] < close_chance)
        leaving = firm_open[f] and not closing and u_exit[f] < hazard[f]
        if vacant[f] and u_entry[f] < reuse:
            coming[n_coming] = f
            n_coming += 1
        if closing or leaving:
            gone[f] = True
            n_gone += 1
        if leaving:
            vacant[f] = True
            n_exits += 1
    return gone, n_gone, n_exits, coming[:n_coming].copy()


@njit(inline="always")
def _search_right(keys, value, lo, hi):  # pragma: no cover - compiled
    """The first position in ``keys[lo:hi]`` (sorted) whose key is above ``value``."""
    while lo < hi:
        mid = lo + ((hi - lo) >> 1)
        if keys[mid] <= value:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(inline="always")
def _gallop_left(keys, value, lo):  # pragma: no cover - compiled
    """:func:`_search_left` over ``keys[lo:]`` where ``value`` is not below any key
    before ``lo``: looked for 1, 2, 4, ... keys on from ``lo``, then bisected."""
    n = len(keys)
    if lo >= n or keys[lo] >= value:
        return lo
    known, step = lo, 1   # keys[known] < value
    while lo + step < n and keys[lo + step] < value:
        known = lo + step
        step *= 2
    return _search_left(keys, value, known + 1, min(lo + step, n))


@njit(inline="always")
def _distinct_sorted(keys):  # pragma: no cover - compiled
    """``np.unique(keys)`` of int64 keys, non-negative (sorts ``keys`` in place)."""
    radix_sort(keys)
    size = 1 if len(keys) else 0
    for x in range(1, len(keys)):
        if keys[x] != keys[size - 1]:
            keys[size] = keys[x]
            size += 1
    return keys[:size].copy()


@kernel
def links_by_hub(sup, rec, n):  # pragma: no cover - compiled
    """Both directions of each link ``sup[x] <-> rec[x]`` among ``n`` firms, distinct and
    sorted by key ``hub x n + other``: the hubs and the others
    (:func:`.relations._links_by_hub`)."""
    m = len(sup)
    both = np.empty(2 * m, dtype=np.int64)
    for x in range(m):
        both[x] = sup[x] * n + rec[x]
        both[m + x] = rec[x] * n + sup[x]
    both = _distinct_sorted(both)
    return both // n, both % n


@kernel
def common_partner_keys(sup, rec, n, max_degree):  # pragma: no cover - compiled
    """:func:`.relations.common_partner_pairs`: the directed keys ``i x n + j`` of pairs
    i != j sharing a partner over the links ``sup[x] <-> rec[x]``, distinct and sorted
    (each hub pairing its first ``max_degree`` links)."""
    hub, other = links_by_hub(sup, rec, n)
    if len(hub) < 2:
        return np.zeros(0, dtype=np.int64)
    ki, kj = hub_pairs(hub, max_degree)
    keys = np.empty(len(ki), dtype=np.int64)
    for x in range(len(ki)):
        keys[x] = other[ki[x]] * n + other[kj[x]]
    return _distinct_sorted(keys)


@kernel
def rows_of_keys(keys, order, wanted):  # pragma: no cover - compiled
    """Rows ``order[k]`` of every ``keys[k]`` (sorted, may repeat) that is in ``wanted``,
    sorted (the candidate edges of pairs: :func:`introducible_edges`).

    Where ``wanted`` ascends (distinct pairs, as they come), each key is searched from
    where the one before it was found, galloping (1, 2, 4, ... keys on) before it
    bisects: a few steps near the last instead of a bisection of all the keys, which at
    10,000 firms (a quarter of a million edges) mostly misses the cache."""
    count = 0
    n = len(keys)
    lo = np.empty(len(wanted), dtype=np.int64)
    hi = np.empty(len(wanted), dtype=np.int64)
    for x in range(len(wanted)):
        start = lo[x - 1] if x and wanted[x] >= wanted[x - 1] else 0
        lo[x] = _gallop_left(keys, wanted[x], start)
        hi[x] = _search_right(keys, wanted[x], lo[x], n)
        count += hi[x] - lo[x]
    rows = np.empty(count, dtype=np.int64)
    k = 0
    for x in range(len(wanted)):
        for y in range(lo[x], hi[x]):
            rows[k] = order[y]
            k += 1
    radix_sort(rows)
    return rows


@kernel
def reputation_links(sup, rec, n):  # pragma: no cover - compiled
    """Who hears about whom from a common partner, over the links ``sup[x] <-> rec[x]``
    among ``n`` firms (:func:`.trust._reputation_links`).

    The links in both directions, distinct and sorted by key ``hub x n + other``
    (:func:`links_by_hub`); the positions ``ki``, ``kj`` of every two links (k, i),
    (k, j) of a hub, i != j (:func:`hub_pairs`), and the pair keys to look up: of
    (i, j) for each such two, of (i, k) and of (k, i) for every link.
    """
    hub, other = links_by_hub(sup, rec, n)
    ki, kj = hub_pairs(hub, -1)
    pair = np.empty(len(ki), dtype=np.int64)
    for x in range(len(ki)):
        pair[x] = other[ki[x]] * n + other[kj[x]]
    return ki, kj, pair, other * n + hub, hub * n + other


@kernel
def merge_into(keys, values, n, new_keys, new_values):  # pragma: no cover - compiled
    """Merge sorted ``new_keys`` (none of them among the first ``n`` of ``keys``, which
    are sorted) and their ``new_values`` into ``keys[:n]``, ``values[:n]``, in place:
    from the back, so nothing is allocated (``keys`` has room for them). The result is
    ``np.insert`` at ``np.searchsorted(keys[:n], new_keys)``.

    Examples
    --------
    >>> keys, values = np.array([2, 5, 9, 0, 0]), np.array([0, 1, 2, 0, 0])
    >>> merge_into(keys, values, 3, np.array([1, 7]), np.array([3, 4]))
    >>> keys.tolist(), values.tolist()
    ([1, 2, 5, 7, 9], [3, 0, 1, 4, 2])
    """
    i, j = n - 1, len(new_keys) - 1
    for w in range(n + len(new_keys) - 1, -1, -1):
        if j < 0:   # the rest stays where it is
            return
        if i >= 0 and keys[i] > new_keys[j]:
            keys[w], values[w] = keys[i], values[i]
            i -= 1
        else:
            keys[w], values[w] = new_keys[j], new_values[j]
            j -= 1


@kernel
def pair_slots(key_buffer, slot_buffer, n, keys, out, start, src,
               dst, n_firms):  # pragma: no cover - compiled
    """:meth:`.trust.PairStore.slots` in one call where the store has room: the slot of
    each of ``keys`` in the sorted index (the first ``n`` of ``key_buffer``,
    ``slot_buffer``) into ``out``; the distinct keys absent there added as
    :func:`add_pairs` adds them (slots from ``start``, firms ``src``, ``dst``) if the
    slot arrays and the index buffers have room for them. Returns how many were added,
    or minus how many are absent where there is no room (nothing is added then, ``out``
    is -1 where absent: the caller grows the arrays and calls :func:`add_pairs`).

    Examples
    --------
    >>> keys, slots = np.array([3, 8, 0, 0, 0]), np.array([1, 0, 0, 0, 0])
    >>> src, dst = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
    >>> out = np.empty(4, dtype=np.int64)
    >>> pair_slots(keys, slots, 2, np.array([8, 5, 5, 2]), out, 2, src, dst, 3)
    2
    >>> out.tolist(), keys.tolist(), slots.tolist(), src.tolist(), dst.tolist()
    ([0, 3, 3, 2], [2, 3, 5, 8, 0], [2, 1, 3, 0, 0], [0, 0, 0, 1], [0, 0, 2, 2])
    >>> pair_slots(keys, slots, 4, np.array([1, 5]), out[:2], 4, src, dst, 3)
    -1
    """
    absent = 0
    for k in range(len(keys)):
        at = _search_left(key_buffer, keys[k], 0, n)
        if at < n and key_buffer[at] == keys[k]:
            out[k] = slot_buffer[at]
        else:
            out[k] = -1
            absent += 1
    if absent == 0:
        return 0
    new_keys = _absent_keys(keys, out, absent)
    added = len(new_keys)
    if start + added > len(src) or n + added > len(key_buffer):
        return -added
    for k in range(added):
        src[start + k], dst[start + k] = new_keys[k] // n_firms, new_keys[k] % n_firms
    for k in range(len(keys)):
        if out[k] < 0:
            out[k] = start + _search_left(new_keys, keys[k], 0, added)
    merge_into(key_buffer, slot_buffer, n, new_keys, np.arange(start, start + added))
    return added


@kernel
def _absent_keys(keys, out, absent):  # pragma: no cover - compiled
    """The distinct ``keys`` whose ``out`` is -1 (``absent`` of them, counting repeats),
    sorted."""
    missing = np.empty(absent, dtype=np.int64)
    m = 0
    for k in range(len(keys)):
        if out[k] < 0:
            missing[m] = keys[k]
            m += 1
    missing.sort()
    distinct = 0
    for k in range(absent):
        if k == 0 or missing[k] != missing[k - 1]:
            missing[distinct] = missing[k]
            distinct += 1
    return missing[:distinct]


@kernel
def add_pairs(key_buffer, slot_buffer, n, keys, out, start, src, dst,
              n_firms):  # pragma: no cover - compiled
    """Give the distinct ``keys`` whose ``out`` is -1 (:func:`pair_slots`) consecutive
    slots from ``start`` in the order of their keys, their firms ``src``, ``dst`` (key
    ``i * n_firms + j``), their place in the index (the first ``n`` of ``key_buffer``,
    ``slot_buffer``, which have room: :func:`merge_into`) and their slots in ``out``.

    Examples
    --------
    >>> keys, slots = np.array([3, 8, 0, 0]), np.array([1, 0, 0, 0])
    >>> src, dst = np.zeros(4, dtype=np.int64), np.zeros(4, dtype=np.int64)
    >>> out = np.array([0, -1, -1, -1])
    >>> add_pairs(keys, slots, 2, np.array([8, 5, 5, 2]), out, 2, src, dst, 3)
    >>> out.tolist(), keys.tolist(), slots.tolist(), src.tolist(), dst.tolist()
    ([0, 3, 3, 2], [2, 3, 5, 8], [2, 1, 3, 0], [0, 0, 0, 1], [0, 0, 2, 2])
    """
    absent = 0
    for k in range(len(keys)):
        if out[k] < 0:
            absent += 1
    new_keys = _absent_keys(keys, out, absent)
    new_slots = np.arange(start, start + len(new_keys))
    for k in range(len(new_keys)):
        src[start + k], dst[start + k] = new_keys[k] // n_firms, new_keys[k] % n_firms
    for k in range(len(keys)):
        if out[k] < 0:
            out[k] = start + _search_left(new_keys, keys[k], 0, len(new_keys))
    merge_into(key_buffer, slot_buffer, n, new_keys, new_slots)


@kernel
def worth_proposing(edges, surplus, capex, annual_of, cofund_share,
                    budget):  # pragma: no cover - compiled
    """The broker's matches worth proposing (:meth:`.agents.Facilitator._broker`), in one
    pass over its candidates instead of a numpy pass per step.

    Each match's yearly capex is ``annual_of[edge]``; the co-funding share offered to
    each is :func:`.cofunding.offer`'s, deal by deal in order as
    :func:`.kernels.cofund_shares` gives it (the share where the deal is additional and
    its cost fits what is left of ``budget``; none at all where ``budget <= 0``). Returns
    the matches whose surplus with it (``surplus + annual x share``) is positive: their
    edges, shares and those surpluses, in order.

    Examples
    --------
    Only the first match is co-funded (the budget pays one); the second pays anyway:

    >>> edges, annual = np.array([4, 7, 9]), np.array([0, 0, 0, 0, 20.0, 0, 0, 5.0, 0, 8.0])
    >>> worth_proposing(edges, np.array([-5.0, 2.0, -1.0]), np.array([40.0, 9.0, 40.0]),
    ...                 annual, 0.5, 30.0)
    (array([4, 7]), array([0.5, 0. ]), array([5., 2.]))
    """
    n = len(edges)
    kept, kept_share, kept_surplus = np.empty(n, dtype=edges.dtype), np.empty(n), np.empty(n)
    left, m = budget, 0
    for k in range(n):
        without, annual = surplus[k], annual_of[edges[k]]
        share = 0.0
        if budget > 0:   # cofund_shares' rule, deal k
            share, left = cofund_one(without, annual, capex[k], cofund_share, left)
        with_share = without + annual * share
        if with_share > 0:
            kept[m], kept_share[m], kept_surplus[m] = edges[k], share, with_share
            m += 1
    return kept[:m].copy(), kept_share[:m].copy(), kept_surplus[:m].copy()


#: :func:`memo_lookup`'s answer for a key the table does not hold (a slot is -1 or more)
MEMO_MISSING = -2
#: Knuth's multiplicative hash constant (2**64 / golden ratio)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(inline="always")
def _home(key, mask):  # pragma: no cover - compiled
    """A key's first place in a table of ``mask + 1`` rows (a power of two): the high
    half of its multiplicative hash (pair keys ``i x n + j`` of nearby firms spread)."""
    return np.int64((np.uint64(key) * _GOLDEN) >> np.uint64(32)) & mask


@kernel
def memo_lookup(table, keys, out):  # pragma: no cover - compiled
    """The value held for each of ``keys`` (non-negative) in an open-addressing hash
    table (rows ``(key, value)``, a power of two of them, key -1: empty; linear probing),
    into ``out``; :data:`MEMO_MISSING` where it holds none. Returns how many are missing.

    A few tens of thousands of keys looked up among as many held: one or two probes
    each in a table that stays in cache, where a binary search of a sorted array makes
    some fifteen dependent reads (:class:`.trust.SlotMemo`).

    Examples
    --------
    >>> table = memo_insert(np.full((4, 2), -1, dtype=np.int64), np.array([7, 12]),
    ...                     np.array([0, -1]), 0)
    >>> out = np.empty(3, dtype=np.int64)
    >>> memo_lookup(table, np.array([12, 5, 7]), out), out.tolist()
    (1, [-1, -2, 0])
    """
    mask = len(table) - 1
    missing = 0
    for k in range(len(keys)):
        key = keys[k]
        h = _home(key, mask)
        while True:
            held = table[h, 0]
            if held == key:
                out[k] = table[h, 1]
                break
            if held == -1:
                out[k] = MEMO_MISSING
                missing += 1
                break
            h = (h + 1) & mask
    return missing


@kernel
def memo_insert(table, keys, values, held):  # pragma: no cover - compiled
    """``table`` (see :func:`memo_lookup`, holding ``held`` keys) with ``keys`` (distinct,
    none held yet) and their ``values`` added: in place, or in a table twice as large (or
    more, rows rehashed) where it would be over half full. Returns the table."""
    rows = len(table)
    while 2 * (held + len(keys)) > rows:
        rows *= 2
    if rows != len(table):
        grown = np.full((rows, 2), -1, dtype=np.int64)
        for h in range(len(table)):
            if table[h, 0] != -1:
                _put(grown, table[h, 0], table[h, 1])
        table = grown
    for k in range(len(keys)):
        _put(table, keys[k], values[k])
    return table


@kernel
def memo_update(table, keys, values):  # pragma: no cover - compiled
    """Where ``table`` (see :func:`memo_lookup`) holds one of ``keys``, its value is now
    the key's of ``values``; keys it does not hold are left out. Returns how many it held.

    Examples
    --------
    >>> table = memo_insert(np.full((4, 2), -1, dtype=np.int64), np.array([7]),
    ...                     np.array([-1]), 0)
    >>> memo_update(table, np.array([3, 7]), np.array([5, 6]))
    1
    >>> out = np.empty(2, dtype=np.int64)
    >>> memo_lookup(table, np.array([7, 3]), out), out.tolist()
    (1, [6, -2])
    """
    mask = len(table) - 1
    found = 0
    for k in range(len(keys)):
        key = keys[k]
        h = _home(key, mask)
        while table[h, 0] != -1:
            if table[h, 0] == key:
                table[h, 1] = values[k]
                found += 1
                break
            h = (h + 1) & mask
    return found


@njit(inline="always")
def _put(table, key, value):  # pragma: no cover - compiled
    """Hold ``value`` for ``key`` (not held yet) at its first free place."""
    mask = len(table) - 1
    h = _home(key, mask)
    while table[h, 0] != -1:
        h = (h + 1) & mask
    table[h, 0], table[h, 1] = key, value


# ---------------------------------------------------------------------------------------
# A small tick's upkeep and measurement, each one call
# ---------------------------------------------------------------------------------------

@kernel
def reputation_slots(active, supplier, receiver, edge, slot_sr, slot_rs, n, index_keys,
                     index_slots, memo, count):  # pragma: no cover - compiled
    """The reputation pulls (:func:`pass_reputation`) of the ``active`` exchanges (a mask
    over the rows of ``supplier``, ``receiver`` and their ``edge``): the links of
    :func:`.trust._reputation_links` with their slots found in the same pass, as rows
    ``(ij, in_hub[ki], of_hub[kj])`` of the hub pairs whose pair (i, j) has a slot (one
    array: a returned array costs numba 0.75 us to box). Fewer than two active
    exchanges: none (as :meth:`.trust.TrustUpkeep._reputation_pulls`).

    A link's two pairs are its exchange edge's (``slot_sr``, ``slot_rs``: a pair has one
    slot, whichever edge names it); the pairs (i, j) of two links of a hub are found in
    ``memo``, a hash table of the pairs looked up before (:func:`memo_lookup`'s, a
    :class:`.trust.SlotMemo`'s, ``count[0]`` keys held), else in the store's sorted
    index (``index_keys``, ``index_slots``: the search of :meth:`.trust.PairStore.
    _lookup`, -1 where absent) and then held in ``memo`` while it is at most half full.
    ``count[1]`` becomes the number of pairs asked. At 600 firms the index (30,000 keys)
    is mostly out of cache by the time the links change (every tick), and its searches
    made half of this pass; a tick's few hundred pairs are mostly last tick's, in a
    table of a few dozen kilobytes."""
    m = 0
    for r in range(len(active)):
        if active[r]:
            m += 1
    if m < 2:
        return np.zeros((0, 3), dtype=np.int32)
    # both directions of each link: its key (hub x n + other), the slot of (hub, other)
    # and of (other, hub); sorted by key, one of each (links_by_hub's order)
    keys = np.empty(2 * m, dtype=np.int64)
    of_slot = np.empty(2 * m, dtype=np.int64)
    in_slot = np.empty(2 * m, dtype=np.int64)
    x = 0
    for r in range(len(active)):
        if active[r]:
            s, q, e = supplier[r], receiver[r], edge[r]
            keys[x], of_slot[x], in_slot[x] = s * n + q, slot_sr[e], slot_rs[e]
            keys[m + x], of_slot[m + x], in_slot[m + x] = q * n + s, slot_rs[e], slot_sr[e]
            x += 1
    order = radix_order(keys)   # (a pair's slots are the same whichever link names it)
    links = 0
    for y in range(2 * m):
        if links == 0 or keys[order[y]] != keys[order[links - 1]]:
            order[links] = order[y]
            links += 1
    hub = np.empty(links, dtype=np.int64)
    other = np.empty(links, dtype=np.int64)
    in_hub = np.empty(links, dtype=np.int64)
    of_hub = np.empty(links, dtype=np.int64)
    for y in range(links):
        o = order[y]
        hub[y], other[y] = keys[o] // n, keys[o] % n
        in_hub[y], of_hub[y] = in_slot[o], of_slot[o]
    ki, kj = hub_pairs(hub, -1)
    # the pairs not held in the memo: a hub's pairs (i, j) for one i come in ascending
    # keys, each searched from where the one before it was found (galloping), the first
    # of a run by bisection
    size, mask = len(index_keys), len(memo) - 1
    pulls = np.empty((len(ki), 3), dtype=np.int32)   # (slots: a store's are int32)
    has = pos = 0
    searched = -1
    for y in range(len(ki)):
        key = other[ki[y]] * n + other[kj[y]]
        h = _home(key, mask)
        while memo[h, 0] != key and memo[h, 0] != -1:
            h = (h + 1) & mask
        if memo[h, 0] == key:
            slot = memo[h, 1]
        else:   # h: the first free place of the key's probe (the table is never full)
            pos = (_gallop_left(index_keys, key, pos) if key >= searched
                   else _search_left(index_keys, key, 0, size))
            searched = key
            slot = index_slots[pos] if pos < size and index_keys[pos] == key else -1
            if 2 * (count[0] + 1) <= len(memo):
                memo[h, 0], memo[h, 1] = key, slot
                count[0] += 1
        if slot >= 0:
            pulls[has, 0], pulls[has, 1] = slot, in_hub[ki[y]]
            pulls[has, 2] = of_hub[kj[y]]
            has += 1
    count[1] = len(ki)
    return pulls[:has].copy()


@kernel
def trust_upkeep(trust, met, contact, baseline, rate, pulls, initial,
                 weight):  # pragma: no cover - compiled
    """A tick's trust upkeep (:meth:`.trust.TrustUpkeep._update_trust`):
    :func:`decay_idle`, then :func:`pass_reputation` over the ``pulls`` as
    :func:`reputation_slots` returns them (none: no reputation)."""
    decay_idle(trust, met, contact, baseline, rate)
    if len(pulls):
        pass_reputation(trust, pulls, initial, weight)


@kernel
def firm_traits(size, member, helped, support, sme_code, large_code, budget_sme,
                budget_large, trust_sme, trust_large, capital_sme,
                capital_large):  # pragma: no cover - compiled
    """Search budget, signing threshold and capital access of every firm
    (:func:`.model._traits`): a firm's own value by size class (``large_code``: the large
    firm's, else the SME's), moved a share ``support`` of the way toward the large
    firm's where the firm is an SME (``sme_code``) and, if ``helped``, a ``member``
    (``own + share x (large - own)``, the share 0.0 for the others)."""
    n = len(size)
    budget, min_trust, capital = np.empty(n), np.empty(n), np.empty(n)
    for f in range(n):
        share = support if helped and size[f] == sme_code and member[f] else 0.0
        large = size[f] == large_code
        own = budget_large if large else budget_sme
        budget[f] = own + share * (budget_large - own)
        own = trust_large if large else trust_sme
        min_trust[f] = own + share * (trust_large - own)
        own = capital_large if large else capital_sme
        capital[f] = own + share * (capital_large - own)
    return budget, min_trust, capital


@kernel
def closing_rows(closing, active, supplier, receiver, status, open_code, book_edge,
                 edge_supplier, edge_receiver):  # pragma: no cover - compiled
    """What firms ``closing`` (a mask) leave (:meth:`.demography.Demography._close`): the
    rows of the active exchanges one of whose firms closes, and of the negotiations
    whose ``status`` is ``open_code`` on an edge one of whose firms closes, in row order."""
    hit = np.empty(len(active), dtype=np.int64)
    m = 0
    for r in range(len(active)):
        if active[r] and (closing[supplier[r]] or closing[receiver[r]]):
            hit[m] = r
            m += 1
    talks = np.empty(len(status), dtype=np.int64)
    k = 0
    for r in range(len(status)):
        e = book_edge[r]
        if status[r] == open_code and (closing[edge_supplier[e]] or closing[edge_receiver[e]]):
            talks[k] = r
            k += 1
    return hit[:m].copy(), talks[:k].copy()


@kernel
def take_over_sites(firms, n_firms, src, dst, trust, aware, met, initial_trust, stream_firm,
                    need_firm, stream_level, need_level, need_starved, need_share,
                    starved_marker):  # pragma: no cover - compiled
    """Newcomers take over the sites ``firms`` (:meth:`.demography.Demography.
    _newcomers`): every pair slot with one of them at either end (``src``, ``dst``:
    :func:`.demography.pairs_of`) starts again at ``initial_trust``, unaware, not met;
    their streams and needs run at level 1, the needs unstarved
    (``starved_marker``: never ran) with no received share."""
    taken = np.zeros(n_firms, dtype=np.bool_)
    for f in firms:
        taken[f] = True
    for i in range(len(trust)):
        if taken[src[i]] or taken[dst[i]]:
            trust[i] = initial_trust
            aware[i] = False
            met[i] = False
    for i in range(len(stream_firm)):
        if taken[stream_firm[i]]:
            stream_level[i] = 1.0
    for i in range(len(need_firm)):
        if taken[need_firm[i]]:
            need_level[i] = 1.0
            need_starved[i] = starved_marker
            need_share[i] = 0.0


@kernel
def rows_below(u, h, rows):  # pragma: no cover - compiled
    """``(u < h).nonzero()[0]`` into ``rows`` (as long as ``u`` at least): the positions
    of the draws below ``h``, in order; returns how many (a scalar: nothing is boxed)."""
    k = 0
    for x in range(len(u)):
        if u[x] < h:
            rows[k] = x
            k += 1
    return k


@kernel
def measure_step(topology, t, active, ex_edge, first, ended, reason, internal, status,
                 book_edge, open_code, trust, met, src, dst, slot_sr, slot_rs,
                 edge_supplier, edge_receiver, n_firms, firm_open, firm_member,
                 initial_trust, savings, costs, stranded, delivered, unit_t, unit_mwh,
                 unit_m3, supplier, receiver):  # pragma: no cover - compiled
    """:meth:`.measurement.Measurement._measure`'s compiled part in one call: how many
    exchanges are active, :func:`measure_tick`'s figures and, if ``topology`` (the
    active exchanges changed), :func:`exchange_topology` of their links ``supplier ->
    receiver`` (else ``(0, 0, 0)``: the caller's remembered figures stand)."""
    act, figures = measure_tick(t, active, ex_edge, first, ended, reason, internal, status,
                                book_edge, open_code, trust, met, src, dst, slot_sr,
                                slot_rs, edge_supplier, edge_receiver, n_firms, firm_open,
                                firm_member, initial_trust, savings, costs, stranded,
                                delivered, unit_t, unit_mwh, unit_m3)
    shape = (0, 0, 0)
    if topology:
        shape = exchange_topology(supplier[act], receiver[act], n_firms)
    return len(act), figures, shape


# --- The facilitator's event in few compiled calls ------------------------------

__all__ += ["open_split", "ordered_pairs", "meet_pairs"]


@kernel
def open_split(firm_open, member):  # pragma: no cover - compiled
    """The open firms (ascending) that are ``member``s and those that are not, in one
    pass (the convener's pools, ``Facilitator._convene``).

    Examples
    --------
    >>> open_split(np.array([True, True, False, True]), np.array([False, True, True, False]))
    (array([1]), array([0, 3]))
    """
    n = len(firm_open)
    members, others = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    m = o = 0
    for f in range(n):
        if firm_open[f]:
            if member[f]:
                members[m] = f
                m += 1
            else:
                others[o] = f
                o += 1
    return members[:m].copy(), others[:o].copy()


@kernel
def ordered_pairs(attendees):  # pragma: no cover - compiled
    """Every ordered pair of distinct ``attendees``, row by row (``np.repeat`` and
    ``np.tile`` of the attendees, the diagonal dropped): firms ``i`` and ``j``.

    Examples
    --------
    >>> ordered_pairs(np.array([5, 2, 7]))
    (array([5, 5, 2, 2, 7, 7]), array([2, 7, 5, 7, 5, 2]))
    """
    n = len(attendees)
    i, j = np.empty(n * n, dtype=np.int64), np.empty(n * n, dtype=np.int64)
    k = 0
    for a in range(n):
        for b in range(n):
            if attendees[a] != attendees[b]:
                i[k], j[k] = attendees[a], attendees[b]
                k += 1
    return i[:k].copy(), j[:k].copy()


@kernel
def meet_pairs(slots, trust, aware, met, contact, gain):  # pragma: no cover - compiled
    """Pairs ``slots`` meet at an event: trust a share ``gain`` of the way to 1
    (:func:`.trust.toward`, clipped to [0, 1]), aware, met and in contact.

    Examples
    --------
    >>> trust, flags = np.array([0.2, 0.5]), [np.zeros(2, np.bool_) for _ in range(3)]
    >>> meet_pairs(np.array([1]), trust, *flags, 0.5)
    >>> trust.tolist(), flags[0].tolist()
    ([0.2, 0.75], [False, True])
    """
    for s in slots:
        trust[s] = _unit(trust[s] + gain * (1.0 - trust[s]))
        aware[s] = met[s] = contact[s] = True


# --- The broker's look at its matches: the input watch's marks and the priced surpluses
# kept, each in one compiled pass (terms.py, input_watch.py) --------------------------------


@njit(inline="always")
def _mark_moved(now, seen, starts, members, dirty):  # pragma: no cover - compiled
    """:func:`.kernels.mark_changed` over every item (``now``: their bits): the items
    whose bits differ from ``seen`` are written into it and their edges marked
    (``members[starts[i]:starts[i + 1]]``, or the run ``starts[i]`` up to
    ``starts[i + 1]`` where ``members`` is empty: edges sorted by item). (Comparing
    blocks of values first was slower: at 600 firms half of the blocks of 32 trusts hold
    one that moved.)"""
    for i in range(len(seen)):
        if now[i] != seen[i]:
            seen[i] = now[i]
            if len(members) == 0:
                dirty[starts[i]:starts[i + 1]] = True
            else:
                for j in range(starts[i], starts[i + 1]):
                    dirty[members[j]] = True


@kernel
def mark_inputs(stream_volume, stream_level, stream_made, stream_committed, need_volume,
                need_level, need_committed, trust, routes, route_keys, stream_seen,
                need_seen, slot_seen, route_seen, stream_starts, need_starts, need_members,
                slot_starts, slot_members, route_starts, route_members, stream_dirty,
                dirty):  # pragma: no cover - compiled
    """:meth:`.input_watch.InputWatch.mark` on the free volumes' terms, in one call: each
    stream's free volume (``DealTerms.stream_free``: volume x level x made - committed)
    and each need's (``need_free``: volume x level - committed), the first
    ``len(slot_seen)`` trusts and the ``routes``' keys (``route_keys``; both compared by
    their bits, viewed here: contiguous float arrays); the edges of every value whose
    bits differ from those seen are marked (a stream's in ``stream_dirty``, the others'
    in ``dirty``) and the bits written
    into the ``*_seen`` arrays: what the four :func:`.kernels.mark_changed` calls on
    ``stream_free()``, ``need_free()``, ``trust[:n_slots]`` and the routes' keys did,
    without the temporaries of the free volumes.

    Examples
    --------
    Stream 1 (edges 1, 2) and need 0 (edge 2) change; the trusts and routes do not:

    >>> f, i32 = np.ones(2), lambda *v: np.array(v, dtype=np.int32)
    >>> bits = lambda v: np.asarray(v, dtype=float).view(np.int64).copy()
    >>> seen = [bits([1.0, 5.0]), bits([1.0, 1.0]), bits([0.5]), np.zeros(0, np.int64)]
    >>> marks = np.zeros(3, np.bool_), np.zeros(3, np.bool_)
    >>> none = np.zeros(0, np.int64)
    >>> mark_inputs(f, f, f, np.zeros(2), f, f, np.array([1.0, 0.0]), np.array([0.5, 0.2]),
    ...             none, np.zeros(0), *seen, i32(0, 1, 3), i32(0, 1, 3), i32(2, 0, 1),
    ...             i32(0, 1), i32(0), i32(0), i32(), *marks)
    >>> [m.tolist() for m in marks], seen[0].view(float).tolist()
    ([[False, True, True], [False, False, True]], [1.0, 1.0])
    """
    n = len(stream_seen)
    free = np.empty(n)
    for i in range(n):
        free[i] = stream_volume[i] * stream_level[i] * stream_made[i] - stream_committed[i]
    _mark_moved(free.view(np.int64), stream_seen, stream_starts, stream_starts[:0],
                stream_dirty)
    n = len(need_seen)
    room = np.empty(n)
    for i in range(n):
        room[i] = need_volume[i] * need_level[i] - need_committed[i]
    _mark_moved(room.view(np.int64), need_seen, need_starts, need_members, dirty)
    _mark_moved(trust[:len(slot_seen)].view(np.int64), slot_seen, slot_starts,
                slot_members, dirty)
    route_bits = route_keys.view(np.int64)
    for k in range(len(routes)):   # (routes repeat: one per asset)
        r = routes[k]
        if route_bits[k] != route_seen[r]:
            route_seen[r] = route_bits[k]
            for j in range(route_starts[r], route_starts[r + 1]):
                dirty[route_members[j]] = True


@kernel
def cofund_priced(out, rows, cofund_share, budget):  # pragma: no cover - compiled
    """:func:`.kernels.cofund_shares` on deals just priced (``out``:
    :func:`.kernels.price_deals`' rows; ``rows``: the indices of its surplus, capex and
    annuity factor rows): each deal's surplus without co-funding, capex and yearly capex
    (capex x annuity factor) read where they were priced, the rule applied deal by deal in
    order (:func:`.kernels.cofund_one`), what :func:`.cofunding.offer` does with the terms
    and info of :meth:`~.terms.DealTerms.expected_terms`.

    Examples
    --------
    >>> out = np.array([[-5.0, 3.0, -1.0], [40.0, 40.0, 40.0], [0.5, 0.5, 0.025]])
    >>> cofund_priced(out, np.array([0, 1, 2]), 0.5, 30.0).tolist()
    [0.5, 0.0, 0.0]
    """
    s_row, c_row, f_row = rows[0], rows[1], rows[2]
    share = np.zeros(out.shape[1])
    left = budget
    for k in range(out.shape[1]):
        capex = out[c_row, k]
        share[k], left = cofund_one(out[s_row, k], capex * out[f_row, k], capex,
                                    cofund_share, left)
    return share


@kernel
def stale_edges(edges, stream, need, stream_volume, stream_level, stream_made,
                stream_committed, need_volume, need_level, need_committed, trust, slot_sr,
                slot_rs, tick, edge_route, route_asset, until, changes, edge_user,
                seen):  # pragma: no cover - compiled
    """The ``edges`` whose remembered surplus is stale, without a watch, in one call: the
    route assets' keys of ``edges`` (:func:`.kernels.asset_state_keys`, as
    ``AssetBook.state_key`` gives them), the five inputs of each compared with those
    ``seen`` and written there (:func:`.kernels.refresh_inputs`), and the stale ones taken
    (``edges[mask]``).

    Examples
    --------
    >>> i, f, z = np.zeros(1, dtype=np.int64), np.ones(1), np.zeros(1)
    >>> free = (f, f, f, z, f, f, z)   # stream: volume, level, made, committed; need: ...
    >>> no_asset = (i, np.full(1, -1), i[:0], i[:0], np.full(1, -1))
    >>> seen = np.full((1, 5), np.nan)
    >>> stale_edges(i, i, i, *free, f, i, i, 0, *no_asset, seen).tolist()
    [0]
    >>> stale_edges(i, i, i, *free, f, i, i, 0, *no_asset, seen).tolist()
    []
    """
    keys = asset_state_keys(edges, tick, edge_route, route_asset, until, changes, edge_user)
    stale = refresh_inputs(edges, stream, need, stream_volume, stream_level, stream_made,
                           stream_committed, need_volume, need_level, need_committed, trust,
                           slot_sr, slot_rs, keys, seen)
    return edges[stale]


# --- Delivery in one pass, with the run's constants in two arrays --------------------
# A tick's delivery phase as one call (worn lines found, deliveries, the inputs' tracking),
# with what is fixed for a run gathered into two arrays: numba's dispatch costs about
# 40 ns an array argument, so the run's constants travel as two arrays, not eleven.

#: the scalars at the head of :func:`delivery_fixed`'s float array, in this order
DELIVERY_SCALARS = ("tpy", "n_resources", "tolerance", "gain", "loss", "trust_break",
                    "alpha", "patience", "input_alpha", "n_produced")


#: the exchange columns :func:`deliver_pass` reads and writes, in the order of the rows
#: :func:`delivery_fixed` is given (``np.int64`` columns, then ``float`` ones)
DELIVERY_INT_COLUMNS = ("first", "end", "edge", "asset", "stream", "need", "supplier",
                        "receiver", "resource", "losing_ticks")
DELIVERY_FLOAT_COLUMNS = ("volume", "price", "tc_supplier", "tc_receiver", "transport_unit",
                          "annuity", "delivered", "paid", "avg_supplier", "avg_receiver",
                          "expected_supplier", "expected_receiver", "priced_annuity",
                          "planned", "disposal_unit", "virgin_unit")


def delivery_fixed(scalars: dict, stream_volume: np.ndarray, need_volume: np.ndarray,
                   positive: np.ndarray, safe: np.ndarray, produced: np.ndarray,
                   k: np.ndarray, follows: np.ndarray, scale: np.ndarray,
                   divisor: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`deliver_pass` reads that is fixed for a run, as one float array (the
    :data:`DELIVERY_SCALARS`, then ``stream_volume``, ``need_volume``, ``safe``,
    ``scale`` and ``divisor``) and one integer array (``positive``, ``follows``,
    ``produced``, ``k``, ``columns``); the tables of :func:`track_inputs` as
    :meth:`.lifecycle.Lifecycle._input_tables` makes them, and ``columns`` the rows of
    :data:`DELIVERY_INT_COLUMNS` in the exchanges' integer block, then those of
    :data:`DELIVERY_FLOAT_COLUMNS` in their float block (:meth:`.columns.Columns.row`).

    Examples
    --------
    >>> s = dict.fromkeys(DELIVERY_SCALARS, 1.0)
    >>> f, i = delivery_fixed(s, np.ones(2), np.ones(3), np.ones(3, bool), np.ones(3),
    ...                       np.zeros(1, int), np.zeros(1, int), np.ones(1, bool),
    ...                       np.ones(1), np.ones(1), np.arange(26))
    >>> len(f), len(i), float(f[9])
    (20, 32, 1.0)
    """
    head = np.array([float(scalars[name]) for name in DELIVERY_SCALARS])
    head[DELIVERY_SCALARS.index("n_produced")] = len(produced)
    floats = np.concatenate([head, stream_volume, need_volume, safe, scale, divisor])
    ints = np.concatenate([positive, follows, produced, k, columns]).astype(np.int64)
    return floats, ints


@kernel
def deliver_pass(t, check_worn, active, ex_ints, ex_floats, paid_off, until, slot_sr,
                 slot_rs, trust, contact, stream_ratio, stream_committed, need_ratio,
                 need_committed, need_season_now, stream_season_now, disposal_now,
                 virgin_now, firm_savings, firm_paid_in, firm_paid_out, need_share,
                 stream_made, fixed, index):  # pragma: no cover - compiled
    """:meth:`.contracts.ContractBook._deliver`'s compiled work in one call: if
    ``check_worn`` and an active, delivering exchange's asset is worn out
    (:func:`worn_rows` not empty), nothing is done and the rows' head is ``-1`` (the
    caller replaces the worn lines, then calls again without the check); else the
    arithmetic of :func:`deliver_tick` (:func:`deliver_contracts`,
    :func:`trust_after_delivery`, the broken pairs, :func:`track_profit`) and then
    :func:`track_inputs` on what each need received, in the same order, in one loop
    nest with a few scratch arrays (``tests/test_delivery_pass6.py`` holds it to them).

    ``active`` is the exchanges' column, ``ex_ints`` and ``ex_floats`` their integer and
    float blocks (:meth:`.columns.Columns.block`), whose rows of
    :data:`DELIVERY_INT_COLUMNS` and :data:`DELIVERY_FLOAT_COLUMNS` ``index`` gives.
    ``fixed`` and ``index`` are :func:`delivery_fixed`'s arrays. Returns two arrays:
    the rows (the counts of the delivering, ``lost`` and ``losing`` rows; the delivering
    rows, their streams and needs; the lost rows, the losing rows, whether each one's
    supplier is the side losing (0 or 1); the active rows whose term ends) and the
    amounts (what each delivering row delivered, then the volume per resource).
    """
    n_rows = len(active)
    c = index[len(need_ratio) + 3 * int(fixed[9]):]   # the columns' rows in the blocks
    first, end, edge, asset = (ex_ints[c[0], :n_rows], ex_ints[c[1], :n_rows],
                               ex_ints[c[2], :n_rows], ex_ints[c[3], :n_rows])
    stream, need, supplier, receiver = (ex_ints[c[4], :n_rows], ex_ints[c[5], :n_rows],
                                        ex_ints[c[6], :n_rows], ex_ints[c[7], :n_rows])
    resource, losing_ticks = ex_ints[c[8], :n_rows], ex_ints[c[9], :n_rows]
    volume, price, tc_supplier, tc_receiver = (ex_floats[c[10], :n_rows],
                                               ex_floats[c[11], :n_rows],
                                               ex_floats[c[12], :n_rows],
                                               ex_floats[c[13], :n_rows])
    transport_unit, annuity = ex_floats[c[14], :n_rows], ex_floats[c[15], :n_rows]
    ex_delivered, ex_paid = ex_floats[c[16], :n_rows], ex_floats[c[17], :n_rows]
    avg_supplier, avg_receiver = ex_floats[c[18], :n_rows], ex_floats[c[19], :n_rows]
    expected_supplier, expected_receiver = (ex_floats[c[20], :n_rows],
                                            ex_floats[c[21], :n_rows])
    priced_annuity, planned = ex_floats[c[22], :n_rows], ex_floats[c[23], :n_rows]
    disposal_unit, virgin_unit = ex_floats[c[24], :n_rows], ex_floats[c[25], :n_rows]
    if check_worn:
        for r in range(n_rows):
            a = asset[r]
            if active[r] and a >= 0 and first[r] <= t and until[a] <= t:
                return np.full(3, -1, dtype=np.int64), np.empty(0)
    tpy, n_resources = fixed[0], int(fixed[1])
    tolerance, gain, loss, trust_break = fixed[2], fixed[3], fixed[4], fixed[5]
    alpha, patience, input_alpha, n_produced = fixed[6], fixed[7], fixed[8], int(fixed[9])
    ns, nn = len(stream_ratio), len(need_ratio)
    o = len(DELIVERY_SCALARS)
    stream_volume = fixed[o:o + ns]
    need_volume = fixed[o + ns:o + ns + nn]
    # deliver_contracts: the lines being built first, in row order
    act = np.empty(n_rows, dtype=np.int64)
    due = np.empty(n_rows)
    m = 0
    for r in range(n_rows):
        if not active[r]:
            continue
        a = asset[r]
        d = 1.0 if a >= 0 and not paid_off[a] and until[a] > t else 0.0
        if first[r] > t:
            contact[slot_sr[edge[r]]] = True
            contact[slot_rs[edge[r]]] = True
            firm_savings[receiver[r]] -= annuity[r] * d / tpy
        else:
            act[m], due[m] = r, d
            m += 1
    amounts = np.empty(m + n_resources)
    delivered = amounts[:m]
    by_resource = amounts[m:]
    scratch = np.empty((7, m))
    paid, share, pl, gain_sup, gain_rec, dev_sup, dev_rec = (
        scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5], scratch[6])
    for i in range(m):
        r = act[i]
        s, n = stream[r], need[r]
        avail = _per_committed(stream_ratio, stream_volume, stream_committed, s)
        room = _per_committed(need_ratio, need_volume, need_committed, n)
        room_plan = _per_committed(need_season_now, need_volume, need_committed, n)
        profile = stream_season_now[s]
        sh = _minimum(profile, _minimum(avail, room))
        plan = _minimum(profile, room_plan)
        mean = volume[r] / tpy
        tc_sup = tc_supplier[r] / tpy
        tc_rec = (annuity[r] * due[i] + tc_receiver[r]) / tpy
        disposal, virgin, transport = disposal_now[s], virgin_now[n], transport_unit[r]
        d = mean * sh
        p = price[r] * d
        g_sup = d * disposal + p - tc_sup
        g_rec = d * (virgin - transport) - p - tc_rec
        d_plan = mean * plan
        p_plan = price[r] * d_plan
        delivered[i], paid[i], share[i], pl[i] = d, p, sh, plan
        gain_sup[i], gain_rec[i] = g_sup, g_rec
        dev_sup[i] = g_sup - (d_plan * disposal + p_plan - tc_sup)
        dev_rec[i] = g_rec - (d_plan * (virgin - transport) - p_plan - tc_rec)
    for x in range(n_resources):
        by_resource[x] = 0.0
    for i in range(m):
        firm_savings[supplier[act[i]]] += gain_sup[i]
    for i in range(m):
        firm_savings[receiver[act[i]]] += gain_rec[i]
    for i in range(m):
        r = act[i]
        firm_paid_in[supplier[r]] += paid[i]
        firm_paid_out[receiver[r]] += paid[i]
        ex_delivered[r] += delivered[i]
        ex_paid[r] += paid[i]
        by_resource[resource[r]] += delivered[i]
    # trust_after_delivery over the delivering pairs (gain_sup is free: the new trusts)
    new = gain_sup
    for i in range(m):
        expected = pl[i]
        gap = _maximum(expected - share[i], 0.0)
        short = gap / _maximum(expected, 1e-300) if expected > 0 else 0.0
        old = trust[slot_rs[edge[act[i]]]]
        if short <= tolerance:
            new[i] = _unit(old + gain * (1.0 - old))
        else:
            new[i] = _unit(old - loss * (short - tolerance))
    for i in range(m):
        trust[slot_rs[edge[act[i]]]] = new[i]
    for i in range(m):
        old = trust[slot_sr[edge[act[i]]]]
        new[i] = _unit(old + gain * (1.0 - old))
    for i in range(m):
        e = edge[act[i]]
        trust[slot_sr[e]] = new[i]
        contact[slot_rs[e]] = True
        contact[slot_sr[e]] = True
    # the broken pairs, then track_profit over the others
    n_lost = n_over = 0
    lost = np.empty(m, dtype=np.int64)
    over = np.zeros(m, dtype=np.bool_)
    sup_loses = np.zeros(m, dtype=np.bool_)
    for i in range(m):
        r = act[i]
        if trust[slot_rs[edge[r]]] < trust_break:
            lost[n_lost] = r
            n_lost += 1
            continue
        avg_s = avg_supplier[r] + alpha * (dev_sup[i] - avg_supplier[r])
        avg_r = avg_receiver[r] + alpha * (dev_rec[i] - avg_receiver[r])
        avg_supplier[r], avg_receiver[r] = avg_s, avg_r
        fwd_sup = expected_supplier[r] + planned[r] * (disposal_now[stream[r]]
                                                         - disposal_unit[r])
        fwd_rec = (expected_receiver[r] + priced_annuity[r]
                   + planned[r] * (virgin_now[need[r]] - virgin_unit[r]))
        loses = fwd_sup / tpy + avg_s < 0
        sup_loses[i] = loses
        if loses or fwd_rec / tpy + avg_r < 0:
            losing_ticks[r] += 1
        else:
            losing_ticks[r] = 0
        over[i] = losing_ticks[r] >= patience
        if over[i]:
            n_over += 1
    n_due = 0
    for r in range(n_rows):
        if active[r] and end[r] <= t:
            n_due += 1
    rows = np.empty(3 + 3 * m + n_lost + 2 * n_over + n_due, dtype=np.int64)
    rows[0], rows[1], rows[2] = m, n_lost, n_over
    k = 3
    for i in range(m):
        r = act[i]
        rows[k + i], rows[k + m + i], rows[k + 2 * m + i] = r, stream[r], need[r]
    k += 3 * m
    for i in range(n_lost):
        rows[k + i] = lost[i]
    k += n_lost
    for i in range(m):
        if over[i]:
            rows[k], rows[k + n_over] = act[i], sup_loses[i]
            k += 1
    k += n_over
    for r in range(n_rows):
        if active[r] and end[r] <= t:
            rows[k] = r
            k += 1
    # track_inputs: what each need received, the shares, the produced streams' levels
    got = np.zeros(nn)
    for i in range(m):
        got[need[act[i]]] += delivered[i]
    o += ns + nn
    # a need that received nothing has a share of 0.0 (0.0 over its positive divisor):
    # the needs that received are updated from their old shares (kept aside, each need
    # once), then every need as one that received nothing (a loop without branches,
    # which the compiler vectorises), then the kept values written back
    kept = np.empty(m)
    hit = np.zeros(nn, dtype=np.bool_)
    n_hit = 0
    for i in range(m):
        n = need[act[i]]
        if not hit[n]:
            hit[n] = True
            sh = _unit(got[n] / fixed[o + n]) if index[n] else 0.0
            kept[n_hit] = need_share[n] + input_alpha * (sh - need_share[n])
            n_hit += 1
    for i in range(nn):
        need_share[i] = need_share[i] + input_alpha * (0.0 - need_share[i])
    n_hit = 0
    for i in range(m):
        n = need[act[i]]
        if hit[n]:
            hit[n] = False
            need_share[n] = kept[n_hit]
            n_hit += 1
    o += nn
    for x in range(n_produced):
        sh = need_share[index[nn + 2 * n_produced + x]]
        level = _unit(sh if index[nn + x] else fixed[o + x] * sh / fixed[o + n_produced + x])
        stream_made[index[nn + n_produced + x]] = np.rint(level * 100.0) / 100.0
    return rows, amounts



# --- A tick of talks, their deadlines and their decisions ----------------------------

from .kernels import (  # noqa: E402 - this section's own imports (merges stay simple)
    DEAL_FLAGS,
    DEAL_ROWS,
    FEW_DEALS,
    deal_signs,
    failure_groups,
    free_volumes,
    price_deals,
    price_few_deals,
)

#: the rows of a pricing :func:`decide_close_talks` reads (as ``DealTerms`` names them)
_D_SURPLUS, _D_SUPPLIER_GAIN, _D_RECEIVER_GAIN, _D_OWN_CAPEX = (
    DEAL_ROWS.index(name) for name in ("surplus", "supplier_gain", "receiver_gain",
                                       "own_capex"))
_D_AFFORDABLE, _D_TRIAL = DEAL_FLAGS.index("affordable"), DEAL_FLAGS.index("trial")
#: the rows the co-funding rule reads (surplus, capex, annuity factor: cofund_priced)
_D_KEPT = np.array([DEAL_ROWS.index(name) for name in ("surplus", "capex", "annuity_factor")],
                   dtype=np.int64)


@njit(inline="always")
def _priced(edges, volume, held, cofund, trial, price_inputs):  # pragma: no cover - compiled
    """``DealTerms._price(edges, volume, cofund, trial=trial, held=held)`` (the pairs' own
    trusts; ``price_inputs``: what :func:`.kernels.price_deals` reads after ``trust``
    and before ``out``, :meth:`.terms.DealTerms._price_inputs`): its rows, modes and
    flags, by :func:`.kernels.price_few_deals` up to ``FEW_DEALS`` deals and
    :func:`.kernels.price_deals` above, as it chooses."""
    k = len(edges)
    out, mode = np.empty((len(DEAL_ROWS), k)), np.empty(k, dtype=np.int64)
    flags = np.empty((len(DEAL_FLAGS), k), dtype=np.bool_)
    if k <= FEW_DEALS:
        price_few_deals(edges, volume, held, cofund, trial, np.nan, *price_inputs, out, mode,
                        flags)
    else:
        price_deals(edges, volume, held, cofund, trial, np.nan, *price_inputs, out, mode,
                    flags)
    return out, mode, flags


@kernel
def _price_some(edges, volume, cofund, trial, *price_inputs):  # pragma: no cover - compiled
    """``DealTerms._price(edges, volume, cofund, trial=trial)`` (no ``held``, the pairs'
    own trusts; ``price_inputs``: what :func:`.kernels.price_deals` reads after ``trust``
    and before ``out``): the rows ``out``, ``mode`` and ``flags`` of
    :func:`.kernels.price_deals`, or of :func:`.kernels.price_few_deals` up to
    ``FEW_DEALS`` deals, as it chooses (:func:`_priced`)."""
    return _priced(edges, volume, np.zeros(1), cofund, trial, price_inputs)


@kernel
def talks_now(status, open_code, book_edge, supplier, receiver, firm_open, firm_costs, cost,
              slot_sr, slot_rs, trust, contact, gain):  # pragma: no cover - compiled
    """:func:`talks_tick` (the same arguments and writes) with its two arrays in one: the
    open talks without a closed firm, then those with one (each in order), and how many
    have one (a returned array costs about as much as the call itself)."""
    rows, closed = talks_tick(status, open_code, book_edge, supplier, receiver, firm_open,
                              firm_costs, cost, slot_sr, slot_rs, trust, contact, gain)
    out = np.empty(len(rows), dtype=np.int64)
    k, n_closed = 0, 0
    for i in range(len(rows)):
        if not closed[i]:
            out[k] = rows[i]
            k += 1
    for i in range(len(rows)):
        if closed[i]:
            out[k + n_closed] = rows[i]
            n_closed += 1
    return out, n_closed


# --- Introductions and starvation ----------------------------------------------------


@kernel
def introducible_edges(active, sup, rec, n, max_degree, keys, order):  # pragma: no cover
    """The candidate edges between pairs sharing a partner among the exchanges ``active``
    (:meth:`.lifecycle.Lifecycle._introducible`) in one call: the active exchanges'
    links gathered, :func:`common_partner_keys` of them (each hub pairing its first
    ``max_degree`` links), the edges of those keys (:func:`rows_of_keys`, ``keys``
    sorted, ``order`` the edges' rows), sorted."""
    m = 0
    for r in range(len(active)):
        if active[r]:
            m += 1
    a = np.empty(m, dtype=np.int64)
    b = np.empty(m, dtype=np.int64)
    k = 0
    for r in range(len(active)):
        if active[r]:
            a[k] = sup[r]
            b[k] = rec[r]
            k += 1
    return rows_of_keys(keys, order, common_partner_keys(a, b, n, max_degree))


@kernel
def introduce_drawn(hit, u, chance, slot_sr, slot_rs, aware):  # pragma: no cover
    """The candidate edges ``hit`` whose draw ``u`` falls below ``chance`` become known
    both ways (``aware`` at their slots ``slot_sr``, ``slot_rs``, in place); returns how
    many (:meth:`.lifecycle.Lifecycle._introduce`).

    Examples
    --------
    >>> aware = np.zeros(4, dtype=np.bool_)
    >>> introduce_drawn(np.array([0, 1]), np.array([0.1, 0.9]), 0.5, np.array([0, 1]),
    ...                 np.array([2, 3]), aware)
    1
    >>> aware.tolist()
    [True, False, True, False]
    """
    got = 0
    for x in range(len(hit)):
        if u[x] < chance:
            aware[slot_sr[hit[x]]] = True
            aware[slot_rs[hit[x]]] = True
            got += 1
    return got


@njit(inline="always")
def _starved_next(share, count, threshold, starved_marker):  # pragma: no cover - compiled
    """A counted need's starvation counter after this tick: one more tick below
    ``threshold`` (a counter at ``starved_marker`` stays there), else back to 0.

    On scalars, not on the arrays: a helper called per need with arrays as arguments
    costs an atomic reference count up and down per array and call (numba's pruning of
    those pairs fails on its branches), some 35 ns a need, 50 times the loop's work."""
    if share < threshold:
        return count if count == starved_marker else count + 1
    return 0


@kernel
def count_starvation(key_input, firm_open, need_firm, need_starved, need_share, threshold,
                     starved_marker):  # pragma: no cover - compiled
    """The starvation counters of :func:`starved_closing` alone, for a region none of
    whose key inputs' firms may close (nothing to return, nothing boxed)."""
    for i in range(len(key_input)):   # the key inputs of open firms are counted
        if key_input[i] and firm_open[need_firm[i]]:
            need_starved[i] = _starved_next(need_share[i], need_starved[i], threshold,
                                            starved_marker)



# --- A tick's measurement in one flat pass -------------------------------------------

__all__ += ["measure_pass"]


#: Pair stores of up to this many slots are tallied slot by slot (a few dozen firms: nearly
#: every pair met, and finding set bits costs more than reading them all); larger ones by
#: :func:`tick_tallies`, by the set bits of the masks' words (most slots neither met nor
#: strong: ~95% at 10,000 firms)
_PLAIN_SLOTS = 4096


@njit(inline="always")
def _plain_tallies(t, active, first, ended, reason, internal, trust, met, strong, src, dst,
                   firm_open, firm_member):  # pragma: no cover - compiled
    """:func:`tick_tallies`, reading every pair slot; the trusts as views of its
    arrays (not copied)."""
    building = n_ended = n_internal = 0
    for r in range(len(active)):
        if active[r] and first[r] > t:
            building += 1
        if ended[r] == t:
            n_ended += 1
            if internal[reason[r]]:
                n_internal += 1
    size = len(trust)
    met_trust, strong_trust, weak_trust = np.empty(size), np.empty(size), np.empty(size)
    n_met = n_strong = n_weak = weak_pairs = 0
    for i in range(size):
        if met[i]:
            met_trust[n_met] = trust[i]
            n_met += 1
        if strong[i]:
            strong_trust[n_strong] = trust[i]
            n_strong += 1
        elif met[i]:
            weak_trust[n_weak] = trust[i]
            n_weak += 1
            if src[i] < dst[i]:
                weak_pairs += 1
    n_open = members = 0
    for f in range(len(firm_open)):
        if firm_open[f]:
            n_open += 1
            if firm_member[f]:
                members += 1
    return (building, n_ended, n_internal, weak_pairs, met_trust[:n_met],
            strong_trust[:n_strong], weak_trust[:n_weak], n_open, members)


@kernel
def measure_pass(fresh, t, active, ex_edge, first, ended, reason, supplier, receiver,
                 internal, status, book_edge, open_code, trust, met, src, dst, slot_sr,
                 slot_rs, edge_supplier, edge_receiver, firm_open, firm_member,
                 initial_trust, savings, costs, stranded, delivered, unit_t, unit_mwh,
                 unit_m3):  # pragma: no cover - compiled
    """:meth:`.measurement.Measurement._measure`'s compiled part: the figures of
    :func:`measure_step` (``n_firms`` is ``len(firm_open)``; ``src``, ``dst`` may be
    longer than ``trust``: their first ``len(trust)`` are read) as one flat tuple, in
    the order the caller unpacks them: active exchanges, open talks, strong ties,
    exchanges being built, ended, ended for an internal reason, weak ties, open firms,
    members, mean trust (met, strong, weak), diverted tonnes, MWh, m3, the firms'
    savings, costs, stranded annuities, then :func:`exchange_topology` of the active
    exchanges if ``fresh`` (else ``0, 0, 0``). The same arithmetic in the same order;
    up to :data:`_PLAIN_SLOTS` pair slots tallied by :func:`_plain_tallies`."""
    n_firms = len(firm_open)
    act, tied = active_and_talks(active, ex_edge, status, book_edge, open_code)
    strong = np.zeros(len(trust), dtype=np.bool_)
    keys = np.empty(len(tied), dtype=np.int64)
    k = 0
    for e in tied:
        strong[slot_sr[e]] = True
        strong[slot_rs[e]] = True
        a, b = edge_supplier[e], edge_receiver[e]
        if a != b:
            keys[k] = min(a, b) * n_firms + max(a, b)
            k += 1
    keys = np.sort(keys[:k])
    n_strong = 1 if k else 0
    for i in range(1, k):
        if keys[i] != keys[i - 1]:
            n_strong += 1
    if len(trust) > _PLAIN_SLOTS:
        (building, n_ended, n_internal, weak_pairs, met_trust, strong_trust, weak_trust,
         n_open, members) = tick_tallies(t, active, first, ended, reason, internal, trust,
                                         met, strong, src, dst, firm_open, firm_member)
    else:
        (building, n_ended, n_internal, weak_pairs, met_trust, strong_trust, weak_trust,
         n_open, members) = _plain_tallies(t, active, first, ended, reason, internal, trust,
                                           met, strong, src, dst, firm_open, firm_member)
    participating = n_pairs = largest = 0
    if fresh:
        participating, n_pairs, largest = exchange_topology(supplier[act], receiver[act],
                                                            n_firms)
    return (len(act), len(tied) - len(act), n_strong, building, n_ended, n_internal,
            weak_pairs, n_open, members, _mean_or(met_trust, initial_trust),
            _mean_or(strong_trust, np.nan), _mean_or(weak_trust, np.nan),
            _masked_sum(delivered, unit_t),
            _masked_sum(delivered, unit_mwh), _masked_sum(delivered, unit_m3),
            numpy_sum(savings), numpy_sum(costs), numpy_sum(stranded), participating,
            n_pairs, largest)



# --- The broker's proposals in one call ----------------------------------------------
# (issue 17: the broker's matches worth proposing, the co-funding each counts on and their
# targeting order, as far as the proposals need it, in one call where they were three and
# numpy; the seventh pass joined the first of them ranked until enough fit the firms' room)

from .kernels import room_rounds  # noqa: E402 - this section's own imports (merges stay simple)

__all__ += ["broker_proposals", "RANKED_STRATEGIES"]

#: the targeting strategies :func:`broker_proposals` orders, by their codes (places here);
#: ``random`` (numpy's draws) is ordered by its caller (:func:`.targeting.rank_matches`)
RANKED_STRATEGIES = ("largest_streams", "highest_surplus", "smes_first", "most_isolated")


@kernel
def broker_proposals(edges, surplus, capex, annual_of, cofund_share, budget, counted,
                     strategy, first, wanted, stream, need, stream_volume, disposal_cost,
                     virgin_price, supplier, receiver, firm_size, sme, negotiations,
                     max_negotiations, ex_active, ex_first, ex_supplier, ex_receiver, tick,
                     rounds):  # pragma: no cover - compiled
    """The broker's matches worth proposing (:func:`worth_proposing`), the co-funding
    share each counts on written into ``counted`` (at its edge), and, where the targeting
    ``strategy`` is one of :data:`RANKED_STRATEGIES` (its code; -1: none, the matches in
    the order given), the first of them in targeting order: enough that ``wanted`` of
    them fit the firms' room, so that the talks opened from them are those opened from
    the whole order. What ``Facilitator._broker`` did with :func:`worth_proposing`, a
    numpy write and ``Facilitator._first_ranked``:

    - the order is :func:`.targeting.rank_matches`' (:func:`.kernels.lexsort_prefix` on
      its keys: the stream values by :func:`.kernels.stream_values`, an SME on either side
      by ``firm_size == sme``, the two firms' active exchanges as
      ``Measurement.partner_counts`` counts them), secondary key the surplus with the
      co-funding;
    - the first ``first`` are ranked; unless that is all of them, they are enough where
      ``wanted`` of them fit the room (:func:`.negotiation.within_room` in ``rounds``
      rounds, the room :func:`.pace.project_room`'s: ``max_negotiations`` less each firm's
      ``negotiations`` and lines being built, ``ContractBook.firm_building``'s count at
      ``tick``), else eight times as many are ranked. Which edges of a priority list fit
      depends only on the edges ranked before them.

    Returns those first matches in targeting order (code -1: all that pay, in the order
    given).

    Examples
    --------
    Both matches pay; by their streams' value (code 0) the second comes first:

    >>> i = lambda *v: np.array(v, dtype=np.int64)
    >>> counted, f, none = np.zeros(2), np.ones(2), np.zeros(0, np.bool_)
    >>> broker_proposals(i(0, 1), np.array([5.0, 2.0]), np.zeros(2), np.zeros(2), 0.5, 0.0,
    ...                  counted, 0, 8, 1, i(0, 1), i(0, 1), np.array([1.0, 9.0]), f, f,
    ...                  i(0, 0), i(1, 1), i(0, 0), 1, i(0, 0), 3, none, i(), i(), i(), 0, 4)
    array([1, 0])
    """
    kept, share, with_share = worth_proposing(edges, surplus, capex, annual_of, cofund_share,
                                              budget)
    n = len(kept)
    for k in range(n):
        counted[kept[k]] = share[k]
    if strategy < 0 or n == 0:
        return kept
    secondary = -with_share
    if strategy == 0:   # largest streams
        primary = -stream_values(kept, stream, need, stream_volume, disposal_cost,
                                 virgin_price)
    elif strategy == 1:   # highest surplus (one key: numpy's lexsort of it alone)
        primary = secondary
    elif strategy == 2:   # SMEs first: not involving an SME is the larger key
        primary = np.empty(n)
        for k in range(n):
            e = kept[k]
            sme_side = firm_size[supplier[e]] == sme or firm_size[receiver[e]] == sme
            primary[k] = 0.0 if sme_side else 1.0
    else:   # most isolated: the two firms' active exchanges, fewest first
        partners = np.zeros(len(negotiations), dtype=np.int64)
        for r in range(len(ex_active)):
            if ex_active[r]:
                partners[ex_supplier[r]] += 1
                partners[ex_receiver[r]] += 1
        primary = np.empty(n)
        for k in range(n):
            primary[k] = float(partners[supplier[kept[k]]] + partners[receiver[kept[k]]])
    room = np.zeros(0, dtype=np.int64)   # (the firms' room: only where not all are ranked)
    while True:
        ranked = kept[lexsort_prefix(primary, secondary, first)]
        m = len(ranked)
        if m == n:
            return ranked
        if len(room) == 0:
            room = np.empty(len(negotiations), dtype=np.int64)
            for f in range(len(negotiations)):
                room[f] = max_negotiations - negotiations[f]
            for r in range(len(ex_active)):
                if ex_active[r] and ex_first[r] > tick:
                    room[ex_supplier[r]] -= 1
                    room[ex_receiver[r]] -= 1
            for f in range(len(room)):
                room[f] = max(room[f], 0)
        sup, rec = np.empty(m, dtype=np.int64), np.empty(m, dtype=np.int64)
        for k in range(m):
            sup[k], rec[k] = supplier[ranked[k]], receiver[ranked[k]]
        if np.count_nonzero(room_rounds(sup, rec, room, rounds)) >= wanted:
            return ranked
        first *= 8



# ---- seventh pass: p7-measure
# (the tick's measurement without the pairs' ends: a slot's "lower" flag, src < dst, is
# fixed when the slot is made and remembered by the caller; counts by the masks' words)

__all__ += ["measure_flat"]

# LLVM's count of trailing zero bits (cttz): a word's lowest set bit in one instruction
from numba.cpython.unsafe.numbers import trailing_zeros  # noqa: E402 - this section's own
from numba.extending import overload  # noqa: E402


def _lowest_bit(word):
    """The place of the lowest set bit of ``word`` (an unsigned 64-bit word, not 0):
    numba's intrinsic ``trailing_zeros`` compiled (:func:`_lowest_bit_compiled`), this
    in pure Python, where an intrinsic cannot run (``NUMBA_DISABLE_JIT``: the recording
    run of :mod:`.precompile`).

    Examples
    --------
    >>> _lowest_bit(np.uint64(0b1000)), _lowest_bit(np.uint64(1) << np.uint64(63))
    (3, 63)
    """
    word = int(word)
    return (word & -word).bit_length() - 1


@overload(_lowest_bit)
def _lowest_bit_compiled(word):  # pragma: no cover - compiled
    return lambda word: trailing_zeros(word)


@njit(inline="always")
def _true_bytes(word):  # pragma: no cover - compiled
    """How many bytes of a word of boolean bytes (each 0 or 1) are true: their sum, in
    the top byte of the word times 0x0101010101010101 (at most 8: no carry out)."""
    return np.int64((word * _BYTE_ONES) >> np.uint64(56))


@njit(inline="always")
def _trust_buffers(n_met, n_strong, n_weak):  # pragma: no cover - compiled
    """Room for the met, strong and weak slots' trusts: three consecutive parts of one
    array (one allocation, not three)."""
    room = np.empty(n_met + n_strong + n_weak)
    return (room[:n_met], room[n_met:n_met + n_strong],
            room[n_met + n_strong:n_met + n_strong + n_weak])


@njit(inline="always")
def _slot_tallies(trust, met, strong, lower):  # pragma: no cover - compiled
    """Strong ties (strong slots with ``lower``), weak ties (met, not strong, ``lower``)
    and the trusts of the met, strong and weak slots in slot order (exactly as long as
    there are of each), as :func:`_plain_tallies` and :func:`tick_tallies` give them with
    ``src < dst`` read as ``lower``. Up to :data:`_PLAIN_SLOTS` slots slot by slot;
    above, the words of the masks (eight slots each) counted first, then only the slots
    set in ``met`` or ``strong`` visited."""
    size = len(trust)
    n_met = n_strong = n_weak = strong_ties = weak_pairs = 0
    if size <= _PLAIN_SLOTS:
        for i in range(size):
            if met[i]:
                n_met += 1
            if strong[i]:
                n_strong += 1
                if lower[i]:
                    strong_ties += 1
            elif met[i]:
                n_weak += 1
                if lower[i]:
                    weak_pairs += 1
        met_trust, strong_trust, weak_trust = _trust_buffers(n_met, n_strong, n_weak)
        a = b = c = 0
        for i in range(size):
            if met[i]:
                met_trust[a] = trust[i]
                a += 1
            if strong[i]:
                strong_trust[b] = trust[i]
                b += 1
            elif met[i]:
                weak_trust[c] = trust[i]
                c += 1
        return strong_ties, weak_pairs, met_trust, strong_trust, weak_trust
    whole = size - size % 8
    met_words, strong_words = met[:whole].view(np.uint64), strong[:whole].view(np.uint64)
    lower_words = lower[:whole].view(np.uint64)
    zero = np.uint64(0)
    for w in range(whole // 8):
        m, s = met_words[w], strong_words[w]
        if m | s:
            weak = m & ~s
            low = lower_words[w]
            n_met += _true_bytes(m)
            n_strong += _true_bytes(s)
            n_weak += _true_bytes(weak)
            strong_ties += _true_bytes(s & low)
            weak_pairs += _true_bytes(weak & low)
    for i in range(whole, size):
        if met[i]:
            n_met += 1
        if strong[i]:
            n_strong += 1
            if lower[i]:
                strong_ties += 1
        elif met[i]:
            n_weak += 1
            if lower[i]:
                weak_pairs += 1
    met_trust, strong_trust, weak_trust = _trust_buffers(n_met, n_strong, n_weak)
    a = b = c = 0
    for w in range((size + 7) // 8):
        word = (met_words[w] | strong_words[w] if 8 * w < whole
                else _tail_word(met, strong, whole))
        while word != zero:
            i = 8 * w + (np.int64(_lowest_bit(word)) >> 3)   # the lowest set bit's byte
            word &= word - np.uint64(1)
            if met[i]:
                met_trust[a] = trust[i]
                a += 1
            if strong[i]:
                strong_trust[b] = trust[i]
                b += 1
            elif met[i]:
                weak_trust[c] = trust[i]
                c += 1
    return strong_ties, weak_pairs, met_trust, strong_trust, weak_trust


@njit(inline="always")
def _masked_sum_in(values, mask, scratch):  # pragma: no cover - compiled
    """:func:`_masked_sum` (``values[mask].sum()``) with ``values[mask]`` gathered into
    ``scratch`` (as long as ``values``): no allocation."""
    k = 0
    for i in range(len(values)):
        if mask[i]:
            scratch[k] = values[i]
            k += 1
    return numpy_sum(scratch[:k])


@kernel
def _product_sum_in(a, b, scratch):  # pragma: no cover - compiled
    """``float(np.add.reduce(a * b))`` of two float64 arrays of one length, bit for bit
    (each product rounded once, then numpy's pairwise sum, :func:`numpy_sum`), with the
    products written into ``scratch`` (at least as long): no allocation."""
    for i in range(len(a)):
        scratch[i] = a[i] * b[i]
    return numpy_sum(scratch[:len(a)])


@kernel
def measure_flat(fresh, t, active, ex_edge, first, ended, reason, supplier, receiver,
                 internal, status, book_edge, open_code, trust, met, lower, slot_sr,
                 slot_rs, firm_open, firm_member, initial_trust, savings, costs, stranded,
                 delivered, units, co2e):  # pragma: no cover - compiled
    """:func:`measure_pass`'s figures, in the same order and of the same types, without
    the pairs' ends or the edges' firms: ``lower[i]`` is the pair store's
    ``src[i] < dst[i]`` (at least ``len(trust)`` of them: a slot's ends never change,
    so the caller keeps them), ``units`` the three unit masks as the rows of one array
    (t, MWh, m3). After the delivered volume of m3, one figure more: the CO2e avoided,
    ``float(np.add.reduce(delivered * co2e))`` (``co2e``: per unit of each resource).

    The strong ties, which :func:`measure_pass` counts as the distinct unordered firm
    pairs of the edges held (``min * n + max`` keys sorted), are the strong slots with
    ``lower``: each edge's two slots are those of ``(supplier, receiver)`` and back (the
    store's slots of the edges, ``model.edge_slot_sr``, ``edge_slot_rs``), so a pair
    ``a < b`` of firms an edge joins marks the one slot ``(a, b)``, and a firm's edge to
    itself marks none with ``lower``. Weak ties are counted by ``lower`` as they were by
    ``src < dst``; above :data:`_PLAIN_SLOTS` slots both counts add up the masks' words
    (:func:`_slot_tallies`). The trusts are gathered in slot order and summed as numpy
    sums them (:func:`numpy_sum`), as before."""
    strong = np.zeros(len(trust), dtype=np.bool_)
    scratch = np.empty(len(delivered))   # the delivered volume of one unit at a time
    n_active = building = n_ended = n_internal = 0
    for r in range(len(active)):
        if active[r]:
            n_active += 1
            e = ex_edge[r]
            strong[slot_sr[e]] = True
            strong[slot_rs[e]] = True
            if first[r] > t:
                building += 1
        if ended[r] == t:
            n_ended += 1
            if internal[reason[r]]:
                n_internal += 1
    n_talks = 0
    for r in range(len(status)):
        if status[r] == open_code:
            n_talks += 1
            e = book_edge[r]
            strong[slot_sr[e]] = True
            strong[slot_rs[e]] = True
    n_strong, weak_pairs, met_trust, strong_trust, weak_trust = _slot_tallies(
        trust, met, strong, lower)
    n_open = members = 0
    for f in range(len(firm_open)):
        if firm_open[f]:
            n_open += 1
            if firm_member[f]:
                members += 1
    participating = n_pairs = largest = 0
    if fresh:
        sup, rec = np.empty(n_active, dtype=np.int64), np.empty(n_active, dtype=np.int64)
        k = 0
        for r in range(len(active)):
            if active[r]:
                sup[k], rec[k] = supplier[r], receiver[r]
                k += 1
        participating, n_pairs, largest = exchange_topology(sup, rec, len(firm_open))
    return (n_active, n_talks, n_strong, building, n_ended, n_internal, weak_pairs, n_open,
            members, _mean_or(met_trust, initial_trust), _mean_or(strong_trust, np.nan),
            _mean_or(weak_trust, np.nan), _masked_sum_in(delivered, units[0], scratch),
            _masked_sum_in(delivered, units[1], scratch),
            _masked_sum_in(delivered, units[2], scratch),
            _product_sum_in(delivered, co2e, scratch),
            numpy_sum(savings), numpy_sum(costs), numpy_sum(stranded), participating,
            n_pairs, largest)


# ---- seventh pass: p7-trust

@kernel
def upkeep_with_pulls(trust, met, contact, baseline, rate, initial, weight, active, supplier,
                      receiver, edge, slot_sr, slot_rs, n, index_keys, index_slots, memo,
                      count):  # pragma: no cover - compiled
    """A tick's trust upkeep where the reputation links changed, in one call: the pulls
    of :func:`reputation_slots` (the arguments from ``active`` on are its), then
    :func:`trust_upkeep` with them; returns the pulls (remembered for the ticks whose
    links stay the same). At 600 firms the links change nearly every tick, and a
    call's dispatch, cold by then, costs several microseconds."""
    pulls = reputation_slots(active, supplier, receiver, edge, slot_sr, slot_rs, n,
                             index_keys, index_slots, memo, count)
    trust_upkeep(trust, met, contact, baseline, rate, pulls, initial, weight)
    return pulls


# ---- eighth pass: pass8-deliver

# (DEAL_ROWS, DEAL_FLAGS and deal_signs are imported above, for the talks)
from .kernels import reprice_rows  # noqa: E402 - this section's own import

__all__ += ["renewal_codes", "RENEWED", "GROWN", "NOT_VIABLE", "NOT_SIGNED"]

#: what :func:`renewal_codes` decides for each contract: renewed (or kept, on a price
#: review), ended to grow from its trial into the full link, ended for want of a surplus
#: ("renegotiation failed"), ended for want of a signature ("expired")
RENEWED, GROWN, NOT_VIABLE, NOT_SIGNED = 0, 1, 2, 3

#: the rows of a pricing (:data:`.kernels.DEAL_ROWS`, :data:`.kernels.DEAL_FLAGS`) that
#: :func:`renewal_codes` reads
(_N_SURPLUS, _N_SUPPLIER_GAIN, _N_RECEIVER_GAIN, _N_PAYMENT, _N_ANNUITY, _N_TC_SUPPLIER,
 _N_TC_RECEIVER, _N_UTILISATION, _N_OWN_CAPEX, _N_TRANSPORT_FULL, _N_VOLUME) = (
    DEAL_ROWS.index(name) for name in (
        "surplus", "supplier_gain", "receiver_gain", "payment", "annuity", "tc_supplier",
        "tc_receiver", "utilisation", "own_capex", "transport_full", "volume"))
_N_TRIAL = DEAL_FLAGS.index("trial")


@kernel
def renewal_codes(rows, edges, trial, out, mode, flags, full_out, full_mode, full_flags,
                  supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust, holdup,
                  owned_from, tick, pipe, mobile_specificity, payback_years, weight,
                  trial_share, renewing, term, ex_ints, ex_floats, columns, virgin_now,
                  disposal_now):  # pragma: no cover - compiled
    """Contracts ``rows`` (on ``edges``, ``trial`` or not) renegotiated at the pricing
    ``out``, ``mode``, ``flags`` (:meth:`.terms.DealTerms._price` of each at its volume,
    as :meth:`.contracts.ContractBook._renew_or_expire` and ``_review_price`` price
    them), in one call: what those made of :func:`.kernels.deal_signs` (the arguments
    ``supplier`` ... ``trial_share`` are its) and :func:`.kernels.reprice_rows` (those
    from ``renewing`` on) with numpy between them.

    A contract goes on where its surplus is positive and both sides sign, unless it is a
    trial whose full link (``full_out`` ...: the pricing of the trials' full volumes, in
    their order; empty on a price review) both would now sign with a positive surplus:
    it ends, to grow into that link. The contracts that go on are re-priced (with
    ``renewing``, their end moves on by their ``term`` first). Returns each contract's
    code: :data:`RENEWED`, :data:`GROWN`, :data:`NOT_VIABLE` or :data:`NOT_SIGNED`.

    The exchange columns it reads and writes are rows of the exchanges' integer and float
    blocks ``ex_ints`` and ``ex_floats`` (:meth:`.columns.Columns.block`): those of
    :data:`DELIVERY_INT_COLUMNS`, then :data:`DELIVERY_FLOAT_COLUMNS`, at the rows
    ``columns`` gives (the rows ``deliver_pass`` reads).
    """
    c = columns
    end, stream, need, losing_ticks = ex_ints[c[1]], ex_ints[c[4]], ex_ints[c[5]], ex_ints[c[9]]
    price, tc_supplier, tc_receiver, transport_unit = (ex_floats[c[11]], ex_floats[c[12]],
                                                       ex_floats[c[13]], ex_floats[c[14]])
    avg_supplier, avg_receiver = ex_floats[c[18]], ex_floats[c[19]]
    expected_supplier, expected_receiver = ex_floats[c[20]], ex_floats[c[21]]
    priced_annuity, planned = ex_floats[c[22]], ex_floats[c[23]]
    disposal_unit, virgin_unit = ex_floats[c[24]], ex_floats[c[25]]
    n, n_full = len(rows), full_out.shape[1]
    signs = deal_signs(edges, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust,
                       holdup, mode, out[_N_OWN_CAPEX], out[_N_RECEIVER_GAIN], owned_from,
                       tick, flags[_N_TRIAL], pipe, mobile_specificity, payback_years,
                       weight, trial_share)
    full_signs = signs[:0]
    if n_full:
        full_edges = np.empty(n_full, dtype=np.int64)
        j = 0
        for k in range(n):
            if trial[k]:
                full_edges[j] = edges[k]
                j += 1
        full_signs = deal_signs(full_edges, supplier, receiver, min_trust, slot_sr, slot_rs,
                                pair_trust, holdup, full_mode, full_out[_N_OWN_CAPEX],
                                full_out[_N_RECEIVER_GAIN], owned_from, tick,
                                full_flags[_N_TRIAL], pipe, mobile_specificity,
                                payback_years, weight, trial_share)
    codes = np.empty(n, dtype=np.int8)
    keep = np.empty(n, dtype=np.bool_)
    kept = np.empty(n, dtype=np.int64)
    n_kept = j = 0
    for k in range(n):
        grown = False
        if n_full and trial[k]:
            grown = full_out[_N_SURPLUS, j] > 0 and full_signs[j]
            j += 1
        viable = out[_N_SURPLUS, k] > 0
        keep[k] = viable and signs[k] and not grown
        if keep[k]:
            codes[k] = RENEWED
            kept[n_kept] = rows[k]
            n_kept += 1
        else:
            codes[k] = GROWN if grown else (NOT_VIABLE if not viable else NOT_SIGNED)
    reprice_rows(kept[:n_kept], keep, renewing, trial, term, end, out[_N_VOLUME],
                 out[_N_UTILISATION], out[_N_TRANSPORT_FULL], out[_N_PAYMENT],
                 out[_N_SUPPLIER_GAIN], out[_N_RECEIVER_GAIN], out[_N_ANNUITY],
                 out[_N_TC_SUPPLIER], out[_N_TC_RECEIVER], need, stream, virgin_now,
                 disposal_now, planned, price, expected_supplier, expected_receiver,
                 priced_annuity, tc_supplier, tc_receiver, transport_unit, virgin_unit,
                 disposal_unit, avg_supplier, avg_receiver, losing_ticks)
    return codes


__all__ += ["renewal_priced"]


@kernel
def renewal_priced(rows, ex_edge, ex_trial, ex_volume, trial_volume_share, supplier,
                   receiver, min_trust, slot_sr, slot_rs, pair_trust, holdup, owned_from,
                   tick, pipe, mobile_specificity, payback_years, weight, trial_share,
                   renewing, term, ex_ints, ex_floats, columns, virgin_now, disposal_now,
                   *price_inputs):  # pragma: no cover - compiled
    """:meth:`.contracts.ContractBook._renegotiate` in one call: contracts ``rows``
    priced anew at their volume (``held``: the volume they hold), with a renewal the
    trials' full links too (their volume over ``trial_volume_share``, no trial), then
    :func:`renewal_codes` on those pricings (the arguments ``supplier`` ...
    ``disposal_now`` are its). ``price_inputs``: :meth:`.terms.DealTerms._price_inputs`
    of no free volumes. Returns each contract's code."""
    edges, trial, volume = ex_edge[rows], ex_trial[rows], ex_volume[rows]
    out, mode, flags = _priced(edges, volume, volume, np.zeros(1), trial, price_inputs)
    if renewing and np.any(trial):   # the trials' full links
        full_out, full_mode, full_flags = _priced(
            edges[trial], volume[trial] / max(trial_volume_share, 1e-12), volume[trial],
            np.zeros(1), np.zeros(1, dtype=np.bool_), price_inputs)
    else:
        full_out, full_mode = np.empty((len(DEAL_ROWS), 0)), np.empty(0, dtype=np.int64)
        full_flags = np.empty((len(DEAL_FLAGS), 0), dtype=np.bool_)
    return renewal_codes(rows, edges, trial, out, mode, flags, full_out, full_mode,
                         full_flags, supplier, receiver, min_trust, slot_sr, slot_rs,
                         pair_trust, holdup, owned_from, tick, pipe, mobile_specificity,
                         payback_years, weight, trial_share, renewing, term, ex_ints,
                         ex_floats, columns, virgin_now, disposal_now)


# ---- eighth pass: pass8-broker
# (the broker's remembered surpluses in one call, with a watch or without: the stale
# check, the pricing of the stale ones, their keeping and the gathers, which were three or
# four kernels and some Python between them; numba's dispatch costs about 42 ns an
# argument, and those calls passed some thirty arguments twice)

# (DEAL_FLAGS, DEAL_ROWS, FEW_DEALS, price_deals, price_few_deals: imported above)
from .kernels import mark_changed, route_state_keys  # noqa: E402 - this section's own imports

__all__ += ["refresh_surplus", "refresh_marked", "SURPLUS_PARTS"]

#: the rows of a pricing the broker keeps (as ``terms._KEPT_ROWS`` names them)
_KEPT_SURPLUS, _KEPT_CAPEX, _KEPT_FACTOR = (DEAL_ROWS.index(name) for name in
                                            ("surplus", "capex", "annuity_factor"))
#: the rows of a pricing a remembered surplus's parts are taken from
(_PART_TRANSPORT, _PART_TC_SUPPLIER, _PART_TC_RECEIVER, _PART_UTILISATION, _PART_VOLUME,
 _PART_SHARE) = (DEAL_ROWS.index(name) for name in (
    "transport", "tc_supplier", "tc_receiver", "utilisation", "volume", "route_share"))
_PART_FEASIBLE = DEAL_FLAGS.index("feasible")

#: the columns of a remembered surplus's parts (``DealTerms._surplus_cache``'s
#: ``"parts"``, one row per edge), with which a price move makes the surplus again without
#: pricing the deal: the prices per unit it was made at (its need's avoided virgin cost,
#: its stream's avoided disposal cost), then what the prices multiply or leave as they are
#: (:func:`.kernels.price_few_deals`' operands: the volume delivered, its transport, the
#: yearly capex, both sides' transaction costs, the route asset's share charged) and
#: whether a mode is feasible (1.0; else the surplus is ``-inf``). A NaN ``delivered``:
#: no parts kept, the deal is priced again.
SURPLUS_PARTS = ("virgin", "disposal", "delivered", "carried", "capex_year", "tc_supplier",
                 "tc_receiver", "charged", "feasible")


@njit(inline="always")
def _surplus_from_parts(parts, e, virgin, disposal):  # pragma: no cover - compiled
    """Edge ``e``'s surplus from its row of ``parts`` (:data:`SURPLUS_PARTS`) at the
    prices per unit ``virgin`` and ``disposal``: :func:`.kernels.price_few_deals`' sum,
    operation for operation on the same operands (so the bits it gives), less the route
    share charged (``x - 0.0`` is ``x``: the same bits where none is), ``-inf`` where no
    mode is feasible."""
    delivered = parts[e, 2]
    s = (delivered * virgin + delivered * disposal - parts[e, 3] - parts[e, 4]
         - parts[e, 5] - parts[e, 6])
    s = s - parts[e, 7]
    return s if parts[e, 8] != 0.0 else -np.inf


@njit(inline="always")
def _made_from_parts(e, parts, surplus_of, edge_stream, edge_need, virgin,
                     disposal):  # pragma: no cover - compiled
    """Edge ``e``'s surplus made again from its parts at the prices now (written into
    ``surplus_of``, those prices into ``parts``): True; False where it kept no parts (a
    NaN ``delivered``: it is to be priced)."""
    if parts[e, 2] != parts[e, 2]:
        return False
    si, ni = edge_stream[e], edge_need[e]
    surplus_of[e] = _surplus_from_parts(parts, e, virgin[ni], disposal[si])
    parts[e, 0], parts[e, 1] = virgin[ni], disposal[si]
    return True


@njit(inline="always")
def _keep_parts(part, out, mode, flags, cofund, parts, edge_stream, edge_need, edge_route,
                route_asset, asset_mode, virgin, disposal):  # pragma: no cover - compiled
    """The parts (:data:`SURPLUS_PARTS`) of the deals ``part`` just priced (``out``,
    ``mode``, ``flags``: their pricing at the co-funding share ``cofund``), each written
    into its edge's row of ``parts`` where they make its surplus again bit for bit (else
    a NaN ``delivered``: no shortcut)."""
    paid = 1.0 - cofund
    for j in range(len(part)):
        e = part[j]
        si, ni = edge_stream[e], edge_need[e]
        share, charged = out[_PART_SHARE, j], 0.0
        if share != 0.0:   # charged where the deal takes the mode the route's asset serves
            a = route_asset[edge_route[e]]
            if a >= 0 and mode[j] == asset_mode[a]:
                charged = share
        parts[e, 0], parts[e, 1] = virgin[ni], disposal[si]
        parts[e, 2] = out[_PART_VOLUME, j] * out[_PART_UTILISATION, j]
        parts[e, 3] = out[_PART_TRANSPORT, j]
        parts[e, 4] = out[_KEPT_FACTOR, j] * out[_KEPT_CAPEX, j] * paid
        parts[e, 5], parts[e, 6] = out[_PART_TC_SUPPLIER, j], out[_PART_TC_RECEIVER, j]
        parts[e, 7] = charged
        parts[e, 8] = 1.0 if flags[_PART_FEASIBLE, j] else 0.0
        if not same_bits(_surplus_from_parts(parts, e, virgin[ni], disposal[si]),
                         out[_KEPT_SURPLUS, j]):
            parts[e, 2] = np.nan


@njit(inline="always")
def _with_prices_moved(redo, edges, parts, surplus_of, edge_stream, edge_need, virgin,
                       disposal):  # pragma: no cover - compiled
    """The stale ``redo`` and those of ``edges`` whose prices moved since their surplus
    was made and whose parts cannot make it again; the others whose prices moved get
    their surplus from their parts at the prices now (:func:`_surplus_from_parts`) and
    those prices written into ``parts``."""
    moved = np.empty(len(edges), dtype=np.int64)
    m = 0
    for k in range(np.uint64(len(edges))):   # (unsigned: see .kernels.open_edges_split)
        e = np.uint64(edges[k])
        if not (same_bits(parts[e, 0], virgin[np.uint64(edge_need[e])])
                and same_bits(parts[e, 1], disposal[np.uint64(edge_stream[e])])):
            moved[m] = e
            m += 1
    if m == 0:   # (most ticks: the prices move once a year)
        return redo
    priced = np.zeros(len(surplus_of), dtype=np.bool_)   # (priced anew: parts and all)
    for k in range(len(redo)):
        priced[redo[k]] = True
    more = np.empty(m, dtype=np.int64)
    r = 0
    for k in range(m):
        e = moved[k]
        if not (priced[e] or _made_from_parts(e, parts, surplus_of, edge_stream, edge_need,
                                              virgin, disposal)):
            priced[e] = True
            more[r] = e
            r += 1
    return np.concatenate((redo, more[:r])) if r else redo


@kernel
def keep_repriced(redo, edges, cofund, surplus_of, capex_of, annual_of, parts, slice_size,
                  edge_stream, edge_need, stream_volume, stream_level, stream_made,
                  stream_committed, need_level, need_volume, need_committed, tick,
                  edge_route, route_asset, until, edge_user, load, capacity, paid_off,
                  asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class,
                  distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                  routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                  risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                  stream_season, need_season, virgin, disposal, capital, need_firm,
                  half_cost, trial_share, distrust, beta):  # pragma: no cover - compiled
    """The stale edges ``redo`` priced at the co-funding share ``cofund`` at their free
    volumes, ``slice_size`` at a time (:func:`.kernels.price_few_deals` up to
    ``FEW_DEALS`` a slice, else :func:`.kernels.price_deals`: the batches and calls
    ``DealTerms._price`` made, so the same bits), kept (each edge's surplus, capex and
    yearly capex, capex x annuity factor, written at the edge in ``surplus_of``,
    ``capex_of``, ``annual_of``; where ``parts`` has rows, each one's
    :data:`SURPLUS_PARTS` in its row: :func:`_keep_parts`); then the remembered surplus
    and capex of every one of ``edges`` gathered, after the keeping. The arguments from
    ``edge_stream`` on are :func:`.kernels.price_deals`' after the deals' own values
    (``DealTerms._price_inputs`` with the free volumes' inputs)."""
    each, held, trial = np.zeros(0), np.zeros(1), np.zeros(1, dtype=np.bool_)
    share = np.full(1, cofund)
    for start in range(0, len(redo), slice_size):
        part = redo[start:start + slice_size]
        k = len(part)
        out, mode = np.empty((len(DEAL_ROWS), k)), np.empty(k, dtype=np.int64)
        flags = np.empty((len(DEAL_FLAGS), k), dtype=np.bool_)
        if k <= FEW_DEALS:
            price_few_deals(part, each, held, share, trial, np.nan, edge_stream, edge_need,
                            stream_volume, stream_level, stream_made, stream_committed,
                            need_level, need_volume, need_committed, tick, edge_route,
                            route_asset, until, edge_user, load, capacity, paid_off,
                            asset_annuity, asset_volume, slack, asset_mode, edge_key,
                            n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
                            max_distance, routed, routed_capex, routed_ok,
                            cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity,
                            pipe, slot_sr, slot_rs, pair_trust, stream_season, need_season,
                            virgin, disposal, capital, need_firm, half_cost, trial_share,
                            distrust, beta, out, mode, flags)
        else:
            price_deals(part, each, held, share, trial, np.nan, edge_stream, edge_need,
                        stream_volume, stream_level, stream_made, stream_committed,
                        need_level, need_volume, need_committed, tick, edge_route,
                        route_asset, until, edge_user, load, capacity, paid_off,
                        asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class,
                        distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                        routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                        risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                        stream_season, need_season, virgin, disposal, capital, need_firm,
                        half_cost, trial_share, distrust, beta, out, mode, flags)
        for j in range(k):   # kept at the edge: surplus, capex, yearly capex
            e = part[j]
            surplus, capex = out[_KEPT_SURPLUS, j], out[_KEPT_CAPEX, j]
            surplus_of[e], capex_of[e] = surplus, capex
            annual_of[e] = capex * out[_KEPT_FACTOR, j]
        if len(parts):
            _keep_parts(part, out, mode, flags, cofund, parts, edge_stream, edge_need,
                        edge_route, route_asset, asset_mode, virgin, disposal)
    n = len(edges)
    got_surplus, got_capex = np.empty(n), np.empty(n)
    for k in range(n):
        got_surplus[k], got_capex[k] = surplus_of[edges[k]], capex_of[edges[k]]
    return got_surplus, got_capex


@kernel
def refresh_surplus(edges, cofund, changes, seen, surplus_of, capex_of, annual_of, parts,
                    slice_size,
                    edge_stream, edge_need, stream_volume, stream_level, stream_made,
                    stream_committed, need_level, need_volume, need_committed, tick,
                    edge_route, route_asset, until, edge_user, load, capacity, paid_off,
                    asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class,
                    distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                    routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                    risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                    stream_season, need_season, virgin, disposal, capital, need_firm,
                    half_cost, trial_share, distrust, beta):  # pragma: no cover - compiled
    """``DealTerms.expected_surplus`` without a watch, in one call: the stale ``edges``
    (:func:`stale_edges`, on ``seen``; the route assets' ``changes``), with those whose
    prices moved since their surplus was made (:func:`_with_prices_moved` on ``parts``:
    most made again from their parts, without pricing), priced, kept and the remembered
    values of ``edges`` gathered (:func:`keep_repriced`, whose arguments these are).

    Examples
    --------
    See tests/test_broker_pass8.py (a model's state: some fifty arrays).
    """
    redo = stale_edges(edges, edge_stream, edge_need, stream_volume, stream_level,
                       stream_made, stream_committed, need_volume, need_level,
                       need_committed, pair_trust, slot_sr, slot_rs, tick, edge_route,
                       route_asset, until, changes, edge_user, seen)
    if len(parts):   # (else the caches are made anew when the prices move)
        redo = _with_prices_moved(redo, edges, parts, surplus_of, edge_stream, edge_need,
                                  virgin, disposal)
    return keep_repriced(redo, edges, cofund, surplus_of, capex_of, annual_of, parts,
                         slice_size, edge_stream, edge_need, stream_volume, stream_level,
                         stream_made, stream_committed, need_level, need_volume,
                         need_committed, tick, edge_route, route_asset, until, edge_user,
                         load, capacity, paid_off, asset_annuity, asset_volume, slack,
                         asset_mode, edge_key, n_class, distance, capex_fixed,
                         heat_pump_capex, capex_per_km, max_distance, routed, routed_capex,
                         routed_ok, cost_per_unit_km, cost_per_unit, risk_annuity,
                         plain_annuity, pipe, slot_sr, slot_rs, pair_trust, stream_season,
                         need_season, virgin, disposal, capital, need_firm, half_cost,
                         trial_share, distrust, beta)


@njit(inline="always")
def _with_prices_marked(redo, edges, parts, need_prices, stream_prices, price_dirty,
                        surplus_of, edge_stream, edge_need, virgin, disposal, need_starts,
                        need_members, stream_starts):  # pragma: no cover - compiled
    """:func:`_with_prices_moved` with a watch: the needs' and streams' prices per unit
    that moved since last seen (``need_prices``, ``stream_prices``: their bits) mark their
    edges in ``price_dirty`` (as the watch marks its inputs' edges), and only the marked
    ones of ``edges`` are looked at: those in ``redo`` are priced anew, the others made
    again from their parts where they can, else added to ``redo``; their marks cleared."""
    mark_changed(np.zeros(0, dtype=np.int64), virgin.view(np.int64), need_prices,
                 need_starts, need_members, price_dirty)
    mark_changed(np.zeros(0, dtype=np.int64), disposal.view(np.int64), stream_prices,
                 stream_starts, np.zeros(0, dtype=np.int32), price_dirty)
    for k in range(len(redo)):   # priced anew, at the prices now
        price_dirty[redo[k]] = False
    more = np.empty(len(edges), dtype=np.int64)
    r = 0
    for k in range(len(edges)):
        e = edges[k]
        if not price_dirty[e]:
            continue
        price_dirty[e] = False
        if not _made_from_parts(e, parts, surplus_of, edge_stream, edge_need, virgin,
                                disposal):
            more[r] = e
            r += 1
    return np.concatenate((redo, more[:r])) if r else redo


@njit(inline="always")
def _marked_stale(edges, marks, stream_marks, stream, need, stream_volume, stream_level,
                  stream_made, stream_committed, need_volume, need_level, need_committed,
                  seen):  # pragma: no cover - compiled
    """The stale ones of ``edges`` (the caller gathers after the keeping): an edge
    marked in ``marks`` (its need, a trust or its route's asset moved) is stale, one
    marked in ``stream_marks`` alone only where its free volume (the smaller of its
    stream's and its need's, :func:`.kernels._free_volume`) differs from ``seen[e]``; the
    marked edges' marks are cleared and their volumes written into ``seen``
    (tests/reference_kernels.py keeps the pass this replaced, with its gathers)."""
    stale = np.empty(len(edges), dtype=np.int64)
    m = 0
    for k in range(len(edges)):
        e = edges[k]
        if not (marks[e] | stream_marks[e]):
            continue
        volume = _free_volume(stream[e], need[e], stream_volume, stream_level, stream_made,
                              stream_committed, need_volume, need_level, need_committed)[0]
        if marks[e] or not same_bits(seen[e], volume):
            stale[m] = e
            m += 1
        seen[e] = volume
        marks[e] = stream_marks[e] = False
    return stale[:m]


@kernel
def refresh_marked(edges, cofund, routes, changes, seen, surplus_of, capex_of, annual_of,
                   parts, need_prices, stream_prices, price_dirty, slice_size, stream_seen,
                   need_seen, slot_seen, route_seen, stream_starts, need_starts,
                   need_members, slot_starts, slot_members, route_starts, route_members,
                   stream_dirty, dirty, edge_stream, edge_need,
                   stream_volume, stream_level, stream_made, stream_committed, need_level,
                   need_volume, need_committed, tick, edge_route, route_asset, until,
                   edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack,
                   asset_mode, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                   capex_per_km, max_distance, routed, routed_capex, routed_ok,
                   cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
                   slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin,
                   disposal, capital, need_firm, half_cost, trial_share, distrust,
                   beta):  # pragma: no cover - compiled
    """``DealTerms.expected_surplus`` with a watch, in one call: the watch's marks
    (:func:`mark_inputs` on the free volumes' terms, the trusts and the asset table's
    ``routes`` with :func:`.kernels.route_state_keys`' keys, as
    ``InputWatch.mark_terms`` with ``AssetBook.route_state``; ``stream_seen`` ...
    ``dirty`` are the watch's), the stale ones of ``edges`` taken (:func:`_marked_stale`'s
    rule, on ``seen``) with, where ``parts`` has rows, those whose prices moved
    (:func:`_with_prices_marked`: most made again from their parts, without pricing),
    priced, kept and the remembered values of ``edges`` gathered (:func:`keep_repriced`,
    whose arguments the rest are).

    Examples
    --------
    See tests/test_broker_pass8.py (a model's state: some seventy arrays).
    """
    mark_inputs(stream_volume, stream_level, stream_made, stream_committed, need_volume,
                need_level, need_committed, pair_trust, routes,
                route_state_keys(routes, tick, route_asset, until, changes), stream_seen,
                need_seen, slot_seen, route_seen, stream_starts, need_starts, need_members,
                slot_starts, slot_members, route_starts, route_members, stream_dirty, dirty)
    redo = _marked_stale(edges, dirty, stream_dirty, edge_stream, edge_need, stream_volume,
                         stream_level, stream_made, stream_committed, need_volume,
                         need_level, need_committed, seen)
    if len(parts):   # (else the caches are made anew when the prices move)
        redo = _with_prices_marked(redo, edges, parts, need_prices, stream_prices,
                                   price_dirty, surplus_of, edge_stream, edge_need, virgin,
                                   disposal, need_starts, need_members, stream_starts)
    return keep_repriced(redo, edges, cofund, surplus_of, capex_of, annual_of, parts,
                         slice_size, edge_stream, edge_need, stream_volume, stream_level,
                         stream_made, stream_committed, need_level, need_volume,
                         need_committed, tick, edge_route, route_asset, until, edge_user,
                         load, capacity, paid_off, asset_annuity, asset_volume, slack,
                         asset_mode, edge_key, n_class, distance, capex_fixed,
                         heat_pump_capex, capex_per_km, max_distance, routed, routed_capex,
                         routed_ok, cost_per_unit_km, cost_per_unit, risk_annuity,
                         plain_annuity, pipe, slot_sr, slot_rs, pair_trust, stream_season,
                         need_season, virgin, disposal, capital, need_firm, half_cost,
                         trial_share, distrust, beta)


# ---- eighth pass: pass8-talks

__all__ += ["decide_close_talks"]


@njit(inline="always")
def _cofund_repriced(edges, volume, share, out, mode, flags, no_trial,
                     pricing):  # pragma: no cover - compiled
    """The deals priced without co-funding (``out``, ``mode``, ``flags``) priced again
    with their ``share``, where it is not 0 (in place). A deal priced with a share of 0
    gets the same bits as without one (its capex is paid at 1.0 - 0.0, and a route
    asset's share charged to it or not leaves its rows as they are), so only the deals
    with a share are priced again (most have none), apart from the others."""
    at = np.flatnonzero(share != 0.0)   # (a NaN share is priced again too)
    if len(at) == 0:
        return
    got, got_mode, got_flags = _price_some(edges[at], volume[at], share[at], no_trial,
                                           *pricing)
    for j in range(len(at)):
        k = at[j]
        out[:, k] = got[:, j]
        mode[k] = got_mode[j]
        flags[:, k] = got_flags[:, j]


@kernel
def decide_close_talks(rows, book_edge, book_volume, book_trial, book_cofund, no_surplus,
                       no_cofunding, low_trust, no_capital, budget, cofund_share,
                       trial_volume_share, supplier, receiver, min_trust, holdup, owned_from,
                       mobile_specificity, payback_years, weight, trial_trust_share, failed,
                       idle, closed_tick, retry, book_status, book_reason, book_closed,
                       firm_negotiations, edge_status, edge_retry, edge_stream, edge_need,
                       stream_volume, stream_level, stream_made, stream_committed, need_level,
                       need_volume, need_committed, tick, edge_route, route_asset, until,
                       edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack,
                       asset_mode, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                       capex_per_km, max_distance, routed, routed_capex, routed_ok,
                       cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
                       slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin,
                       disposal, capital, need_firm, half_cost, trial_share, distrust,
                       beta):  # pragma: no cover - compiled
    """The due talks ``rows`` decided (``NegotiationBook._decide``'s rule) in one pass
    and, with ``closed_tick`` >= 0, those that did not conclude closed.

    Each deal's volume is the smaller of its booked and its free volume
    (``np.minimum(book_volume[rows], free_volumes(...))``); its co-funding share is
    :func:`cofund_priced` on it priced without (none where ``budget <= 0``); it is priced
    with that share (:func:`_price_some`, ``DealTerms.expected_terms``; a deal without a
    share keeps its first pricing, the same bits: :func:`_cofund_repriced`), both sides
    sign or not (:func:`.kernels.deal_signs`, ``DealTerms._signs`` with hold-up where
    ``holdup``), and where the deal pays and is affordable but not signed a trial of
    ``trial_volume_share`` of it is priced and signed (``DealTerms._trial``). The book's
    ``book_trial`` of ``rows`` and ``book_volume`` of those that conclude (a trial's
    share of the volume) are written, as ``_decide`` writes them. With ``closed_tick``
    >= 0 each group of :func:`.kernels.failure_groups` is closed as
    :func:`.kernels.close_talks` closes it (``failed``, its reason code, at
    ``closed_tick``; their edges ``idle``, to be reconsidered from ``retry``; their firms
    one talk less each): what ``NegotiationBook._fail`` did with a call per reason.

    Returns one array, the rows that concluded (in order) then, where some did not,
    :func:`.kernels.failure_groups` of those (by their first reason, the codes
    ``no_surplus`` ... ``no_capital``; ``book_cofund``: what each talk counted on), with
    how many concluded and the deals' volumes.
    """
    n = len(rows)
    edges = np.empty(n, dtype=np.int64)
    for k in range(n):
        edges[k] = book_edge[rows[k]]
    free = free_volumes(edges, edge_stream, edge_need, stream_volume, stream_level,
                        stream_made, stream_committed, need_volume, need_level, need_committed)
    volume = np.empty(n)
    for k in range(n):   # np.minimum: a NaN on either side wins
        a, b = book_volume[rows[k]], free[k]
        volume[k] = a if a != a or (a <= b and b == b) else b
    pricing = (edge_stream, edge_need, stream_volume, stream_level, stream_made,
               stream_committed, need_level, need_volume, need_committed, tick, edge_route,
               route_asset, until, edge_user, load, capacity, paid_off, asset_annuity,
               asset_volume, slack, asset_mode, edge_key, n_class, distance, capex_fixed,
               heat_pump_capex, capex_per_km, max_distance, routed, routed_capex, routed_ok,
               cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe, slot_sr,
               slot_rs, pair_trust, stream_season, need_season, virgin, disposal, capital,
               need_firm, half_cost, trial_share, distrust, beta)
    no_trial = np.zeros(1, dtype=np.bool_)
    out, mode, flags = _price_some(edges, volume, np.zeros(1), no_trial, *pricing)
    if budget <= 0 or n == 0:   # (cofunding_offer: no budget, no shares)
        share = np.zeros(n)
    else:
        share = cofund_priced(out, _D_KEPT, cofund_share, budget)
        _cofund_repriced(edges, volume, share, out, mode, flags, no_trial, pricing)
    signs = deal_signs(edges, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust,
                       holdup, mode, out[_D_OWN_CAPEX], out[_D_RECEIVER_GAIN], owned_from,
                       tick, flags[_D_TRIAL], pipe, mobile_specificity, payback_years, weight,
                       trial_trust_share)
    pays = np.empty(n, dtype=np.bool_)
    candidates = np.empty(n, dtype=np.bool_)
    some = 0
    for k in range(n):
        pays[k] = out[_D_SURPLUS, k] > 0
        candidates[k] = not signs[k] and pays[k] and flags[_D_AFFORDABLE, k]
        some += candidates[k]
    trial = np.zeros(n, dtype=np.bool_)
    if trial_volume_share > 0 and some:   # DealTerms._trial
        at = np.flatnonzero(candidates)
        e, v = edges[at], volume[at] * trial_volume_share
        t_out, t_mode, t_flags = _price_some(e, v, np.zeros(1), np.ones(1, dtype=np.bool_),
                                             *pricing)
        t_signs = deal_signs(e, supplier, receiver, min_trust, slot_sr, slot_rs, pair_trust,
                             holdup, t_mode, t_out[_D_OWN_CAPEX], t_out[_D_RECEIVER_GAIN],
                             owned_from, tick, t_flags[_D_TRIAL], pipe, mobile_specificity,
                             payback_years, weight, trial_trust_share)
        for j in range(len(at)):
            trial[at[j]] = (t_out[_D_SURPLUS, j] > 0 and t_out[_D_SUPPLIER_GAIN, j] > 0
                            and t_out[_D_RECEIVER_GAIN, j] > 0 and t_flags[_D_AFFORDABLE, j]
                            and t_signs[j])
    ok = np.empty(n, dtype=np.bool_)
    n_ok = 0
    for k in range(n):
        signs[k] = signs[k] or trial[k]   # strangers start small (7.15)
        ok[k] = signs[k] and pays[k] and flags[_D_AFFORDABLE, k]
        book_trial[rows[k]] = trial[k]
        if ok[k]:
            book_volume[rows[k]] = (volume[k] * trial_volume_share if trial[k]
                                    else volume[k])
            n_ok += 1
    concluded = rows[ok]
    if n_ok == n:
        return concluded, n_ok, volume
    groups = failure_groups(rows, ok, pays, signs, book_cofund, share, no_surplus,
                            no_cofunding, low_trust, no_capital)
    if closed_tick >= 0:
        _close_failed(rows, groups, failed, closed_tick, book_status, book_reason,
                      book_closed, book_edge, supplier, receiver, firm_negotiations,
                      edge_status, idle, edge_retry, retry)
    return np.concatenate((concluded, groups)), n_ok, volume


@njit(inline="always")
def _close_failed(rows, groups, failed, tick, book_status, book_reason, book_closed,
                  book_edge, supplier, receiver, firm_negotiations, edge_status, idle,
                  edge_retry, retry):  # pragma: no cover - compiled
    """Each group of :func:`.kernels.failure_groups` (``groups``, positions into
    ``rows``) closed as :func:`.kernels.close_talks` closes it with its reason."""
    n = groups[0]
    base, start = 1 + 2 * n, 0
    for g in range(n):
        code, end = groups[1 + 2 * g], groups[2 + 2 * g]
        for j in range(base + start, base + end):
            r = rows[groups[j]]
            book_status[r] = failed
            book_reason[r] = code
            book_closed[r] = tick
        for j in range(base + start, base + end):
            e = book_edge[rows[groups[j]]]
            edge_status[e] = idle
            firm_negotiations[supplier[e]] -= 1
            firm_negotiations[receiver[e]] -= 1
            edge_retry[e] = retry
        start = end


from .kernels import building_counts, open_talk_rows  # noqa: E402 - this section's own imports

__all__ += ["open_talks_building"]


@kernel
def open_talks_building(edges, limit, edge_status, idle, supplier, receiver, negotiations,
                        ex_active, ex_first, ex_supplier, ex_receiver, max_negotiations, rounds,
                        slot_sr, slot_rs, aware, met, trust, negotiating, tick, base_ticks,
                        via_broker, edge_counted, edge_stream, edge_need, stream_volume,
                        stream_level, stream_made, stream_committed, need_volume, need_level,
                        need_committed, open_status, size, c_edge, c_opened, c_due, c_volume,
                        c_via_broker, c_cofund, c_trial, c_status, c_reason,
                        c_closed):  # pragma: no cover - compiled
    """:func:`.kernels.open_talk_rows` (its arguments, writes and result) with the firms'
    lines being built counted in the same call from the exchanges' columns ``ex_*`` at
    ``tick`` (:func:`.kernels.building_counts`, ``ContractBook.firm_building``), instead
    of passed: a call, and an array returned, less each time talks open."""
    building = building_counts(ex_active, ex_first, tick, ex_supplier, ex_receiver,
                               len(negotiations))
    return open_talk_rows(edges, limit, edge_status, idle, supplier, receiver, negotiations,
                          building, max_negotiations, rounds, slot_sr, slot_rs, aware, met,
                          trust, negotiating, tick, base_ticks, via_broker, edge_counted,
                          edge_stream, edge_need, stream_volume, stream_level, stream_made,
                          stream_committed, need_volume, need_level, need_committed,
                          open_status, size, c_edge, c_opened, c_due, c_volume, c_via_broker,
                          c_cofund, c_trial, c_status, c_reason, c_closed)


# ---- eighth pass: pass8-upkeep
# (a small store's trust upkeep with its slot memo made ready in the same call)

__all__ += ["upkeep_with_memo"]


@kernel
def upkeep_with_memo(trust, met, contact, baseline, rate, initial, weight, active, supplier,
                     receiver, edge, slot_sr, slot_rs, n, index_keys, index_slots, memo,
                     count, src, dst, seen):  # pragma: no cover - compiled
    """:func:`upkeep_with_pulls`, the memo (``memo``, ``count``: a
    :class:`.trust.SlotMemo`'s table and counts) first made ready as
    :meth:`.trust.SlotMemo.ready` makes it, bar its growth: the keys it holds among the
    pairs the store added since it last looked (slots ``seen`` to ``len(trust)``, their
    ends ``src``, ``dst``) take their slots (:func:`memo_update`), and it starts again
    if it holds four times the keys asked last. The memo's contents change which pairs
    are searched in the index, never the slots found: the pulls and trusts are
    :func:`upkeep_with_pulls`'s. Saves the Python of ``ready`` (about 2-5 us a call)."""
    if count[0]:   # (memo_update's loop, over the added slots' keys)
        mask = len(memo) - 1
        for s in range(max(seen, 0), len(trust)):
            key = src[s] * n + dst[s]
            h = _home(key, mask)
            while memo[h, 0] != -1:
                if memo[h, 0] == key:
                    memo[h, 1] = s
                    break
                h = (h + 1) & mask
    if count[0] > 4 * count[1]:
        memo[:] = -1
        count[0] = 0
    return upkeep_with_pulls(trust, met, contact, baseline, rate, initial, weight, active,
                             supplier, receiver, edge, slot_sr, slot_rs, n, index_keys,
                             index_slots, memo, count)


__all__ += ["radix_sort", "radix_order"]

#: Up to this many values are sorted by insertion (:func:`radix_sort`, :func:`radix_order`).
_INSERTION_SORT = 48


@kernel
def radix_sort(values):  # pragma: no cover - compiled
    """Sort non-negative integers ``values`` in place, as ``values.sort()`` does: by
    insertion up to :data:`_INSERTION_SORT` of them, else least significant byte first
    (one counting pass per byte of the largest). The keys of pairs (``i x n + j``) and
    the rows of edges sorted here are a few hundred to a few thousand numbers below
    2**20-2**34: two to five linear passes, where numba's quicksort of a few hundred
    took 3-4 us and of 20,000 near 2 ms."""
    m = len(values)
    if m <= _INSERTION_SORT:
        for i in range(1, m):
            v = values[i]
            j = i - 1
            while j >= 0 and values[j] > v:
                values[j + 1] = values[j]
                j -= 1
            values[j + 1] = v
        return
    top = values[0]
    for i in range(m):
        top = max(top, values[i])
    src, dst = values, np.empty_like(values)
    count = np.empty(257, dtype=np.int64)
    shift = passes = 0
    while shift == 0 or (shift < 64 and (top >> shift) > 0):   # (no shift by 64)
        count[:] = 0
        for i in range(m):
            count[((src[i] >> shift) & 255) + 1] += 1
        for d in range(256):
            count[d + 1] += count[d]
        for i in range(m):   # in order within a byte: the passes before stay sorted
            d = (src[i] >> shift) & 255
            dst[count[d]] = src[i]
            count[d] += 1
        src, dst = dst, src
        shift += 8
        passes += 1
    if passes % 2:   # (the last pass wrote the other array)
        values[:] = src


@kernel
def radix_order(keys):  # pragma: no cover - compiled
    """``np.argsort(keys, kind="stable")`` of non-negative integers: the positions of
    ``keys`` in ascending order, equal keys in the order they come (as
    :func:`radix_sort` sorts)."""
    m = len(keys)
    order = np.arange(m)
    if m <= _INSERTION_SORT:
        for i in range(1, m):
            o = order[i]
            v = keys[o]
            j = i - 1
            while j >= 0 and keys[order[j]] > v:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = o
        return order
    top = keys[0]
    for i in range(m):
        top = max(top, keys[i])
    other = np.empty(m, dtype=np.int64)
    count = np.empty(257, dtype=np.int64)
    shift = 0
    while shift == 0 or (shift < 64 and (top >> shift) > 0):   # (no shift by 64)
        count[:] = 0
        for i in range(m):
            count[((keys[order[i]] >> shift) & 255) + 1] += 1
        for d in range(256):
            count[d + 1] += count[d]
        for i in range(m):
            o = order[i]
            d = (keys[o] >> shift) & 255
            other[count[d]] = o
            count[d] += 1
        order, other = other, order
        shift += 8
    return order


# ---- ninth pass: pass9-talks
# (the allocation of concluded deals, from their pricing to their start, in one call)

from .kernels import close_talks, every_deal_allocated, grant_deals, start_priced  # noqa: E402

__all__ += ["allocate_priced", "allocate_start"]


@njit(inline="always")
def _bits_differ(a, b):  # pragma: no cover - compiled
    """Whether float arrays ``a`` and ``b`` of one length differ in any bit
    (``a.tobytes() != b.tobytes()``: 0.0 is not -0.0, NaNs by their payloads)."""
    ua, ub = a.view(np.uint64), b.view(np.uint64)
    for k in range(len(ua)):
        if ua[k] != ub[k]:
            return True
    return False


@njit(inline="always")
def _columns(out, order):  # pragma: no cover - compiled
    """``np.take(out, order, axis=1)`` of a 2-d array."""
    got = np.empty((out.shape[0], len(order)), dtype=out.dtype)
    for j in range(len(order)):
        got[:, j] = out[:, order[j]]
    return got


@njit(inline="always")
def _allocated(rows, book_edge, book_volume, book_cofund, book_trial, min_share, budget,
               cofund_share, pricing):  # pragma: no cover - compiled
    """``AllocationPhase._allocate``'s rule up to its check of the deals (``pricing``:
    :func:`_price_some`'s arguments after ``trial``). Several deals are priced at the
    volume asked with the co-funding counted on and served best surplus first
    (``np.argsort(-surplus, kind="stable")``: a stable sort, NaN last), one deal as it
    comes; each is granted volume (:func:`.kernels.grant_deals`); with a co-funding
    ``budget`` those granted some get :func:`cofund_priced`'s shares (from the first
    pricing where it priced them as ``DealTerms.cofunding_offer`` would: at the volumes
    granted, none counted on; else priced so); then each is priced at its granted volume,
    share and trial (the first pricing reordered where it priced just that). Returns,
    in serving order, the rows, edges, volumes granted, co-funding counted on, shares,
    the pricing (``out``, ``mode``, ``flags``) and whether every deal is allocated
    (:func:`.kernels.every_deal_allocated`)."""
    n = len(rows)
    edges, asked, counted = np.empty(n, dtype=np.int64), np.empty(n), np.empty(n)
    for k in range(n):
        edges[k], asked[k], counted[k] = (book_edge[rows[k]], book_volume[rows[k]],
                                          book_cofund[rows[k]])
    no_trial = np.zeros(1, dtype=np.bool_)
    if n > 1:
        f_out, f_mode, f_flags = _price_some(edges, asked, counted, no_trial, *pricing)
        order = np.argsort(-f_out[_D_SURPLUS], kind="mergesort")
    else:   # one deal competes with none: priced once, at what it gets
        f_out, f_mode = np.empty((len(DEAL_ROWS), 0)), np.empty(0, dtype=np.int64)
        f_flags = np.empty((len(DEAL_FLAGS), 0), dtype=np.bool_)
        order = np.zeros(1, dtype=np.int64)
    stream_volume, stream_level, stream_made, stream_committed = pricing[2:6]
    need_level, need_volume, need_committed = pricing[6:9]
    granted = grant_deals(order, edges, asked, pricing[0], pricing[1], stream_volume,
                          stream_level, stream_made, stream_committed, need_volume,
                          need_level, need_committed, min_share)[order]
    rows, edges, asked, counted = rows[order], edges[order], asked[order], counted[order]
    trial = np.empty(n, dtype=np.bool_)
    trials = False
    for k in range(n):
        trial[k] = book_trial[rows[k]]
        trials = trials or trial[k]
    same_volume, none_counted = not _bits_differ(granted, asked), True
    for bits in counted.view(np.uint64):   # (all +0.0: none counted on)
        none_counted = none_counted and bits == 0
    cofund = np.zeros(n)
    if budget > 0:   # (cofunding_offer: no budget, no shares)
        some = np.flatnonzero(granted > 0)
        if n > 1 and same_volume and none_counted:
            share = cofund_priced(_columns(f_out, order[some]), _D_KEPT, cofund_share,
                                  budget)
        elif len(some):
            share = cofund_priced(_price_some(edges[some], granted[some], np.zeros(1),
                                              no_trial, *pricing)[0],
                                  _D_KEPT, cofund_share, budget)
        else:
            share = np.zeros(0)
        for j in range(len(some)):
            cofund[some[j]] = share[j]
    if n > 1 and not trials and same_volume and not _bits_differ(cofund, counted):
        out, mode, flags = _columns(f_out, order), f_mode[order], _columns(f_flags, order)
    else:
        out, mode, flags = _price_some(edges, granted, cofund, trial, *pricing)
    every = every_deal_allocated(granted, out[_D_SUPPLIER_GAIN], out[_D_RECEIVER_GAIN],
                                 flags[_D_AFFORDABLE])
    return rows, edges, granted, counted, cofund, out, mode, flags, every


@kernel
def allocate_priced(rows, book_edge, book_volume, book_cofund, book_trial, min_share, budget,
                    cofund_share, edge_stream, edge_need, stream_volume, stream_level,
                    stream_made, stream_committed, need_level, need_volume, need_committed,
                    tick, edge_route, route_asset, until, edge_user, load, capacity, paid_off,
                    asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class,
                    distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                    routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                    risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                    stream_season, need_season, virgin, disposal, capital, need_firm,
                    half_cost, trial_share, distrust, beta):  # pragma: no cover - compiled
    """:func:`_allocated` (its result but the last), for the deals some of which are
    refused (``AllocationPhase._refuse``): the book's ``rows`` concluded, the pricing's
    arguments as :func:`.kernels.price_deals` takes them after ``trust_value``."""
    got = _allocated(rows, book_edge, book_volume, book_cofund, book_trial, min_share,
                     budget, cofund_share,
                     (edge_stream, edge_need, stream_volume, stream_level, stream_made,
                      stream_committed, need_level, need_volume, need_committed, tick,
                      edge_route, route_asset, until, edge_user, load, capacity, paid_off,
                      asset_annuity, asset_volume, slack, asset_mode, edge_key, n_class,
                      distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance,
                      routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
                      risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust,
                      stream_season, need_season, virgin, disposal, capital, need_firm,
                      half_cost, trial_share, distrust, beta))
    return got[0], got[1], got[2], got[3], got[4], got[5], got[6], got[7]


@kernel
def allocate_start(rows, book_edge, book_volume, book_cofund, book_trial, min_share, budget,
                   cofund_share, book_status, book_reason, book_closed, firm_negotiations,
                   edge_status, edge_retry, concluded, active, tick, stream_volume,
                   stream_level, stream_made, need_level, need_volume, cost_per_unit_km,
                   cost_per_unit, risk_annuity, pipe, slot_sr, slot_rs, pair_trust,
                   need_season, capital, need_firm, half_cost, trial_share, distrust, beta,
                   t, lead, lengths, line, edge_route, route_asset, edge_user, load, slack,
                   rounding, asset_size, col_edge, col_supplier, col_receiver, col_resource,
                   col_mode, col_capex, col_public, col_owner, col_built, col_last_used,
                   col_until, col_stranded, col_paid_off, col_uses, col_route, col_annuity,
                   col_capacity, col_volume, col_ready, col_changes, edge_supplier,
                   edge_receiver, edge_resource, stream_season, life, one_life, edge_key,
                   n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
                   max_distance, routed, routed_capex, routed_ok, plain_annuity, edge_stream,
                   edge_need, virgin, disposal, stream_committed, need_committed, size,
                   c_edge, c_stream, c_need, c_supplier, c_receiver, c_resource, c_volume,
                   c_price, c_distance_km, c_mode, c_capex, c_subsidy, c_transport_unit,
                   c_annuity, c_tc_supplier, c_tc_receiver, c_expected_supplier,
                   c_expected_receiver, c_avg_supplier, c_avg_receiver, c_losing_ticks,
                   c_asset, c_start, c_first, c_end, c_ended, c_reason, c_active,
                   c_delivered, c_paid, c_trial, c_virgin_unit, c_disposal_unit,
                   c_priced_annuity, c_planned, c_max_volume):  # pragma: no cover - compiled
    """``AllocationPhase._allocate`` where every deal is allocated, in one call:
    :func:`_allocated`, then the talks close ``concluded`` at ``t`` (their edges
    ``active``: :func:`.kernels.close_talks`) and the exchanges start
    (:func:`.kernels.start_priced`, whose arguments from ``t`` on are the last here). The
    pricing reads the asset table's columns and ``load`` with room for the new rows (the
    same values at the assets' rows). Returns the start's subsidies, its last asset row
    and its trials; where a deal is refused nothing is written and the last row is -1
    (:func:`allocate_priced` gives the refusal's inputs)."""
    got = _allocated(rows, book_edge, book_volume, book_cofund, book_trial, min_share,
                     budget, cofund_share,
                     (edge_stream, edge_need, stream_volume, stream_level, stream_made,
                      stream_committed, need_level, need_volume, need_committed, tick,
                      edge_route, route_asset, col_until, edge_user, load, col_capacity,
                      col_paid_off, col_annuity, col_volume, slack, col_mode, edge_key,
                      n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
                      max_distance, routed, routed_capex, routed_ok, cost_per_unit_km,
                      cost_per_unit, risk_annuity, plain_annuity, pipe, slot_sr, slot_rs,
                      pair_trust, stream_season, need_season, virgin, disposal, capital,
                      need_firm, half_cost, trial_share, distrust, beta))
    rows, edges, cofund, out, mode, flags = got[0], got[1], got[4], got[5], got[6], got[7]
    if not got[8]:
        return np.zeros(0), -1, 0
    close_talks(rows, concluded, -1, t, book_status, book_reason, book_closed, book_edge,
                edge_supplier, edge_receiver, firm_negotiations, edge_status, active,
                edge_retry, -1)
    return start_priced(
        t, np.ones(len(rows), dtype=np.bool_), edges, out, mode, flags, cofund, lead,
        lengths, line, edge_route, route_asset, edge_user, load, slack, rounding, asset_size,
        col_edge, col_supplier, col_receiver, col_resource, col_mode, col_capex, col_public,
        col_owner, col_built, col_last_used, col_until, col_stranded, col_paid_off, col_uses,
        col_route, col_annuity, col_capacity, col_volume, col_ready, col_changes,
        edge_supplier, edge_receiver, edge_resource, stream_season, life, one_life, edge_key,
        n_class, distance, capex_fixed, heat_pump_capex, capex_per_km, max_distance, routed,
        routed_capex, routed_ok, plain_annuity, edge_stream, edge_need, virgin, disposal,
        stream_committed, need_committed, size, c_edge, c_stream, c_need, c_supplier,
        c_receiver, c_resource, c_volume, c_price, c_distance_km, c_mode, c_capex, c_subsidy,
        c_transport_unit, c_annuity, c_tc_supplier, c_tc_receiver, c_expected_supplier,
        c_expected_receiver, c_avg_supplier, c_avg_receiver, c_losing_ticks, c_asset,
        c_start, c_first, c_end, c_ended, c_reason, c_active, c_delivered, c_paid, c_trial,
        c_virgin_unit, c_disposal_unit, c_priced_annuity, c_planned, c_max_volume)


# ---- ninth pass: pass9-upkeep

__all__ += ["introducible_small", "breach_trust", "events_and_closing"]


@kernel
def introducible_small(active, sup, rec, n, max_degree, edge_supplier,
                       edge_receiver):  # pragma: no cover - compiled
    """:func:`introducible_edges` of a small region (``n x n`` pairs a few thousand at
    most): the same candidate edges, in order, found through two ``n x n`` tables of
    pairs instead of three sorts. Who is linked to whom (both directions of each active
    exchange's link); each hub's others in ascending order (the links sorted by key
    ``hub x n + other``), its first ``max_degree`` of them paired, i != j, marking the
    pairs' keys; the candidate edges (their ends ``edge_supplier``, ``edge_receiver``)
    whose pair is marked, in row order. At ``kalundborg`` (27 firms) the sorts of a
    few hundred keys made most of the call's 8 us."""
    linked = np.zeros(n * n, dtype=np.bool_)
    for r in range(len(active)):
        if active[r]:
            linked[sup[r] * n + rec[r]] = True
            linked[rec[r] * n + sup[r]] = True
    wanted = np.zeros(n * n, dtype=np.bool_)
    others = np.empty(n, dtype=np.int64)
    for k in range(n):
        d = 0
        for j in range(n):
            if linked[k * n + j] and d < max_degree:
                others[d] = j
                d += 1
        for a in range(d):
            for b in range(d):
                if a != b:
                    wanted[others[a] * n + others[b]] = True
    rows = np.empty(len(edge_supplier), dtype=np.int64)
    m = 0
    for e in range(len(edge_supplier)):
        if wanted[edge_supplier[e] * n + edge_receiver[e]]:
            rows[m] = e
            m += 1
    return rows[:m].copy()


@kernel
def breach_trust(rows, by_supplier, ex_edge, slot_rs, slot_sr, trust,
                 loss):  # pragma: no cover - compiled
    """The side left behind by contracts ``rows`` ended early loses ``loss`` of its trust
    in the one that ended them (:func:`.relations.after_breach`; the receiver's in the
    supplier, ``slot_rs`` of the exchange's edge, where ``by_supplier``, else the
    supplier's in the receiver, ``slot_sr``): :meth:`.lifecycle.Lifecycle._breach`'s
    numpy in one pass. All from the trust before: where a pair repeats, the last write
    wins, as numpy's assignment."""
    m = len(rows)
    slot = np.empty(m, dtype=np.int64)
    new = np.empty(m)
    for x in range(m):
        e = ex_edge[rows[x]]
        slot[x] = slot_rs[e] if by_supplier[x] else slot_sr[e]
        new[x] = _unit(trust[slot[x]] - loss)
    for x in range(m):
        trust[slot[x]] = new[x]


@kernel
def events_and_closing(u, h, rows, closing, key_input, firm_open, need_firm, need_starved,
                       need_share, threshold, patience, starved_marker,
                       random_exit):  # pragma: no cover - compiled
    """The needs' process events of a tick (:meth:`.lifecycle.Lifecycle.
    _process_changes`: the positions of the draws ``u`` below ``h`` into ``rows``,
    :func:`rows_below`) and the starvation counters with the firms they close
    (:func:`starved_closing`, whose inputs the process changes do not touch), marked in
    ``closing`` (all False before) rather than in a new mask; returns how many events
    and how many firms close (two scalars: nothing is boxed)."""
    n_closing = 0
    for i in range(len(key_input)):
        f = need_firm[i]
        if not (key_input[i] and firm_open[f]):   # (counted as count_starvation counts)
            continue
        need_starved[i] = _starved_next(need_share[i], need_starved[i], threshold,
                                        starved_marker)
        if need_starved[i] >= patience and random_exit[f] and not closing[f]:
            closing[f] = True
            n_closing += 1
    return rows_below(u, h, rows), n_closing


# ---- ninth pass: pass9-measure

__all__ += ["leaving_rows"]


@kernel
def leaving_rows(t, firm_open, close_tick, u_close, close_chance, u, hazard, vacant, reuse,
                 active, supplier, receiver, status, open_code, book_edge, edge_supplier,
                 edge_receiver):  # pragma: no cover - compiled
    """A tick's closures, exits and site take-overs (:meth:`.demography.Demography.
    _close_firms`) in one call: :func:`closures_and_entries` (``u``: the exits' draws,
    then the entries'), the firms that leave closed in ``firm_open`` and what they leave
    (:func:`closing_rows`).

    Returns one array: how many firms leave, exit and take over a site and how many
    active exchanges the leavers leave, then the firms that leave, the sites taken over,
    those exchanges' rows and the rows of the open talks they leave (one array to box,
    not four).

    Examples
    --------
    >>> out = leaving_rows(3, np.array([True, True, False]), np.array([3, -1, -1]),
    ...                    np.zeros(3), 0.0, np.array([[0.9, 0.9, 0.9], [0.9, 0.9, 0.1]]),
    ...                    np.full(3, 0.5), np.array([False, False, True]), 0.5,
    ...                    np.array([True]), np.array([0]), np.array([1]), np.zeros(1),
    ...                    1, np.zeros(1, dtype=np.int64), np.array([1]), np.array([2]))
    >>> out.tolist()
    [1, 0, 1, 1, 0, 2, 0]
    """
    gone, n_gone, n_exits, coming = closures_and_entries(
        t, firm_open, close_tick, u_close, close_chance, u[0], hazard, vacant, u[1], reuse)
    n_coming = len(coming)
    if n_gone:
        hit, talks = closing_rows(gone, active, supplier, receiver, status, open_code,
                                  book_edge, edge_supplier, edge_receiver)
    else:
        hit = talks = np.empty(0, dtype=np.int64)
    out = np.empty(4 + n_gone + n_coming + len(hit) + len(talks), dtype=np.int64)
    out[0], out[1], out[2], out[3] = n_gone, n_exits, n_coming, len(hit)
    k = 4
    for f in range(len(gone)):
        if gone[f]:
            firm_open[f] = False
            out[k] = f
            k += 1
    a = k + n_coming
    b = a + len(hit)
    out[k:a] = coming
    out[a:b] = hit
    out[b:] = talks
    return out


# ---- the broker's month in one call
# (Facilitator._broker's passes, and what it did between them, in one call)

from .kernels import open_edges_split, still_open  # noqa: E402 - this section's own imports

__all__ += ["broker_month"]


@kernel
def broker_month(affordable, available, strategy, cofund_share, first, now, rounds,
                 min_share, max_negotiations, status, retry, stream_edges, stream_firm,
                 need_firm, firm_open, negotiations, ex_active, ex_first, ex_supplier,
                 ex_receiver, member, cofund_wait, building, sizes, changes, seen,
                 surplus_of, capex_of, annual_of, parts, slice_size, edge_stream, edge_need,
                 stream_volume, stream_level, stream_made, stream_committed, need_level,
                 need_volume, need_committed, tick, edge_route, route_asset, until,
                 edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack,
                 asset_mode, edge_key, n_class, distance, capex_fixed, heat_pump_capex,
                 capex_per_km, max_distance, routed, routed_capex, routed_ok,
                 cost_per_unit_km, cost_per_unit, risk_annuity, plain_annuity, pipe,
                 slot_sr, slot_rs, pair_trust, stream_season, need_season, virgin,
                 disposal, capital, need_firm_of_deal, half_cost, trial_share, distrust,
                 beta, disposal_cost, virgin_price, supplier, receiver, firm_size, sme,
                 idle, aware, met, negotiating, base_ticks, edge_counted, open_status,
                 size, c_edge, c_opened, c_due, c_volume, c_via_broker, c_cofund, c_trial,
                 c_status, c_reason, c_closed, supplier_starts, supplier_edges,
                 receiver_starts, receiver_edges):  # pragma: no cover - compiled
    """The broker's month (``Facilitator._broker`` for a ranked targeting ``strategy``,
    with ``affordable`` > 0 proposals and co-funding ``available``) in one call:

    1. :func:`.kernels.open_edges_split`: every firm's open edges and the members' (at
       ``now``; ``building`` and ``sizes`` its buffers);
    2. the members' remembered surplus and capex (:func:`refresh_surplus` without a
       watch, at no co-funding: ``changes`` ... ``beta`` its arguments);
    3. :func:`broker_proposals`: those worth proposing, the first ``first`` in targeting
       order (the co-funding share each counts on written into ``edge_counted``);
    4. :func:`open_talks_building` on them, at most ``affordable``, via the broker, into
       the book's rows from ``size`` (``c_*``: its whole columns, with room for them);
    5. :func:`.kernels.still_open`: the open edges once those talks opened.

    Returns the open edges (every firm's: after the talks opened, where some did) and
    the edges whose talks opened (empty where the month stopped short), as the Python
    method leaves them in ``open_now`` and ``_proposed``.
    """
    out = open_edges_split(status, retry, now, stream_edges, edge_need, stream_volume,
                           stream_level, stream_made, stream_committed, need_volume,
                           need_level, need_committed, stream_firm, need_firm, firm_open,
                           negotiations, ex_active, ex_first, ex_supplier, ex_receiver,
                           max_negotiations, member, cofund_wait, available, min_share,
                           building, sizes)
    n = len(status)
    open_now = out[:sizes[0]]
    edges = out[n:n + sizes[1]]
    chosen = edges[:0]
    if len(edges) == 0:
        return open_now, chosen
    surplus, capex = refresh_surplus(
        edges, 0.0, changes, seen, surplus_of, capex_of, annual_of, parts, slice_size,
        edge_stream, edge_need, stream_volume, stream_level, stream_made, stream_committed,
        need_level, need_volume, need_committed, tick, edge_route, route_asset, until,
        edge_user, load, capacity, paid_off, asset_annuity, asset_volume, slack, asset_mode,
        edge_key, n_class, distance, capex_fixed, heat_pump_capex, capex_per_km,
        max_distance, routed, routed_capex, routed_ok, cost_per_unit_km, cost_per_unit,
        risk_annuity, plain_annuity, pipe, slot_sr, slot_rs, pair_trust, stream_season,
        need_season, virgin, disposal, capital, need_firm_of_deal, half_cost, trial_share,
        distrust, beta)
    edges = broker_proposals(edges, surplus, capex, annual_of, cofund_share, available,
                             edge_counted, strategy, first, affordable, edge_stream,
                             edge_need, stream_volume, disposal_cost, virgin_price,
                             supplier, receiver, firm_size, sme, negotiations,
                             max_negotiations, ex_active, ex_first, ex_supplier,
                             ex_receiver, now, rounds)
    if len(edges) == 0:
        return open_now, chosen
    chosen = open_talks_building(edges, affordable, status, idle, supplier, receiver,
                                 negotiations, ex_active, ex_first, ex_supplier, ex_receiver,
                                 max_negotiations, rounds, slot_sr, slot_rs, aware, met,
                                 pair_trust, negotiating, now, base_ticks, True, edge_counted,
                                 edge_stream, edge_need, stream_volume, stream_level,
                                 stream_made, stream_committed, need_volume, need_level,
                                 need_committed, open_status, size, c_edge, c_opened, c_due,
                                 c_volume, c_via_broker, c_cofund, c_trial, c_status,
                                 c_reason, c_closed)
    if len(chosen) == 0:
        return open_now, chosen
    return still_open(open_now, chosen, supplier, receiver, negotiations, building,
                      max_negotiations, supplier_starts, supplier_edges, receiver_starts,
                      receiver_edges), chosen



@kernel
def hold_run(*arrays):  # pragma: no cover - compiled
    """The record of a run's held arrays (:class:`.held.RunArrays`, in the order of
    :data:`.held.RUN_FIELDS`): one handle each, made once for the calls that follow
    (:class:`.held.HeldArrays`)."""
    return RunArrays(*arrays)


@njit(inline="always")
def price_inputs_held(h, n_assets, n_pairs, tick, load, slack, n_class, pipe, virgin,
                      disposal, capital, half_cost, trial_share, distrust,
                      beta):  # pragma: no cover - compiled
    """What :func:`.kernels.price_deals` reads after the deals' own values, in its order
    (``DealTerms._price_inputs`` with the free volume's inputs), the run's arrays read from
    ``h`` (:class:`.held.RunArrays`: the asset book's ``n_assets`` and the pair store's
    ``n_pairs`` used rows) and the rest as given: for a kernel that hands them on."""
    a, p = n_assets, n_pairs
    return (h.edge_stream, h.edge_need, h.stream_volume, h.stream_level, h.stream_made,
            h.stream_committed, h.need_level, h.need_volume, h.need_committed, tick,
            h.edge_route, h.route_asset, h.asset_until[:a], h.edge_user, load,
            h.asset_capacity[:a], h.asset_paid_off[:a], h.asset_annuity[:a],
            h.asset_volume[:a], slack, h.asset_mode[:a], h.edge_key, n_class, h.distance,
            h.capex_fixed, h.heat_pump_capex, h.capex_per_km, h.max_distance, h.routed,
            h.routed_capex, h.routed_ok, h.cost_per_unit_km, h.cost_per_unit,
            h.risk_annuity, h.plain_annuity, pipe, h.slot_sr, h.slot_rs, h.pair_trust[:p],
            h.stream_season, h.need_season, virgin, disposal, capital, h.need_firm,
            half_cost, trial_share, distrust, beta)


@kernel
def broker_month_held(h, seen, surplus_of, capex_of, annual_of, parts, building, sizes,
                      supplier_starts, supplier_edges, receiver_starts, receiver_edges,
                      load, virgin, disposal, capital, affordable, available, strategy,
                      cofund_share, first, now, rounds, min_share, max_negotiations,
                      slice_size, tick, slack, n_class, pipe, half_cost, trial_share,
                      distrust, beta, sme, idle, negotiating, base_ticks, open_status,
                      size, n_exchanges, n_assets, n_pairs):  # pragma: no cover - compiled
    """:func:`broker_month` with the run's arrays read from ``h`` (:class:`.held.RunArrays`:
    the exchanges' ``n_exchanges``, the asset book's ``n_assets`` and the pair store's
    ``n_pairs`` used rows taken of their tables' whole columns; the book's whole
    columns, as ``broker_month`` takes them), and the broker's own arrays (its memo of
    surpluses, ``seen`` ... ``parts``; its buffers and the firms' edges), the asset
    book's ``load``, this tick's prices and capital (each replaced now and then: not
    held) and the scalars given."""
    x, a, p = n_exchanges, n_assets, n_pairs
    return broker_month(
        affordable, available, strategy, cofund_share, first, now, rounds, min_share,
        max_negotiations, h.status, h.retry, h.stream_edges, h.stream_firm, h.need_firm,
        h.firm_open, h.negotiations, h.ex_active[:x], h.ex_first[:x], h.ex_supplier[:x],
        h.ex_receiver[:x], h.member, h.cofund_wait, building, sizes, h.asset_changes[:a],
        seen, surplus_of, capex_of, annual_of, parts, slice_size,
        *price_inputs_held(h, a, p, tick, load, slack, n_class, pipe, virgin, disposal,
                           capital, half_cost, trial_share, distrust, beta), h.disposal_cost,
        h.virgin_price, h.supplier, h.receiver, h.firm_size, sme, idle, h.pair_aware[:p],
        h.pair_met[:p], negotiating, base_ticks, h.edge_counted, open_status, size,
        h.c_edge, h.c_opened, h.c_due, h.c_volume, h.c_via_broker, h.c_cofund, h.c_trial,
        h.c_status, h.c_reason, h.c_closed, supplier_starts, supplier_edges,
        receiver_starts, receiver_edges)


@kernel
def deliver_pass_held(h, t, check_worn, need_season_now, stream_season_now, disposal_now,
                      virgin_now, fixed, index, n_exchanges, n_assets,
                      n_pairs):  # pragma: no cover - compiled
    """:func:`deliver_pass` with the run's arrays read from ``h`` (:class:`.held.RunArrays`:
    the exchanges' ``n_exchanges``, the asset book's ``n_assets`` and the pair store's
    ``n_pairs`` used rows taken of their tables' whole columns; the exchanges' whole
    blocks), this tick's seasons and prices (replaced now and then: not held) and the
    run's fixed tables (:func:`delivery_fixed`)."""
    x, a, p = n_exchanges, n_assets, n_pairs
    return deliver_pass(
        t, check_worn, h.ex_active[:x], h.ex_ints, h.ex_floats, h.asset_paid_off[:a],
        h.asset_until[:a], h.slot_sr, h.slot_rs, h.pair_trust[:p], h.pair_contact[:p],
        h.stream_ratio, h.stream_committed, h.need_ratio, h.need_committed,
        need_season_now, stream_season_now, disposal_now, virgin_now, h.firm_savings,
        h.firm_paid_in, h.firm_paid_out, h.need_share, h.stream_made, fixed, index)


@kernel
def measure_flat_held(h, fresh, t, internal, open_code, lower, initial_trust, delivered,
                      units, co2e, n_exchanges, n_talks,
                      n_pairs):  # pragma: no cover - compiled
    """:func:`measure_flat` with the run's arrays read from ``h``
    (:class:`.held.RunArrays`: the exchanges' ``n_exchanges``, the negotiation book's
    ``n_talks`` and the pair store's ``n_pairs`` used rows taken of their tables' whole
    columns) and the rest as it takes them."""
    x, b, p = n_exchanges, n_talks, n_pairs
    return measure_flat(
        fresh, t, h.ex_active[:x], h.ex_edge[:x], h.ex_first[:x], h.ex_ended[:x],
        h.ex_reason[:x], h.ex_supplier[:x], h.ex_receiver[:x], internal, h.c_status[:b],
        h.c_edge[:b], open_code, h.pair_trust[:p], h.pair_met[:p], lower, h.slot_sr,
        h.slot_rs, h.firm_open, h.member, initial_trust, h.firm_savings, h.firm_costs,
        h.firm_stranded, delivered, units, co2e)
