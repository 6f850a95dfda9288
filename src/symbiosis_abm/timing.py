"""From calendar units to ticks: rates per month and durations in months, per tick.

Parameters are stated in calendar time (a chance or a share of a gap per month, a
duration in months, a cost per month) so that changing ``tick_months`` changes the time
resolution, not the behaviour. This module turns them into what one tick needs:

* a chance or share ``x`` per month becomes ``1 - (1 - x) ** tick_months`` per tick
  (the same as ``tick_months`` monthly steps in a row);
* a duration of ``d`` months becomes ``d / tick_months`` ticks (rounded to a whole
  number of at least one tick where it schedules something);
* a cost per month (or a trust loss per month of shortfall) becomes ``x tick_months``
  per tick;
* the broker's proposals per month become ``round(capacity x tick_months)`` per tick (at
  least one when the capacity is positive).

Examples
--------
The model accepts monthly ticks only (``tick_months``, docs/ODD.md section 2); the
conversions below are written for any length:

>>> from symbiosis_abm.params import Parameters
>>> monthly = tick_rates(Parameters())
>>> monthly.reconsider, in_ticks(12, 3)
(12, 4)
>>> round(per_tick(monthly.failure, 3.0), 4) == round(1 - (1 - monthly.failure) ** 3, 4)
True
"""

from __future__ import annotations

from dataclasses import dataclass

from .params import Parameters

__all__ = ["TickRates", "tick_rates", "per_tick", "in_ticks"]


def per_tick(per_month: float, tick_months: float) -> float:
    """A chance (or share of a gap) per month, as a chance per tick.

    Examples
    --------
    >>> per_tick(0.5, 2.0)
    0.75
    >>> per_tick(0.03, 1.0)
    0.03
    """
    if tick_months == 1.0:
        return per_month  # exact: 1 - (1 - x) is not x in floating point
    return 1.0 - (1.0 - per_month) ** tick_months


def in_ticks(months: float, tick_months: float) -> int:
    """A duration in months as a whole number of ticks, at least one.

    Examples
    --------
    >>> in_ticks(12, 1), in_ticks(12, 3), in_ticks(1, 3)
    (12, 4, 1)
    """
    return max(1, round(months / tick_months))


@dataclass(frozen=True)
class TickRates:
    """Everything a tick needs from the calendar-time parameters."""

    discovery: float            # chance per tick at zero distance
    failure: float              # negotiation breakdown chance per tick
    trust_decay: float          # share of the gap to the baseline closed per tick
    gain_contact: float         # share of the gap to 1 closed per tick of talks
    gain_delivery: float        # share of the gap to 1 closed per reliable delivery
    loss_shortfall: float       # trust lost per tick per unit of shortfall beyond tolerance
    reputation: float           # pull toward hearsay per tick
    join: float                 # registry join chance per tick (base)
    network_effect: float       # added join chance per tick at full membership
    negotiation_cost: float     # EUR per side per tick of talks
    staff_cost: float           # EUR per active tick
    broker_capacity: int        # proposals per tick
    negotiation: float          # base negotiation length, ticks (may be fractional)
    timeout: float              # ticks
    reconsider: int             # ticks
    patience: int               # ticks of running losses before an exchange ends
    convener_interval: int      # ticks between events
    mapping_interval: int       # ticks between updates of the opportunity map


def tick_rates(p: Parameters) -> TickRates:
    """The per-tick values of ``p`` for its ``tick_months``."""
    m = p.tick_months
    return TickRates(
        discovery=per_tick(p.discovery_rate, m),
        failure=per_tick(p.negotiation_failure_rate, m),
        trust_decay=per_tick(p.trust_decay, m),
        gain_contact=per_tick(p.trust_gain_contact, m),
        gain_delivery=per_tick(p.trust_gain_delivery, m),
        loss_shortfall=p.trust_loss_shortfall * m,  # a loss per month of shortfall
        reputation=per_tick(p.reputation_weight, m),
        join=per_tick(p.registry_join_rate, m),
        network_effect=per_tick(p.registry_network_effect, m),
        negotiation_cost=p.negotiation_cost_eur * m,
        staff_cost=p.facilitator_staff_cost_eur * m,
        broker_capacity=max(1, round(p.broker_capacity * m)) if p.broker_capacity > 0 else 0,
        negotiation=p.negotiation_months / m,
        timeout=p.negotiation_timeout_months / m,
        reconsider=in_ticks(p.reconsider_months, m),
        patience=in_ticks(p.unprofitable_patience_months, m),
        convener_interval=in_ticks(p.convener_interval_months, m),
        mapping_interval=in_ticks(p.mapping_interval_months, m),
    )
