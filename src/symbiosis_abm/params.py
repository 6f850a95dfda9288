"""The model's parameters: one frozen, typed record with units and descriptions.

The CLI (``symbiosis-abm params``), the dashboard tooltips and ``docs/parameters.md`` all
read the metadata attached here, so this module is the single place where a parameter is
defined. Values are checked on construction; a bad value raises :class:`ParameterError`
with a one-line message naming the parameter and what is allowed.

Examples
--------
>>> p = Parameters()
>>> p.bargaining_power
0.5
>>> p2 = p.replace(bargaining_power=0.7)
>>> p2.bargaining_power, p.bargaining_power
(0.7, 0.5)
>>> Parameters(bargaining_powr=0.7)
Traceback (most recent call last):
...
TypeError: Parameters.__init__() got an unexpected keyword argument 'bargaining_powr'
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from .errors import ParameterError, did_you_mean

if TYPE_CHECKING:   # (pandas only for the table: a --set error answers without it)
    import pandas as pd

__all__ = ["Parameters", "STATIC_WORLD", "TARGETING_STRATEGIES", "parameter_table",
           "parameter_markdown", "coerce"]

TARGETING_STRATEGIES = (
    "largest_streams",
    "highest_surplus",
    "smes_first",
    "most_isolated",
    "random",
)


#: Overrides that switch off every process changing the region over a run (process changes,
#: exits and entries, price moves, fading): for tests and experiments that study one
#: mechanism in a world that otherwise stands still (docs/ODD.md 7.18-7.22).
STATIC_WORLD: dict[str, float] = {
    "process_change_rate": 0.0, "dormant_share": 0.0, "exit_rate_sme": 0.0,
    "exit_rate_large": 0.0, "price_volatility": 0.0, "awareness_fade_rate": 0.0,
    "registry_lapse_rate": 0.0,
}


def _p(
    default: Any,
    unit: str,
    description: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    choices: tuple[str, ...] | None = None,
    group: str,
) -> Any:
    """Declare a parameter with its unit, description and allowed range."""
    meta = {
        "unit": unit,
        "description": description,
        "low": low,
        "high": high,
        "low_open": low_open,
        "choices": choices,
        "group": group,
    }
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Parameters:
    """Every model parameter, with its default, unit and meaning.

    Construct with keywords (``Parameters(discount_rate=0.08)``) or derive a variant with
    :meth:`replace`. Use :func:`parameter_table` for a printable overview.
    """

    # --- time -------------------------------------------------------------------------
    tick_months: float = _p(
        1.0, "months", "Length of one tick. Rates per month and durations in months are "
        "converted to ticks (docs/ODD.md, section 2). Only monthly ticks are accepted: "
        "quarterly ticks did not give the same expected outcomes (experiments/"
        "tick_length.py), so other lengths are refused.",
        low=1.0, high=1.0, group="time")

    # --- economics ----------------------------------------------------------------------
    discount_rate: float = _p(0.06, "1/year", "Discount rate for annualising capex.",
                              low=0.0, high=1.0, group="economics")
    lifetime_years: float = _p(20.0, "years", "Economic lifetime of exchange infrastructure "
                               "where the catalogue gives none for the resource's mode "
                               "(an asset is reused at no new capex within it).",
                               low=0.0, high=100.0, low_open=True, group="economics")
    transaction_cost_eur: float = _p(
        5000.0, "EUR/year",
        "Yearly cost of running an exchange (contracts, coordination) at full trust.",
        low=0.0, group="economics")
    distrust_cost_factor: float = _p(
        3.0, "-",
        "Transaction cost multiplier added at zero trust: cost x (1 + factor x (1 - trust)).",
        low=0.0, group="economics")
    disposal_cost_multiplier: float = _p(
        1.0, "-", "Scales every disposal cost (a landfill-tax lever).", low=0.0,
        group="economics")
    virgin_price_multiplier: float = _p(
        1.0, "-", "Scales every virgin-input price.", low=0.0, group="economics")

    detour_factor: float = _p(
        1.3, "-", "Route length over straight-line distance (pipes and roads are not straight).",
        low=1.0, high=3.0, group="economics")

    # --- search -------------------------------------------------------------------------
    search_budget_sme_eur: float = _p(
        12000.0, "EUR/year", "Search budget of an SME.", low=0.0, group="search")
    search_budget_large_eur: float = _p(
        60000.0, "EUR/year", "Search budget of a large firm.", low=0.0, group="search")
    search_cost_eur: float = _p(
        1000.0, "EUR", "Cost of evaluating one candidate partner (waived for broker proposals).",
        low=0.0, group="search")
    max_candidates: int = _p(
        12, "firms", "Candidate partners per stream or need, nearest first (KD-tree).",
        low=1, high=1000, group="search")
    discovery_rate: float = _p(
        0.03, "1/month",
        "Chance per month of discovering a candidate at zero distance.", low=0.0, high=1.0,
        group="search")
    discovery_distance_km: float = _p(
        10.0, "km", "Distance over which discovery and initial awareness fall by a factor e.",
        low=0.0, low_open=True, group="search")
    initial_awareness: float = _p(
        0.15, "-", "Chance that a firm knows a candidate at the start (at zero distance).",
        low=0.0, high=1.0, group="search")
    reconsider_months: float = _p(
        12.0, "months", "Time before a rejected candidate is evaluated again.", low=0.0,
        low_open=True, group="search")

    # --- negotiation ----------------------------------------------------------------------
    negotiation_months: float = _p(
        2.0, "months", "Negotiation length between partners who trust each other fully.",
        low=0.0, low_open=True, group="negotiation")
    negotiation_timeout_months: float = _p(
        12.0, "months", "Negotiations that would take longer fail at this age (timeout).",
        low=0.0, low_open=True, group="negotiation")
    negotiation_cost_eur: float = _p(
        1000.0, "EUR/month", "Cost to each side of every month of negotiation.", low=0.0,
        group="negotiation")
    negotiation_failure_rate: float = _p(
        0.05, "1/month", "Chance per month that a negotiation breaks down for other reasons.",
        low=0.0, high=1.0, group="negotiation")
    bargaining_power: float = _p(
        0.5, "-", "Supplier's share of the surplus in the Nash split.", low=0.0, high=1.0,
        group="negotiation")
    max_negotiations: int = _p(
        3, "negotiations", "Negotiations a firm runs at once.", low=1, group="negotiation")
    contract_years: float = _p(
        5.0, "years", "Contract length; at expiry an exchange renews if still worth it.",
        low=0.0, low_open=True, group="negotiation")
    min_volume_share: float = _p(
        0.5, "-", "A contract's minimum volume as a share of its contracted (maximum) "
        "volume: a stream or need that falls below what is contracted on it cuts its "
        "contracts pro rata down to this, and ends those that would go below it.",
        low=0.0, high=1.0, group="negotiation")
    price_review: bool = _p(
        True, "-", "A side that has lost money for unprofitable_patience_months first asks "
        "for a price review: the contract is re-priced at the Nash split of today's surplus "
        "(the asset sunk), as at a renewal, and ends (unprofitable) only where no price "
        "leaves both sides better off or one side will not sign (docs/ODD.md 7.8; "
        "assumption).", group="negotiation")
    notice_months: float = _p(
        3.0, "months", "Notice period of a contract: a side that ends it early (it loses "
        "money, or its stream or need fell below the contract's minimum) pays the other "
        "side that side's expected gain for this many months in lieu of notice "
        "(docs/ODD.md 7.8; assumption).", low=0.0, group="negotiation")
    stranded_compensation_share: float = _p(
        0.0, "-", "Share of the receiver's stranded asset (the annuity still to come) that "
        "a supplier ending a contract early pays the receiver, where contracts say so "
        "(docs/ODD.md 7.8; assumption: no such clause by default).", low=0.0, high=1.0,
        group="negotiation")

    # --- trust --------------------------------------------------------------------------
    initial_trust: float = _p(0.35, "-", "Trust between firms that have not met.",
                              low=0.0, high=1.0, group="trust")
    documented_ties: bool = _p(
        True, "-", "Use the region's documented ties ([[relationships]]: awareness and "
        "trust from their dates); false: every pair starts at initial_awareness and "
        "initial_trust.", group="trust")
    trust_baseline: float = _p(0.3, "-", "Level trust decays toward without contact.",
                               low=0.0, high=1.0, group="trust")
    trust_decay: float = _p(
        0.02, "1/month", "Share of the gap to the baseline closed per month without contact.",
        low=0.0, high=1.0, group="trust")
    trust_gain_contact: float = _p(
        0.03, "1/month", "Share of the gap to full trust closed per month of negotiation.",
        low=0.0, high=1.0, group="trust")
    trust_gain_delivery: float = _p(
        0.02, "1/month", "Share of the gap to full trust closed per month of reliable "
        "delivery.", low=0.0, high=1.0, group="trust")
    trust_loss_shortfall: float = _p(
        0.5, "1/month", "Trust lost per month of delivery per unit shortfall (against the "
        "contract's seasonal profile) beyond the tolerance.",
        low=0.0, high=1.0, group="trust")
    shortfall_tolerance: float = _p(
        0.2, "-", "Shortfall against what the contract expected that still counts as "
        "reliable.",
        low=0.0, high=1.0, group="trust")
    min_trust_sme: float = _p(0.45, "-", "Trust an SME needs in a partner to sign.",
                              low=0.0, high=1.0, group="trust")
    min_trust_large: float = _p(0.4, "-", "Trust a large firm needs in a partner to sign.",
                                low=0.0, high=1.0, group="trust")
    reputation_weight: float = _p(
        0.05, "1/month",
        "Pull of trust toward trust passed on by a common partner (Ghali et al. 2017).",
        low=0.0, high=1.0, group="trust")

    # --- firms --------------------------------------------------------------------------
    capital_sme_eur: float = _p(
        150000.0, "EUR", "Largest investment an SME can fund for one exchange.", low=0.0,
        group="firms")
    capital_large_eur: float = _p(
        20e6, "EUR", "Largest investment a large firm can fund for one exchange.", low=0.0,
        group="firms")
    closure_rate_per_year: float = _p(
        0.0, "1/year", "Hazard of a firm closing (besides closures set in the region).",
        low=0.0, high=1.0, group="firms")
    unprofitable_patience_months: float = _p(
        6.0, "months", "Losses against plan (expected gain plus the running deviation of "
        "actual from expected gain below 0) for this long end an exchange as unprofitable.",
        low=0.0, low_open=True, group="firms")

    # --- facilitator ---------------------------------------------------------------------
    facilitator: bool = _p(True, "-", "Whether the region has a facilitator at all.",
                           group="facilitator")
    facilitator_start_tick: int = _p(0, "tick", "First tick the facilitator is active.",
                                     low=0, group="facilitator")
    facilitator_end_tick: int | None = _p(
        None, "tick", "Tick the facilitator withdraws (None: never).", low=0,
        group="facilitator")
    facilitator_staff_cost_eur: float = _p(
        8000.0, "EUR/month", "Public staff cost of an active facilitator.", low=0.0,
        group="facilitator")
    broker: bool = _p(True, "-", "Broker role: registry and proposed matches.",
                      group="facilitator")
    broker_capacity: int = _p(3, "proposals/month", "Matches the broker proposes per month.",
                              low=0, group="facilitator")
    targeting: str = _p("largest_streams", "-", "Which matches the broker proposes first.",
                        choices=TARGETING_STRATEGIES, group="facilitator")
    facilitator_budget_eur_per_year: float | None = _p(
        None, "EUR/year",
        "Ceiling on the facilitator's yearly spending on proposals, events and co-funding "
        "(None: no ceiling besides the co-funding budget).", low=0.0, group="facilitator")
    proposal_cost_eur: float = _p(500.0, "EUR", "Public cost of one broker proposal.",
                                  low=0.0, group="facilitator")
    registry_join_rate: float = _p(
        0.02, "1/month", "Chance per month that a non-member joins the registry.",
        low=0.0, high=1.0, group="facilitator")
    registry_network_effect: float = _p(
        0.1, "1/month", "Added join chance per month at full membership (critical mass).",
        low=0.0, high=1.0, group="facilitator")
    convener: bool = _p(True, "-", "Convener role: networking events.", group="facilitator")
    convener_interval_months: float = _p(6.0, "months", "Time between events.", low=0.0,
                                         low_open=True, group="facilitator")
    convener_attendees: int = _p(20, "firms", "Most firms attending one event (the room).",
                                 low=0, group="facilitator")
    convener_share: float = _p(
        0.5, "-", "Share of the region's open firms one event reaches (at most "
        "convener_attendees).", low=0.0, high=1.0, group="facilitator")
    convener_trust_gain: float = _p(
        0.15, "-", "Share of the gap to full trust closed between attendees.", low=0.0,
        high=1.0, group="facilitator")
    event_cost_eur: float = _p(5000.0, "EUR", "Public cost of one event.", low=0.0,
                               group="facilitator")
    cofunder: bool = _p(True, "-", "Co-funder role: pays a share of capex.",
                        group="facilitator")
    cofund_share: float = _p(0.3, "-", "Share of a new asset's capex the facilitator pays, "
                             "only for deals that would not pay without it.",
                             low=0.0, high=1.0, group="facilitator")
    cofund_budget_eur: float = _p(2e6, "EUR", "Total co-funding budget.", low=0.0,
                                  group="facilitator")
    expert_support: float = _p(
        0.5, "-",
        "Expert support: an SME member of an active facilitator's registry moves this share "
        "of the way to a large firm's search budget, signing threshold and capital access, "
        "and pays this share less per evaluated candidate.", low=0.0, high=1.0,
        group="facilitator")
    mapper: bool = _p(
        False, "-", "Mapper role: publishes the region's opportunity map to its firms, which "
        "makes the mapped candidates known to them.", group="facilitator")
    mapping_cost_eur: float = _p(
        40000.0, "EUR", "Public cost of one opportunity map (survey, analysis, publication).",
        low=0.0, group="facilitator")
    mapping_interval_months: float = _p(
        24.0, "months", "Time between updates of the opportunity map.", low=0.0,
        low_open=True, group="facilitator")

    # --- dynamics: hold-up and relationships (issue 9; docs/ODD.md section 7.9) ----------
    holdup_weight: float = _p(
        0.45, "-", "Added signing threshold at full asset specificity (hold-up; Williamson "
        "1985): a side needs base threshold + weight x specificity, specificity = dedicated "
        "capex / (dedicated capex + payback years x its yearly gain). Assumption: a pipe "
        "worth several years of gains needs trust well above what first talks build.",
        low=0.0, high=1.0, group="trust")
    holdup_payback_years: float = _p(
        5.0, "years", "Years of gains a side sets against its dedicated investment when "
        "judging hold-up risk (assumption: the usual industrial payback requirement of "
        "3-5 years).", low=0.0, low_open=True, group="trust")
    mobile_specificity: float = _p(
        0.25, "-", "Share of a mobile mode's capex (containers, storage pits) that is "
        "specific to one partner; a pipe's is 1 (assumption).", low=0.0, high=1.0,
        group="trust")
    trial_volume_share: float = _p(
        0.25, "-", "Strangers who cannot yet sign a dedicated link may run a trial: this "
        "share of the volume by a mode without a fixed line (0: no trials; assumption).",
        low=0.0, high=1.0, group="trust")
    trial_trust_share: float = _p(
        0.7, "-", "A trial needs this share of each side's own signing threshold (a purchase "
        "order risks little: strangers can start small at once).", low=0.0, high=1.0,
        group="trust")
    trial_months: float = _p(
        12.0, "months", "Length of a trial contract; at its end the pair negotiates the full "
        "link (assumption).", low=0.0, low_open=True, group="trust")
    introduction_rate: float = _p(
        0.02, "1/month", "Chance per month that a partner's partner becomes known and is "
        "trust-pulled through the common partner (knowledge diffusion; Ghali et al. 2017). "
        "Assumption.", low=0.0, high=1.0, group="trust")
    trust_loss_breach: float = _p(
        0.2, "-", "Trust lost in a partner that ends a contract early (assumption).",
        low=0.0, high=1.0, group="trust")
    trust_break: float = _p(
        0.2, "-", "A receiver ends an exchange when its trust in the supplier falls below this "
        "(broken trust; assumption).", low=0.0, high=1.0, group="trust")

    # --- dynamics: pace (lead times, projects, opportunities over time) -----------------
    lead_time_pipe_months: float = _p(
        18.0, "months", "Design, permitting and construction of a dedicated pipe before first "
        "delivery. Assumption: pipe connections take "
        "about 1-2 years from decision to first delivery.", low=0.0, group="pace")
    lead_time_truck_months: float = _p(
        1.0, "months", "Setting up a trucked exchange (containers, permits for waste "
        "transport; assumption).", low=0.0, group="pace")
    lead_time_ship_months: float = _p(
        3.0, "months", "Setting up shipments (port handling, chartering; assumption).",
        low=0.0, group="pace")
    lead_time_local_months: float = _p(
        1.0, "months", "Setting up a local (on-site, shared premises) exchange (assumption).",
        low=0.0, group="pace")
    process_change_rate: float = _p(
        0.05, "1/year", "Chance per year that a stream or need changes (new process, product "
        "or investment): a new level, or it stops (assumption; Kalundborg's links changed "
        "with such changes, Jacobsen 2006).", low=0.0, high=1.0, group="pace")
    process_stop_share: float = _p(
        0.25, "-", "Share of process changes that end a stream or need (assumption).",
        low=0.0, high=1.0, group="pace")
    process_change_sigma: float = _p(
        0.4, "-", "Log standard deviation of the new level after a process change "
        "(assumption).", low=0.0, group="pace")
    dormant_share: float = _p(
        0.0, "-", "Share of streams and needs that do not exist yet at the start; each "
        "appears at the process-change rate (opportunities appearing over time; "
        "assumption).", low=0.0, high=1.0, group="pace")

    # --- dynamics: demography, cascades, prices, fading ----------------------------------
    exit_rate_sme: float = _p(
        0.06, "1/year", "Yearly chance an SME closes. Eurostat business demography: enterprise "
        "death rates about 9 % a year in the EU business economy, highest among firms "
        "without employees; 6 % for employer SMEs is our assumption.", low=0.0, high=1.0,
        group="firms")
    exit_rate_large: float = _p(
        0.015, "1/year", "Yearly chance a large firm closes (assumption: a fraction of the SME "
        "rate, as Eurostat death rates fall steeply with size).", low=0.0, high=1.0,
        group="firms")
    site_reuse_rate: float = _p(
        0.3, "1/year", "Yearly chance a newcomer takes over the site of a firm that exited "
        "(same sector and streams, no relationships). Eurostat: birth rates close to death "
        "rates, so the population stays about constant (assumption for the rate).",
        low=0.0, high=1.0, group="firms")
    cascade: bool = _p(
        True, "-", "Streams produced from an input follow what the input receives; a firm "
        "whose key input stops closes (region field produced_from).", group="firms")
    cascade_threshold: float = _p(
        0.5, "-", "A key input below this share of its volume is starved.", low=0.0,
        high=1.0, group="firms")
    cascade_patience_months: float = _p(
        12.0, "months", "A firm whose key input stays starved this long closes "
        "(assumption).", low=0.0, low_open=True, group="firms")
    price_volatility: float = _p(
        0.15, "1/sqrt(year)", "Yearly volatility of virgin-input prices (log, mean-reverting; "
        "Schwartz 1997). Assumption of the order of energy and commodity price swings.",
        low=0.0, high=2.0, group="economics")
    price_reversion: float = _p(
        0.3, "1/year", "Share of a price deviation that closes per year.", low=0.0,
        high=1.0, group="economics")
    registry_lapse_rate: float = _p(
        0.03, "1/month", "Chance per month that a registry member drops out while no "
        "facilitator keeps the registry (assumption).", low=0.0, high=1.0,
        group="facilitator")
    awareness_fade_rate: float = _p(
        0.02, "1/month", "Chance per month that a firm forgets a candidate partner it has no "
        "contact with (assumption: half-life about 3 years).", low=0.0, high=1.0,
        group="search")

    # --- policy levers -----------------------------------------------------------------
    landfill_tax_eur_per_t: float = _p(
        0.0, "EUR/t", "Landfill tax added on top of the catalogue's disposal cost, only for "
        "streams in tonnes whose alternative is landfill.", low=0.0, group="policy")
    landfill_tax_schedule: str | None = _p(
        None, "year:EUR/t", "Landfill tax over time, e.g. '5:50, ~10:100' (from year 5 50, "
        "rising to 100 by year 10); before the first point the constant parameter applies.",
        group="policy")
    carbon_price_eur_per_t: float = _p(
        0.0, "EUR/t CO2e", "Carbon price on the emissions an exchange avoids, credited to the "
        "receiver (whose virgin input it replaces).", low=0.0, group="policy")
    carbon_price_schedule: str | None = _p(
        None, "year:EUR/t", "Carbon price over time (as landfill_tax_schedule).",
        group="policy")
    energy_price_schedule: str | None = _p(
        None, "year:factor", "Multiplier of energy virgin prices over time, e.g. '3:1.5, "
        "~6:1.0' (a shock in year 3 fading by year 6).", group="policy")

    # --- synthetic region generator -------------------------------------------------------
    n_firms: int = _p(200, "firms", "Synthetic region: number of firms.", low=2,
                      group="synthetic")
    area_km: float = _p(25.0, "km", "Synthetic region: side of the square area.", low=0.0,
                        low_open=True, group="synthetic")
    n_parks: int = _p(4, "parks", "Synthetic region: industrial parks.", low=0,
                      group="synthetic")
    park_share: float = _p(0.6, "-", "Synthetic region: share of firms inside a park.",
                           low=0.0, high=1.0, group="synthetic")
    park_radius_km: float = _p(1.5, "km", "Synthetic region: park radius.", low=0.0,
                               low_open=True, group="synthetic")
    region_seed: int | None = _p(
        None, "-", "Synthetic region: seed of the firm draw (None: derived from the run's seed).",
        low=0, group="synthetic")

    def __post_init__(self) -> None:
        problems = [msg for f in fields(self) if (msg := _check(f, getattr(self, f.name)))]
        end, start = self.facilitator_end_tick, self.facilitator_start_tick
        if not problems and end is not None and end < start:
            problems.append(f"parameter 'facilitator_end_tick': {end} is before "
                            f"facilitator_start_tick {start}; must be >= it, or none")
        if problems:
            raise ParameterError(problems)

    def replace(self, **overrides: Any) -> Parameters:
        """Return a copy with some values changed (validated, unknown names rejected)."""
        unknown = [k for k in overrides if k not in _NAMES]
        if unknown:
            raise ParameterError([_unknown_message(k) for k in unknown])
        plain = {k: _whole(k, v.item() if hasattr(v, "item") else v)
                 for k, v in overrides.items()}
        return dataclasses.replace(self, **plain)

    @property
    def ticks_per_year(self) -> float:
        """How many ticks make one year."""
        return 12.0 / self.tick_months

    def as_dict(self) -> dict[str, Any]:
        """All values as a plain dict (for JSON and Parquet metadata)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


