"""Economic rules of an exchange, as pure functions over arrays.

All amounts are EUR per year unless a name says otherwise; volumes are per year in the
resource's unit; distances in km (route length). The rules (see docs/ODD.md, section 7):

* transport cost = volume x distance x cost per unit-km of the mode;
* capex = fixed connection cost + cost per km x distance, annualised with
  :func:`annuity_factor`;
* transaction cost = base x (1 + distrust factor x (1 - trust)), borne by each side for its
  own trust in the other;
* surplus = volume x utilisation x (virgin price + disposal cost) - transport - annuity -
  both transaction costs, where utilisation is the expected share of the contract that
  can be delivered given the supply and demand seasons;
* the price splits the surplus: the supplier gets ``bargaining_power`` x surplus (Nash).

The receiver bears transport and capex (less any co-funding); each side bears its own
transaction cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "annuity_factor", "transaction_cost", "choose_mode", "ExchangeTerms", "evaluate",
    "nash_payment", "seasonal_utilisation", "need_room", "alternative_cost",
    "direct_use_capex_fixed", "annuity_factors", "asset_lives",
]


def annuity_factor(rate: float, years: float) -> float:
    """Yearly payment that repays 1 EUR of capex over ``years`` at ``rate``.

    Examples
    --------
    >>> round(annuity_factor(0.06, 20), 5)
    0.08718
    >>> annuity_factor(0.0, 10)
    0.1
    """
    if rate == 0:
        return 1.0 / years
    return rate / (1.0 - (1.0 + rate) ** -years)


def annuity_factors(rate: float, years: np.ndarray) -> np.ndarray:
    """:func:`annuity_factor` of each economic life in ``years`` (any shape).

    Examples
    --------
    >>> annuity_factors(0.06, np.array([[20.0, 40.0]])).round(5).tolist()
    [[0.08718, 0.06646]]
    """
    years = np.asarray(years, dtype=float)
    return np.array([annuity_factor(rate, float(y)) for y in years.flat],
                    dtype=float).reshape(years.shape)


def asset_lives(catalogue_years: np.ndarray, default_years: float) -> np.ndarray:
    """Economic life of each (resource, mode) asset: the catalogue's where it gives one
    (> 0), else ``default_years`` (the parameter ``lifetime_years``).

    Examples
    --------
    >>> asset_lives(np.array([[40.0, 0.0]]), 20.0).tolist()
    [[40.0, 20.0]]
    """
    years = np.asarray(catalogue_years, dtype=float)
    return np.where(years > 0, years, float(default_years))


def transaction_cost(trust: np.ndarray, base: float, distrust_factor: float) -> np.ndarray:
    """Yearly transaction cost of one side, higher when its trust in the other is low.

    Examples
    --------
    >>> transaction_cost(np.array([1.0, 0.5, 0.0]), 1000.0, 2.0)
    array([1000., 2000., 3000.])
    """
    return base * (1.0 + distrust_factor * (1.0 - np.asarray(trust, dtype=float)))


def choose_mode(
    volume: np.ndarray,
    distance_km: np.ndarray,
    cost_per_unit_km: np.ndarray,
    capex_fixed: np.ndarray,
    capex_per_km: np.ndarray,
    max_distance_km: np.ndarray,
    annuity: float | np.ndarray,
    cost_per_unit: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest feasible transport mode for each exchange.

    Mode arrays have shape ``(n, n_modes)`` (the rows of the exchange's resource); a mode
    is feasible where ``0 < distance <= max_distance``; ``annuity`` is one factor or one
    per mode (shape ``(n, n_modes)``: each mode's asset has its own economic life). ``cost_per_unit`` is a cost per
    unit moved whatever the distance (loading and port handling of a ship); it is part
    of the transport cost.

    Returns
    -------
    mode : int array, -1 where no mode is feasible
    transport : yearly transport cost (0 where infeasible)
    capex : investment (0 where infeasible)
    feasible : bool array

    Examples
    --------
    Mode 0 costs 1 EUR/unit-km and no capex; mode 1 costs 0.5 EUR/unit-km and
    1,000 + 100/km of capex (0.1 of it per year). For 1,000 units over 2 km mode 0 costs
    2,000 a year, mode 1 costs 1,000 + 120:

    >>> m, t, c, ok = choose_mode(np.array([1000.0]), np.array([2.0]),
    ...     np.array([[1.0, 0.5]]), np.array([[0.0, 1000.0]]), np.array([[0.0, 100.0]]),
    ...     np.array([[50.0, 5.0]]), 0.1)
    >>> int(m[0]), float(t[0]), float(c[0])
    (1, 1000.0, 1200.0)

    A handling cost of 1.5 per unit on mode 1 makes mode 0 the cheaper one:

    >>> m, t, c, ok = choose_mode(np.array([1000.0]), np.array([2.0]),
    ...     np.array([[1.0, 0.5]]), np.array([[0.0, 1000.0]]), np.array([[0.0, 100.0]]),
    ...     np.array([[50.0, 5.0]]), 0.1, cost_per_unit=np.array([[0.0, 1.5]]))
    >>> int(m[0]), float(t[0])
    (0, 2000.0)
    """
    dist = np.asarray(distance_km, dtype=float)[:, None]
    capex = capex_fixed + capex_per_km * dist
    ok = (max_distance_km > 0) & (dist <= max_distance_km)
    return cheapest_mode(volume, distance_km, cost_per_unit_km, capex, ok, annuity,
                         cost_per_unit)


