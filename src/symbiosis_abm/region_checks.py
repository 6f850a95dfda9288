"""Checks of a region file that need more than one field: dates, roles, alternatives.

Each function takes the parsed file (or one of its tables) and returns one-line problems
``FILE: field.path: what is wrong; what is allowed``. Fields of the wrong type are skipped
here: the structural check (:mod:`symbiosis_abm.region_schema`) reports them.

Examples
--------
>>> data = {"region": {"name": "r"}, "firms": [{"id": "a", "opens": "2013-01"}]}
>>> for line in time_problems(data, "f.toml"):
...     print(line)  # doctest: +ELLIPSIS
f.toml: firms[0].opens: a date needs the region's start month; add start = "YYYY-MM" ...
"""

from __future__ import annotations

from typing import Any

from .catalogue import MODES, ResourceCatalogue
from .dates import date_problem, months_between
from .errors import ParameterError, did_you_mean
from .params import Parameters
from .provenance import source_problems
from .schema import PROVENANCE_KEYS

__all__ = ["semantic_problems", "time_problems", "role_problems", "alternative_problems",
           "exit_problems", "initial_exchange_problems", "route_problems"]


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


def semantic_problems(data: dict, origin: str, catalogue: ResourceCatalogue) -> list[str]:
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
        out.extend(_produced_problems(firm, f"firms[{i}]", origin))
    out.extend(_location_kind_problems(firms, origin))
    out.extend(f"{origin}: {path}: {problem}; or write 'assumption: <reason>'"
               if "is not among the file's" in problem else f"{origin}: {path}: {problem}"
               for path, problem in source_problems(data))
    out.extend(_facilitator_problems(data.get("facilitator"), ids, origin))
    out.extend(role_problems(data.get("facilitator"), origin))
    out.extend(time_problems(data, origin))
    for j, rel in _items(data, "relationships"):
        pair = rel.get("firms")
        if not (isinstance(pair, list) and len(pair) >= 2
                and all(isinstance(m, str) for m in pair)):
            continue  # the schema reports it
        for k, member in enumerate(pair):
            if member not in ids:
                out.append(f"{origin}: relationships[{j}].firms[{k}]: unknown firm id "
                           f"{member!r}{did_you_mean(member, ids)}; use a firm id of this file")
        if len(set(pair)) < len(pair):
            out.append(f"{origin}: relationships[{j}].firms: a firm cannot relate to itself; "
                       f"name different firms, each once")
        out.extend(f"{origin}: relationships[{j}].since: {problem}"
                   for problem in tie_date_problems(rel.get("since"), data.get("region")))
    if isinstance(data.get("parameters"), dict):
        out.extend(_parameter_problems(data["parameters"], origin))
    out.extend(exit_problems(data, origin))
    out.extend(initial_exchange_problems(data, origin))
    out.extend(route_problems(data, origin, catalogue))
    return out


def tie_date_problems(since: object, header: object) -> list[str]:
    """A tie's ``since`` is a calendar month, not after the year a region without a
    start depicts (a region with a start takes later ties at their tick).

    Examples
    --------
    >>> tie_date_problems("1989-01", {"year": 2018}), tie_date_problems(None, {})
    ([], [])
    >>> tie_date_problems("2020-01", {"year": 2018})
    ["'2020-01' is after the region's year 2018 and the region has no start; give [region] start or leave the tie out"]
    """
    if since is None:
        return []
    problem = date_problem(since)
    if problem:
        return [problem]
    header = header if isinstance(header, dict) else {}
    year = header.get("year")
    if "start" not in header and isinstance(year, int) and int(str(since)[:4]) > year:
        return [f"{since!r} is after the region's year {year} and the region has no start; "
                f"give [region] start or leave the tie out"]
    return []


