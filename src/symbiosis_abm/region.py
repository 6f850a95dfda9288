"""Regions: a regional case (its firms, streams, needs, geography) read from TOML.

A region lists firms with what they have in surplus (streams) and what they need, never
which pairs exchange: pairs must emerge in the simulation. The format is documented in
``docs/regions.md``; every problem in a file is reported at once, one line each, naming the
file and the field path (:class:`~symbiosis_abm.errors.RegionError`).

Examples
--------
>>> region = load_region("kalundborg")
>>> region.name
'kalundborg'
>>> len(region.firms) >= 12
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .catalogue import REFERENCE_SPEC, ResourceCatalogue, load_catalogue, read_toml
from .errors import ParameterError, RegionError, did_you_mean
from .params import Parameters
from .provenance import source_problems
from .schema import PROVENANCE_KEYS, Field, Table, check, limit_problems

__all__ = [
    "Region", "FirmSpec", "StreamSpec", "NeedSpec", "FacilitatorSpec", "Relationship",
    "load_region", "region_from_dict", "bundled_regions", "SIZES", "REGION_SPEC",
]

SIZES = ("sme", "large")
FACILITATOR_KINDS = ("municipality", "is_centre", "energy_office", "regional_agency")
RELATIONSHIP_KINDS = ("shared_owner", "business_club", "municipal_ownership", "shared_site",
                      "supplier_customer")
EARTH_RADIUS_KM = 6371.0

_SEASON = Field(list, item=Field(float, low=0.0), length=12)
_STREAM = Table({
    "resource": Field(str, required=True),
    "volume_per_year": Field(float, required=True, low=0.0, low_open=True),
    "variability": Field(float, low=0.0, high=2.0),
    "disposal_cost": Field(float),
    "supply_seasonality": _SEASON,
    "name": Field(str),
}, provenance=True)
_NEED = Table({
    "resource": Field(str, required=True),
    "volume_per_year": Field(float, required=True, low=0.0, low_open=True),
    "virgin_price": Field(float, low=0.0),
    "demand_seasonality": _SEASON,
    "name": Field(str),
}, provenance=True)
_FIRM = Table({
    "id": Field(str, required=True),
    "name": Field(str),
    "sector": Field(str, required=True),
    "size": Field(str, required=True, choices=SIZES),
    "lat": Field(float, low=-90.0, high=90.0),
    "lon": Field(float, low=-180.0, high=180.0),
    "x_km": Field(float),
    "y_km": Field(float),
    "member": Field(bool),
    "closes_at_tick": Field(int, low=0),
    "notes": Field(str),
    "streams": Field(list, item=Field(_STREAM)),
    "needs": Field(list, item=Field(_NEED)),
}, provenance=True)
_FACILITATOR = Table({
    "name": Field(str, required=True),
    "kind": Field(str, choices=FACILITATOR_KINDS),
    "members": Field(list, item=Field(str)),
    "start_tick": Field(int, low=0),
    "end_tick": Field(int, low=0),
    "budget_eur_per_year": Field(float, low=0.0),
    "notes": Field(str),
}, provenance=True)
_RELATIONSHIP = Table({
    "firms": Field(list, required=True, item=Field(str), length=2),
    "kind": Field(str, required=True, choices=RELATIONSHIP_KINDS),
    "trust": Field(float, required=True, low=0.0, high=1.0),
    "notes": Field(str),
}, provenance=True)
_HEADER = Table({
    "name": Field(str, required=True),
    "title": Field(str, required=True),
    "description": Field(str, required=True),
    "year": Field(int, required=True, low=1900, high=2100),
    "country": Field(str),
    "notes": Field(str),
}, provenance=True)
REGION_SPEC = Table({
    "schema_version": Field(int, required=True, low=1, high=1),
    "region": Field(_HEADER, required=True),
    "references": Field(list, item=Field(REFERENCE_SPEC)),
    "facilitator": Field(_FACILITATOR),
    "parameters": Field(Table(values=Field(object), provenance=True)),
    "relationships": Field(list, item=Field(_RELATIONSHIP)),
    "firms": Field(list, required=True, item=Field(_FIRM), min_length=1),
})


@dataclass(frozen=True)
class StreamSpec:
    """Something a firm has in surplus: waste, by-product or spare capacity."""

    resource: str
    volume_per_year: float
    variability: float = 0.1
    disposal_cost: float | None = None
    supply_seasonality: tuple[float, ...] | None = None


@dataclass(frozen=True)
class NeedSpec:
    """Something a firm buys today and could take from another firm instead."""

    resource: str
    volume_per_year: float
    virgin_price: float | None = None
    demand_seasonality: tuple[float, ...] | None = None


@dataclass(frozen=True)
class FirmSpec:
    """A firm as a region describes it (location in km on the region's plane)."""

    id: str
    sector: str
    size: str
    x_km: float
    y_km: float
    name: str = ""
    member: bool = False
    closes_at_tick: int | None = None
    streams: tuple[StreamSpec, ...] = ()
    needs: tuple[NeedSpec, ...] = ()
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class FacilitatorSpec:
    """The region's public actor as described in the region file."""

    name: str
    kind: str = "municipality"
    members: tuple[str, ...] = ()
    start_tick: int | None = None
    end_tick: int | None = None
    budget_eur_per_year: float | None = None


@dataclass(frozen=True)
class Relationship:
    """A tie that existed before the simulation (never an exchange)."""

    firms: tuple[str, str]
    kind: str
    trust: float


@dataclass(frozen=True)
class Region:
    """A regional case: firms with streams and needs, a facilitator, parameter overrides."""

    name: str
    title: str
    firms: tuple[FirmSpec, ...]
    description: str = ""
    year: int | None = None
    country: str = ""
    facilitator: FacilitatorSpec | None = None
    relationships: tuple[Relationship, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    references: tuple[dict, ...] = ()
    origin: str = "<memory>"

    def parameter_defaults(self) -> dict[str, Any]:
        """Parameter values this region sets (facilitator table, then ``[parameters]``)."""
        values: dict[str, Any] = {}
        fac = self.facilitator
        if fac is not None:
            if fac.start_tick is not None:
                values["facilitator_start_tick"] = fac.start_tick
            if fac.end_tick is not None:
                values["facilitator_end_tick"] = fac.end_tick
            if fac.budget_eur_per_year is not None:
                values["facilitator_budget_eur_per_year"] = fac.budget_eur_per_year
        values.update(self.parameters)
        return values


def bundled_regions() -> dict[str, Path]:
    """Bundled region names and their files (``synthetic`` is generated, not a file)."""
    folder = resources.files("symbiosis_abm") / "data" / "regions"
    return {Path(str(p)).stem: Path(str(p)) for p in sorted(folder.iterdir(), key=str)
            if str(p).endswith(".toml")}


def load_region(source: str | Path | Region, catalogue: ResourceCatalogue | None = None) -> Region:
    """Load a region by bundled name, file path, or pass a :class:`Region` through.

    Raises
    ------
    RegionError
        With one line per problem found in the file.
    """
    if isinstance(source, Region):
        return source
    catalogue = catalogue or load_catalogue()
    bundled = bundled_regions()
    text = str(source)
    if text in bundled:
        path = bundled[text]
    elif text.endswith(".toml") or Path(text).exists():
        path = Path(text)
    else:
        names = sorted(bundled) + ["synthetic"]
        raise RegionError(f"region {text!r}: not a bundled region nor a file; bundled: "
                          f"{', '.join(names)}{did_you_mean(text, names)}")
    if not path.is_file():
        return region_from_dict(read_toml(path), str(path), catalogue)  # raises "not found"
    stat = path.stat()
    return _load_file(str(path), stat.st_mtime_ns, stat.st_size, catalogue)


@lru_cache(maxsize=32)
def _load_file(path: str, mtime_ns: int, size: int, catalogue: ResourceCatalogue) -> Region:
    """Parse and validate a region file once per version of the file (a Region is frozen);
    sweeps build thousands of models from one file."""
    return region_from_dict(read_toml(path), path, catalogue)


def region_from_dict(data: dict, origin: str, catalogue: ResourceCatalogue) -> Region:
    """Validate parsed region data and build the typed :class:`Region`.

    Structure (keys, types, ranges) and meaning (unique ids, known resources, locations,
    references, parameters) are checked together, so every problem is reported at once.
    The provenance rule of ``docs/provenance.md`` is *not* applied: a user's own file needs
    no sources (``symbiosis-abm validate --provenance`` checks it on request), but a source
    it does give must name one of its ``[[references]]``.

    Examples
    --------
    >>> cat = load_catalogue()
    >>> data = {"schema_version": 1,
    ...         "region": {"name": "r", "title": "R", "description": "d", "year": 2024},
    ...         "firms": [{"id": "a", "sector": "x", "size": "sme", "lat": 95.0, "lon": 11.0,
    ...                    "streams": [{"resource": "stem", "volume_per_year": 0}]}]}
    >>> try:  # doctest: +ELLIPSIS
    ...     region_from_dict(data, "my.toml", cat)
    ... except RegionError as exc:
    ...     print(exc)
    my.toml: firms[0].lat: 95.0 is out of range; allowed a number >= -90 and <= 90
    my.toml: firms[0].streams[0].volume_per_year: 0.0 is out of range; allowed a number > 0
    my.toml: firms[0].streams[0].resource: unknown resource 'stem' (did you mean 'steam'?); ...
    """
    problems = check(REGION_SPEC, data, origin, limit=None)
    if isinstance(data, dict):
        problems += _semantic_problems(data, origin, catalogue)
    if problems:
        raise RegionError(limit_problems(problems, origin))
    return _build(data, origin)


def _items(node: dict, key: str) -> list[tuple[int, dict]]:
    """(index, table) of the list ``node[key]``, skipping entries of the wrong type
    (the schema check reports those)."""
    value = node.get(key, [])
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)]


