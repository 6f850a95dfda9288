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
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from stat import S_ISREG
from types import MappingProxyType
from typing import Any

from .catalogue import ResourceCatalogue, load_catalogue, read_toml
from .dates import tick_of
from .errors import RegionError, did_you_mean
from .params import Parameters
from .region_checks import semantic_problems
from .region_schema import DEFAULT_FIRM_KIND, FACILITATOR_ROLES, FIRM_KINDS, REGION_SPEC, SIZES
from .routes import RouteSpec
from .schema import PROVENANCE_KEYS, check, limit_problems

__all__ = [
    "Region", "FirmSpec", "StreamSpec", "NeedSpec", "FacilitatorSpec", "Relationship",
    "Milestone", "InitialExchange", "load_region", "region_from_dict", "bundled_regions", "SIZES", "REGION_SPEC",
    "role_defaults", "FIRM_KINDS",
]

EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class StreamSpec:
    """Something a firm has in surplus: waste, by-product or spare capacity."""

    resource: str
    volume_per_year: float
    variability: float = 0.1
    disposal_cost: float | None = None
    supply_seasonality: tuple[float, ...] | None = None
    alternative: str | None = None          # None: the catalogue's default alternative
    alternative_price: float | None = None  # None: the catalogue's price for the country
    produced_from: str | None = None    # resource of one of the firm's needs (cascades)
    yield_per_unit: float | None = None  # output per unit of that input
    #: False: the stream is not surplus heat (CHP heat): no surplus-heat tax on it
    surplus_heat: bool = True


@dataclass(frozen=True)
class NeedSpec:
    """Something a firm buys today and could take from another firm instead."""

    resource: str
    volume_per_year: float
    virgin_price: float | None = None
    demand_seasonality: tuple[float, ...] | None = None
    #: uses the resource as it comes (e.g. a fish farm on warm cooling water): a pipe to it
    #: needs no heat pump, so the catalogue mode's ``heat_pump_capex`` is not charged
    direct_use: bool = False


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
    opens_at_tick: int | None = None
    opens: str | None = None    # "YYYY-MM" (needs the region's start)
    closes: str | None = None   # "YYYY-MM"
    #: one of ``FIRM_KINDS``: plant, utility, municipality, public body or aggregate
    #: (demography: only plants of a region with ``random_exit`` close at random)
    kind: str = DEFAULT_FIRM_KIND

    def open_tick(self, start: str | None, tick_months: float = 1.0) -> int:
        """First tick the firm exists: 0 unless it opens later.

        Examples
        --------
        >>> f = FirmSpec("a", "x", "sme", 0.0, 0.0, opens="2013-01")
        >>> f.open_tick("1982-01"), f.open_tick("1982-01", 12.0), f.open_tick("2020-01")
        (372, 31, 0)
        """
        if self.opens_at_tick is not None:
            return self.opens_at_tick
        if self.opens is None or start is None:
            return 0
        return max(0, tick_of(start, self.opens, tick_months))

    def close_tick(self, start: str | None, tick_months: float = 1.0) -> int | None:
        """Tick the firm closes at (None: it does not close).

        Examples
        --------
        >>> FirmSpec("a", "x", "sme", 0.0, 0.0, closes="2001-07").close_tick("2000-01", 3.0)
        6
        """
        if self.closes_at_tick is not None:
            return self.closes_at_tick
        if self.closes is None or start is None:
            return None
        return max(0, tick_of(start, self.closes, tick_months))


@dataclass(frozen=True)
class FacilitatorSpec:
    """The region's public actor as described in the region file."""

    name: str
    kind: str = "municipality"
    members: tuple[str, ...] = ()
    start_tick: int | None = None
    end_tick: int | None = None
    budget_eur_per_year: float | None = None
    roles: tuple[str, ...] | None = None      # None: the model's default role switches
    start: str | None = None                  # "YYYY-MM"
    end: str | None = None                    # "YYYY-MM"
    cofund_budget_eur: float | None = None
    staff_cost_eur_per_year: float | None = None


@dataclass(frozen=True)
class Milestone:
    """A dated event of the region's history (shown on the time axis, never simulated)."""

    date: str                 # "YYYY-MM"
    text: str                 # English
    text_sv: str | None = None