def route_problems(data: dict, origin: str, catalogue: ResourceCatalogue) -> list[str]:
    """A route joins two firms of the file that have a stream and a need of its resource
    (one each, either way), by a mode the catalogue offers for it, and says something.

    Examples
    --------
    >>> from symbiosis_abm.catalogue import load_catalogue
    >>> data = {"firms": [{"id": "a", "streams": [{"resource": "steam"}]},
    ...                   {"id": "b", "needs": [{"resource": "steam"}]}],
    ...         "routes": [{"firms": ["a", "b"], "resource": "steam"}]}
    >>> route_problems(data, "f.toml", load_catalogue())  # doctest: +ELLIPSIS
    ['f.toml: routes[0]: a route gives length_km, capex_eur_per_km or capex_fixed_eur; ...']
    """
    firms = {f["id"]: f for _, f in _items(data, "firms") if isinstance(f.get("id"), str)}
    out: list[str] = []
    for i, row in _items(data, "routes"):
        where = f"{origin}: routes[{i}]"
        pair, resource = row.get("firms"), _text(row, "resource")
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(m, str) for m in pair)) or resource is None:
            continue  # the schema reports it
        unknown = [m for m in pair if m not in firms]
        for k, member in enumerate(pair):
            if member in unknown:
                out.append(f"{where}.firms[{k}]: unknown firm id {member!r}"
                           f"{did_you_mean(member, list(firms))}; use a firm id of this file")
        if unknown:
            continue

        def has(fid: str, items: str, wanted: str = resource) -> bool:
            return any(x.get("resource") == wanted for _, x in _items(firms[fid], items))

        a, b = pair
        if not ((has(a, "streams") and has(b, "needs")) or (has(b, "streams")
                                                             and has(a, "needs"))):
            out.append(f"{where}.resource: neither firm has a stream of {resource!r} the "
                       f"other needs; allowed: a resource one of {a!r}, {b!r} offers and "
                       f"the other needs")
        mode = row.get("mode", "pipe")
        if resource in catalogue.names and isinstance(mode, str) and mode in MODES:
            r = catalogue.names.index(resource)
            if catalogue.max_distance_km[r, MODES.index(mode)] <= 0:
                allowed = [m for k, m in enumerate(MODES) if catalogue.max_distance_km[r, k] > 0]
                out.append(f"{where}.mode: {resource!r} does not go by {mode!r}; allowed: "
                           f"{', '.join(allowed)}")
        if not any(k in row for k in ("length_km", "capex_eur_per_km", "capex_fixed_eur")):
            out.append(f"{where}: a route gives length_km, capex_eur_per_km or "
                       f"capex_fixed_eur; add at least one")
    return out


def initial_exchange_problems(data: dict, origin: str) -> list[str]:
    """An exchange running at the start joins a stream and a need of its resource at two
    firms that exist at the start, and began by the region's start month.

    Examples
    --------
    >>> data = {"region": {"start": "2010-01"},
    ...         "firms": [{"id": "a", "streams": [{"resource": "steam"}]},
    ...                   {"id": "b", "needs": [{"resource": "steam"}]}],
    ...         "initial_exchanges": [{"supplier": "a", "receiver": "b",
    ...                                "resource": "steam", "since": "2012-05"}]}
    >>> initial_exchange_problems(data, "f.toml")  # doctest: +ELLIPSIS
    ["f.toml: initial_exchanges[0].since: '2012-05' is after the region's start 2010-01; ..."]
    """
    rows = _items(data, "initial_exchanges")
    if not rows:
        return []
    header = data.get("region") if isinstance(data.get("region"), dict) else {}
    start = _text(header, "start")
    firms = {f["id"]: f for _, f in _items(data, "firms") if isinstance(f.get("id"), str)}
    out: list[str] = []
    for i, row in rows:
        where = f"{origin}: initial_exchanges[{i}]"
        since = _text(row, "since")
        if start is None:
            out.append(f"{where}: an exchange running at the start needs the region's start "
                       f"month; add start = \"YYYY-MM\" to [region]")
        elif since is not None and (p := date_problem(since)):
            out.append(f"{where}.since: {p}")
        elif since is not None and date_problem(start) is None \
                and months_between(start, since) > 0:
            out.append(f"{where}.since: {since!r} is after the region's start {start}; "
                       f"allowed a month up to {start} (later links must form in the run)")
        resource = _text(row, "resource")
        for role, items in (("supplier", "streams"), ("receiver", "needs")):
            fid = _text(row, role)
            if fid is None:
                continue
            if fid not in firms:
                out.append(f"{where}.{role}: unknown firm id {fid!r}"
                           f"{did_you_mean(fid, list(firms))}; use a firm id of this file")
                continue
            firm = firms[fid]
            have = [x.get("resource") for _, x in _items(firm, items)]
            if resource is not None and resource not in have:
                out.append(f"{where}.resource: {fid!r} has no {items[:-1]} of {resource!r}; "
                           f"allowed: {', '.join(map(str, have)) or 'none'}")
            if "opens" in firm or "opens_at_tick" in firm:
                opens = firm.get("opens", firm.get("opens_at_tick"))
                if opens != 0 and not (isinstance(opens, str) and start
                                       and date_problem(opens) is None
                                       and months_between(start, opens) <= 0):
                    out.append(f"{where}.{role}: {fid!r} opens after the region's start; "
                               f"allowed a firm that exists at tick 0")
    return out


