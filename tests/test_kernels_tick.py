"""The compiled passes of the tick (kernels_tick.py) give the numpy expressions they
replace, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from symbiosis_abm._arrays import hub_pair_positions, unique_sorted
from symbiosis_abm.cascade import (
    STARVED,
    produced_level_of,
    produced_level_table,
    received_share_of,
    received_share_table,
    smooth,
    starvation,
)
from symbiosis_abm.cofunding import offer
from symbiosis_abm.contracts import forward_gains, shortfall, supply_for_contracts
from symbiosis_abm.demography import entries, exits
from symbiosis_abm.kernels_tick import (
    _maximum,
    _minimum,
    _unit,
    active_and_talks,
    closures_and_entries,
    common_partner_keys,
    decay_idle,
    deliver_contracts,
    deliver_tick,
    delivery_parts,
    exchange_topology,
    measure_tick,
    numpy_sum,
    pass_reputation,
    realised_ratios,
    rows_of_keys,
    starved_closing,
    talks_tick,
    tick_tallies,
    track_inputs,
    track_profit,
    trust_after_delivery,
    worn_rows,
    worth_proposing,
)
from symbiosis_abm.measures import undirected_keys
from symbiosis_abm.relations import broken
from symbiosis_abm.trust import (
    PairStore,
    SlotMemo,
    _reputation_links,
    after_delivery,
    reputation_pull,
    toward,
)


def _topology_numpy(sup, rec, n):
    """The exchange network's figures as measured before the kernel."""
    if len(sup) == 0:
        return 0, 0, 0
    nodes, inverse = np.unique(np.concatenate([sup, rec]), return_inverse=True)
    m = len(nodes)
    graph = coo_matrix((np.ones(len(sup)), (inverse[: len(sup)], inverse[len(sup):])),
                       shape=(m, m))
    _, labels = connected_components(graph, directed=True, connection="weak")
    pairs = np.unique(np.minimum(sup, rec) * n + np.maximum(sup, rec))
    return m, len(pairs), int(np.bincount(labels).max())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n,links", [(5, 3), (40, 25), (300, 200), (2000, 3000)])
def test_exchange_topology_is_the_graph_measure(seed, n, links):
    rng = np.random.default_rng(seed)
    sup, rec = rng.integers(0, n, links), rng.integers(0, n, links)
    got = exchange_topology(sup, rec, n)
    assert got == _topology_numpy(sup, rec, n)
    assert all(type(x) is int for x in got)   # the statistics keep Python ints


def test_exchange_topology_edge_cases():
    empty = np.zeros(0, dtype=np.int64)
    assert exchange_topology(empty, empty, 4) == (0, 0, 0)
    # a chain of 4 firms and a separate pair; repeated and reversed links count once
    sup, rec = np.array([0, 1, 2, 1, 7, 8]), np.array([1, 2, 3, 0, 8, 7])
    assert exchange_topology(sup, rec, 9) == (6, 4, 4)


def _deliver_numpy(t, ex, table, slot_sr, slot_rs, contact, tpy, stream_ratio,
                   stream_volume, stream_committed, need_ratio, need_volume, need_committed,
                   need_season_now, stream_season_now, disposal_now, virgin_now, savings,
                   paid_in, paid_out, n_resources):
    """ContractBook._deliver's work and deliveries as written in numpy before the kernel."""
    def annuity_due(rows):
        ids = ex["asset"][rows]
        has = ids >= 0
        due = np.zeros(len(rows))
        due[has] = (~table["paid_off"][ids[has]] & (table["until"][ids[has]] > t)).astype(float)
        return due

    building = ex["active"] & (ex["first"] > t)
    for slots in (slot_sr, slot_rs):
        contact[slots[ex["edge"][building]]] = True
    rows = np.flatnonzero(building)
    cost = ex["annuity"][rows] * annuity_due(rows)
    np.subtract.at(savings, ex["receiver"][rows], cost / tpy)
    act = np.flatnonzero(ex["active"] & ~building)
    s, n = ex["stream"][act], ex["need"][act]
    avail = supply_for_contracts(stream_ratio, stream_volume, stream_committed)
    room = supply_for_contracts(need_ratio, need_volume, need_committed)
    room_plan = supply_for_contracts(need_season_now, need_volume, need_committed)
    profile = stream_season_now[s]
    share = np.minimum(profile, np.minimum(avail[s], room[n]))
    planned = np.minimum(profile, room_plan[n])
    annuity = ex["annuity"][act] * annuity_due(act)
    mean, price = ex["volume"][act] / tpy, ex["price"][act]
    tc_sup, tc_rec = ex["tc_supplier"][act] / tpy, (annuity + ex["tc_receiver"][act]) / tpy
    transport = ex["transport_unit"][act]

    def sides(share, disposal, virgin):
        delivered = mean * share
        paid = price * delivered
        return (delivered * disposal + paid - tc_sup,
                delivered * (virgin - transport) - paid - tc_rec, delivered, paid)

    disposal, virgin = disposal_now[s], virgin_now[n]
    gain_sup, gain_rec, delivered, paid = sides(share, disposal, virgin)
    plan_sup, plan_rec, _, _ = sides(planned, disposal, virgin)
    sup, rec = ex["supplier"][act], ex["receiver"][act]
    np.add.at(savings, sup, gain_sup)
    np.add.at(savings, rec, gain_rec)
    np.add.at(paid_in, sup, paid)
    np.add.at(paid_out, rec, paid)
    ex["delivered"][act] += delivered
    ex["paid"][act] += paid
    by_resource = np.bincount(ex["resource"][act], weights=delivered, minlength=n_resources)
    return (act, delivered, share, planned, gain_sup - plan_sup, gain_rec - plan_rec,
            by_resource)


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


