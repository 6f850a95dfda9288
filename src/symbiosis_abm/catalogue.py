"""The resource catalogue: what each resource costs, how it travels, what it saves.

The catalogue is data (``data/resources.toml``), validated on load and turned into arrays
indexed by resource and transport mode, so the economics can be vectorised. Values depend
on the country (taxes, tariffs, CO2e factors): :meth:`ResourceCatalogue.for_country` gives
the arrays for one country; the loaded catalogue holds the default country's.

Each resource names its seller's *alternative* (what the seller does with a stream nobody
takes: landfill, incineration, sale, discharge, cooling or none) and its price;
``disposal_cost`` is the resulting cost per unit the seller avoids by exchanging it
(:func:`~symbiosis_abm.economics.alternative_cost`), negative where the alternative is a
sale (the seller forgoes that income), less any tax the seller pays on what it delivers
(Denmark's surplus-heat tax).

Examples
--------
>>> cat = load_catalogue()
>>> "steam" in cat.names
True
>>> cat.index("steam") == cat.names.index("steam")
True
>>> g = cat.index("fgd_gypsum")
>>> cat.alternatives[g], bool(cat.disposal_cost[g] < 0)
('sale', True)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .economics import alternative_cost
from .errors import RegionError, did_you_mean
from .schema import PROVENANCE_KEYS, Field, Table, check

__all__ = ["ResourceCatalogue", "load_catalogue", "MODES", "CATALOGUE_SPEC", "ALTERNATIVES"]

MODES = ("pipe", "truck", "ship", "local")
#: What a firm does with a stream nobody takes (see docs/regions.md, "alternative").
ALTERNATIVES = ("landfill", "incineration", "sale", "discharge", "cooling", "none")
CATEGORIES = ("energy", "water", "material", "service")

_SEASON = Field(list, item=Field(float, low=0.0), length=12)
_MODE_SPEC = Table(
    {
        "cost_per_unit_km": Field(float, required=True, low=0.0),
        "capex_per_km": Field(float, low=0.0),
        "capex_fixed": Field(float, low=0.0),
        "max_distance_km": Field(float, required=True, low=0.0, low_open=True),
        "cost_per_unit": Field(float, low=0.0),
        "heat_pump_capex": Field(float, low=0.0),
        "lifetime_years": Field(float, low=0.0, low_open=True, high=100.0),
    },
    provenance=True,
)
#: What a country may change for one resource.
_COUNTRY_RESOURCE_SPEC = Table(
    {
        "virgin_price": Field(float, low=0.0),
        "alternative_price": Field(float, low=0.0),
        "co2e_avoided": Field(float),
        "exchange_tax": Field(float, low=0.0),
    },
    provenance=True,
)
_COUNTRY_SPEC = Table(
    {
        "name": Field(str, required=True),
        "landfill_tax": Field(float, required=True, low=0.0),
        "incineration_tax": Field(float, required=True, low=0.0),
        "landfill_tax_by_year": Field(Table(values=Field(float, low=0.0), provenance=True)),
        # surplus-heat tax by the year each rule took effect (surplus_heat.py): EUR per
        # unit, and a share of the heat's value
        "surplus_heat_tax_by_year": Field(Table(values=Field(float, low=0.0),
                                                provenance=True)),
        "surplus_heat_value_tax_by_year": Field(Table(values=Field(float, low=0.0, high=1.0),
                                                      provenance=True)),
    },
    provenance=True,
)
_RESOURCE_SPEC = Table(
    {
        "description": Field(str, required=True),
        "category": Field(str, required=True, choices=CATEGORIES),
        "unit": Field(str, required=True),
        "virgin_price": Field(float, required=True, low=0.0),
        "alternative": Field(str, required=True, choices=ALTERNATIVES),
        "alternative_price": Field(float, required=True, low=0.0),
        "co2e_avoided": Field(float, required=True),
        "surplus_heat": Field(bool),   # pays a country's surplus-heat tax (surplus_heat.py)
        "countries": Field(Table(values=Field(_COUNTRY_RESOURCE_SPEC))),
        "supply_seasonality": _SEASON,
        "demand_seasonality": _SEASON,
        "modes": Field(Table({m: Field(_MODE_SPEC) for m in MODES}), required=True),
    },
    provenance=True,
)
REFERENCE_SPEC = Table({"id": Field(str, required=True), "citation": Field(str, required=True),
                        "url": Field(str)})
CATALOGUE_SPEC = Table(
    {
        "schema_version": Field(int, required=True, low=1, high=1),
        "default_country": Field(str, required=True),
        "references": Field(list, item=Field(REFERENCE_SPEC)),
        "countries": Field(Table(values=Field(_COUNTRY_SPEC)), required=True),
        "resources": Field(Table(values=Field(_RESOURCE_SPEC)), required=True),
    }
)


@dataclass(frozen=True, eq=False)
class ResourceCatalogue:
    """Resources as arrays: row ``r`` of every array describes ``names[r]``.

    Mode arrays have shape ``(n_resources, len(MODES))``; ``max_distance_km`` is 0 where
    a mode is not available for a resource.
    """

    names: tuple[str, ...]
    units: tuple[str, ...]
    categories: tuple[str, ...]
    virgin_price: np.ndarray
    disposal_cost: np.ndarray       # seller's avoided cost per unit (negative: forgone sale)
    co2e_avoided: np.ndarray
    supply_seasonality: np.ndarray  # (R, 12)
    demand_seasonality: np.ndarray  # (R, 12)
    cost_per_unit_km: np.ndarray    # (R, M)
    capex_per_km: np.ndarray        # (R, M)
    capex_fixed: np.ndarray         # (R, M)
    max_distance_km: np.ndarray     # (R, M)
    origin: str = "resources.toml"
    alternatives: tuple[str, ...] = ()
    alternative_price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    exchange_tax: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cost_per_unit: np.ndarray = field(default_factory=lambda: np.zeros((0, len(MODES))))
    #: (R, M) the part of ``capex_fixed`` that is a heat pump, not charged to a need with
    #: ``direct_use`` (economics.direct_use_capex_fixed)
    heat_pump_capex: np.ndarray = field(default_factory=lambda: np.zeros((0, len(MODES))))
    #: (R, M) economic life of the asset a mode builds, years; 0: the parameter
    #: ``lifetime_years`` (model.py resolves it)
    lifetime_years: np.ndarray = field(default_factory=lambda: np.zeros((0, len(MODES))))
    country: str = ""
    landfill_tax: float = 0.0       # EUR per t, the country's
    incineration_tax: float = 0.0   # EUR per t, the country's
    countries: tuple[str, ...] = ()
    year: int | None = None         # the year the taxes are for (None: the catalogue's level)
    #: (R,) resources the country's surplus-heat tax applies to
    surplus_heat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: the country's surplus-heat tax: ((year, EUR per unit), ...) and ((year, share of
    #: the heat's value), ...), each rule from its year (surplus_heat.py)
    surplus_heat_tax: tuple[tuple[int, float], ...] = ()
    surplus_heat_value_tax: tuple[tuple[int, float], ...] = ()
    data: dict = field(default_factory=dict, repr=False)

    def for_country(self, code: str | None, year: int | None = None) -> ResourceCatalogue:
        """The catalogue with ``code``'s taxes, tariffs and CO2e factors (and, where the
        country lists them by year, the landfill tax in force in ``year``).

        A country the catalogue does not list (or none) gets the default country's values.

        Examples
        --------
        >>> cat = load_catalogue()
        >>> dk, se = cat.for_country("DK"), cat.for_country("SE")
        >>> dk.country, se.country, cat.for_country("").country == cat.country
        ('DK', 'SE', True)
        >>> round(cat.for_country("SE", 2018).landfill_tax, 1), cat.for_country("SE", 1995).landfill_tax
        (43.5, 0.0)
        """
        code = code if code in self.countries else self.data.get("default_country", "")
        if (code == self.country and year == self.year) or not self.data:
            return self
        return _for_country(self, code, year)

    def index(self, name: str) -> int:
        """Row of resource ``name``; raises ``KeyError`` with a hint if unknown."""
        if name not in self.names:
            raise KeyError(f"unknown resource {name!r}{did_you_mean(name, self.names)}")
        return self.names.index(name)

    def max_range_km(self) -> np.ndarray:
        """Longest feasible distance per resource over all its modes."""
        return self.max_distance_km.max(axis=1)

    def modes_of(self, name: str) -> list[str]:
        """Transport modes available for resource ``name``."""
        row = self.max_distance_km[self.index(name)]
        return [m for m, d in zip(MODES, row) if d > 0]


@lru_cache(maxsize=64)
def _for_country(catalogue: ResourceCatalogue, code: str, year: int | None) -> ResourceCatalogue:
    return catalogue_from_dict(catalogue.data, catalogue.origin, code, year)


def landfill_tax_in(country: dict, year: int | None) -> float:
    """The landfill tax in force in ``year``: the latest ``landfill_tax_by_year`` entry
    not after it (0 before the first), else ``landfill_tax``.

    Examples
    --------
    >>> spec = {"landfill_tax": 55.0, "landfill_tax_by_year": {"2000": 21.7, "2015": 43.5}}
    >>> landfill_tax_in(spec, 1999), landfill_tax_in(spec, 2014), landfill_tax_in(spec, None)
    (0.0, 21.7, 55.0)
    """
    table = country.get("landfill_tax_by_year")
    if year is None or not table:
        return float(country["landfill_tax"])
    known = sorted((int(y), v) for y, v in table.items() if y not in PROVENANCE_KEYS)
    past = [v for y, v in known if y <= year]
    return float(past[-1]) if past else 0.0


def _country_problems(data: dict, origin: str) -> list[str]:
    """Country codes used must be declared under [countries]; landfill is for tonnes."""
    countries = data.get("countries", {})
    out = []
    if data.get("default_country") not in countries:
        out.append(f"{origin}: default_country: {data.get('default_country')!r} is not "
                   f"among [countries]: {', '.join(countries)}")
    for code, spec in countries.items():
        for key in ("landfill_tax_by_year", "surplus_heat_tax_by_year",
                    "surplus_heat_value_tax_by_year"):
            for year in spec.get(key, {}):
                if year not in PROVENANCE_KEYS and not re.fullmatch(r"\d{4}", year):
                    out.append(f"{origin}: countries.{code}.{key}.{year}: not a year; "
                               f"write the year the rate applies from, e.g. \"2015\"")
    for name, spec in data.get("resources", {}).items():
        for code in spec.get("countries", {}):
            if code not in countries:
                out.append(f"{origin}: resources.{name}.countries.{code}: unknown country "
                           f"{code!r}{did_you_mean(code, list(countries))}; declare it under "
                           f"[countries]")
        if spec.get("alternative") == "landfill" and spec.get("unit") != "t":
            out.append(f"{origin}: resources.{name}.alternative: landfill is for materials "
                       f"in tonnes (unit 't'), not {spec.get('unit')!r}")
    return out


def _country_value(spec: dict, code: str, key: str, default: float = 0.0) -> float:
    """A resource's value for a country: the country's own, else the resource's."""
    own = spec.get("countries", {}).get(code, {})
    return float(own.get(key, spec.get(key, default)))