_NAMES = frozenset(f.name for f in fields(Parameters))
_FIELDS = {f.name: f for f in fields(Parameters)}


def _whole(name: str, value: Any) -> Any:
    """A whole float for an integer parameter (``3.0`` from a TOML file) becomes an int."""
    if isinstance(value, float) and value.is_integer() and _type_of(_FIELDS[name]) is int:
        return int(value)
    return value


def _unknown_message(name: str) -> str:
    return f"parameter {name!r}: no such parameter{did_you_mean(name, _NAMES)}"


_NONE_DEFAULT_TYPES = {"facilitator_end_tick": int, "region_seed": int,
                       "facilitator_budget_eur_per_year": float,
                       "landfill_tax_schedule": str, "carbon_price_schedule": str,
                       "energy_price_schedule": str}


def _type_of(f: dataclasses.Field) -> type:
    return type(f.default) if f.default is not None else _NONE_DEFAULT_TYPES[f.name]


def _check_schedule(name: str, value: Any) -> str | None:
    """A message if ``value`` is not a schedule text (``symbiosis_abm.policy.Schedule``)."""
    from .policy import Schedule

    if not isinstance(value, str):
        return f"parameter {name!r}: must be a schedule text like '5:50, ~10:100', got {value!r}"
    try:
        Schedule.parse(value, name=f"parameter {name!r}")
    except ParameterError as err:
        return str(err)
    return None