def _random_contracts(rng, rows, items, firms, resources, edges, t) -> dict:
    """Exchange rows with random streams, needs, firms, resources and edges, 70% active,
    some of their lines still being built at tick ``t``."""
    ex = {k: rng.integers(0, m, rows) for k, m in (("stream", items), ("need", items),
                                                  ("supplier", firms), ("receiver", firms),
                                                  ("resource", resources), ("edge", edges))}
    ex["active"] = rng.random(rows) < 0.7
    ex["first"] = rng.integers(t - 10, t + 5, rows)
    return ex


@pytest.mark.parametrize("seed", range(10))
def test_deliver_contracts_is_the_numpy_delivery(seed):
    rng = np.random.default_rng(seed)
    rows, items, firms, resources, assets, edges, slots, t = 60, 12, 9, 5, 15, 30, 40, 20
    ex = _random_contracts(rng, rows, items, firms, resources, edges, t)
    ex["asset"] = np.where(rng.random(rows) < 0.3, -1, rng.integers(0, assets, rows))
    for k in ("volume", "price", "tc_supplier", "tc_receiver", "transport_unit", "annuity",
              "delivered", "paid"):
        ex[k] = rng.random(rows) * rng.choice([1.0, 100.0, 1e5], rows)
    table = {"paid_off": rng.random(assets) < 0.3, "until": rng.integers(t - 5, t + 20, assets)}
    slot_sr, slot_rs = rng.integers(0, slots, edges), rng.integers(0, slots, edges)
    contact = rng.random(slots) < 0.2
    volume = rng.random(items) * 100
    committed = np.where(rng.random(items) < 0.3, 0.0, rng.random(items) * 150)
    committed[0] = 1e-12 * volume[0]   # rounding left by an ended contract: not placed
    season = np.where(rng.random(items) < 0.2, 0.0, rng.random(items) * 1.5)
    items_args = (rng.random(items) * 1.2, volume, committed, rng.random(items),
                  rng.random(items) * 80, np.where(rng.random(items) < 0.5, 0.0,
                                                   rng.random(items) * 90),
                  season, rng.random(items) * 1.3, rng.normal(20, 30, items),
                  rng.normal(50, 30, items))
    firms_start = [rng.normal(0, 1e4, firms) for _ in range(3)]
    tpy = 12.0
    ref_ex = {k: v.copy() for k, v in ex.items()}
    ref_firms = [f.copy() for f in firms_start]
    ref_contact = contact.copy()
    expected = _deliver_numpy(t, ref_ex, table, slot_sr, slot_rs, ref_contact, tpy,
                              *items_args, *ref_firms, resources)
    got = deliver_contracts(
        t, ex["active"], ex["first"], ex["edge"], ex["asset"], table["paid_off"],
        table["until"], slot_sr, slot_rs, contact, ex["stream"], ex["need"],
        ex["supplier"], ex["receiver"], ex["resource"], ex["volume"], ex["price"],
        ex["tc_supplier"], ex["tc_receiver"], ex["transport_unit"], ex["annuity"], tpy,
        *items_args, *firms_start, ex["delivered"], ex["paid"], resources)
    assert got[0].tolist() == expected[0].tolist()
    for a, b in zip(got[1:], expected[1:]):
        assert _bits(a) == _bits(b)
    for a, b in zip(firms_start, ref_firms):
        assert _bits(a) == _bits(b)
    assert _bits(ex["delivered"]) == _bits(ref_ex["delivered"])
    assert _bits(ex["paid"]) == _bits(ref_ex["paid"])
    assert contact.tolist() == ref_contact.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_trust_after_delivery_is_the_numpy_update(seed):
    rng = np.random.default_rng(seed)
    slots, m = 30, 50
    # repeated slots (several exchanges of one pair) and a pair exchanging both ways
    rs, sr = rng.integers(0, slots, m), rng.integers(0, slots, m)
    planned = np.where(rng.random(m) < 0.2, 0.0, rng.random(m))
    share = np.where(rng.random(m) < 0.5, planned, planned * rng.random(m))
    trust = np.where(rng.random(slots) < 0.1, 1.0, rng.random(slots))
    contact = rng.random(slots) < 0.2
    tol, gain, loss = 0.1, 0.05, 0.6
    ref_trust, ref_contact = trust.copy(), contact.copy()
    ref_trust[rs] = after_delivery(ref_trust[rs], shortfall(share, planned), tol, gain, loss)
    ref_trust[sr] = toward(ref_trust[sr], 1.0, gain)
    ref_contact[rs] = True
    ref_contact[sr] = True
    trust_after_delivery(rs, sr, share, planned, trust, contact, tol, gain, loss)
    assert _bits(trust) == _bits(ref_trust)
    assert contact.tolist() == ref_contact.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_track_profit_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    rows, items, tpy, patience = 50, 10, 12.0, 3
    ex = {"stream": rng.integers(0, items, rows), "need": rng.integers(0, items, rows),
          "losing_ticks": rng.integers(0, 4, rows)}
    for k in ("avg_supplier", "avg_receiver", "expected_supplier", "expected_receiver",
              "priced_annuity", "planned", "disposal_unit", "virgin_unit"):
        ex[k] = rng.normal(0, 50, rows)
    act = np.sort(rng.choice(rows, 35, replace=False))
    dev_sup, dev_rec = rng.normal(0, 30, len(act)), rng.normal(0, 30, len(act))
    disposal_now, virgin_now = rng.normal(0, 40, items), rng.normal(0, 40, items)
    alpha = 1.0 / tpy
    ref = {k: v.copy() for k, v in ex.items()}
    s, n = ref["stream"][act], ref["need"][act]
    ref["avg_supplier"][act] += alpha * (dev_sup - ref["avg_supplier"][act])
    ref["avg_receiver"][act] += alpha * (dev_rec - ref["avg_receiver"][act])
    fwd_sup, fwd_rec = forward_gains(
        ref["expected_supplier"][act], ref["expected_receiver"][act],
        ref["priced_annuity"][act], ref["planned"][act],
        disposal_now[s] - ref["disposal_unit"][act], virgin_now[n] - ref["virgin_unit"][act])
    sup_loses = fwd_sup / tpy + ref["avg_supplier"][act] < 0
    losing = sup_loses | (fwd_rec / tpy + ref["avg_receiver"][act] < 0)
    ref["losing_ticks"][act] = np.where(losing, ref["losing_ticks"][act] + 1, 0)
    over = ref["losing_ticks"][act] >= patience
    got_over, got_sup = track_profit(
        act, ex["stream"], ex["need"], dev_sup, dev_rec, ex["avg_supplier"],
        ex["avg_receiver"], ex["expected_supplier"], ex["expected_receiver"],
        ex["priced_annuity"], ex["planned"], ex["disposal_unit"], ex["virgin_unit"],
        ex["losing_ticks"], disposal_now, virgin_now, tpy, alpha, patience)
    assert got_over.tolist() == over.tolist() and over.any() and not over.all()
    assert got_sup.tolist() == sup_loses.tolist()
    for k in ex:
        assert _bits(ex[k]) == _bits(ref[k]) if ex[k].dtype == float else (
            ex[k].tolist() == ref[k].tolist())


