"""Firms enter at their opening date: before it they neither trade nor negotiate."""

from __future__ import annotations

import numpy as np

from symbiosis_abm import SymbiosisModel


def _involving(model, firm_id):
    i = model.world.firm_ids.index(firm_id)
    ex, book, w = model.exchanges, model.negotiations, model.world
    traded = (ex["supplier"] == i) | (ex["receiver"] == i)
    talked = (w.edge_supplier[book["edge"]] == i) | (w.edge_receiver[book["edge"]] == i)
    return int(traded.sum() + talked.sum())


def test_nordkalk_enters_koping_in_2013():
    model = SymbiosisModel("vastra_malardalen", rng=3, initial_awareness=1.0,
                           initial_trust=0.9)
    opens = int(model.world.firm_open_tick[model.world.firm_ids.index("nordkalk")])
    assert opens == 36  # region start 2010-01, Nordkalk opens 2013-01
    model.run(opens)
    assert not model.firm("nordkalk").is_open
    assert _involving(model, "nordkalk") == 0
    model.run(1)
    assert model.firm("nordkalk").is_open
    assert model.counts["firms_opened"] >= 1


def test_a_firm_that_opens_later_gets_exchanges_once_open():
    model = SymbiosisModel("vastra_malardalen", rng=3, initial_awareness=1.0,
                           initial_trust=0.9)
    model.run(120)
    i = model.world.firm_ids.index("nordkalk")
    log = model.exchanges
    starts = log["start"][(log["supplier"] == i) | (log["receiver"] == i)]
    assert len(starts) > 0 and np.all(starts >= 36)


def test_mapper_makes_mapped_candidates_known_and_costs_money():
    kw = dict(rng=2, initial_awareness=0.0, broker=False, convener=False, cofunder=False,
              expert_support=0.0, facilitator_staff_cost_eur=0.0, facilitator_start_tick=0)
    mapped = SymbiosisModel("kronoberg_kalmar_water", mapper=True, **kw)
    unmapped = SymbiosisModel("kronoberg_kalmar_water", mapper=False, **kw)
    mapped.run(1)
    unmapped.run(1)
    aware = lambda m: int(m.pairs.aware[m.edge_slot_sr].sum() + m.pairs.aware[m.edge_slot_rs].sum())  # noqa: E731
    assert mapped.facilitator.maps_published == 1 and mapped.facilitator.links_mapped > 0
    assert aware(mapped) >= aware(unmapped) + mapped.facilitator.links_mapped
    assert mapped.facilitator.spent_total == mapped.params.mapping_cost_eur
    assert "mapper" in mapped.facilitator.roles
