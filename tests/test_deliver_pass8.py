"""The delivery phase's eighth-pass kernels are the rules they replaced, bit for bit, over
random states: a renewal's or price review's decision and re-pricing in one call
(kernels_tick.renewal_codes) is deal_signs, the numpy of ContractBook._renew_or_expire
and _review_price, and reprice_rows; with the pricings in the same call
(kernels_tick.renewal_priced), it is DealTerms._price then renewal_codes."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.catalogue import MODES
from symbiosis_abm.columns import Columns
from symbiosis_abm.contracts import _DELIVERY_ROWS as DELIVERY_ROWS
from symbiosis_abm.contracts import _contract_ticks as contract_ticks
from symbiosis_abm.kernels import (
    DEAL_FLAGS,
    DEAL_ROWS,
    FEW_DEALS,
    deal_signs,
    reprice_rows,
)
from symbiosis_abm.kernels_tick import (
    DELIVERY_FLOAT_COLUMNS,
    DELIVERY_INT_COLUMNS,
    GROWN,
    NOT_SIGNED,
    NOT_VIABLE,
    RENEWED,
    renewal_codes,
)

#: the exchange columns reprice_rows writes, in its argument order after ``end``
_COLUMNS = ("planned", "price", "expected_supplier", "expected_receiver", "priced_annuity",
            "tc_supplier", "tc_receiver", "transport_unit", "virgin_unit", "disposal_unit",
            "avg_supplier", "avg_receiver", "losing_ticks")
#: the pricing rows reprice_rows reads, in its argument order
_PRICED = ("volume", "utilisation", "transport_full", "payment", "supplier_gain",
           "receiver_gain", "annuity", "tc_supplier", "tc_receiver")


def _bits(a):
    a = np.asarray(a)
    return a.view(np.int64).tolist() if a.dtype == float else a.tolist()


def _pricing(rng, k: int) -> tuple:
    """Random rows, modes and flags of a pricing of ``k`` deals (surpluses of both signs,
    zero and NaN)."""
    out = rng.normal(0, 1e4, (len(DEAL_ROWS), k)) * rng.choice([0.0, 1e-13, 1.0], (1, k))
    out[DEAL_ROWS.index("surplus")] = rng.choice([-1.0, 0.0, 1.0, np.nan], k) * rng.random(k)
    out[DEAL_ROWS.index("own_capex")] = rng.choice([0.0, 1.0], k) * rng.random(k) * 1e6
    return out, rng.integers(0, 4, k), rng.random((len(DEAL_FLAGS), k)) < 0.3


def _state(seed: int, renewing: bool) -> dict:
    """A random book: contracts ``rows`` on edges, some trials, their pricings, the
    signatures' inputs and the exchange columns."""
    rng = np.random.default_rng(seed)
    n, edges_n, firms, slots, streams, needs = 40, 25, 9, 30, 6, 7
    k = int(rng.integers(0, 20))
    rows = rng.choice(n, k, replace=False)
    trial = rng.random(k) < 0.35
    full = _pricing(rng, int(trial.sum())) if renewing and trial.any() else (
        np.empty((len(DEAL_ROWS), 0)), np.empty(0, dtype=np.int64),
        np.empty((len(DEAL_FLAGS), 0), dtype=bool))
    ex = {name: rng.normal(0, 100, n) for name in _COLUMNS[:-1]}
    ex["losing_ticks"] = rng.integers(0, 9, n)
    ex["end"] = rng.integers(0, 99, n)
    return {
        "rows": rows, "edges": rng.integers(0, edges_n, k), "trial": trial,
        "priced": _pricing(rng, k), "full": full,
        "signs": (rng.integers(0, firms, edges_n), rng.integers(0, firms, edges_n),
                  rng.random(firms) * 0.6, rng.integers(0, slots, edges_n),
                  rng.integers(0, slots, edges_n), rng.random(slots)),
        "holdup": bool(rng.random() < 0.7),
        "owned_from": np.where(rng.random(edges_n) < 0.3, rng.integers(0, 40, edges_n), -1),
        "tick": int(rng.integers(0, 40)),
        "constants": (0, 0.25, 4.0, 0.4, 0.5),   # pipe, mobile, payback, weight, trial share
        "term": rng.integers(1, 60, 2) if renewing else np.zeros(2, dtype=np.int64),
        "need": rng.integers(0, needs, n), "stream": rng.integers(0, streams, n),
        "virgin_now": rng.random(needs) * 50, "disposal_now": rng.normal(0, 20, streams),
        "ex": ex,
    }


def _signed(s: dict, edges, pricing) -> np.ndarray:
    out, mode, flags = pricing
    pipe, *rest = s["constants"]
    return deal_signs(edges, *s["signs"], s["holdup"], mode,
                      out[DEAL_ROWS.index("own_capex")], out[DEAL_ROWS.index("receiver_gain")],
                      s["owned_from"], s["tick"], flags[DEAL_FLAGS.index("trial")], pipe,
                      *rest)


def _reference(s: dict, renewing: bool) -> np.ndarray:
    """The rule as _renew_or_expire (``renewing``) and _review_price made it before."""
    rows, edges, trial, out = s["rows"], s["edges"], s["trial"], s["priced"][0]
    surplus = DEAL_ROWS.index("surplus")
    viable = out[surplus] > 0
    keep = viable & _signed(s, edges, s["priced"])
    grown = np.zeros(len(rows), dtype=bool)
    if renewing and np.count_nonzero(trial):
        grown[trial] = (s["full"][0][surplus] > 0) & _signed(s, edges[trial], s["full"])
    keep &= ~grown
    ex = s["ex"]
    reprice_rows(rows[keep], keep, renewing, trial if renewing else keep, s["term"], ex["end"],
                 *(out[DEAL_ROWS.index(name)] for name in _PRICED), s["need"], s["stream"],
                 s["virgin_now"], s["disposal_now"], *(ex[name] for name in _COLUMNS))
    return np.where(keep, RENEWED, np.where(grown, GROWN,
                                            np.where(~viable, NOT_VIABLE, NOT_SIGNED)))


