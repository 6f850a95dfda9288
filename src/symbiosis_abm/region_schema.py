"""The structure of a region file: keys, types and allowed values (``docs/regions.md``).

Only what one field alone can show is declared here; checks that need several fields
(dates against the region's start, opening before closing, ids, references) live in
:mod:`symbiosis_abm.region_checks`.

Examples
--------
>>> from symbiosis_abm.schema import check
>>> check(spec_of("facilitator"), {"name": "x", "roles": ["maper"]}, "f.toml")
["f.toml: roles[0]: 'maper' is not allowed; choose one of mapper, broker, convener, \
cofunder, expert_support (did you mean 'mapper'?)"]
"""

from __future__ import annotations

from .catalogue import ALTERNATIVES, MODES, REFERENCE_SPEC
from .schema import Field, Table

__all__ = ["REGION_SPEC", "SIZES", "FIRM_KINDS", "DEFAULT_FIRM_KIND", "NEVER_RANDOM_EXIT", "FACILITATOR_KINDS", "FACILITATOR_ROLES",
           "RELATIONSHIP_KINDS", "spec_of"]

SIZES = ("sme", "large")
#: What sort of actor a firm is (docs/regions.md, "kind"): a private firm's plant or site,
#: a utility (district heating, water, waste, gas grid; public or co-operative), a
#: municipality as a participant, another public body (a university station, an agency),
#: or an aggregate of many small actors (the farms of an area) written as one agent.
FIRM_KINDS = ("industrial_plant", "utility", "municipality", "public_body", "aggregate")
#: Kinds that never close at random: they close only at a date the region gives.
#: Utilities and public actors outlive firms; an aggregate stands for many small actors.
NEVER_RANDOM_EXIT = ("utility", "municipality", "public_body", "aggregate")
#: The kind of a firm that does not say (most firms of a region are plants).
DEFAULT_FIRM_KIND = "industrial_plant"
FACILITATOR_KINDS = ("municipality", "is_centre", "energy_office", "regional_agency")
#: The facilitator's roles; a region listing some makes them its defaults (others off).
FACILITATOR_ROLES = ("mapper", "broker", "convener", "cofunder", "expert_support")
RELATIONSHIP_KINDS = ("shared_owner", "business_club", "municipal_ownership", "shared_site",
                      "supplier_customer")

