"""The contract and negotiation books' compiled passes (kernels.end_contracts,
kernels.talk_deadlines, kernels.open_within_room, kernels.close_talks) give the numpy rules they replace, bit
for bit (repeated rows and edges, rows already ended, rounding left on commitments, ties
at the deadlines, firms without room)."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.kernels import (
    close_talks,
    end_contracts,
    open_talks,
    open_within_room,
    talk_deadlines,
)
from symbiosis_abm.negotiation import within_room
from symbiosis_abm.pace import project_room

IDLE = 0


def _end_numpy(rows, t, code, active, ended, reason, edge, stream, need, volume,
               stream_committed, need_committed, edge_status, edge_retry, retry):
    """ContractBook._end_exchanges's numpy rule on the log, commitments and edges, as it
    was written before the kernel."""
    rows = rows[active[rows]]
    active[rows] = False
    ended[rows] = t
    reason[rows] = code
    np.subtract.at(stream_committed, stream[rows], volume[rows])
    np.subtract.at(need_committed, need[rows], volume[rows])
    for committed, items in ((stream_committed, stream[rows]), (need_committed, need[rows])):
        residue = np.abs(committed[items]) < 1e-9
        committed[items[residue]] = 0.0
    edge_status[edge[rows]] = IDLE
    edge_retry[edge[rows]] = retry
    return rows


@pytest.mark.parametrize("seed", range(10))
def test_end_contracts_is_the_numpy_ending(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_s, n_n, n_e = (int(rng.integers(1, 50)), int(rng.integers(1, 8)),
                             int(rng.integers(1, 8)), int(rng.integers(1, 30)))
    stream, need = rng.integers(0, n_s, n_rows), rng.integers(0, n_n, n_rows)
    edge = rng.integers(0, n_e, n_rows)
    volume = rng.choice([0.0, 1.0, 2e4], n_rows) * rng.random(n_rows)
    # commitments: the active contracts' volumes, give or take rounding
    active = rng.random(n_rows) < 0.7
    stream_committed = np.bincount(stream[active], weights=volume[active], minlength=n_s)
    need_committed = np.bincount(need[active], weights=volume[active], minlength=n_n)
    stream_committed += rng.choice([0.0, 1e-12, 5.0], n_s)
    need_committed -= rng.choice([0.0, 1e-12, 5.0], n_n)
    ended, reason = np.full(n_rows, -1), np.zeros(n_rows, dtype=np.int8)
    status = rng.integers(0, 3, n_e).astype(np.int8)
    retry = rng.integers(0, 9, n_e)
    rows = rng.integers(0, n_rows, int(rng.integers(0, 12)))   # repeats, ended rows
    state = [active, ended, reason, stream_committed, need_committed, status, retry]
    want = [x.copy() for x in state]
    got_rows = end_contracts(rows, 17, 4, state[0], state[1], state[2], edge, stream, need,
                             volume, state[3], state[4], state[5], state[6], IDLE, 29)
    want_rows = _end_numpy(rows, 17, 4, want[0], want[1], want[2], edge, stream, need,
                           volume, want[3], want[4], want[5], want[6], 29)
    assert got_rows.tolist() == want_rows.tolist()
    for got, expected in zip(state, want):
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


def _deadlines_numpy(rows, u, failure, opened, due, t, timeout):
    """NegotiationBook._negotiate's numpy selections, as written before the kernel."""
    broke = u < failure
    failed, rows = rows[broke], rows[~broke]
    start, end = opened[rows], due[rows]
    late = end - start > timeout
    return failed, rows[late & (t - start >= timeout)], rows[~late & (t >= end)]


@pytest.mark.parametrize("seed", range(10))
def test_talk_deadlines_are_the_numpy_selections(seed):
    rng = np.random.default_rng(seed)
    n_book = int(rng.integers(1, 60))
    opened = rng.integers(0, 20, n_book)
    due = opened + rng.integers(0, 12, n_book)
    rows = rng.permutation(n_book)[: int(rng.integers(0, n_book + 1))]
    u = rng.random(len(rows))
    t, timeout = int(rng.integers(0, 30)), float(rng.choice([3.0, 6.0, 7.5]))
    got = talk_deadlines(rows, u, 0.2, opened, due, t, timeout)
    want = _deadlines_numpy(rows, u, 0.2, opened, due, t, timeout)
    assert [g.tolist() for g in got] == [w.tolist() for w in want]