@pytest.mark.parametrize("seed", range(10))
def test_decay_idle_is_the_numpy_decay(seed):
    rng = np.random.default_rng(seed)
    size = 200
    trust = np.where(rng.random(size) < 0.1, 0.0, rng.random(size))
    met, contact = rng.random(size) < 0.6, rng.random(size) < 0.3
    ref_trust = trust.copy()
    idle = met & ~contact
    ref_trust[idle] = toward(ref_trust[idle], 0.3, 0.02)
    decay_idle(trust, met, contact, 0.3, 0.02)
    assert _bits(trust) == _bits(ref_trust)
    assert not contact.any()


@pytest.mark.parametrize("seed", range(10))
def test_pass_reputation_is_the_numpy_pull(seed):
    rng = np.random.default_rng(seed)
    size, links, m = 40, 25, 120
    trust = rng.random(size)
    in_hub = np.where(rng.random(links) < 0.2, -1, rng.integers(0, size, links))
    of_hub = np.where(rng.random(links) < 0.2, -1, rng.integers(0, size, links))
    ki, kj = rng.integers(0, links, m), rng.integers(0, links, m)
    ij = rng.integers(0, size, m)   # pairs repeat: several common partners
    store = PairStore(5, initial_trust=0.35)
    ref = trust.copy()
    store._trust, store.size = ref, size
    pulled = reputation_pull(ref[ij], store.trust_at(in_hub)[ki], store.trust_at(of_hub)[kj],
                             0.2)
    ref[ij] = pulled
    pass_reputation(trust, np.stack((ij, in_hub[ki], of_hub[kj]), axis=1), 0.35, 0.2)
    assert _bits(trust) == _bits(ref)


@pytest.mark.parametrize("seed", range(10))
def test_active_and_talks_are_the_numpy_selections(seed):
    rng = np.random.default_rng(seed)
    rows, book_rows = int(rng.integers(0, 40)), int(rng.integers(0, 60))
    active = rng.random(rows) < 0.5
    ex_edge, book_edge = rng.integers(0, 99, rows), rng.integers(0, 99, book_rows)
    status = rng.integers(0, 4, book_rows).astype(np.int8)
    act, tied = active_and_talks(active, ex_edge, status, book_edge, 1)
    assert act.tolist() == active.nonzero()[0].tolist()
    assert tied.tolist() == np.concatenate([ex_edge[active], book_edge[status == 1]]).tolist()