def _text(node: dict, key: str) -> str | None:
    value = node.get(key)
    return value if isinstance(value, str) else None


def _semantic_problems(data: dict, origin: str, catalogue: ResourceCatalogue) -> list[str]:
    """Checks that need more than one field: ids, references, resources, locations."""
    out: list[str] = []
    firms = _items(data, "firms")
    ids: list[str] = []
    for i, firm in firms:
        fid = _text(firm, "id")
        if fid is not None and fid in ids:
            out.append(f"{origin}: firms[{i}].id: duplicate firm id {fid!r}; ids must be unique")
        elif fid is not None:
            ids.append(fid)
        out.extend(_firm_problems(firm, f"firms[{i}]", origin, catalogue))
    out.extend(_location_kind_problems(firms, origin))
    out.extend(f"{origin}: {path}: {problem}; or write 'assumption: <reason>'"
               if "is not among the file's" in problem else f"{origin}: {path}: {problem}"
               for path, problem in source_problems(data))
    out.extend(_facilitator_problems(data.get("facilitator"), ids, origin))
    for j, rel in _items(data, "relationships"):
        pair = rel.get("firms")
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(m, str) for m in pair)):
            continue  # the schema reports it
        for k, member in enumerate(pair):
            if member not in ids:
                out.append(f"{origin}: relationships[{j}].firms[{k}]: unknown firm id "
                           f"{member!r}{did_you_mean(member, ids)}; use a firm id of this file")
        if pair[0] == pair[1]:
            out.append(f"{origin}: relationships[{j}].firms: a firm cannot relate to itself; "
                       f"name two different firms")
    if isinstance(data.get("parameters"), dict):
        out.extend(_parameter_problems(data["parameters"], origin))
    return out