_SEASON = Field(list, item=Field(float, low=0.0), length=12)
_DATE = Field(str)  # "YYYY-MM"; the format is checked in region_checks (one message)
_STREAM = Table({
    "resource": Field(str, required=True),
    "volume_per_year": Field(float, required=True, low=0.0, low_open=True),
    "variability": Field(float, low=0.0, high=2.0),
    "disposal_cost": Field(float),
    "alternative": Field(str, choices=ALTERNATIVES),
    "alternative_price": Field(float, low=0.0),
    "supply_seasonality": _SEASON,
    "name": Field(str),
    "produced_from": Field(str),
    "yield_per_unit": Field(float, low=0.0, low_open=True),
    # false: not surplus heat (heat from combined heat and power), so no surplus-heat tax
    "surplus_heat": Field(bool),
}, provenance=True)
_NEED = Table({
    "resource": Field(str, required=True),
    "volume_per_year": Field(float, required=True, low=0.0, low_open=True),
    "virgin_price": Field(float, low=0.0),
    "demand_seasonality": _SEASON,
    "direct_use": Field(bool),
    "name": Field(str),
}, provenance=True)
_FIRM = Table({
    "id": Field(str, required=True),
    "name": Field(str),
    "sector": Field(str, required=True),
    "size": Field(str, required=True, choices=SIZES),
    "kind": Field(str, choices=FIRM_KINDS),
    "lat": Field(float, low=-90.0, high=90.0),
    "lon": Field(float, low=-180.0, high=180.0),
    "x_km": Field(float),
    "y_km": Field(float),
    "member": Field(bool),
    "opens": _DATE,
    "closes": _DATE,
    "opens_at_tick": Field(int, low=0),
    "closes_at_tick": Field(int, low=0),
    "notes": Field(str),
    "streams": Field(list, item=Field(_STREAM)),
    "needs": Field(list, item=Field(_NEED)),
}, provenance=True)
_FACILITATOR = Table({
    "name": Field(str, required=True),
    "kind": Field(str, choices=FACILITATOR_KINDS),
    "members": Field(list, item=Field(str)),
    "roles": Field(list, item=Field(str, choices=FACILITATOR_ROLES)),
    "start": _DATE,
    "end": _DATE,
    "start_tick": Field(int, low=0),
    "end_tick": Field(int, low=0),
    "budget_eur_per_year": Field(float, low=0.0),
    "cofund_budget_eur": Field(float, low=0.0),
    "staff_cost_eur_per_year": Field(float, low=0.0),
    "notes": Field(str),
}, provenance=True)
#: A documented tie: two firms, or a group (a managers' club, a shared site) whose
#: members all know each other.
_RELATIONSHIP = Table({
    "firms": Field(list, required=True, item=Field(str), min_length=2),
    "kind": Field(str, required=True, choices=RELATIONSHIP_KINDS),
    "trust": Field(float, required=True, low=0.0, high=1.0),
    "since": Field(str),   # "YYYY-MM"; checked in region_checks
    "notes": Field(str),
}, provenance=True)
#: An exchange documented as running at the region's start: open at tick 0 (never a
#: pair the model is to discover; docs/regions.md, "[[initial_exchanges]]").
_INITIAL_EXCHANGE = Table({
    "supplier": Field(str, required=True),
    "receiver": Field(str, required=True),
    "resource": Field(str, required=True),
    "since": Field(str, required=True),   # "YYYY-MM"; checked in region_checks
    "volume_per_year": Field(float, low=0.0, low_open=True),
    "notes": Field(str),
}, provenance=True)
#: A documented line between two firms' sites with its own length and cost (routes.py).
_ROUTE = Table({
    "firms": Field(list, required=True, item=Field(str), length=2),
    "resource": Field(str, required=True),
    "mode": Field(str, choices=MODES),
    "length_km": Field(float, low=0.0, low_open=True),
    "capex_eur_per_km": Field(float, low=0.0),
    "capex_fixed_eur": Field(float, low=0.0),
    "notes": Field(str),
}, provenance=True)
_MILESTONE = Table({
    "date": Field(str, required=True),
    "text": Field(str, required=True),
    "text_sv": Field(str),
}, provenance=True)
_HEADER = Table({
    "name": Field(str, required=True),
    "title": Field(str, required=True),
    "description": Field(str, required=True),
    "year": Field(int, required=True, low=1900, high=2100),
    "start": _DATE,
    "country": Field(str),
    # plants may also close at random (size-class hazard of [parameters]); default: only
    # at their documented dates (docs/regions.md, "Demography")
    "random_exit": Field(bool),
    "notes": Field(str),
}, provenance=True)
REGION_SPEC = Table({
    "schema_version": Field(int, required=True, low=1, high=1),
    "region": Field(_HEADER, required=True),
    "references": Field(list, item=Field(REFERENCE_SPEC)),
    "milestones": Field(list, item=Field(_MILESTONE)),
    "facilitator": Field(_FACILITATOR),
    "parameters": Field(Table(values=Field(object), provenance=True)),
    "relationships": Field(list, item=Field(_RELATIONSHIP)),
    "initial_exchanges": Field(list, item=Field(_INITIAL_EXCHANGE)),
    "routes": Field(list, item=Field(_ROUTE)),
    "firms": Field(list, required=True, item=Field(_FIRM), min_length=1),
})


def spec_of(name: str) -> Table:
    """The table spec of a part of the file: ``region``, ``firms``, ``facilitator`` ...

    Examples
    --------
    >>> "opens" in spec_of("firms").fields
    True
    """
    f = REGION_SPEC.fields[name]
    return f.kind if isinstance(f.kind, Table) else f.item.kind