def _one_call(s: dict, renewing: bool) -> np.ndarray:
    """renewal_codes on the same state: the exchange columns (``need`` and ``stream``
    among them, the others it does not read -1) as a :class:`Columns` table's blocks, as
    ContractBook._renegotiate passes them, then written back to ``s``."""
    names = DELIVERY_INT_COLUMNS + DELIVERY_FLOAT_COLUMNS
    columns = {k: np.full(len(s["need"]), -1, int if k in DELIVERY_INT_COLUMNS else float)
               for k in names}
    columns.update(s["ex"], need=s["need"], stream=s["stream"])
    table = Columns({k: v.dtype for k, v in columns.items()}, capacity=50)
    table.append(**columns)
    codes = renewal_codes(s["rows"], s["edges"], s["trial"], *s["priced"], *s["full"],
                          *s["signs"], s["holdup"], s["owned_from"], s["tick"],
                          *s["constants"], renewing, s["term"], table.block(np.int64),
                          table.block(np.float64), np.array([table.row(k) for k in names]),
                          s["virgin_now"], s["disposal_now"])
    s["ex"] = {k: table[k].copy() for k in s["ex"]}
    return codes


@pytest.mark.parametrize("seed", range(24))
@pytest.mark.parametrize("renewing", [False, True])
def test_renewal_codes_are_the_numpy_renewal(seed, renewing):
    want_state, got_state = _state(seed, renewing), _state(seed, renewing)
    want = _reference(want_state, renewing)
    got = _one_call(got_state, renewing)
    assert got.tolist() == want.tolist()
    assert _bits(got_state["ex"]["end"]) == _bits(want_state["ex"]["end"])
    for name in _COLUMNS:
        assert _bits(got_state["ex"][name]) == _bits(want_state["ex"][name]), name


def test_the_random_books_reach_every_code():
    """The states above renew, grow, fail and expire (the test can see each rule)."""
    seen = set()
    for seed in range(24):
        seen |= set(_reference(_state(seed, True), True).tolist())
    assert seen == {RENEWED, GROWN, NOT_VIABLE, NOT_SIGNED}


def _renegotiated_in_steps(model, rows: np.ndarray, renewing: bool) -> np.ndarray:
    """ContractBook._renegotiate as it was written before kernels_tick.renewal_priced:
    the pricing at the contracts' volumes (DealTerms._price), with a renewal that of the
    trials' full links, then renewal_codes."""
    ex, w, p = model.exchanges, model.world, model.params
    edges, trial, volume = ex["edge"][rows], ex["trial"][rows], ex["volume"][rows]
    out, mode, flags = model._price(edges, volume, trial=trial, held=volume)
    full = (np.empty((len(DEAL_ROWS), 0)), np.empty(0, dtype=np.int64),
            np.empty((len(DEAL_FLAGS), 0), dtype=bool))
    if renewing and np.count_nonzero(trial):
        full = model._price(edges[trial], volume[trial] / max(p.trial_volume_share, 1e-12),
                            held=volume[trial])
    term = contract_ticks(p) if renewing else np.zeros(2, dtype=np.int64)
    return renewal_codes(
        rows, edges, trial, out, mode, flags, *full, w.edge_supplier, w.edge_receiver,
        model._min_trust, model.edge_slot_sr, model.edge_slot_rs, model.pairs.trust,
        p.holdup_weight > 0, model._edge_owned_from(), max(model.tick, 0), MODES.index("pipe"),
        p.mobile_specificity, p.holdup_payback_years, p.holdup_weight, p.trial_trust_share,
        renewing, term, ex.block(np.int64), ex.block(np.float64), DELIVERY_ROWS,
        model.virgin_now, model.disposal_now)


@pytest.mark.parametrize("region, seed, ticks, settings", [
    ("kalundborg", 2, 20, {}),
    ("synthetic", 0, 20, {"n_firms": 300, "region_seed": 3}),
])
@pytest.mark.parametrize("renewing", [False, True])
def test_renewal_priced_is_the_pricings_then_renewal_codes(region, seed, ticks, settings,
                                                           renewing):
    # the model's own contracts mid-run, each way in one of two equal runs: the codes and
    # every exchange column bit for bit; the contracts once, and repeated past FEW_DEALS
    # (the pricing of many deals at once); runs whose exchanges include trials
    for repeat in (False, True):
        fused, stepped = (SymbiosisModel(region, rng=seed, **settings) for _ in range(2))
        fused.run(ticks)
        stepped.run(ticks)
        rows = np.flatnonzero(fused.exchanges["active"])
        assert len(rows) > 3 and fused.exchanges["trial"][rows].any()
        if repeat:
            rows = np.tile(rows, FEW_DEALS // len(rows) + 1)
        got = fused._renegotiate(rows, renewing)
        want = _renegotiated_in_steps(stepped, rows, renewing)
        assert got.tolist() == want.tolist()
        for kind in (np.int64, np.float64):
            assert (fused.exchanges.block(kind).tobytes()
                    == stepped.exchanges.block(kind).tobytes())
