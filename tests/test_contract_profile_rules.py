"""Issue 10 rules: the need's own volume caps a contract (a), the contract follows the
supply's profile (b), each (resource, mode) asset has its own economic life (c)."""

from __future__ import annotations

import numpy as np
import pytest

from symbiosis_abm import SymbiosisModel
from symbiosis_abm.assets import AssetBook
from symbiosis_abm.catalogue import MODES
from symbiosis_abm.contracts import supply_for_contracts
from symbiosis_abm.economics import annuity_factor, asset_lives, need_room, seasonal_utilisation
from symbiosis_abm.hazards import edge_end_chances, risk_rate

SUMMER = np.array([[0.0] * 3 + [1.5] * 8 + [0.0]])          # Apr-Nov, mean 1
HEATING = np.array([[1.7, 1.56, 1.46, 1.11, 0.71, 0.39, 0.25, 0.31, 0.6, 1.0, 1.32, 1.59]])


def test_need_capped_by_its_own_volume():
    # (a) contract 38 on a need of 100: room 100/38; by hand, month by month
    room = need_room(np.array([100.0]), np.array([0.0]), np.array([38.0]))
    assert room[0] == pytest.approx(100 / 38)
    by_hand = np.mean([min(s, d * 100 / 38) for s, d in zip(SUMMER[0], HEATING[0])])
    assert seasonal_utilisation(SUMMER, HEATING, room)[0] == pytest.approx(by_hand)
    # Apr, May, Sep, Oct, Nov take the supply's 1.5; Jun, Jul, Aug are capped by the
    # need's own volume: (0.39 + 0.25 + 0.31) x 100/38 = 2.5; (5 x 1.5 + 2.5) / 12
    assert by_hand == pytest.approx(10.0 / 12)
    # other contracts on the need leave less room; never below 1
    assert need_room(np.array([100.0]), np.array([62.0]), np.array([38.0]))[0] == 1.0
    assert need_room(np.array([100.0]), np.array([70.0]), np.array([38.0]))[0] == 1.0


def test_contract_follows_the_supply_profile():
    # (b) a summer-only supply to a flat need the size of the contract: the flat
    # contract of the old rule capped summer at 1 (8 x 1 / 12); following the supply the
    # contract takes 1.5 in each of those months: everything
    flat = np.ones((1, 12))
    assert np.minimum(1.0, np.minimum(SUMMER, flat)).mean() == pytest.approx(8 / 12)
    assert seasonal_utilisation(SUMMER, 1.5 * flat)[0] == pytest.approx(1.0)
    assert seasonal_utilisation(SUMMER, flat)[0] == pytest.approx(8 / 12)


def test_need_room_in_delivery_is_shared_by_contracts():
    # the same per-committed-unit rule as supply: need 100, contracts 38 -> 100/38
    room = supply_for_contracts(np.array([0.25]), np.array([100.0]), np.array([38.0]))
    assert room[0] == pytest.approx(0.25 * 100 / 38)


def test_asset_life_per_resource_and_mode():
    # (c) the catalogue gives 40 years for district-heat pipe; others keep the parameter
    assert asset_lives(np.array([[40.0, 0.0]]), 20.0).tolist() == [[40.0, 20.0]]
    m = SymbiosisModel("vastra_malardalen", rng=0)
    cat, pipe, truck = m.world.catalogue, MODES.index("pipe"), MODES.index("truck")
    heat, sludge = cat.index("waste_heat_high"), cat.index("sludge")
    assert m.asset_life_years[heat, pipe] == 40.0
    assert m.asset_life_years[sludge, truck] == m.params.lifetime_years
    assert m.mode_annuity[heat, pipe] == pytest.approx(annuity_factor(0.06, 40.0))
    assert m.assets.life(np.array([heat, sludge]), np.array([pipe, truck])).tolist() == [
        480, int(12 * m.params.lifetime_years)]
    # an asset built for a heat pipe lives 40 years
    book = AssetBook(3, m.assets.lifetime_ticks)
    ids = book.build(np.array([1]), np.array([0]), np.array([1]), np.array([heat]),
                     np.array([pipe]), np.array([1e6]), np.array([0.0]), tick=5)
    assert book.table["until"][ids].tolist() == [485]
    # and the expected annuity of a heat-pipe edge uses the 40-year factor
    w = m.world
    e = np.flatnonzero(w.edge_resource == heat)[:1]
    terms, info = m.expected_terms(e, trust=1.0)
    # paid at the plain 40-year factor; priced at the rate that counts the link's hazards
    # (issue 18): the same 40 years
    assert info["booked_annuity"][0] == pytest.approx(annuity_factor(0.06, 40.0)
                                                      * info["own_capex"][0])
    h = edge_end_chances(w, m.params)[e[0]]
    assert info["annuity_factor"][0] == pytest.approx(
        annuity_factor(float(risk_rate(0.06, h)), 40.0))
    assert terms.annuity[0] == pytest.approx(info["annuity_factor"][0] * info["capex"][0])