def exit_problems(data: dict, origin: str) -> list[str]:
    """A region that lets plants close at random gives the hazard it means, sourced, in
    ``[parameters]``: the model's size-class rates are a generic assumption.

    Examples
    --------
    >>> exit_problems({"region": {"random_exit": True}}, "f.toml")  # doctest: +ELLIPSIS
    ['f.toml: region.random_exit: true needs the hazard in [parameters]: exit_rate_sme ...']
    """
    header = data.get("region")
    if not (isinstance(header, dict) and header.get("random_exit") is True):
        return []
    given = data.get("parameters") if isinstance(data.get("parameters"), dict) else {}
    missing = [k for k in ("exit_rate_sme", "exit_rate_large") if k not in given]
    if not missing:
        return []
    return [f"{origin}: region.random_exit: true needs the hazard in [parameters]: "
            f"{' and '.join(missing)} (with its source); or remove random_exit"]


def _produced_problems(firm: dict, where: str, origin: str) -> list[str]:
    """``produced_from`` must name the resource of one of the firm's own needs."""
    needs = [n.get("resource") for _, n in _items(firm, "needs")]
    out = []
    for j, stream in _items(firm, "streams"):
        source = stream.get("produced_from")
        if isinstance(source, str) and source not in needs:
            allowed = ", ".join(repr(n) for n in needs if isinstance(n, str)) or "none"
            out.append(f"{origin}: {where}.streams[{j}].produced_from: {source!r} is not a "
                       f"need of this firm; allowed: the resource of one of its needs "
                       f"({allowed})")
        if "yield_per_unit" in stream and not isinstance(source, str):
            out.append(f"{origin}: {where}.streams[{j}].yield_per_unit: needs produced_from "
                       f"(the input it is a yield of)")
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
    for j, stream in _items(firm, "streams"):
        out.extend(alternative_problems(stream, f"{where}.streams[{j}]", origin))
        name = _text(stream, "resource")
        if stream.get("alternative") == "landfill" and name in catalogue.names \
                and catalogue.units[catalogue.index(name)] != "t":
            out.append(f"{origin}: {where}.streams[{j}].alternative: landfill is for "
                       f"materials in tonnes; {name} is in "
                       f"{catalogue.units[catalogue.index(name)]} (use cooling, discharge, "
                       f"incineration, sale or none)")
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