@pytest.mark.parametrize("seed", range(10))
def test_tick_tallies_are_the_numpy_counts(seed):
    rng = np.random.default_rng(seed)
    rows, size, firms, t = 50, 120, 30, 7
    active = rng.random(rows) < 0.6
    first, ended = rng.integers(0, 12, rows), rng.integers(-1, 9, rows)
    reason = rng.integers(0, 6, rows).astype(np.int8)
    internal = rng.random(6) < 0.5
    trust = rng.random(size)
    met, strong = rng.random(size) < 0.5, rng.random(size) < 0.2
    src, dst = rng.integers(0, firms, size), rng.integers(0, firms, size)
    firm_open, member = rng.random(firms) < 0.8, rng.random(firms) < 0.4
    got = tick_tallies(t, active, first, ended, reason, internal, trust, met, strong, src,
                       dst, firm_open, member)
    weak = met & ~strong
    expected = (int(np.count_nonzero(active & (first > t))),
                int(np.count_nonzero(ended == t)),
                int(np.count_nonzero((ended == t) & internal[reason])),
                int(np.count_nonzero(weak & (src < dst))), trust[met], trust[strong],
                trust[weak], int(np.count_nonzero(firm_open)),
                int(np.count_nonzero(member & firm_open)))
    for a, b in zip(got, expected):
        if isinstance(b, np.ndarray):
            assert _bits(a) == _bits(b) and _bits([a.sum()]) == _bits([b.sum()])
        else:
            assert type(a) is int and a == b


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 63, 64, 1001])
def test_tick_tallies_read_sparse_masks_word_by_word(size):
    """Sparse masks, set slots in runs and alone, at every tail length: the slots the
    word-by-word scan visits are exactly the set ones, in order."""
    rng = np.random.default_rng(size)
    trust, src, dst = rng.random(size), rng.integers(0, 9, size), rng.integers(0, 9, size)
    met, strong = rng.random(size) < 0.03, rng.random(size) < 0.01
    met[size // 3: size // 3 + 11] = True   # a run across words
    met[size - 1:] = strong[size - 2: size - 1] = True   # the last slots, in the tail
    none = np.zeros(0, dtype=np.int64)
    got = tick_tallies(0, none.astype(bool), none, none, none, np.zeros(1, bool), trust,
                       met, strong, src, dst, np.zeros(0, bool), np.zeros(0, bool))
    weak = met & ~strong
    assert got[3] == int(np.count_nonzero(weak & (src < dst)))
    for values, mask in zip(got[4:7], (met, strong, weak)):
        assert _bits(values) == _bits(trust[mask])


@pytest.mark.parametrize("seed", range(10))
def test_talks_tick_is_the_numpy_tick_of_talks(seed):
    rng = np.random.default_rng(seed)
    book_rows, edges, firms, slots = 70, 40, 12, 30
    status = rng.integers(0, 3, book_rows).astype(np.int8)
    book_edge = rng.integers(0, edges, book_rows)   # an edge talked over again
    supplier, receiver = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    firm_open = rng.random(firms) < 0.85
    costs = rng.normal(0, 1e3, firms)
    slot_sr, slot_rs = rng.integers(0, slots, edges), rng.integers(0, slots, edges)
    trust, contact = rng.random(slots), rng.random(slots) < 0.3
    ref_costs, ref_trust, ref_contact = costs.copy(), trust.copy(), contact.copy()
    rows = (status == 1).nonzero()[0]
    e = book_edge[rows]
    closed = ~(firm_open[supplier[e]] & firm_open[receiver[e]])
    e = e[~closed]
    np.add.at(ref_costs, supplier[e], 41.5)
    np.add.at(ref_costs, receiver[e], 41.5)
    for s in (slot_sr[e], slot_rs[e]):
        ref_trust[s] = toward(ref_trust[s], 1.0, 0.07)
        ref_contact[s] = True
    got_rows, got_closed = talks_tick(status, 1, book_edge, supplier, receiver, firm_open,
                                      costs, 41.5, slot_sr, slot_rs, trust, contact, 0.07)
    assert got_rows.tolist() == rows.tolist() and got_closed.tolist() == closed.tolist()
    assert _bits(costs) == _bits(ref_costs) and _bits(trust) == _bits(ref_trust)
    assert contact.tolist() == ref_contact.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_realised_ratios_are_the_numpy_ratios(seed):
    rng = np.random.default_rng(seed)
    streams, needs, firms = 40, 30, 10
    season = rng.random((streams, 12)) * 1.5
    need_season = rng.random((needs, 12)) * 1.5
    s_now, n_now = season[:, 5], need_season[:, 5]   # columns: strided views
    z, variability = rng.standard_normal(streams), rng.random(streams) * 2
    level, made = np.where(rng.random(streams) < 0.2, 0.0, rng.random(streams)), rng.random(streams)
    need_level = rng.random(needs)
    firm_open = rng.random(firms) < 0.8
    stream_firm, need_firm = rng.integers(0, firms, streams), rng.integers(0, firms, needs)
    ratio = s_now * np.maximum(1.0 + variability * z, 0.0)
    ratio *= level * made
    ratio[~firm_open[stream_firm]] = 0.0
    need_ratio = n_now.copy()
    need_ratio *= need_level
    need_ratio[~firm_open[need_firm]] = 0.0
    got = np.full(streams, np.nan), np.full(needs, np.nan)   # every value is written
    realised_ratios(s_now, n_now, z, variability, level, made, need_level, firm_open,
                    stream_firm, need_firm, *got)
    assert _bits(got[0]) == _bits(ratio) and _bits(got[1]) == _bits(need_ratio)


def _hub_pairs_numpy(hub, max_degree=None):
    """_arrays.hub_pair_positions as written in array operations before the kernel."""
    starts = np.flatnonzero(np.concatenate(([True], hub[1:] != hub[:-1])))
    degree = np.diff(np.append(starts, len(hub)))
    if max_degree is not None:
        degree = np.minimum(degree, max_degree)
    many = degree >= 2
    starts, degree = starts[many], degree[many]
    if len(starts) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    cells = degree * degree
    group = np.repeat(np.arange(len(starts)), cells)
    cell = np.arange(int(cells.sum())) - np.repeat(np.cumsum(cells) - cells, cells)
    d = degree[group]
    row, col = cell // d, cell % d
    off = row != col
    base = starts[group[off]]
    return base + row[off], base + col[off]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("max_degree", [None, 1, 2, 5])
def test_hub_pair_positions_are_the_array_grids(seed, max_degree):
    rng = np.random.default_rng(seed)
    hub = np.sort(rng.integers(0, int(rng.integers(1, 60)), int(rng.integers(0, 300))))
    got = hub_pair_positions(hub, max_degree)
    expected = _hub_pairs_numpy(hub, max_degree)
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()   # positions int64, slots int32


_SPECIAL = [np.nan, -np.inf, -1.5, -0.0, 0.0, 1e-300, 0.5, 1.0, 1.5, np.inf]


def test_scalar_helpers_are_numpy_minimum_maximum_and_clip():
    a, b = np.array(_SPECIAL).repeat(len(_SPECIAL)), np.tile(_SPECIAL, len(_SPECIAL))
    assert _bits([_minimum(x, y) for x, y in zip(a, b)]) == _bits(np.minimum(a, b))
    assert _bits([_maximum(x, y) for x, y in zip(a, b)]) == _bits(np.maximum(a, b))
    x = np.array(_SPECIAL)
    assert _bits([_unit(v) for v in x]) == _bits(np.clip(x, 0.0, 1.0))


@pytest.mark.parametrize("seed", range(10))
def test_starved_closing_is_the_numpy_rule(seed):
    rng = np.random.default_rng(seed)
    needs, firms, threshold, patience = 40, 12, 0.3, 3
    key = rng.random(needs) < 0.5
    firm_open, random_exit = rng.random(firms) < 0.8, rng.random(firms) < 0.7
    need_firm = rng.integers(0, firms, needs)
    counter = rng.integers(-1, 4, needs)   # -1: the input never ran
    share = np.where(rng.random(needs) < 0.1, np.nan, rng.random(needs) * 0.6)
    ref = counter.copy()
    k = (key & firm_open[need_firm]).nonzero()[0]
    ref[k] = starvation(ref[k], share[k], threshold)
    dead = k[ref[k] >= patience]
    closing = np.zeros(firms, dtype=bool)
    closing[need_firm[dead]] = True
    closing &= random_exit
    got = starved_closing(key, firm_open, need_firm, counter, share, threshold, patience,
                          STARVED, random_exit)
    assert counter.tolist() == ref.tolist() and got.tolist() == closing.tolist()


@pytest.mark.parametrize("seed", range(10))
def test_worn_rows_are_the_numpy_selection(seed):
    rng = np.random.default_rng(seed)
    rows, assets, t = 50, 12, 30
    active, first = rng.random(rows) < 0.7, rng.integers(t - 5, t + 5, rows)
    asset = np.where(rng.random(rows) < 0.3, -1, rng.integers(0, assets, rows))
    until = rng.integers(t - 3, t + 3, assets)
    has = np.flatnonzero(active & (asset >= 0) & (first <= t))
    expected = has[until[asset[has]] <= t]
    got = worn_rows(t, active, asset, first, until)
    assert got.dtype == np.int64 and got.tolist() == expected.tolist() and len(got)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("produced_streams", [0, 7])
def test_track_inputs_is_the_cascade_rule(seed, produced_streams):
    rng = np.random.default_rng(seed)
    needs, m, alpha = 15, 40, 0.28
    need, delivered = rng.integers(0, needs, m), rng.random(m) * rng.choice([1.0, 50.0], m)
    per_tick = np.where(rng.random(needs) < 0.2, 0.0, rng.random(needs) * 40)
    share = rng.random(needs)
    produced = np.sort(rng.choice(30, produced_streams, replace=False))
    k = rng.integers(0, needs, produced_streams)
    y = np.where(rng.random(produced_streams) < 0.4, np.nan, rng.random(produced_streams) * 3)
    need_volume = rng.random(produced_streams) * 500
    stream_volume = np.where(rng.random(produced_streams) < 0.2, 0.0,
                             rng.random(produced_streams) * 400)
    made = rng.random(30)
    ref_made = made.copy()
    got = np.bincount(need, weights=delivered, minlength=needs)
    ref_share = smooth(share, received_share_of(per_tick)(got), alpha)
    level = produced_level_of(y, need_volume, stream_volume)(ref_share[k])
    ref_made[produced] = (level * 100.0).round() / 100.0
    track_inputs(need, delivered, share, *received_share_table(per_tick), alpha, produced, k,
                 *produced_level_table(y, need_volume, stream_volume), made)
    assert _bits(share) == _bits(ref_share) and _bits(made) == _bits(ref_made)


@pytest.mark.parametrize("seed", range(10))
def test_deliver_tick_is_its_passes_in_turn(seed):
    """deliver_tick is deliver_contracts, trust_after_delivery, broken and track_profit
    over the exchanges not broken, and the due rows."""
    rng = np.random.default_rng(seed)
    rows, items, firms, resources, assets, edges, slots, t = 60, 12, 9, 5, 15, 30, 40, 20
    ex = _random_contracts(rng, rows, items, firms, resources, edges, t)
    ex["end"] = rng.integers(t - 1, t + 8, rows)
    ex["asset"] = np.where(rng.random(rows) < 0.3, -1, rng.integers(0, assets, rows))
    ex["losing_ticks"] = rng.integers(0, 4, rows)
    for k in ("volume", "price", "tc_supplier", "tc_receiver", "transport_unit", "annuity",
              "delivered", "paid"):
        ex[k] = rng.random(rows) * rng.choice([1.0, 100.0, 1e4], rows)
    for k in ("avg_supplier", "avg_receiver", "expected_supplier", "expected_receiver",
              "priced_annuity", "planned", "disposal_unit", "virgin_unit"):
        ex[k] = rng.normal(0, 50, rows)
    paid_off, until = rng.random(assets) < 0.3, rng.integers(t - 5, t + 20, assets)
    slot_sr, slot_rs = rng.integers(0, slots, edges), rng.integers(0, slots, edges)
    trust, contact = rng.random(slots), rng.random(slots) < 0.2
    items_args = (rng.random(items) * 1.2, rng.random(items) * 100,
                  rng.random(items) * 150, rng.random(items), rng.random(items) * 80,
                  rng.random(items) * 90, rng.random(items), rng.random(items) * 1.3,
                  rng.normal(20, 30, items), rng.normal(50, 30, items))
    firm_arrays = [rng.normal(0, 1e4, firms) for _ in range(3)]
    tpy, tol, gain, loss, brk, alpha, patience = 12.0, 0.1, 0.05, 2.5, 0.3, 1 / 12, 2
    state = (ex, trust, contact, firm_arrays)
    ref_ex, ref_trust, ref_contact, ref_firms = (
        {k: v.copy() for k, v in ex.items()}, trust.copy(), contact.copy(),
        [f.copy() for f in firm_arrays])
    act, delivered, share, planned, dev_sup, dev_rec, by_resource = deliver_contracts(
        t, ref_ex["active"], ref_ex["first"], ref_ex["edge"], ref_ex["asset"], paid_off,
        until, slot_sr, slot_rs, ref_contact, ref_ex["stream"], ref_ex["need"],
        ref_ex["supplier"], ref_ex["receiver"], ref_ex["resource"], ref_ex["volume"],
        ref_ex["price"], ref_ex["tc_supplier"], ref_ex["tc_receiver"],
        ref_ex["transport_unit"], ref_ex["annuity"], tpy, *items_args, *ref_firms,
        ref_ex["delivered"], ref_ex["paid"], resources)
    rs, sr = slot_rs[ref_ex["edge"][act]], slot_sr[ref_ex["edge"][act]]
    trust_after_delivery(rs, sr, share, planned, ref_trust, ref_contact, tol, gain, loss)
    lost = broken(ref_trust[rs], brk)
    over, sup_loses = track_profit(
        act[~lost], ref_ex["stream"], ref_ex["need"], dev_sup[~lost], dev_rec[~lost],
        *(ref_ex[k] for k in ("avg_supplier", "avg_receiver", "expected_supplier",
                              "expected_receiver", "priced_annuity", "planned",
                              "disposal_unit", "virgin_unit", "losing_ticks")),
        items_args[8], items_args[9], tpy, alpha, patience)
    expected = (act, delivered, by_resource, act[lost], act[~lost][over], sup_loses[over],
                np.flatnonzero(ref_ex["active"] & (ref_ex["end"] <= t)))
    got = delivery_parts(*deliver_tick(
        t, ex["active"], ex["first"], ex["end"], ex["edge"], ex["asset"], paid_off, until,
        slot_sr, slot_rs, trust, contact, ex["stream"], ex["need"], ex["supplier"],
        ex["receiver"], ex["resource"], ex["volume"], ex["price"], ex["tc_supplier"],
        ex["tc_receiver"], ex["transport_unit"], ex["annuity"], tpy, *items_args,
        *firm_arrays, ex["delivered"], ex["paid"], resources, tol, gain, loss, brk,
        *(ex[k] for k in ("avg_supplier", "avg_receiver", "expected_supplier",
                          "expected_receiver", "priced_annuity", "planned", "disposal_unit",
                          "virgin_unit", "losing_ticks")), alpha, patience))
    assert lost.any() and len(expected[4]) and len(expected[6])   # the case is not empty
    for a, b in zip(got, expected):
        assert a.dtype == b.dtype and _bits(a) == _bits(b)
    ex, trust, contact, firm_arrays = state
    for k in ex:
        assert _bits(ex[k]) == _bits(ref_ex[k])
    assert _bits(trust) == _bits(ref_trust) and contact.tolist() == ref_contact.tolist()
    for a, b in zip(firm_arrays, ref_firms):
        assert _bits(a) == _bits(b)


@pytest.mark.parametrize("n", [*range(0, 140), 255, 256, 257, 1000, 1031, 8192, 20001])
def test_numpy_sum_is_numpys_pairwise_sum(n):
    rng = np.random.default_rng(n)
    a = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 12, n)
    assert _bits([numpy_sum(a)]) == _bits([a.sum()])
    assert _bits([numpy_sum(-np.zeros(n))]) == _bits([(-np.zeros(n)).sum()])