def catalogue_from_dict(data: dict, origin: str, country: str | None = None,
                        year: int | None = None) -> ResourceCatalogue:
    """Validate catalogue data (as parsed from TOML) and build the arrays for ``country``
    (default: the catalogue's ``default_country``) and the taxes of ``year``."""
    problems = check(CATALOGUE_SPEC, data, origin)
    if not problems:
        problems = _country_problems(data, origin)
    if problems:
        raise RegionError(problems)
    code = country or data["default_country"]
    tax = data["countries"][code]
    items = sorted(data["resources"].items())
    flat = np.ones(12)

    def season(spec: dict, key: str) -> np.ndarray:
        values = np.asarray(spec.get(key, flat), dtype=float)
        return values / values.mean() if values.mean() > 0 else flat

    def mode_array(key: str) -> np.ndarray:
        return np.array([[spec["modes"].get(m, {}).get(key, 0.0) for m in MODES]
                         for _, spec in items], dtype=float)

    def value(key: str) -> np.ndarray:
        return np.array([_country_value(s, code, key) for _, s in items], dtype=float)

    alternatives = tuple(s["alternative"] for _, s in items)
    units = tuple(spec["unit"] for _, spec in items)
    price, exchange_tax = value("alternative_price"), value("exchange_tax")
    landfill_tax = landfill_tax_in(tax, year)
    avoided = alternative_cost(np.array(alternatives), price, landfill_tax,
                               tax["incineration_tax"], np.array(units) == "t")
    return ResourceCatalogue(
        names=tuple(name for name, _ in items),
        units=units,
        categories=tuple(spec["category"] for _, spec in items),
        virgin_price=value("virgin_price"),
        disposal_cost=avoided - exchange_tax,
        co2e_avoided=value("co2e_avoided"),
        supply_seasonality=np.array([season(s, "supply_seasonality") for _, s in items]),
        demand_seasonality=np.array([season(s, "demand_seasonality") for _, s in items]),
        cost_per_unit_km=mode_array("cost_per_unit_km"),
        capex_per_km=mode_array("capex_per_km"),
        capex_fixed=mode_array("capex_fixed"),
        max_distance_km=mode_array("max_distance_km"),
        origin=origin,
        alternatives=alternatives,
        alternative_price=price,
        exchange_tax=exchange_tax,
        cost_per_unit=mode_array("cost_per_unit"),
        heat_pump_capex=np.minimum(mode_array("heat_pump_capex"), mode_array("capex_fixed")),
        lifetime_years=mode_array("lifetime_years"),
        country=code,
        landfill_tax=landfill_tax,
        incineration_tax=float(tax["incineration_tax"]),
        countries=tuple(data["countries"]),
        year=year,
        surplus_heat=np.array([bool(s.get("surplus_heat", False)) for _, s in items],
                              dtype=bool),
        surplus_heat_tax=_by_year(tax.get("surplus_heat_tax_by_year")),
        surplus_heat_value_tax=_by_year(tax.get("surplus_heat_value_tax_by_year")),
        data=data,
    )