def _facilitator_problems(fac: Any, ids: list[str], origin: str) -> list[str]:
    if not isinstance(fac, dict):
        return []
    out = []
    members = fac.get("members", [])
    for j, member in enumerate(members if isinstance(members, list) else []):
        if isinstance(member, str) and member not in ids:
            out.append(f"{origin}: facilitator.members[{j}]: unknown firm id {member!r}"
                       f"{did_you_mean(member, ids)}; use a firm id of this file")
    start, end = fac.get("start_tick"), fac.get("end_tick")
    if _is_int(start) and _is_int(end) and end < start:
        out.append(f"{origin}: facilitator.end_tick: {end} is before start_tick {start}; "
                   f"must be >= start_tick (or leave end_tick out: never withdraws)")
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _firm_problems(firm: dict, where: str, origin: str, catalogue: ResourceCatalogue) -> list[str]:
    out = _location_problems(firm, where, origin)
    for kind in ("streams", "needs"):
        for j, item in _items(firm, kind):
            name = _text(item, "resource")
            if name is not None and name not in catalogue.names:
                out.append(f"{origin}: {where}.{kind}[{j}].resource: unknown resource "
                           f"{name!r}{_resource_hint(name, catalogue.names)}; see "
                           f"'symbiosis-abm resources'")
    return out