@pytest.mark.parametrize("seed", range(10))
def test_measure_tick_is_the_numpy_tallies(seed):
    rng = np.random.default_rng(seed)
    rows, talks, edges, size, firms, resources, t = 40, 30, 25, 60, 12, 9, 15
    active, ex_edge = rng.random(rows) < 0.6, rng.integers(0, edges, rows)
    first, ended = rng.integers(t - 5, t + 5, rows), rng.integers(t - 2, t + 2, rows)
    reason, internal = rng.integers(0, 6, rows), rng.random(6) < 0.5
    status, book_edge = rng.integers(0, 3, talks), rng.integers(0, edges, talks)
    trust, met = rng.random(size), rng.random(size) < 0.5
    src, dst = rng.integers(0, firms, size), rng.integers(0, firms, size)
    slot_sr, slot_rs = rng.integers(0, size, edges), rng.integers(0, size, edges)
    sup, rec = rng.integers(0, firms, edges), rng.integers(0, firms, edges)
    firm_open, member = rng.random(firms) < 0.8, rng.random(firms) < 0.5
    money = [rng.normal(0, 1e5, firms) for _ in range(3)]
    delivered = rng.random(resources) * 1e3
    units = [rng.random(resources) < 0.4 for _ in range(3)]
    act, tied = active_and_talks(active, ex_edge, status, book_edge, 1)
    strong = np.zeros(size, dtype=bool)
    strong[slot_sr[tied]] = strong[slot_rs[tied]] = True
    tallies = tick_tallies(t, active, first, ended, reason, internal, trust, met, strong,
                           src, dst, firm_open, member)

    def mean(values, empty):
        return float(values.sum() / len(values)) if len(values) else empty

    expected = (len(tied) - len(act), len(undirected_keys(sup[tied], rec[tied], firms)),
                *tallies[:4], *tallies[7:], mean(tallies[4], 0.35), mean(tallies[5], np.nan),
                mean(tallies[6], np.nan), *(float(delivered[u].sum()) for u in units),
                *(float(x.sum()) for x in money))
    got_act, got = measure_tick(t, active, ex_edge, first, ended, reason, internal, status,
                                book_edge, 1, trust, met, src, dst, slot_sr, slot_rs, sup, rec,
                                firms, firm_open, member, 0.35, *money, delivered, *units)
    assert got_act.tolist() == act.tolist()
    assert [type(x) for x in got] == [type(x) for x in expected]
    assert _bits(got) == _bits(expected)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("chance,reuse", [(0.0, 0.0), (0.1, 0.3)])
