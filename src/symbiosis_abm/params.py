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
from typing import Any

import pandas as pd

from .errors import ParameterError, did_you_mean

__all__ = ["Parameters", "TARGETING_STRATEGIES", "parameter_table", "parameter_markdown", "coerce"]

TARGETING_STRATEGIES = (
    "largest_streams",
    "highest_surplus",
    "smes_first",
    "most_isolated",
    "random",
)


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
        "converted to ticks (docs/ODD.md, section 2), so this sets the time resolution.",
        low=0.0, high=12.0, low_open=True, group="time")

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

    # --- trust --------------------------------------------------------------------------
    initial_trust: float = _p(0.35, "-", "Trust between firms that have not met.",
                              low=0.0, high=1.0, group="trust")
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
    convener_attendees: int = _p(20, "firms", "Firms attending one event.", low=0,
                                 group="facilitator")
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
                       "facilitator_budget_eur_per_year": float}


def _type_of(f: dataclasses.Field) -> type:
    return type(f.default) if f.default is not None else _NONE_DEFAULT_TYPES[f.name]


def _check(f: dataclasses.Field, value: Any) -> str | None:
    """Return a message if ``value`` is not allowed for parameter ``f``, else None."""
    meta, kind = f.metadata, _type_of(f)
    where = f"parameter {f.name!r}"
    if value is None:
        return None if f.default is None else f"{where}: must not be None"
    if kind is bool:
        return None if isinstance(value, bool) else f"{where}: must be true or false, got {value!r}"
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
#: parameters are not calibrated (docs/ODD.md, section 9).
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
    "convener_trust_gain": "assumption",
    "event_cost_eur": "assumption: venue and staff for a half-day workshop",
    "cofunder": "DESIGN.md role",
    "cofund_share": "assumption: typical public co-funding share of investment grants",
    "cofund_budget_eur": "assumption",
    "expert_support": "Västernorrland seed 003: SMEs need expert support; size assumed",
    "mapper": "Kronoberg/Kalmar seed 001: the public role was mapping, workshops and "
              "webinars; off unless a region lists the role",
    "mapping_cost_eur": "assumption: about four months of an analyst's time and publication",
    "mapping_interval_months": "assumption: a regional map is revised every two years",
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
             "from; most behavioural defaults are assumptions (docs/ODD.md, section 9).", ""]
    for group, rows in table.groupby("group", sort=False):
        lines += [f"## {group}", "", "| name | default | unit | allowed | description | basis |",
                  "|---|---|---|---|---|---|"]
        for name, row in rows.iterrows():
            lines.append(f"| `{name}` | {row['default']} | {row['unit']} | {row['allowed']} | "
                         f"{row['description']} | {row['basis']} |")
        lines.append("")
    return "\n".join(lines)