def _by_year(table: dict | None) -> tuple[tuple[int, float], ...]:
    """A ``{"YYYY": value}`` table as ((year, value), ...) sorted by year.

    Examples
    --------
    >>> _by_year({"2022": 12.5, "1996": 0.0, "source": "x"})
    ((1996, 0.0), (2022, 12.5))
    """
    return tuple(sorted((int(y), float(v)) for y, v in (table or {}).items()
                        if y not in PROVENANCE_KEYS))


def read_toml(path: Path | str, error: type[Exception] = RegionError) -> dict:
    r"""Parse a TOML file; syntax errors become one line with the file, line and column.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.TemporaryDirectory()
    >>> bad = os.path.join(folder.name, "bad.toml")
    >>> _ = open(bad, "w").write('name = "x"\nvolume = 12 000\n')
    >>> read_toml(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbiosis_abm.errors.RegionError: .../bad.toml: line 2, column 13: TOML syntax error: ...
    >>> folder.cleanup()
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a folder; give a .toml file") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not a UTF-8 text file; save it as UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: {_syntax_message(str(exc), text)}") from None


# tomllib's messages, with what a user should look for (first match wins).
_SYNTAX_HINTS = (
    ("Cannot overwrite", "a key is given twice in the same table"),
    ("Cannot declare", "a [table] is declared twice; use [[name]] for a list of tables"),
    ("Invalid value", "values are numbers, true/false, \"quoted text\", [lists] or "
                      "{ inline tables }"),
    ("Expected '=' after a key", "each line is key = value; keys with spaces need quotes"),
    ("Illegal character '\\n'", "a quote is not closed on this line"),
    ("Illegal character", "this character is not allowed here; put text in quotes"),
    ("Unclosed", "a bracket, brace or quote is not closed"),
    ("Unescaped", "write a backslash as \\\\ or use 'single quotes'"),
    ("Expected newline", "one key = value per line; numbers have no spaces (12000, not "
                         "12 000)"),
)


def _syntax_message(message: str, text: str) -> str:
    """``line L, column C: TOML syntax error: what; hint`` from a tomllib message."""
    match = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if match:
        line, column = int(match[1]), int(match[2])
    else:  # "(at end of document)": point at the last line with content
        lines = text.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    what = re.sub(r"\s*\(at [^)]*\)$", "", message)
    hint = next((h for key, h in _SYNTAX_HINTS if message.startswith(key)), "")
    return (f"line {line}, column {column}: TOML syntax error: {what}"
            + (f"; {hint}" if hint else ""))


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> ResourceCatalogue:
    return catalogue_from_dict(read_toml(path), path)


@lru_cache(maxsize=1)
def _bundled_catalogue() -> str:
    """The bundled catalogue's file (where the package is installed does not change)."""
    return str(resources.files("symbiosis_abm") / "data" / "resources.toml")


def load_catalogue(path: Path | str | None = None) -> ResourceCatalogue:
    """Load and validate a resource catalogue (the bundled one by default).

    Loaded catalogues are cached per file and version of the file (its modification
    time and size): each model asks for the catalogue, and a file changed since is
    read anew.
    """
    path = _bundled_catalogue() if path is None else str(Path(str(path)))
    try:
        stat = os.stat(path)
    except OSError:   # read_toml says it is not found
        return _load_cached(path, 0, -1)
    return _load_cached(path, stat.st_mtime_ns, stat.st_size)