def test_closures_and_entries_are_the_demography_rules(seed, chance, reuse):
    rng = np.random.default_rng(seed)
    n, t = 60, 7
    firm_open, vacant = rng.random(n) < 0.8, rng.random(n) < 0.3
    vacant &= ~firm_open
    close_tick = np.where(rng.random(n) < 0.1, t, rng.integers(-1, 20, n))
    u_close, u_exit, u_entry = rng.random(n), rng.random(n), rng.random(n)
    hazard = np.where(rng.random(n) < 0.5, 0.0, rng.random(n) * 0.3)
    closing = firm_open & ((close_tick == t) | (u_close < chance))
    leaving = exits(firm_open & ~closing, u_exit, hazard)
    coming = np.flatnonzero(entries(vacant, u_entry, reuse))
    ref_vacant = vacant | leaving
    gone, n_gone, n_exits, got_coming = closures_and_entries(
        t, firm_open, close_tick, u_close, chance, u_exit, hazard, vacant, u_entry, reuse)
    assert gone.tolist() == (closing | leaving).tolist() and n_gone == gone.sum() > 0
    assert n_exits == leaving.sum() and got_coming.tolist() == coming.tolist()
    assert vacant.tolist() == ref_vacant.tolist()


def _reputation_links_numpy(sup, rec, store):
    """trust._reputation_links as written in numpy before the kernel."""
    n = store.n_firms
    links = unique_sorted(np.concatenate([sup, rec]) * n + np.concatenate([rec, sup]))
    hub, other = links // n, links % n
    ki, kj = hub_pair_positions(hub)
    if len(ki) == 0:
        return ki, kj, ki, ki, ki
    ij = store.find(other[ki], other[kj])
    has = ij >= 0
    return ki[has], kj[has], ij[has], store.find(other, hub), store.find(hub, other)