#: Tick lengths (months) whose outcomes the calendar-time rules are verified to honour:
#: quarterly ticks gave outcomes 5-14 % off the monthly ones (issue 18, must-show 6), so
#: only monthly ticks are accepted (docs/ODD.md, section 2).
HONOURED_TICK_MONTHS = (1.0,)


def _check(f: dataclasses.Field, value: Any) -> str | None:
    """Return a message if ``value`` is not allowed for parameter ``f``, else None."""
    meta, kind = f.metadata, _type_of(f)
    where = f"parameter {f.name!r}"
    if (f.name == "tick_months" and isinstance(value, (int, float))
            and value not in HONOURED_TICK_MONTHS):
        return (f"{where}: {value!r} is refused: the model's calendar-time rules give the "
                f"same expected outcomes only with monthly ticks; allowed: 1")
    if value is None:
        return None if f.default is None else f"{where}: must not be None"
    if kind is bool:
        return None if isinstance(value, bool) else f"{where}: must be true or false, got {value!r}"
    if kind is str and meta["choices"] is None:
        return _check_schedule(f.name, value)
    if kind is str:
        if value not in meta["choices"]:
            return (f"{where}: {value!r} is not allowed; choose one of "
                    f"{', '.join(meta['choices'])}{did_you_mean(str(value), meta['choices'])}")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{where}: must be a number, got {value!r}"
    if kind is int and value != int(value):
        return f"{where}: must be a whole number, got {value!r}"
    if not math.isfinite(value):
        return f"{where}: must be a finite number, got {value!r}"
    low, high = meta["low"], meta["high"]
    too_low = low is not None and (value <= low if meta["low_open"] else value < low)
    if too_low or (high is not None and value > high):
        return f"{where}: {value!r} is out of range; allowed {_range_text(meta)}"
    return None