def _open_numpy(edges, limit, status, supplier, receiver, negotiations, building, max_n,
                slot_sr, slot_rs, aware, met, trust):
    """NegotiationBook.open_negotiations's selection and bookkeeping in numpy, as written
    before the kernel (repeats dropped in the order of their first place)."""
    edges = edges[status[edges] == IDLE]
    edges = edges[np.sort(np.unique(edges, return_index=True)[1])]
    room = project_room(negotiations, building, max_n)
    edges = within_room(edges, supplier[edges], receiver[edges], room)[:limit]
    low = open_talks(edges, supplier, receiver, slot_sr, slot_rs, aware, met, trust,
                     negotiations, status, 1)
    return edges, low


@pytest.mark.parametrize("seed", range(12))
def test_open_within_room_is_the_numpy_opening(seed):
    rng = np.random.default_rng(seed)
    n_firms, n_edges = int(rng.integers(2, 15)), int(rng.integers(1, 60))
    supplier, receiver = rng.integers(0, n_firms, n_edges), rng.integers(0, n_firms, n_edges)
    n_slots = 2 * n_edges
    slot_sr, slot_rs = rng.integers(0, n_slots, n_edges), rng.integers(0, n_slots, n_edges)
    trust = rng.choice([0.1, 0.3, 0.5, 0.9], n_slots)
    edges = rng.integers(0, n_edges, int(rng.integers(0, 40)))   # repeats, in priority order
    limit = None if seed % 3 == 0 else int(rng.integers(0, 5))
    max_n = int(rng.integers(1, 5))
    building = rng.integers(0, 3, n_firms)
    state = [rng.integers(0, 3, n_edges).astype(np.int8), rng.integers(0, 4, n_firms),
             rng.random(n_slots) < 0.5, rng.random(n_slots) < 0.5]   # status, talks, aware, met
    want = [x.copy() for x in state]
    got_edges, got_low = open_within_room(edges, -1 if limit is None else limit, state[0],
                                          IDLE, supplier, receiver, state[1], building, max_n,
                                          4, slot_sr, slot_rs, state[2], state[3], trust, 1)
    want_edges, want_low = _open_numpy(edges, limit, want[0], supplier, receiver, want[1],
                                       building, max_n, slot_sr, slot_rs, want[2], want[3],
                                       trust)
    assert got_edges.tolist() == want_edges.tolist()
    assert got_low.tobytes() == want_low.tobytes()
    for got, expected in zip(state, want):
        assert got.tobytes() == expected.tobytes()


def _close_numpy(rows, status, reason, t, book_status, book_reason, book_closed, book_edge,
                 supplier, receiver, firm_negotiations, edge_status, edge_state, edge_retry,
                 retry):
    """NegotiationBook._fail with _release (reason set, edges idle, retry) and
    AllocationPhase._allocate's conclusion (no reason, edges active, no retry) in numpy,
    as written before the kernel."""
    book_status[rows] = status
    if reason >= 0:
        book_reason[rows] = reason
    book_closed[rows] = t
    edges = book_edge[rows]
    edge_status[edges] = edge_state
    np.subtract.at(firm_negotiations, supplier[edges], 1)
    np.subtract.at(firm_negotiations, receiver[edges], 1)
    if retry >= 0:
        edge_retry[edges] = retry


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("failed", [True, False])
def test_close_talks_is_the_numpy_release(seed, failed):
    rng = np.random.default_rng(seed)
    n_book, n_edges, n_firms = (int(rng.integers(1, 40)), int(rng.integers(1, 20)),
                                int(rng.integers(2, 9)))
    book_edge = rng.integers(0, n_edges, n_book)
    supplier, receiver = rng.integers(0, n_firms, n_edges), rng.integers(0, n_firms, n_edges)
    rows = rng.permutation(n_book)[: int(rng.integers(0, n_book + 1))]
    state = [np.zeros(n_book, np.int8), np.zeros(n_book, np.int8), np.full(n_book, -1),
             rng.integers(0, 9, n_firms), np.ones(n_edges, np.int8), np.zeros(n_edges, np.int64)]
    want = [x.copy() for x in state]
    args = (2, 3, 11) if failed else (1, -1, 11)
    edge_state, retry = (0, 14) if failed else (2, -1)
    close_talks(rows, *args, state[0], state[1], state[2], book_edge, supplier, receiver,
                state[3], state[4], edge_state, state[5], retry)
    _close_numpy(rows, *args, want[0], want[1], want[2], book_edge, supplier, receiver,
                 want[3], want[4], edge_state, want[5], retry)
    for got, expected in zip(state, want):
        assert got.tobytes() == expected.tobytes()