@pytest.mark.parametrize("seed", range(10))
def test_reputation_links_are_the_numpy_links(seed):
    rng = np.random.default_rng(seed)
    firms, m = 15, int(rng.integers(0, 30))
    store = PairStore(firms, initial_trust=0.3)
    store.slots(rng.integers(0, firms, 120), rng.integers(0, firms, 120))
    sup, rec = rng.integers(0, firms, m), rng.integers(0, firms, m)
    got = _reputation_links(sup, rec, store)
    for a, b in zip(got, _reputation_links_numpy(sup, rec, store)):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()   # positions int64, slots int32


def _common_partner_pairs_numpy(a, b, n, max_degree):
    """relations.common_partner_pairs as written in numpy before the kernel."""
    keys = unique_sorted(np.concatenate([a * n + b, b * n + a]))
    hub, other = keys // n, keys % n
    if len(hub) < 2:
        return np.zeros(0, dtype=np.int64)
    ki, kj = hub_pair_positions(hub, max_degree)
    if len(ki) == 0:
        return np.zeros(0, dtype=np.int64)
    return unique_sorted(other[ki] * n + other[kj])


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("max_degree", [64, 2])
def test_common_partner_keys_are_the_numpy_pairs(seed, max_degree):
    rng = np.random.default_rng(seed)
    n, m = 20, int(rng.integers(0, 40))
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    got = common_partner_keys(a, b, n, max_degree)
    expected = _common_partner_pairs_numpy(a, b, n, max_degree)
    assert got.dtype == np.int64 and got.tolist() == expected.tolist()


def _edges_of_pairs_numpy(keys, order, pairs):
    """lifecycle._edges_of_pairs as written in numpy before the kernel."""
    if len(pairs) == 0 or len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    lo = np.searchsorted(keys, pairs, side="left")
    count = np.searchsorted(keys, pairs, side="right") - lo
    total = int(count.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.repeat(lo, count) + np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    return np.sort(order[start])


@pytest.mark.parametrize("seed", range(10))
def test_rows_of_keys_are_the_numpy_rows(seed):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 60, int(rng.integers(0, 50)))   # keys repeat: parallel edges
    order = np.argsort(raw, kind="stable")
    pairs = unique_sorted(rng.integers(0, 70, int(rng.integers(0, 30))))
    got = rows_of_keys(raw[order], order, pairs)
    expected = _edges_of_pairs_numpy(raw[order], order, pairs)
    assert got.dtype == np.int64 and got.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", range(5))
def test_rows_of_keys_gallop_over_many_keys_and_any_order(seed):
    """Many keys with wide gaps between those wanted (the gallop's long steps), sorted
    wanted keys and shuffled ones."""
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 5000, 3000)
    order = np.argsort(raw, kind="stable")
    pairs = unique_sorted(rng.integers(-5, 5100, 200))
    for wanted in (pairs, rng.permutation(pairs), pairs[:1], pairs[-3:]):
        got = rows_of_keys(raw[order], order, wanted)
        assert got.tolist() == _edges_of_pairs_numpy(raw[order], order, wanted).tolist()


@pytest.mark.parametrize("seed", range(5))
def test_merge_into_is_insert_at_the_sorted_positions(seed):
    # PairStore's index grows in place: the same keys and slots as np.insert gives
    from symbiosis_abm.kernels_tick import merge_into
    rng = np.random.default_rng(seed)
    pool = rng.permutation(10_000)[:3000].astype(np.int64)
    for n, k in ((0, 50), (2000, 1), (2000, 400), (1500, 1500)):
        old, new = np.sort(pool[:n]), np.sort(pool[n:n + k])
        old_v, new_v = rng.integers(0, 10**6, n), rng.integers(0, 10**6, k)
        keys, values = np.zeros(n + k + 7, dtype=np.int64), np.zeros(n + k + 7, dtype=np.int64)
        keys[:n], values[:n] = old, old_v
        merge_into(keys, values, n, new, new_v)
        at = np.searchsorted(old, new)
        assert keys[:n + k].tolist() == np.insert(old, at, new).tolist()
        assert values[:n + k].tolist() == np.insert(old_v, at, new_v).tolist()