def _range_text(meta: dict) -> str:
    low, high = meta["low"], meta["high"]
    left = "" if low is None else (f"> {low:g}" if meta["low_open"] else f">= {low:g}")
    right = "" if high is None else f"<= {high:g}"
    return " and ".join(x for x in (left, right) if x) or "any number"


def coerce(name: str, text: str, origin: str = "--set") -> Any:
    """Turn the text of a ``--set NAME=VALUE`` into the parameter's type.

    Examples
    --------
    >>> coerce("n_firms", "2000")
    2000
    >>> coerce("facilitator_end_tick", "none") is None
    True
    """
    if name not in _FIELDS:
        raise ParameterError(f"{origin} {name}: no such parameter{did_you_mean(name, _NAMES)}")
    f = _FIELDS[name]
    kind = _type_of(f)
    raw = text.strip()
    if raw.lower() in ("none", "null") and f.default is None:
        return None
    try:
        if kind is bool:
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return raw.lower() in ("true", "1", "yes")
        if kind is int:
            number = float(raw)
            if number != int(number):
                raise ValueError
            return int(number)
        if kind is float:
            return float(raw)
    except (ValueError, OverflowError):  # int(float("inf")) overflows
        allowed = {bool: "true or false", int: "a whole number", float: "a number"}[kind]
        raise ParameterError(f"{origin} {name}={text}: must be {allowed}") from None
    return raw


