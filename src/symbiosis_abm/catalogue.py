"""The resource catalogue: what each resource costs, how it travels, what it saves.

The catalogue is data (``data/resources.toml``), validated on load and turned into arrays
indexed by resource and transport mode, so the economics can be vectorised.

Examples
--------
>>> cat = load_catalogue()
>>> "steam" in cat.names
True
>>> cat.index("steam") == cat.names.index("steam")
True
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .errors import RegionError, did_you_mean
from .schema import Field, Table, check

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
    },
    provenance=True,
)
_RESOURCE_SPEC = Table(
    {
        "description": Field(str, required=True),
        "category": Field(str, required=True, choices=CATEGORIES),
        "unit": Field(str, required=True),
        "virgin_price": Field(float, required=True, low=0.0),
        "disposal_cost": Field(float, required=True),
        "co2e_avoided": Field(float, required=True),
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
        "references": Field(list, item=Field(REFERENCE_SPEC)),
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
    disposal_cost: np.ndarray
    co2e_avoided: np.ndarray
    supply_seasonality: np.ndarray  # (R, 12)
    demand_seasonality: np.ndarray  # (R, 12)
    cost_per_unit_km: np.ndarray    # (R, M)
    capex_per_km: np.ndarray        # (R, M)
    capex_fixed: np.ndarray         # (R, M)
    max_distance_km: np.ndarray     # (R, M)
    origin: str = "resources.toml"

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


def catalogue_from_dict(data: dict, origin: str) -> ResourceCatalogue:
    """Validate catalogue data (as parsed from TOML) and build the arrays."""
    problems = check(CATALOGUE_SPEC, data, origin)
    if problems:
        raise RegionError(problems)
    items = sorted(data["resources"].items())
    flat = np.ones(12)

    def season(spec: dict, key: str) -> np.ndarray:
        values = np.asarray(spec.get(key, flat), dtype=float)
        return values / values.mean() if values.mean() > 0 else flat

    def mode_array(key: str) -> np.ndarray:
        return np.array([[spec["modes"].get(m, {}).get(key, 0.0) for m in MODES]
                         for _, spec in items], dtype=float)

    return ResourceCatalogue(
        names=tuple(name for name, _ in items),
        units=tuple(spec["unit"] for _, spec in items),
        categories=tuple(spec["category"] for _, spec in items),
        virgin_price=np.array([s["virgin_price"] for _, s in items], dtype=float),
        disposal_cost=np.array([s["disposal_cost"] for _, s in items], dtype=float),
        co2e_avoided=np.array([s["co2e_avoided"] for _, s in items], dtype=float),
        supply_seasonality=np.array([season(s, "supply_seasonality") for _, s in items]),
        demand_seasonality=np.array([season(s, "demand_seasonality") for _, s in items]),
        cost_per_unit_km=mode_array("cost_per_unit_km"),
        capex_per_km=mode_array("capex_per_km"),
        capex_fixed=mode_array("capex_fixed"),
        max_distance_km=mode_array("max_distance_km"),
        origin=origin,
    )


def read_toml(path: Path | str, error: type[Exception] = RegionError) -> dict:
    r"""Parse a TOML file; syntax errors become one line with the file, line and column.

    Examples
    --------
    >>> import tempfile, os
    >>> bad = os.path.join(tempfile.mkdtemp(), "bad.toml")
    >>> _ = open(bad, "w").write('name = "x"\nvolume = 12 000\n')
    >>> read_toml(bad)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    symbiosis_abm.errors.RegionError: .../bad.toml: line 2, column 13: TOML syntax error: ...
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
def _load_cached(path: str, mtime: float) -> ResourceCatalogue:
    return catalogue_from_dict(read_toml(path), path)


def load_catalogue(path: Path | str | None = None) -> ResourceCatalogue:
    """Load and validate a resource catalogue (the bundled one by default).

    Loaded catalogues are cached per file and modification time.
    """
    if path is None:
        path = resources.files("symbiosis_abm") / "data" / "resources.toml"
    path = Path(str(path))
    return _load_cached(str(path), path.stat().st_mtime if path.exists() else 0.0)