def _resource_hint(name: str, names: tuple[str, ...]) -> str:
    """Close spellings, else catalogue names sharing a word ('wood_chips' -> wood_...).

    Examples
    --------
    >>> _resource_hint("wood_chips", ("wood_residues", "steam"))
    " (did you mean 'wood_residues'?)"
    """
    hint = did_you_mean(name, names)
    if hint:
        return hint
    words = set(name.lower().replace("-", "_").split("_")) - {""}
    related = [n for n in names if words & set(n.split("_"))][:3]
    return " (did you mean " + " or ".join(repr(n) for n in related) + "?)" if related else ""


_PAIRS = (("lat", "lon", "degrees: lat -90 to 90, lon -180 to 180"),
          ("x_km", "y_km", "km on the region's plane"))


def _location_problems(firm: dict, where: str, origin: str) -> list[str]:
    """A firm is located by both lat and lon, or by both x_km and y_km (not both ways)."""
    given = [(a, b, unit) for a, b, unit in _PAIRS if a in firm or b in firm]
    if not given:
        return [f"{origin}: {where}: location missing; give lat and lon (degrees) "
                f"or x_km and y_km"]
    if len(given) == 2:
        return [f"{origin}: {where}: located twice; give either lat/lon or x_km/y_km, "
                f"not both"]
    a, b, unit = given[0]
    missing = b if a in firm else a
    if missing not in firm:
        other = a if missing == b else b
        return [f"{origin}: {where}.{missing}: missing; {other} is given, so {missing} is "
                f"required ({unit})"]
    return []


def _location_kind_problems(firms: list[tuple[int, dict]], origin: str) -> list[str]:
    """Positions in km are on the plane around the lat/lon firms' centre: mixing the two
    kinds in one file is almost always a mistake, so it is refused."""
    kinds = [(i, "lat/lon" if "lat" in f or "lon" in f else "x_km/y_km") for i, f in firms
             if any(k in f for k in ("lat", "lon", "x_km", "y_km"))]
    if not kinds:
        return []
    first_i, first = kinds[0]
    for i, kind in kinds[1:]:
        if kind != first:
            return [f"{origin}: firms[{i}]: located by {kind} but firms[{first_i}] by "
                    f"{first}; all firms of a region must use the same kind of location"]
    return []