#: Where each default comes from: a source, or "assumption: <reason>". The behavioural
#: parameters are not calibrated (docs/ODD.md, Appendix B).
BASIS: dict[str, str] = {
    "tick_months": "assumption: monthly decisions match firms' reporting cycles (DESIGN.md)",
    "discount_rate": "assumption: typical real industrial hurdle rate for infrastructure",
    "lifetime_years": "assumption: pipes and heat exchangers last 20-30 years",
    "transaction_cost_eur": "assumption: a few person-weeks a year of contract management",
    "distrust_cost_factor": "assumption: distrust can quadruple monitoring and contract costs",
    "disposal_cost_multiplier": "policy lever: 1 keeps the catalogue's sourced values",
    "virgin_price_multiplier": "policy lever: 1 keeps the catalogue's sourced values",
    "detour_factor": "assumption: road and pipe routes are ~1.2-1.4 x straight-line distance",
    "search_budget_sme_eur": "assumption: about 12 evaluations a year (Västernorrland seed: "
                             "SMEs have small development budgets)",
    "search_budget_large_eur": "assumption: five times an SME's",
    "search_cost_eur": "assumption: one to two person-days to assess a potential partner",
    "max_candidates": "assumption: bounds search work; larger values change results little",
    "discovery_rate": "assumption: a nearby candidate is found within about 3 years unaided",
    "discovery_distance_km": "assumption: informal knowledge is local (a municipality's "
                             "scale; NISP's facilitated median distance was ~33 km)",
    "initial_awareness": "assumption: firms know a few nearby candidates at the start",
    "reconsider_months": "assumption: a rejected option is looked at again after a year",
    "negotiation_months": "assumption: two months between trusting partners",
    "negotiation_timeout_months": "assumption: talks abandoned after a year",
    "negotiation_cost_eur": "assumption: a few person-days a month on each side",
    "negotiation_failure_rate": "assumption: many negotiations fail (DESIGN.md); ~45 % break "
                                "down over a year",
    "bargaining_power": "assumption: symmetric Nash bargaining",
    "max_negotiations": "assumption: staff time limits parallel talks",
    "contract_years": "assumption: typical industrial supply contract length",
    "min_volume_share": "assumption: half the contracted volume; Albino et al. 2016 (J. "
                        "Clean. Prod. 112) discuss minimum and maximum volumes in IS "
                        "contracts",
    "initial_trust": "assumption: strangers start below the signing thresholds",
    "trust_baseline": "assumption: trust without contact settles slightly below strangers'",
    "trust_decay": "assumption: half of the gap closes in about three years without contact",
    "trust_gain_contact": "assumption: a year of talks closes ~30 % of the gap",
    "trust_gain_delivery": "assumption: a year of reliable deliveries closes ~20 % of the gap",
    "trust_loss_shortfall": "assumption: a complete failure to deliver costs 0.4 trust",
    "shortfall_tolerance": "assumption: deliveries within 20 % count as reliable",
    "min_trust_sme": "assumption: SMEs are more risk averse (Västernorrland seed)",
    "min_trust_large": "assumption",
    "reputation_weight": "Ghali et al. 2017 (reputation through common partners); the "
                         "weight is an assumption",
    "capital_sme_eur": "assumption: an SME can fund a small investment, not a pipeline",
    "capital_large_eur": "assumption: large firms fund most single links",
    "closure_rate_per_year": "assumption: off by default; set for closure studies",
    "unprofitable_patience_months": "assumption: half a year of losses",
    "price_review": "assumption: long-term supply contracts carry price-review (hardship) "
                    "clauses; Albino et al. 2016 discuss contracts that adapt",
    "notice_months": "assumption: a quarter's notice, paid in lieu (Albino et al. 2016 list "
                     "notice and termination terms among the clauses of IS contracts)",
    "stranded_compensation_share": "assumption: no compensation clause by default; a lever "
                                   "for contract studies",
    "facilitator": "DESIGN.md: the question is the facilitator's effect; on by default",
    "facilitator_start_tick": "assumption",
    "facilitator_end_tick": "assumption: no withdrawal by default",
    "facilitator_staff_cost_eur": "assumption: about one full-time coordinator",
    "broker": "DESIGN.md role",
    "broker_capacity": "assumption: a coordinator prepares a few matches a month",
    "targeting": "Kalundborg lesson: focus on large, persistent streams (seed 004)",
    "facilitator_budget_eur_per_year": "assumption: no ceiling unless a region sets one",
    "proposal_cost_eur": "assumption: one person-day",
    "registry_join_rate": "assumption",
    "registry_network_effect": "DESIGN.md: platforms need a critical mass; size assumed",
    "convener": "DESIGN.md role; workshops and webinars (Kronoberg/Kalmar seed 001)",
    "convener_interval_months": "assumption: two events a year",
    "convener_attendees": "assumption",
    "convener_share": "assumption: half of a region's firms come to one event (no source "
                      "read gives attendance as a share of a region's firms)",
    "convener_trust_gain": "assumption",
    "documented_ties": "issue 19: ties as the region's sources give them; false for the "
                       "defaults-only comparison (experiments/facilitator_roles.toml)",
    "event_cost_eur": "assumption: venue and staff for a half-day workshop",
    "cofunder": "DESIGN.md role",
    "cofund_share": "assumption: typical public co-funding share of investment grants",
    "cofund_budget_eur": "assumption",
    "expert_support": "Västernorrland seed 003: SMEs need expert support; size assumed",
    "mapper": "Kronoberg/Kalmar seed 001: the public role was mapping, workshops and "
              "webinars; off unless a region lists the role",
    "mapping_cost_eur": "assumption: about four months of an analyst's time and publication",
    "mapping_interval_months": "assumption: a regional map is revised every two years",
    "holdup_weight": "Williamson 1985 (asset specificity) and Klein, Crawford & Alchian 1978 "
                     "(hold-up); size assumed: a pipe worth several years of gains needs "
                     "trust well above what first talks build",
    "holdup_payback_years": "assumption: the usual industrial payback requirement of 3-5 years",
    "mobile_specificity": "assumption: containers and storage are partly reusable",
    "trial_volume_share": "assumption: trials start at a fraction of the volume",
    "trial_trust_share": "assumption: strangers (trust 0.35, about 0.44 after talks) can "
                         "sign a trial at the default thresholds (0.4-0.45 x 0.7)",
    "trial_months": "assumption: a year's trial before a dedicated link",
    "introduction_rate": "Ghali, Frayret & Ahabchane 2017 (knowledge diffusion through "
                         "partners); rate assumed",
    "trust_loss_breach": "assumption",
    "trust_break": "assumption: below the trust of strangers",
    "lead_time_pipe_months": "assumption: district-heating and industrial pipe connections "
                             "take 1-2 years from decision to first delivery (design, "
                             "permits, construction)",
    "lead_time_truck_months": "assumption: containers and a waste-transport permit",
    "lead_time_ship_months": "assumption: port handling and chartering",
    "lead_time_local_months": "assumption",
    "process_change_rate": "assumption: a major process change every ~20 years per stream; "
                           "Kalundborg's links changed with such changes (Jacobsen 2006)",
    "process_stop_share": "assumption",
    "process_change_sigma": "assumption",
    "dormant_share": "assumption: opportunities appear over time (Köping's links 1982, "
                     "2013, 2017, seed 000)",
    "exit_rate_sme": "Eurostat business demography: EU enterprise death rate about 9 %/yr, "
                     "highest among firms without employees; 6 % for employer SMEs assumed",
    "exit_rate_large": "assumption: death rates fall steeply with size (Eurostat business "
                       "demography by size class)",
    "site_reuse_rate": "Eurostat business demography: birth rates close to death rates "
                       "(about 9 %); the rate of site take-over is assumed",
    "cascade": "DESIGN.md: streams produced from inputs; on by default",
    "cascade_threshold": "assumption",
    "cascade_patience_months": "assumption: a year without its key input",
    "price_volatility": "assumption of the order of energy and commodity price swings; "
                        "mean-reverting log price (Schwartz 1997)",
    "price_reversion": "assumption: a price shock halves in about two years",
    "registry_lapse_rate": "assumption: a member list not kept up thins out within years",
    "awareness_fade_rate": "assumption: half-life of about three years",
    "landfill_tax_eur_per_t": "policy lever: 0 keeps the catalogue's sourced disposal costs "
                              "(which include today's tax)",
    "landfill_tax_schedule": "policy lever: none by default",
    "carbon_price_eur_per_t": "policy lever: 0 by default (catalogue prices include today's "
                              "carbon costs where stated)",
    "carbon_price_schedule": "policy lever: none by default",
    "energy_price_schedule": "policy lever: none by default",
    "n_firms": "assumption: a municipal-scale region",
    "area_km": "assumption: a municipal-scale region",
    "n_parks": "assumption",
    "park_share": "assumption",
    "park_radius_km": "assumption",
    "region_seed": "derived from the run's seed unless set",
}


