"""Dashboard controls, built from the metadata of :class:`~symbiosis_abm.params.Parameters`.

Each control takes its unit, tooltip (the parameter's description) and range from the
parameter record, so a new parameter drops in with one entry in :data:`CONTROL_GROUPS`.
Where the record sets no upper bound (costs, counts), the slider's upper end is the
dashboard's own choice (:data:`DASHBOARD_HIGH`, else ten times the default) and the label
says so in its tooltip. Names not (yet) in the record are skipped, so the list may name
parameters another branch is adding.

Examples
--------
>>> c = control("initial_trust")
>>> c.kind, c.low, c.high, c.unit
('slider_float', 0.0, 1.0, '-')
>>> control("facilitator").kind
'checkbox'
>>> control("negotiation_months").low > 0    # an open lower bound starts one step above
True
>>> control("landfill_tax_eur_per_t").high     # policy levers reach realistic prices
400.0
>>> region_values("kalundborg_history")["facilitator_start_tick"] > 240
True
>>> slider_range(control("facilitator_start_tick"), 348)   # widened, never clamped
(0, 348)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Any

from ..params import Parameters
from ..region import load_region

__all__ = ["Control", "CONTROL_GROUPS", "DASHBOARD_HIGH", "control", "controls",
           "default_settings", "extreme_settings", "region_values", "slider_range"]

#: (group key in the translation table, parameter names). Unknown names are skipped.
CONTROL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("group_facilitator", (
        "facilitator", "facilitator_start_tick", "facilitator_end_tick",
        "mapper", "broker", "broker_capacity", "targeting", "convener",
        "convener_interval_months", "cofunder", "cofund_share", "cofund_budget_eur",
        "expert_support")),
    ("group_trust", ("initial_trust", "min_trust_sme", "min_trust_large")),
    ("group_economics", (
        "search_cost_eur", "landfill_tax_eur_per_t", "carbon_price_eur_per_t",
        "disposal_cost_multiplier", "transport_cost_multiplier", "detour_factor")),
    ("group_synthetic", ("n_firms", "area_km")),
)

#: Upper slider ends for parameters the record leaves unbounded (the dashboard's choice).
#: Policy prices reach what Europe charges or discusses: landfill taxes of 20-150 EUR/t
#: (EEA 2023) and carbon prices of 60-130 EUR/t (EU ETS, the Swedish CO2 tax), with room.
#: A region whose own value lies beyond an end widens that slider (:func:`slider_range`).
DASHBOARD_HIGH: dict[str, float] = {
    "landfill_tax_eur_per_t": 400.0, "carbon_price_eur_per_t": 400.0,
    "facilitator_start_tick": 240, "facilitator_end_tick": 240, "broker_capacity": 20,
    "convener_interval_months": 36, "cofund_budget_eur": 2e7, "search_cost_eur": 20000,
    "disposal_cost_multiplier": 5.0, "n_firms": 1000, "area_km": 200.0,
}
_SLIDER_STEPS = 100


@dataclass(frozen=True)
class Control:
    """One input: its kind, range, unit and tooltip, read from the parameter record."""

    name: str
    kind: str                      # "checkbox", "select", "slider_int", "slider_float"
    unit: str
    tooltip: str
    default: Any
    group: str
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False         # None is allowed (e.g. "never withdraws")

    @property
    def label(self) -> str:
        """English label from the name; the unit is shown beside it."""
        return self.name.replace("_eur", "").replace("_", " ").capitalize()


_FIELDS = {f.name: f for f in fields(Parameters)}


def _kind_of(name: str) -> type:
    f = _FIELDS[name]
    if f.default is not None:
        return type(f.default)
    text = str(f.type)
    return int if text.startswith("int") else float


def control(name: str, group: str = "") -> Control:
    """The control for parameter ``name``."""
    f = _FIELDS[name]
    meta, kind = f.metadata, _kind_of(name)
    common = dict(name=name, unit=meta["unit"], tooltip=meta["description"],
                  default=f.default, group=group, optional=f.default is None)
    if kind is bool:
        return Control(kind="checkbox", **common)
    if meta.get("choices"):
        return Control(kind="select", choices=tuple(meta["choices"]), **common)
    default = f.default if f.default is not None else 0
    low = meta["low"] if meta["low"] is not None else 0
    high = meta["high"]
    if high is None:
        high = DASHBOARD_HIGH.get(name, max(1, 10 * abs(default)))
    if kind is int:
        low = low + 1 if meta["low_open"] else low
        return Control(kind="slider_int", low=int(low), high=int(high), step=1, **common)
    step = _nice_step((high - low) / _SLIDER_STEPS)
    low = low + step if meta["low_open"] else low
    return Control(kind="slider_float", low=float(low), high=float(high), step=step, **common)


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``raw``: slider steps that read well.

    >>> _nice_step(0.01), _nice_step(0.13), _nice_step(370.0)
    (0.01, 0.1, 200.0)
    """
    power = 10.0 ** math.floor(math.log10(raw))
    return max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9))


def slider_range(c: Control, value: Any) -> tuple[Any, Any]:
    """(low, high) of ``c``'s slider, widened to hold ``value``: a region's own value is
    never clamped to the dashboard's default ends."""
    low, high = c.low, c.high
    if isinstance(value, int | float) and not isinstance(value, bool):
        low, high = min(low, value), max(high, value)
    return low, high


@lru_cache(maxsize=32)
def _region_parameters(region: str) -> Parameters:
    if region == "synthetic":
        return Parameters()
    return load_region(region).resolve_parameters({})


def region_values(region: str) -> dict[str, Any]:
    """Every lever's value in ``region`` (defaults < the region file's ``[parameters]``):
    what the levers show after choosing the region, before the user moves one."""
    p = _region_parameters(region)
    return {c.name: getattr(p, c.name) for c in controls()}


def controls() -> list[Control]:
    """Every control, in display order (names missing from the record are skipped)."""
    return [control(name, group) for group, names in CONTROL_GROUPS
            for name in names if name in _FIELDS]


def default_settings() -> dict[str, Any]:
    """The record's defaults for every control (what the page starts with)."""
    return {c.name: c.default for c in controls()}


def extreme_settings() -> list[tuple[str, Any]]:
    """(name, value) for every slider at its minimum and maximum and every switch flipped:
    the cases the dashboard must survive with a message rather than a traceback."""
    out: list[tuple[str, Any]] = []
    for c in controls():
        if c.kind.startswith("slider"):
            out += [(c.name, c.low), (c.name, c.high)]
        elif c.kind == "checkbox":
            out.append((c.name, not c.default))
        elif c.kind == "select":
            out += [(c.name, v) for v in c.choices if v != c.default]
    return out