def role_defaults(roles: tuple[str, ...]) -> dict[str, Any]:
    """Role switches for a facilitator with exactly ``roles``: listed on, others off.

    ``expert_support`` is a share, not a switch: listed keeps the model's default share,
    unlisted sets it to 0.

    Examples
    --------
    >>> role_defaults(("mapper", "convener"))  # doctest: +NORMALIZE_WHITESPACE
    {'mapper': True, 'broker': False, 'convener': True, 'cofunder': False,
     'expert_support': 0.0}
    """
    values: dict[str, Any] = {r: r in roles for r in FACILITATOR_ROLES if r != "expert_support"}
    if "expert_support" not in roles:
        values["expert_support"] = 0.0
    return values


@dataclass(frozen=True)
class Relationship:
    """A tie that existed before the simulation (never an exchange): two firms, or a group
    (a managers' club, a shared site) every pair of which knows each other."""

    firms: tuple[str, ...]
    kind: str
    trust: float
    #: "YYYY-MM" the tie began (a club's founding, an ownership change); None: before
    #: the run. Later than the region's start: it begins at that tick (relations.tie_tick).
    since: str | None = None


@dataclass(frozen=True)
class InitialExchange:
    """An exchange documented as running at the region's start (``since`` "YYYY-MM"):
    the model opens it at tick 0 (:mod:`~.initial_network`). ``volume_per_year`` None:
    as much as the stream and the need allow."""

    supplier: str
    receiver: str
    resource: str
    since: str
    volume_per_year: float | None = None


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
    start: str | None = None                  # "YYYY-MM" of tick 0
    milestones: tuple[Milestone, ...] = ()
    #: plants may close at random (the size-class hazard ``exit_rate_sme``,
    #: ``exit_rate_large``); False: firms close only at their dates (real regions)
    random_exit: bool = False
    initial_exchanges: tuple[InitialExchange, ...] = ()
    routes: tuple[RouteSpec, ...] = ()        # documented lines (routes.py)

    def parameter_defaults(self, tick_months: float | None = None) -> dict[str, Any]:
        """Parameter values this region sets (facilitator table, then ``[parameters]``).

        Facilitator dates become ticks at ``tick_months`` (default: the region's own
        ``tick_months`` parameter, else 1); pass the run's value when it is overridden
        (:meth:`resolve_parameters` does).
        """
        if tick_months is None:
            tick_months = float(self.parameters.get("tick_months", 1.0))
        values: dict[str, Any] = {}
        if self.facilitator is not None:
            values.update(_facilitator_defaults(self.facilitator, self.start, tick_months))
        values.update(self.parameters)
        return values

    def resolve_parameters(self, overrides: Mapping[str, Any] | None = None) -> Parameters:
        """The run's parameters: model defaults < this region < ``overrides`` (user's).

        Examples
        --------
        >>> region = Region("r", "R", (), start="2000-01",
        ...                 facilitator=FacilitatorSpec("f", start="2001-01", roles=("broker",)))
        >>> p = region.resolve_parameters({"convener": True})
        >>> p.facilitator_start_tick, p.broker, p.cofunder, p.convener
        (12, True, False, True)
        """
        overrides = dict(overrides or {})
        months = overrides.get("tick_months", self.parameters.get("tick_months"))
        defaults = self.parameter_defaults(None if months is None else float(months))
        return Parameters().replace(**defaults).replace(**overrides)


def _facilitator_defaults(fac: FacilitatorSpec, start: str | None,
                          tick_months: float) -> dict[str, Any]:
    """The parameters a ``[facilitator]`` table sets (roles, dates, money)."""
    values: dict[str, Any] = {}
    if fac.roles is not None:
        values.update(role_defaults(fac.roles))
    first = fac.start_tick
    if first is None and fac.start is not None and start is not None:
        first = max(0, tick_of(start, fac.start, tick_months))
    last = fac.end_tick
    if last is None and fac.end is not None and start is not None:
        last = max(0, tick_of(start, fac.end, tick_months))
    for name, value in (("facilitator_start_tick", first), ("facilitator_end_tick", last),
                        ("facilitator_budget_eur_per_year", fac.budget_eur_per_year),
                        ("cofund_budget_eur", fac.cofund_budget_eur)):
        if value is not None:
            values[name] = value
    if fac.staff_cost_eur_per_year is not None:
        values["facilitator_staff_cost_eur"] = fac.staff_cost_eur_per_year / 12.0
    return values


def bundled_regions() -> dict[str, Path]:
    """Bundled region names and their files (``synthetic`` is generated, not a file)."""
    return dict(_bundled())