def parameter_table() -> pd.DataFrame:
    """All parameters with group, default, unit, allowed range and description.

    Examples
    --------
    >>> t = parameter_table()
    >>> t.loc["bargaining_power", "default"]
    '0.5'
    >>> t.loc["facilitator_end_tick", "default"]
    'None'
    """
    import pandas as pd

    rows = []
    for f in fields(Parameters):
        m = f.metadata
        allowed = ", ".join(m["choices"]) if m["choices"] else (
            "true/false" if _type_of(f) is bool else _range_text(m))
        rows.append({"name": f.name, "group": m["group"], "default": repr(f.default),
                     "unit": m["unit"], "allowed": allowed, "description": m["description"],
                     "basis": BASIS[f.name]})
    return pd.DataFrame(rows).set_index("name")


def parameter_markdown() -> str:
    """``docs/parameters.md``: one table per group, generated from the record itself."""
    table = parameter_table()
    lines = ["# Parameters", "",
             "Generated by `symbiosis-abm params --markdown` from `src/symbiosis_abm/params.py`;",
             "a test fails when this file and the code disagree. Override any of them with",
             "`SymbiosisModel(region, name=value)`, `--set name=value` on the command line, or",
             "a region file's `[parameters]` table. The basis column says where a default comes",
             "from; most behavioural defaults are assumptions (docs/ODD.md, Appendix B).", ""]
    for group, rows in table.groupby("group", sort=False):
        lines += [f"## {group}", "", "| name | default | unit | allowed | description | basis |",
                  "|---|---|---|---|---|---|"]
        for name, row in rows.iterrows():
            lines.append(f"| `{name}` | {row['default']} | {row['unit']} | {row['allowed']} | "
                         f"{row['description']} | {row['basis']} |")
        lines.append("")
    return "\n".join(lines)