def _parameter_problems(values: dict, origin: str) -> list[str]:
    """Each ``[parameters]`` entry must be a model parameter with an allowed value."""
    out = []
    plain = {k: v for k, v in values.items() if k not in PROVENANCE_KEYS}
    for name, value in plain.items():
        try:
            Parameters().replace(**{name: value})
        except ParameterError as exc:
            out.extend(f"{origin}: parameters.{name}: {_strip_name(p, name)}"
                       + ("; see 'symbiosis-abm params'" if "no such" in p else "")
                       for p in exc.problems)
    if not out:  # values that are fine alone but not together (e.g. end before start)
        try:
            Parameters().replace(**plain)
        except ParameterError as exc:
            for p in exc.problems:
                name = p.split("'")[1] if p.startswith("parameter '") else ""
                out.append(f"{origin}: parameters.{name}: {_strip_name(p, name)}")
    return out


def _strip_name(problem: str, name: str) -> str:
    return problem.removeprefix(f"parameter {name!r}: ")


def _build(data: dict, origin: str) -> Region:
    header = data["region"]
    firms = data["firms"]
    lat0, lon0 = _centre(firms)
    fac = data.get("facilitator")
    members = set(fac.get("members", [])) if fac else set()
    return Region(
        name=header["name"],
        title=header["title"],
        description=header["description"],
        year=header["year"],
        country=header.get("country", ""),
        firms=tuple(_firm(f, lat0, lon0, members) for f in firms),
        facilitator=None if fac is None else FacilitatorSpec(
            name=fac["name"], kind=fac.get("kind", "municipality"),
            members=tuple(fac.get("members", ())), start_tick=fac.get("start_tick"),
            end_tick=fac.get("end_tick"), budget_eur_per_year=fac.get("budget_eur_per_year")),
        relationships=tuple(Relationship(tuple(r["firms"]), r["kind"], float(r["trust"]))
                            for r in data.get("relationships", [])),
        # read-only: parsed regions are cached and shared between models
        parameters=MappingProxyType({k: v for k, v in data.get("parameters", {}).items()
                                     if k not in PROVENANCE_KEYS}),
        references=tuple(data.get("references", [])),
        origin=origin,
    )


def _centre(firms: list[dict]) -> tuple[float, float]:
    located = [(f["lat"], f["lon"]) for f in firms if "lat" in f and "lon" in f]
    if not located:
        return 0.0, 0.0
    return (sum(p[0] for p in located) / len(located), sum(p[1] for p in located) / len(located))


def latlon_to_km(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """Project degrees to km on a plane around (lat0, lon0) (equirectangular).

    Accurate to well under 1 % over a region of 100 km.

    Examples
    --------
    >>> x, y = latlon_to_km(55.0, 11.0, 55.0, 10.0)
    >>> round(x, 1), round(y, 1)
    (63.8, 0.0)
    """
    k = math.pi / 180.0 * EARTH_RADIUS_KM
    return (lon - lon0) * k * math.cos(math.radians(lat0)), (lat - lat0) * k


def _firm(f: dict, lat0: float, lon0: float, members: set[str]) -> FirmSpec:
    if "lat" in f and "lon" in f:
        x, y = latlon_to_km(f["lat"], f["lon"], lat0, lon0)
    else:
        x, y = f["x_km"], f["y_km"]
    return FirmSpec(
        id=f["id"], name=f.get("name", f["id"]), sector=f["sector"], size=f["size"],
        x_km=float(x), y_km=float(y), lat=f.get("lat"), lon=f.get("lon"),
        member=f.get("member", f["id"] in members), closes_at_tick=f.get("closes_at_tick"),
        streams=tuple(StreamSpec(
            s["resource"], float(s["volume_per_year"]), float(s.get("variability", 0.1)),
            s.get("disposal_cost"), _tuple(s.get("supply_seasonality")))
            for s in f.get("streams", [])),
        needs=tuple(NeedSpec(
            n["resource"], float(n["volume_per_year"]), n.get("virgin_price"),
            _tuple(n.get("demand_seasonality")))
            for n in f.get("needs", [])),
    )


def _tuple(values: list | None) -> tuple[float, ...] | None:
    return None if values is None else tuple(float(v) for v in values)