def cheapest_mode(volume: np.ndarray, distance_km: np.ndarray, cost_per_unit_km: np.ndarray,
                  capex: np.ndarray, ok: np.ndarray, annuity: float | np.ndarray,
                  cost_per_unit: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`choose_mode` given each mode's ``capex`` and whether it is feasible (``ok``),
    shape ``(n, n_modes)``: for callers that keep those per candidate.

    Examples
    --------
    >>> m, t, c, ok = cheapest_mode(np.array([1000.0]), np.array([2.0]),
    ...     np.array([[1.0, 0.5]]), np.array([[0.0, 1200.0]]), np.array([[True, True]]), 0.1)
    >>> int(m[0]), float(t[0]), float(c[0])
    (1, 1000.0, 1200.0)
    """
    volume = np.asarray(volume, dtype=float)[:, None]
    dist = np.asarray(distance_km, dtype=float)[:, None]
    transport = volume * dist * cost_per_unit_km
    if cost_per_unit is not None:
        transport = transport + volume * cost_per_unit
    yearly = transport + annuity * capex
    yearly = np.where(ok, yearly, np.inf)
    mode = yearly.argmin(axis=1)   # methods and ufuncs: this runs hundreds of times a run
    feasible = np.logical_or.reduce(ok, axis=1)
    rows = np.arange(len(mode))
    pick = lambda a: np.where(feasible, a[rows, mode], 0.0)  # noqa: E731
    return np.where(feasible, mode, -1), pick(transport), pick(capex), feasible


@dataclass(frozen=True)
class ExchangeTerms:
    """The expected yearly economics of candidate exchanges (one entry per candidate)."""

    surplus: np.ndarray          # joint surplus, EUR/year
    supplier_gain: np.ndarray    # supplier's share, EUR/year
    receiver_gain: np.ndarray    # receiver's share, EUR/year
    payment: np.ndarray          # receiver -> supplier, EUR/year (may be negative: a gate fee)
    transport: np.ndarray        # EUR/year
    annuity: np.ndarray          # receiver's annualised capex after co-funding, EUR/year
    tc_supplier: np.ndarray      # EUR/year
    tc_receiver: np.ndarray      # EUR/year


def evaluate(
    volume: np.ndarray,
    utilisation: np.ndarray,
    virgin_price: np.ndarray,
    disposal_cost: np.ndarray,
    transport: np.ndarray,
    capex: np.ndarray,
    annuity: float | np.ndarray,
    tc_supplier: np.ndarray,
    tc_receiver: np.ndarray,
    bargaining_power: float,
    cofund_share: np.ndarray | float = 0.0,
) -> ExchangeTerms:
    """Expected yearly surplus of candidate exchanges and its Nash split.

    ``transport`` is the cost of the full contracted volume; it and the avoided costs scale
    with ``utilisation`` (the expected delivered share), capex does not.

    Examples
    --------
    A 1,000 t/yr stream, virgin price 20, disposal 30, transport 5,000/yr, capex 100,000
    at an annuity factor of 0.1, transaction costs 1,000 per side, half the surplus each:

    >>> t = evaluate(np.array([1000.0]), np.array([1.0]), np.array([20.0]),
    ...     np.array([30.0]), np.array([5000.0]), np.array([100000.0]), 0.1,
    ...     np.array([1000.0]), np.array([1000.0]), 0.5)
    >>> float(t.surplus[0]), float(t.supplier_gain[0]), float(t.payment[0])
    (33000.0, 16500.0, -12500.0)
    """
    delivered = volume * utilisation
    avoided_virgin = delivered * virgin_price
    avoided_disposal = delivered * disposal_cost
    moved = transport * utilisation
    annual_capex = annuity * capex * (1.0 - np.asarray(cofund_share, dtype=float))
    surplus = avoided_virgin + avoided_disposal - moved - annual_capex - tc_supplier - tc_receiver
    supplier_gain = bargaining_power * surplus
    payment = nash_payment(surplus, avoided_disposal, tc_supplier, bargaining_power)
    return ExchangeTerms(surplus, supplier_gain, surplus - supplier_gain, payment, moved,
                         annual_capex, tc_supplier, tc_receiver)


def nash_payment(
    surplus: np.ndarray, avoided_disposal: np.ndarray, tc_supplier: np.ndarray, beta: float
) -> np.ndarray:
    """Yearly payment from receiver to supplier that gives the supplier ``beta`` x surplus.

    The supplier's gain is ``avoided_disposal - tc_supplier + payment``; setting it to
    ``beta * surplus`` gives the payment. A negative payment is a gate fee the supplier pays.

    Examples
    --------
    >>> float(nash_payment(np.array([100.0]), np.array([30.0]), np.array([10.0]), 0.5)[0])
    30.0
    """
    return beta * surplus - avoided_disposal + tc_supplier


def seasonal_utilisation(supply_season: np.ndarray, demand_season: np.ndarray,
                         need_room: np.ndarray | float = 1.0) -> np.ndarray:
    """Expected delivered share of a contract, given monthly supply and demand factors.

    The contract follows the supplier's profile: in month ``m`` it expects
    ``supply_season[m]`` of its mean monthly volume (a stream's whole output is
    contracted as it comes, peaks included). The receiver's need caps the delivery at its
    *own* monthly volume: ``demand_season[m] x need_room``, where ``need_room`` is the
    need's yearly volume over the volume contracted on it (this contract included; >= 1).
    A contract smaller than the need can therefore take the supply's summer peak while
    the need is low in summer but still larger than the contract. The result is the
    yearly mean of that capped profile (factors relative to their yearly mean).

    Examples
    --------
    >>> flat = np.ones((1, 12))
    >>> winter = np.array([[2.0] * 6 + [0.0] * 6])
    >>> float(seasonal_utilisation(flat, flat)[0]), float(seasonal_utilisation(flat, winter)[0])
    (1.0, 0.5)

    A summer-only supply (0 in the first half of the year) to a winter-heavy need
    (0.5 in the second half) four times the contract: the whole supply is taken.

    >>> summer = np.array([[0.0] * 6 + [2.0] * 6])
    >>> heating = np.array([[1.5] * 6 + [0.5] * 6])
    >>> float(seasonal_utilisation(summer, heating)[0]), float(seasonal_utilisation(
    ...     summer, heating, np.array([4.0]))[0])
    (0.25, 1.0)
    """
    room = np.asarray(need_room, dtype=float)
    if room.ndim:
        room = room[:, None]
    monthly = np.minimum(supply_season, demand_season * room)
    return monthly.sum(axis=1) / monthly.shape[1]   # the mean, without np.mean's overhead


def need_room(need_volume: np.ndarray, committed_other: np.ndarray,
              volume: np.ndarray) -> np.ndarray:
    """A need's yearly volume over what is contracted on it with a new contract of
    ``volume`` (``committed_other`` is what other contracts hold); at least 1.

    Examples
    --------
    >>> need_room(np.array([100.0, 100.0, 50.0]), np.array([0.0, 50.0, 50.0]),
    ...           np.array([38.0, 50.0, 0.0])).round(3).tolist()
    [2.632, 1.0, 1.0]
    """
    total = np.asarray(committed_other, dtype=float) + np.asarray(volume, dtype=float)
    room = np.divide(need_volume, total, out=np.ones(len(total)), where=total > 0)
    return np.maximum(room, 1.0)


def alternative_cost(
    alternative: np.ndarray,
    price: np.ndarray,
    landfill_tax: float,
    incineration_tax: float,
    taxed: np.ndarray | bool = True,
    cost_scale: float = 1.0,
) -> np.ndarray:
    """What a seller's alternative costs it per unit; negative where it is a sale.

    ``landfill``/``incineration``: the gate fee ``price`` plus the country's tax (where
    ``taxed``: taxes are per tonne); ``discharge``/``cooling``: ``price``; ``sale``: minus
    the ``price`` received (the income an exchange makes the seller forgo); ``none``: 0.
    ``cost_scale`` scales costs (fees and taxes), never sale prices: it is the policy lever
    ``disposal_cost_multiplier``.

    Examples
    --------
    >>> kinds = np.array(["landfill", "incineration", "sale", "discharge", "none"])
    >>> alternative_cost(kinds, np.array([10.0, 40.0, 5.0, 0.02, 0.0]), 55.0, 0.0).tolist()
    [65.0, 40.0, -5.0, 0.02, 0.0]
    >>> alternative_cost(kinds, np.array([10.0, 40.0, 5.0, 0.02, 0.0]), 55.0, 0.0,
    ...                  cost_scale=2.0).tolist()
    [130.0, 80.0, -5.0, 0.04, 0.0]
    """
    alternative = np.asarray(alternative)
    price = np.asarray(price, dtype=float)
    taxed = np.asarray(taxed, dtype=bool)
    cost = np.select(
        [alternative == "landfill", alternative == "incineration",
         (alternative == "discharge") | (alternative == "cooling")],
        [price + np.where(taxed, landfill_tax, 0.0),
         price + np.where(taxed, incineration_tax, 0.0), price], default=0.0)
    return np.where(alternative == "sale", -price, cost_scale * cost)


def direct_use_capex_fixed(capex_fixed: np.ndarray, heat_pump_capex: np.ndarray,
                           direct_use: np.ndarray) -> np.ndarray:
    """Fixed capex per mode of each candidate, without the heat-pump part where the
    receiver uses the resource as it comes.

    A fish farm runs warm cooling water through its tanks; a district-heating network
    must lift low-grade heat with a heat pump first. The catalogue's ``capex_fixed`` of
    low-grade heat includes a heat-pump share (``heat_pump_capex``); a need marked
    ``direct_use`` is not charged it.

    Examples
    --------
    >>> fixed = np.array([[6.0e5, 0.0], [6.0e5, 0.0]])
    >>> hp = np.array([[5.0e5, 0.0], [5.0e5, 0.0]])
    >>> direct_use_capex_fixed(fixed, hp, np.array([True, False]))[:, 0].tolist()
    [100000.0, 600000.0]
    """
    return capex_fixed - heat_pump_capex * np.asarray(direct_use, dtype=float)[:, None]