def time_problems(data: dict, origin: str) -> list[str]:
    """Dates must be months, need ``[region] start``, and open before they close."""
    out: list[str] = []
    header = data.get("region") if isinstance(data.get("region"), dict) else {}
    start = _text(header, "start")
    if start is not None and (p := date_problem(start)):
        out.append(f"{origin}: region.start: {p}")
        start = None
        has_start = True  # reported already; do not also ask for a start
    else:
        has_start = start is not None
    for i, firm in _items(data, "firms"):
        out += _span_problems(firm, f"firms[{i}]", origin, start, has_start,
                              ("opens", "closes"), ("opens_at_tick", "closes_at_tick"))
    fac = data.get("facilitator")
    if isinstance(fac, dict):
        out += _span_problems(fac, "facilitator", origin, start, has_start,
                              ("start", "end"), ("start_tick", "end_tick"))
    for i, milestone in _items(data, "milestones"):
        date = _text(milestone, "date")
        if date is None:
            continue
        if p := date_problem(date):
            out.append(f"{origin}: milestones[{i}].date: {p}")
        elif not has_start:
            out.append(f"{origin}: milestones[{i}].date: a milestone needs the region's "
                       f"start month; add start = \"YYYY-MM\" to [region]")
    return out


def _span_problems(table: dict, where: str, origin: str, start: str | None, has_start: bool,
                   dates: tuple[str, str], ticks: tuple[str, str]) -> list[str]:
    """A table's opening/closing (or start/end) given by date or by tick, not both; the
    end after the beginning; dates only with a region start."""
    out: list[str] = []
    given: dict[str, str] = {}
    for key, tick_key in zip(dates, ticks):
        value = table.get(key)
        if not isinstance(value, str):
            continue
        if p := date_problem(value):
            out.append(f"{origin}: {where}.{key}: {p}")
        elif tick_key in table:
            out.append(f"{origin}: {where}.{key}: given together with {tick_key}; give "
                       f"either the date or the tick, not both")
        elif not has_start:
            out.append(f"{origin}: {where}.{key}: a date needs the region's start month; "
                       f"add start = \"YYYY-MM\" to [region] (the calendar month of tick 0), "
                       f"or give {tick_key}")
        else:
            given[key] = value
    first, last = dates
    if start is not None and last in given:
        if months_between(start, given[last]) < 0:
            out.append(f"{origin}: {where}.{last}: {given[last]} is before the region's "
                       f"start {start}; it must be on or after it (or leave it out)")
        if first in given and months_between(given[first], given[last]) <= 0:
            out.append(f"{origin}: {where}.{last}: {given[last]} is not after {first} "
                       f"{given[first]}; must be a later month")
    a, b = (table.get(k) for k in ticks)
    if _is_int(a) and _is_int(b) and b <= a and where != "facilitator":
        out.append(f"{origin}: {where}.{ticks[1]}: {b} is not after {ticks[0]} {a}; "
                   f"must be > {ticks[0]}")
    return out


def role_problems(fac: Any, origin: str) -> list[str]:
    """A facilitator lists each role once.

    Examples
    --------
    >>> role_problems({"roles": ["broker", "broker"]}, "f.toml")
    ["f.toml: facilitator.roles[1]: 'broker' is listed twice; list each role once"]
    """
    roles = fac.get("roles") if isinstance(fac, dict) else None
    if not isinstance(roles, list):
        return []
    out, seen = [], set()
    for j, role in enumerate(roles):
        if isinstance(role, str) and role in seen:
            out.append(f"{origin}: facilitator.roles[{j}]: {role!r} is listed twice; list "
                       f"each role once")
        seen.add(role)
    return out


def alternative_problems(stream: dict, where: str, origin: str) -> list[str]:
    """A stream's alternative is given once: either ``disposal_cost`` (the whole cost) or
    ``alternative``/``alternative_price``; ``none`` takes no price.

    Examples
    --------
    >>> alternative_problems({"alternative": "none", "alternative_price": 5.0}, "s", "f")
    ["f: s.alternative_price: alternative 'none' has no price; leave alternative_price out"]
    """
    out = []
    if "disposal_cost" in stream and ("alternative" in stream or "alternative_price" in stream):
        out.append(f"{origin}: {where}.disposal_cost: given together with alternative/"
                   f"alternative_price; give either the whole disposal_cost or the "
                   f"alternative and its price")
    if stream.get("alternative") == "none" and "alternative_price" in stream:
        out.append(f"{origin}: {where}.alternative_price: alternative 'none' has no price; "
                   f"leave alternative_price out")
    return out