def _bundled() -> Mapping[str, Path]:
    """:func:`bundled_regions`, read-only, listed anew only when the folder changes (a
    file added, removed or renamed changes its modification time): each model built from
    a region name asks for it, and listing the folder cost more than the rest of the
    region's loading."""
    folder = _regions_folder()
    stat = os.stat(folder)
    return _listing(folder, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def _regions_folder() -> str:
    """The bundled regions' folder (where the package is installed does not change)."""
    return str(resources.files("symbiosis_abm") / "data" / "regions")


@lru_cache(maxsize=4)
def _listing(folder: str, mtime_ns: int, size: int) -> Mapping[str, Path]:
    """The region files of ``folder`` by name, in the version of the folder given by
    ``mtime_ns`` and ``size``."""
    files = sorted(name for name in os.listdir(folder) if name.endswith(".toml"))
    return MappingProxyType({name.removesuffix(".toml"): Path(folder, name) for name in files})


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
    bundled = _bundled()
    text = str(source)
    if text in bundled:
        path = bundled[text]
    elif text.endswith(".toml") or Path(text).exists():
        path = Path(text)
    else:
        names = sorted(bundled) + ["synthetic"]
        raise RegionError(f"region {text!r}: not a bundled region nor a file; bundled: "
                          f"{', '.join(names)}{did_you_mean(text, names)}")
    try:   # (one system call: whether it is a file, and which version of it)
        stat = os.stat(path)
    except OSError:
        stat = None
    if stat is None or not S_ISREG(stat.st_mode):
        return region_from_dict(read_toml(path), str(path), catalogue)  # raises "not found"
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
        problems += semantic_problems(data, origin, catalogue)
    if problems:
        raise RegionError(limit_problems(problems, origin))
    return _build(data, origin)


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
        facilitator=None if fac is None else _facilitator(fac),
        relationships=tuple(Relationship(tuple(r["firms"]), r["kind"], float(r["trust"]),
                                         r.get("since"))
                            for r in data.get("relationships", [])),
        # read-only: parsed regions are cached and shared between models
        parameters=MappingProxyType({k: v for k, v in data.get("parameters", {}).items()
                                     if k not in PROVENANCE_KEYS}),
        references=tuple(data.get("references", [])),
        origin=origin,
        start=header.get("start"),
        random_exit=bool(header.get("random_exit", False)),
        routes=tuple(RouteSpec(tuple(x["firms"]), x["resource"], x.get("mode", "pipe"),
                               x.get("length_km"), x.get("capex_eur_per_km"),
                               x.get("capex_fixed_eur"))
                     for x in data.get("routes", [])),
        initial_exchanges=tuple(InitialExchange(
            x["supplier"], x["receiver"], x["resource"], x["since"], x.get("volume_per_year"))
            for x in data.get("initial_exchanges", [])),
        milestones=tuple(Milestone(m["date"], m["text"], m.get("text_sv"))
                         for m in data.get("milestones", [])),
    )


def _facilitator(fac: dict) -> FacilitatorSpec:
    roles = fac.get("roles")
    return FacilitatorSpec(
        name=fac["name"], kind=fac.get("kind", "municipality"),
        members=tuple(fac.get("members", ())), start_tick=fac.get("start_tick"),
        end_tick=fac.get("end_tick"), budget_eur_per_year=fac.get("budget_eur_per_year"),
        roles=None if roles is None else tuple(roles), start=fac.get("start"),
        end=fac.get("end"), cofund_budget_eur=fac.get("cofund_budget_eur"),
        staff_cost_eur_per_year=fac.get("staff_cost_eur_per_year"))


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
        opens_at_tick=f.get("opens_at_tick"), opens=f.get("opens"), closes=f.get("closes"),
        kind=f.get("kind", DEFAULT_FIRM_KIND),
        streams=tuple(StreamSpec(
            s["resource"], float(s["volume_per_year"]), float(s.get("variability", 0.1)),
            s.get("disposal_cost"), _tuple(s.get("supply_seasonality")),
            s.get("alternative"), s.get("alternative_price"), s.get("produced_from"),
            s.get("yield_per_unit"), bool(s.get("surplus_heat", True)))
            for s in f.get("streams", [])),
        needs=tuple(NeedSpec(
            n["resource"], float(n["volume_per_year"]), n.get("virgin_price"),
            _tuple(n.get("demand_seasonality")), bool(n.get("direct_use", False)))
            for n in f.get("needs", [])),
    )


def _tuple(values: list | None) -> tuple[float, ...] | None:
    return None if values is None else tuple(float(v) for v in values)
