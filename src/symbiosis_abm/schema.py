"""A small declarative checker for TOML data, reporting every problem with its field path.

The bundled data files and users' region files are checked against specs built from
:class:`Field` and :class:`Table`. A check collects all problems (up to a limit) as lines
``FILE: field.path: what is wrong; what is allowed``, so a non-programmer can fix a file in
one pass.

Examples
--------
>>> spec = Table({"name": Field(str, required=True), "volume": Field(float, low=0)})
>>> check(spec, {"name": "x", "volum": -1}, "f.toml")
["f.toml: volum: unknown key (did you mean 'volume'?)"]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import did_you_mean

__all__ = ["Field", "Table", "check", "limit_problems", "record_data", "MAX_PROBLEMS",
           "PROVENANCE_KEYS"]

MAX_PROBLEMS = 50
PROVENANCE_KEYS = ("source", "assumption", "sources")

_TYPE_WORDS = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}


@dataclass(frozen=True)
class Field:
    """One key of a table.

    ``kind`` is ``str``, ``int``, ``float``, ``bool``, ``list`` (of ``item``) or a
    :class:`Table`. ``length`` fixes a list's length; ``low``/``high`` bound numbers.
    """

    kind: Any
    required: bool = False
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] | None = None
    item: Any = None
    length: int | None = None
    min_length: int = 0


@dataclass(frozen=True)
class Table:
    """A table with known keys; ``values`` types the entries of a free-keyed table."""

    fields: dict[str, Field] = field(default_factory=dict)
    values: Any = None
    provenance: bool = False


def check(spec: Table, data: Any, origin: str, path: str = "",
          limit: int | None = MAX_PROBLEMS) -> list[str]:
    """Return all problems of ``data`` against ``spec`` as one-line messages.

    At most ``limit`` lines are returned (None: all); see :func:`limit_problems`.
    """
    problems: list[str] = []
    _check_table(spec, data, origin, path, problems)
    return problems if limit is None else limit_problems(problems, origin, limit)


def limit_problems(problems: list[str], origin: str, limit: int = MAX_PROBLEMS) -> list[str]:
    """The first ``limit`` problems, and a last line saying how many were left out.

    Examples
    --------
    >>> limit_problems(["a", "b", "c"], "f.toml", limit=2)
    ['a', 'b', 'f.toml: ... and 1 more problem(s) not shown; fix these and validate again']
    """
    if len(problems) <= limit:
        return list(problems)
    rest = len(problems) - limit
    return problems[:limit] + [f"{origin}: ... and {rest} more problem(s) not shown; "
                               f"fix these and validate again"]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _check_table(spec: Table, data: Any, origin: str, path: str, out: list[str]) -> None:
    if not isinstance(data, dict):
        out.append(f"{origin}: {path or '(top level)'}: must be a table, got {_describe(data)}")
        return
    allowed = dict(spec.fields)
    if spec.provenance:
        allowed.update({"source": Field(str), "assumption": Field(str),
                        "sources": Field(Table(values=Field(str)))})
    for key, value in data.items():
        where = _join(path, key)
        if key in allowed:
            _check_value(allowed[key], value, origin, where, out)
        elif spec.values is not None:
            _check_value(spec.values, value, origin, where, out)
        else:
            out.append(f"{origin}: {where}: unknown key{_key_hint(key, allowed)}")
    for key, f in spec.fields.items():
        if f.required and key not in data:
            where = _join(path, key)
            out.append(f"{origin}: {where}: missing; required ({_missing_hint(f, where)})")


def _missing_hint(f: Field, where: str) -> str:
    """What to add for a missing key: a value, a [table] or [[tables]]."""
    header = re.sub(r"\[\d+\]", "", where)
    if isinstance(f.kind, Table):
        return f"add a [{header}] table"
    if f.kind is list and f.item is not None and isinstance(f.item.kind, Table):
        return f"add one [[{header}]] table per entry"
    return _allowed_text(f)


def _key_hint(key: str, allowed: dict[str, Field]) -> str:
    """'did you mean' when a key is close to a valid one, else the list of valid keys."""
    return did_you_mean(key, allowed) or (
        "; allowed keys here: " + ", ".join(allowed) if allowed else "; no keys allowed here")


def _check_value(f: Field, value: Any, origin: str, where: str, out: list[str]) -> None:
    if isinstance(f.kind, Table):
        _check_table(f.kind, value, origin, where, out)
        return
    if f.kind is list:
        _check_list(f, value, origin, where, out)
        return
    if f.kind is object:  # checked elsewhere (e.g. [parameters] against Parameters)
        return
    message = scalar_problem(f, value)
    if message:
        out.append(f"{origin}: {where}: {message}")


def _check_list(f: Field, value: Any, origin: str, where: str, out: list[str]) -> None:
    if not isinstance(value, list):
        # The usual cause is [name] written where [[name]] (one per entry) was meant.
        header = re.sub(r"\[\d+\]", "", where)
        hint = (f"; write [[{header}]] (double brackets) once per entry"
                if isinstance(value, dict) else "")
        out.append(f"{origin}: {where}: must be a list, got {_describe(value)}{hint}")
        return
    if f.length is not None and len(value) != f.length:
        out.append(f"{origin}: {where}: must have exactly {f.length} values, got {len(value)}")
        return
    if len(value) < f.min_length:
        out.append(f"{origin}: {where}: must have at least {f.min_length} entries")
    for i, item in enumerate(value):
        _check_value(f.item, item, origin, _join(where, i), out)


def scalar_problem(f: Field, value: Any) -> str | None:
    """What is wrong with a scalar ``value`` for field ``f`` (None if nothing)."""
    if f.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if f.kind is bool or isinstance(value, bool):
        ok = isinstance(value, bool) and f.kind is bool
    else:
        ok = isinstance(value, f.kind)
    if not ok:
        return f"must be {_allowed_text(f)}, got {_describe(value)}"
    if f.choices is not None and value not in f.choices:
        return (f"{value!r} is not allowed; choose one of {', '.join(f.choices)}"
                f"{did_you_mean(str(value), f.choices)}")
    if f.kind in (int, float):
        if not math.isfinite(value):
            return f"must be a finite number, got {value!r}"
        too_low = f.low is not None and (value <= f.low if f.low_open else value < f.low)
        if too_low or (f.high is not None and value > f.high):
            return f"{value!r} is out of range; allowed {_allowed_text(f)}"
    if f.kind is str and not value.strip():
        return "must not be empty"
    return None


def _allowed_text(f: Field) -> str:
    if f.kind is list:
        return "a list"
    if isinstance(f.kind, Table):
        return "a table"
    if f.choices:
        return "one of " + ", ".join(f.choices)
    word = _TYPE_WORDS.get(f.kind, str(f.kind))
    if f.low is not None and f.low == f.high:
        return f"{word} equal to {f.low:g}"
    bounds = []
    if f.low is not None:
        bounds.append(f"> {f.low:g}" if f.low_open else f">= {f.low:g}")
    if f.high is not None:
        bounds.append(f"<= {f.high:g}")
    return word + (" " + " and ".join(bounds) if bounds else "")


def _describe(value: Any) -> str:
    names = {str: "text", bool: "true/false", int: "a whole number", float: "a number",
             list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} {value!r}" if not isinstance(
        value, (list, dict)) else names[type(value)]


def record_data(record: Any, drop: tuple[str, ...] = ("base_dir", "origin"),
                defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A spec record as plain JSON-able data, without where it came from (``drop``) and
    without fields still at the given ``defaults`` (so older fingerprints stay the same).

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class R:
    ...     name: str
    ...     ticks: tuple = (1, 2)
    ...     origin: str = "f.toml"
    ...     base_dir: str = "."
    >>> record_data(R("x")), record_data(R("x"), defaults={"ticks": (1, 2)})
    ({'name': 'x', 'ticks': [1, 2]}, {'name': 'x'})
    """
    import dataclasses
    import json

    data = dataclasses.asdict(record)
    for key in drop:
        data.pop(key)
    for key, default in (defaults or {}).items():
        if data[key] == default:  # compared as stored: a tuple never equals a list
            data.pop(key)
    return json.loads(json.dumps(data, default=list))