def test_pair_store_index_grows_past_its_capacity():
    from symbiosis_abm.trust import PairStore
    store = PairStore(50, initial_trust=0.3, capacity=4)
    rng = np.random.default_rng(0)
    i, j = rng.integers(0, 50, 300), rng.integers(0, 50, 300)
    slots = store.slots(i, j)
    for _ in range(3):   # more pairs, a few at a time, past the buffers' room
        a, b = rng.integers(0, 50, 40), rng.integers(0, 50, 40)
        store.slots(a, b)
    assert (store.find(i, j) == slots).all()
    keys = store.src[: store.size] * 50 + store.dst[: store.size]
    assert np.unique(keys).size == store.size
    assert (store.find(store.src[: store.size], store.dst[: store.size])
            == np.arange(store.size)).all()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("budget", [0.0, -1.0, 5e4, 1e9])
def test_worth_proposing_is_the_brokers_numpy_steps(seed, budget):
    """The broker's steps before the kernel: co-funding by :func:`.cofunding.offer`, the
    surplus with it, the matches where it is positive."""
    rng = np.random.default_rng(seed)
    n_edges, n = 500, int(rng.integers(0, 300))
    edges = np.sort(rng.choice(n_edges, n, replace=False)).astype(np.int64)
    surplus = rng.normal(0, 1e4, n)
    surplus[rng.random(n) < 0.05] = -np.inf
    capex = rng.random(n) * 1e5 * (rng.random(n) < 0.7)
    annual_of = rng.random(n_edges) * 2e4
    annual_of[rng.random(n_edges) < 0.02] = np.inf   # the odd value numpy carries through
    annual_of[rng.random(n_edges) < 0.02] = np.nan
    annual = annual_of[edges]
    share = offer(budget, 0.3, None, edges, surplus_without=surplus, capex=capex,
                  annual_capex=annual)
    with np.errstate(invalid="ignore"):   # inf x 0: NaN, in both
        with_share = surplus + annual * share
    worth = with_share > 0
    got = worth_proposing(edges, surplus, capex, annual_of, 0.3, budget)
    assert got[0].tolist() == edges[worth].tolist()
    assert _bits(got[1]) == _bits(share[worth]) and _bits(got[2]) == _bits(with_share[worth])


@pytest.mark.parametrize("seed", range(6))
def test_slot_memo_finds_what_the_store_finds(seed):
    """Asked again and again, with pairs added in between (keys that had no slot get
    one): the remembered slots are the store's, and so are the reputation links."""
    rng = np.random.default_rng(seed)
    firms = 20
    store = PairStore(firms, initial_trust=0.3)
    memo = SlotMemo(store)
    for _ in range(8):
        if rng.random() < 0.5:
            store.slots(rng.integers(0, firms, 15), rng.integers(0, firms, 15))
        i, j = rng.integers(0, firms, 60), rng.integers(0, firms, 60)
        assert memo.find(i * firms + j).tolist() == store.find(i, j).tolist()
        sup, rec = rng.integers(0, firms, 12), rng.integers(0, firms, 12)
        got = _reputation_links(sup, rec, store, memo)
        for a, b in zip(got, _reputation_links(sup, rec, store)):
            assert a.tolist() == b.tolist()


class _PairSlotsNumpy:
    """PairStore.slots as written in numpy before pair_lookup and add_pairs."""

    def __init__(self, n_firms):
        self.n, self.keys, self.key_slot = n_firms, np.zeros(0, np.int64), np.zeros(0, np.int64)
        self.src, self.dst = [], []

    def slots(self, i, j):
        keys = i * self.n + j
        out = np.full(len(keys), -1, dtype=np.int64)
        if len(self.keys) and len(keys):
            pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
            out = np.where(self.keys[pos] == keys, self.key_slot[pos], -1)
        missing = np.flatnonzero(out < 0)
        if len(missing):
            new_keys = unique_sorted(keys[missing])
            start = len(self.src)
            new_slots = np.arange(start, start + len(new_keys))
            self.src += (new_keys // self.n).tolist()
            self.dst += (new_keys % self.n).tolist()
            at = np.searchsorted(self.keys, new_keys)
            self.keys = np.insert(self.keys, at, new_keys)
            self.key_slot = np.insert(self.key_slot, at, new_slots)
            out[missing] = new_slots[np.searchsorted(new_keys, keys[missing])]
        return out


@pytest.mark.parametrize("seed", range(10))
def test_pair_slots_are_the_numpy_slots(seed):
    """PairStore.slots (pair_slots, add_pairs) gives every pair the slot, firms and place
    in the index that the numpy search and insert gave, over calls that grow the store
    past its capacity, with repeats, known pairs and empty calls."""
    rng = np.random.default_rng(seed)
    firms = int(rng.integers(2, 60))
    store, ref = PairStore(firms, initial_trust=0.3, capacity=4), _PairSlotsNumpy(firms)
    for _ in range(12):
        m = int(rng.choice([0, 1, 2, 30, 200]))
        i, j = rng.integers(0, firms, m), rng.integers(0, firms, m)
        got, expected = store.slots(i, j), ref.slots(i, j)
        assert got.dtype == np.int32 and got.tolist() == expected.tolist()
        assert store.find(i, j).tolist() == expected.tolist()
    assert store.size == len(ref.src) > 4
    assert store.src.tolist()[:store.size] == ref.src and store.dst[:store.size].tolist() == ref.dst
    assert store._keys.tolist() == ref.keys.tolist()
    assert store._key_slot.tolist() == ref.key_slot.tolist()
