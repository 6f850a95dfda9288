"""Policy levers: a landfill tax, a carbon price, and schedules that change them over time.

* The **landfill tax** (EUR per tonne) is added to the supplier's avoided alternative cost
  only for streams whose alternative is landfill and whose unit is the tonne: waste heat,
  water discharge and spare premises do not pay it (unlike the old
  ``disposal_cost_multiplier``, which scaled every disposal cost).
* The **carbon price** (EUR per t CO2e) values the emissions an exchange avoids on the side
  that avoids them. The catalogue's ``co2e_avoided`` is counted against the receiver's virgin
  alternative (fuel burnt, material quarried), so the receiver's avoided cost per unit rises
  by ``carbon price x co2e_avoided``.
* A :class:`Schedule` is a price or tax path over the years of a run: steps ("from year 5
  the tax is 80") and ramps ("rising linearly to 120 by year 10"), written as a short text
  so it fits a parameter, a region file and a CLI flag: ``"5:80, ~10:120"``.

Examples
--------
>>> tax = Schedule.parse("0:50, 5:80, ~10:120")
>>> [tax.at(y) for y in (0, 4.9, 5, 7.5, 10, 30)]
[50.0, 50.0, 80.0, 100.0, 120.0, 120.0]
>>> float(landfill_cost(np.array([60.0]), np.array([True]), np.array([True]), 25.0)[0])
85.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

__all__ = ["Schedule", "landfill_cost", "carbon_value", "schedule_or_constant"]


@dataclass(frozen=True)
class Schedule:
    """A value over the years of a run: steps and linear ramps between listed points.

    ``years[i]`` is the year (from tick 0) at which point ``i`` applies, ``values[i]`` its
    value; ``ramp[i]`` says the value rises (or falls) linearly from the previous point to
    point ``i`` instead of stepping at ``years[i]``. Before the first point the value is
    ``before`` (the parameter's constant value).

    Examples
    --------
    >>> s = Schedule(years=(2.0, 4.0), values=(10.0, 30.0), ramp=(False, True), before=0.0)
    >>> s.at(1.0), s.at(2.0), s.at(3.0), s.at(4.0)
    (0.0, 10.0, 20.0, 30.0)
    """

    years: tuple[float, ...]
    values: tuple[float, ...]
    ramp: tuple[bool, ...]
    before: float = 0.0

    @classmethod
    def parse(cls, text: str, before: float = 0.0, name: str = "schedule") -> Schedule:
        """Read ``"year:value, ~year:value, ..."``; ``~`` marks a ramp to that point.

        Raises :class:`ParameterError` (one line, naming ``name``) on bad text.

        Examples
        --------
        >>> Schedule.parse("3:1.5").at(3)
        1.5
        >>> Schedule.parse("3:x", name="landfill_tax_schedule")
        Traceback (most recent call last):
        ...
        symbiosis_abm.errors.ParameterError: landfill_tax_schedule: '3:x' is not \
'year:value' (e.g. '5:80, ~10:120': from year 5 80, rising to 120 by year 10)
        """
        years, values, ramp = [], [], []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            is_ramp = item.startswith("~")
            year, sep, value = item.lstrip("~").partition(":")
            try:
                y, v = float(year), float(value)
            except ValueError:
                y = v = float("nan")
            if not sep or not np.isfinite(y) or not np.isfinite(v) or y < 0:
                raise ParameterError(
                    f"{name}: {item!r} is not 'year:value' (e.g. '5:80, ~10:120': from year 5 "
                    f"80, rising to 120 by year 10)")
            if years and y < years[-1]:
                raise ParameterError(f"{name}: years must not decrease ({y:g} after "
                                     f"{years[-1]:g})")
            years.append(y)
            values.append(v)
            ramp.append(is_ramp)
        return cls(tuple(years), tuple(values), tuple(ramp), float(before))

    def at(self, year: float) -> float:
        """The value at ``year`` (years since tick 0)."""
        value = self.before
        prev_year, prev_value = 0.0, self.before
        for y, v, r in zip(self.years, self.values, self.ramp):
            if year >= y:
                value = v
            elif r and year > prev_year:
                share = (year - prev_year) / (y - prev_year) if y > prev_year else 1.0
                return float(prev_value + share * (v - prev_value))
            else:
                return float(value)
            prev_year, prev_value = y, v
        return float(value)


def schedule_or_constant(text: str | None, constant: float, name: str) -> Schedule:
    """A schedule from a parameter's text, or the constant parameter value at all times.

    Examples
    --------
    >>> schedule_or_constant(None, 40.0, "x").at(12)
    40.0
    >>> schedule_or_constant("2:60", 40.0, "x").at(1), schedule_or_constant("2:60", 40.0, "x").at(2)
    (40.0, 60.0)
    """
    return Schedule.parse(text or "", before=constant, name=name)


def landfill_cost(
    base_cost: np.ndarray, is_landfill: np.ndarray, in_tonnes: np.ndarray, tax_eur_per_t: float
) -> np.ndarray:
    """Supplier's avoided alternative cost per unit with a landfill tax added where it applies.

    The tax is paid per tonne landfilled: only streams whose alternative is landfill and
    whose unit is the tonne pay it.

    Examples
    --------
    >>> landfill_cost(np.array([60.0, 1.5, 45.0]), np.array([True, False, True]),
    ...               np.array([True, False, True]), 20.0)
    array([80. ,  1.5, 65. ])
    """
    applies = np.asarray(is_landfill, dtype=bool) & np.asarray(in_tonnes, dtype=bool)
    return np.asarray(base_cost, dtype=float) + np.where(applies, tax_eur_per_t, 0.0)


def carbon_value(co2e_per_unit: np.ndarray, price_eur_per_t: float) -> np.ndarray:
    """EUR per unit exchanged that a carbon price adds to the avoiding side's savings.

    Examples
    --------
    >>> carbon_value(np.array([0.1, 0.3]), 80.0)
    array([ 8., 24.])
    """
    return np.asarray(co2e_per_unit, dtype=float) * price_eur_per_t
