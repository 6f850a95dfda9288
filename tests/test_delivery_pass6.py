"""The delivery phase's one compiled call (kernels_tick.deliver_pass) is the passes it
replaced, in turn: the worn lines' check (worn_rows), deliver_tick and track_inputs on
what each need received, bit for bit, over random states."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm.cascade import produced_level_table, received_share_table
from symbiosis_abm.columns import Columns
from symbiosis_abm.kernels_tick import (
    DELIVERY_FLOAT_COLUMNS,
    DELIVERY_INT_COLUMNS,
    DELIVERY_SCALARS,
    deliver_pass,
    deliver_tick,
    delivery_fixed,
    delivery_parts,
    track_inputs,
    worn_rows,
)

#: the exchange columns deliver_pass reads or writes, in its argument order (one group
#: before the items' arrays, one after the firms' and the log's delivered and paid)
_HEAD = ("active", "first", "end", "edge", "asset")
_CONTRACT = ("stream", "need", "supplier", "receiver", "resource", "volume", "price",
             "tc_supplier", "tc_receiver", "transport_unit", "annuity")
_PROFIT = ("avg_supplier", "avg_receiver", "expected_supplier", "expected_receiver",
           "priced_annuity", "planned", "disposal_unit", "virgin_unit", "losing_ticks")


def _bits(a):
    return np.asarray(a, dtype=float).view(np.int64).tolist()


def _state(seed: int, t: int, worn: bool, needs: int = 13) -> dict:
    """A random model state: exchange rows (some lost, losing and due at ``t``), assets
    (worn out at ``t`` only if ``worn``), pair slots, items, firms and the cascade; with
    ``needs`` needs."""
    rng = np.random.default_rng(seed)
    rows, streams, firms, resources, assets, edges, slots = 60, 11, 9, 5, 15, 30, 40
    ex = {k: rng.integers(0, m, rows) for k, m in (
        ("stream", streams), ("need", needs), ("supplier", firms), ("receiver", firms),
        ("resource", resources), ("edge", edges))}
    ex["active"] = rng.random(rows) < 0.7
    ex["first"] = rng.integers(t - 10, t + 5, rows)
    ex["end"] = rng.integers(t - 1, t + 8, rows)
    ex["asset"] = np.where(rng.random(rows) < 0.3, -1, rng.integers(0, assets, rows))
    ex["losing_ticks"] = rng.integers(0, 4, rows)
    for k in ("volume", "price", "tc_supplier", "tc_receiver", "transport_unit", "annuity",
              "delivered", "paid"):
        ex[k] = rng.random(rows) * rng.choice([1.0, 100.0, 1e4], rows)
    for k in _PROFIT[:-1]:
        ex[k] = rng.normal(0, 50, rows)
    until = rng.integers(t - 5 if worn else t + 1, t + 20, assets)
    stream_volume = np.where(rng.random(streams) < 0.2, 0.0, rng.random(streams) * 100)
    need_volume = np.where(rng.random(needs) < 0.2, 0.0, rng.random(needs) * 150)
    committed = [np.where(rng.random(n) < 0.3, 0.0, rng.random(n) * 150)
                 for n in (streams, needs)]
    produced = np.sort(rng.choice(streams, 4, replace=False))
    k = rng.integers(0, needs, 4)
    y = np.where(rng.random(4) < 0.4, np.nan, rng.random(4) * 3)
    return {
        "ex": ex, "paid_off": rng.random(assets) < 0.3, "until": until,
        "slot_sr": rng.integers(0, slots, edges), "slot_rs": rng.integers(0, slots, edges),
        "trust": rng.random(slots), "contact": rng.random(slots) < 0.2,
        "stream_ratio": rng.random(streams) * 1.2, "stream_volume": stream_volume,
        "stream_committed": committed[0], "need_ratio": rng.random(needs),
        "need_volume": need_volume, "need_committed": committed[1],
        "need_season_now": rng.random(needs) * 1.3, "stream_season_now": rng.random(streams),
        "disposal_now": rng.normal(20, 30, streams), "virgin_now": rng.normal(50, 30, needs),
        "firms": [rng.normal(0, 1e4, firms) for _ in range(3)],
        "need_share": rng.random(needs), "stream_made": rng.random(streams),
        "produced": produced, "k": k,
        "levels": produced_level_table(y, need_volume[k], stream_volume[produced]),
        "scalars": {"tpy": 12.0, "n_resources": resources, "tolerance": 0.1, "gain": 0.05,
                    "loss": 2.5, "trust_break": 0.3, "alpha": 1 / 12, "patience": 2,
                    "input_alpha": 0.28, "n_produced": 4},
    }


def _copy(state: dict) -> dict:
    out = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}
    out["ex"] = {k: v.copy() for k, v in state["ex"].items()}
    out["firms"] = [f.copy() for f in state["firms"]]
    return out


def _reference(s: dict, t: int, check_worn: bool = True):
    """The passes in turn, as the delivery phase made them before deliver_pass."""
    ex, c = s["ex"], s["scalars"]
    if check_worn and len(worn_rows(t, ex["active"], ex["asset"], ex["first"], s["until"])):
        return None
    parts = delivery_parts(*deliver_tick(
        t, *(ex[k] for k in _HEAD), s["paid_off"], s["until"], s["slot_sr"], s["slot_rs"],
        s["trust"], s["contact"], *(ex[k] for k in _CONTRACT), c["tpy"], s["stream_ratio"],
        s["stream_volume"], s["stream_committed"], s["need_ratio"], s["need_volume"],
        s["need_committed"], s["need_season_now"], s["stream_season_now"],
        s["disposal_now"], s["virgin_now"], *s["firms"], ex["delivered"], ex["paid"],
        c["n_resources"], c["tolerance"], c["gain"], c["loss"], c["trust_break"],
        *(ex[k] for k in _PROFIT), c["alpha"], c["patience"]))
    act, delivered = parts[0], parts[1]
    track_inputs(ex["need"][act], delivered, s["need_share"],
                 *received_share_table(s["need_volume"] / c["tpy"]), c["input_alpha"],
                 s["produced"], s["k"], *s["levels"], s["stream_made"])
    return (act, ex["stream"][act], ex["need"][act], *parts[1:])


def _one_call(s: dict, t: int, check_worn: bool):
    """deliver_pass on the same state (the exchanges as a :class:`Columns` table, its
    blocks passed as ContractBook._deliver passes them, then written back to ``s``), its
    two arrays split as ContractBook._deliver splits them."""
    table = Columns({k: v.dtype for k, v in s["ex"].items()}, capacity=70)
    table.append(**s["ex"])
    columns = np.array([table.row(k) for k in DELIVERY_INT_COLUMNS + DELIVERY_FLOAT_COLUMNS])
    fixed = delivery_fixed(s["scalars"], s["stream_volume"], s["need_volume"],
                           *received_share_table(s["need_volume"] / s["scalars"]["tpy"]),
                           s["produced"], s["k"], *s["levels"], columns)
    rows, amounts = deliver_pass(
        t, check_worn, table["active"], table.block(np.int64), table.block(np.float64),
        s["paid_off"], s["until"], s["slot_sr"], s["slot_rs"], s["trust"], s["contact"],
        s["stream_ratio"], s["stream_committed"], s["need_ratio"], s["need_committed"],
        s["need_season_now"], s["stream_season_now"], s["disposal_now"], s["virgin_now"],
        *s["firms"], s["need_share"], s["stream_made"], *fixed)
    s["ex"] = {k: table[k].copy() for k in s["ex"]}
    m, n_lost, n_over = rows[:3].tolist()
    if m < 0:
        return None
    a = 3 + 3 * m
    b = a + n_lost + n_over
    return (rows[3:3 + m], rows[3 + m:3 + 2 * m], rows[3 + 2 * m:a], amounts[:m],
            amounts[m:], rows[a:a + n_lost], rows[a + n_lost:b],
            rows[b:b + n_over].astype(np.bool_), rows[b + n_over:])


def _same_state(a: dict, b: dict) -> bool:
    arrays = [(a[k], b[k]) for k in a if isinstance(a[k], np.ndarray)]
    arrays += [(a["ex"][k], b["ex"][k]) for k in a["ex"]]
    arrays += list(zip(a["firms"], b["firms"]))
    return all(_bits(x) == _bits(y) for x, y in arrays)


@pytest.mark.parametrize("seed", range(12))
def test_deliver_pass_is_the_passes_in_turn(seed):
    t = 20
    state = _state(seed, t, worn=False)
    ref = _copy(state)
    expected = _reference(ref, t)
    got = _one_call(state, t, check_worn=True)
    assert len(expected[5]) and len(expected[6]) and len(expected[8])   # not an empty case
    for x, y in zip(got, expected):
        assert x.dtype == y.dtype and _bits(x) == _bits(y)
    assert _same_state(state, ref)


@pytest.mark.parametrize("seed", range(6))
def test_deliver_pass_stops_at_worn_lines_and_goes_on_without_the_check(seed):
    t = 20
    state = _state(seed, t, worn=True)
    before = _copy(state)
    assert _reference(_copy(state), t) is None                 # worn lines: the old path
    assert _one_call(state, t, check_worn=True) is None        # would replace them first
    assert _same_state(state, before)                          # and nothing has changed
    ref = _copy(state)
    got = _one_call(state, t, check_worn=False)
    expected = _reference(ref, t, check_worn=False)
    for x, y in zip(got, expected):
        assert x.dtype == y.dtype and _bits(x) == _bits(y)
    assert _same_state(state, ref)


def test_delivery_fixed_holds_the_scalars_in_order():
    s = {name: float(i) for i, name in enumerate(DELIVERY_SCALARS)}
    floats, ints = delivery_fixed(s, np.ones(2), np.ones(3), np.ones(3, bool), np.ones(3),
                                  np.arange(2), np.arange(2), np.ones(2, bool), np.ones(2),
                                  np.ones(2), np.arange(26))
    assert floats[:len(DELIVERY_SCALARS) - 1].tolist() == list(range(len(s) - 1))
    assert floats[len(DELIVERY_SCALARS) - 1] == 2   # n_produced: the produced streams'
    assert ints.dtype == np.int64 and len(ints) == 3 + 3 * 2 + 26
