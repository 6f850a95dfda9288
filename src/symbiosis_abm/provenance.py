"""The provenance rule of ``docs/provenance.md``, as a check over parsed data files.

Every number in a bundled data file (``resources.toml``, ``sectors.toml``, every region)
must say where it comes from: a per-field ``sources`` entry, a table-wide ``source``, or an
``assumption``. :func:`uncovered_numbers` walks a parsed file and returns the path of every
number the rule does not cover; :func:`source_problems` checks that every ``source`` names a
reference id of the same file. :func:`check_provenance` combines both into one-line messages.

Users' own region files are *not* held to this rule (``symbiosis-abm validate`` checks their
structure; ``validate --provenance`` applies this rule too). The bundled files are held to it
by ``tests/test_provenance.py``.

Examples
--------
>>> data = {
...     "references": [{"id": "ks2024", "citation": "..."}],
...     "firms": [{"id": "a", "lat": 55.6, "lon": 11.1, "source": "ks2024: map",
...                "streams": [{"resource": "steam", "volume_per_year": 5.0}]}],
... }
>>> uncovered_numbers(data)
['firms[0].streams[0].volume_per_year']
>>> data["firms"][0]["streams"][0]["assumption"] = "plant capacity guessed"
>>> uncovered_numbers(data)
[]
>>> data["firms"][0]["source"] = "ks2042: map"
>>> source_problems(data)  # doctest: +NORMALIZE_WHITESPACE
[('firms[0].source',
  "source 'ks2042' is not among the file's [[references]] ids (did you mean 'ks2024'?)")]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import did_you_mean

__all__ = ["uncovered_numbers", "source_problems", "check_provenance", "check_file",
           "provenance_counts", "EXEMPT_KEYS", "DATE_KEYS"]

#: Top-level keys that hold numbers about the file, not data (they need no source).
EXEMPT_KEYS = frozenset({"schema_version"})
#: Keys whose "YYYY-MM" text is a date: data under the rule, like a number.
DATE_KEYS = frozenset({"start", "end", "opens", "closes", "date", "since"})
_ASSUMPTION = "assumption"
_REF_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}$")


def _is_number(value: Any) -> bool:
    # bool is a subclass of int in Python but is not a number in the rule's sense.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _holds_numbers(value: Any) -> bool:
    """A number, or a list (of lists) of numbers: one field under the rule."""
    if isinstance(value, list):
        return any(_holds_numbers(v) for v in value)
    return _is_number(value)


def _is_data(key: str, value: Any) -> bool:
    """A field under the rule: numbers, and dates in the date keys.

    Examples
    --------
    >>> _is_data("opens", "2013-04"), _is_data("name", "2013-04"), _is_data("x", [1, 2])
    (True, False, True)
    """
    if key in DATE_KEYS and isinstance(value, str) and _DATE.match(value.strip()):
        return True
    return _holds_numbers(value)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _tables(node: Any, path: str = "") -> Iterator[tuple[str, dict]]:
    """Yield (path, table) for every table in ``node``, outermost first.

    The ``references`` list and the content of ``sources`` tables are skipped: they are
    provenance, not data.
    """
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("references", "sources"):
                continue
            yield from _tables(value, _join(path, key))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, (dict, list)):
                yield from _tables(item, _join(path, i))


def _data_fields(data: dict) -> Iterator[tuple[str, str, str | None]]:
    """(path, key, provenance text or None) of every field under the rule.

    The text is the field's ``sources`` entry, else the table's ``source``, else its
    ``assumption`` (prefixed ``"assumption: "``).
    """
    for path, table in _tables(data):
        per_field = table.get("sources") if isinstance(table.get("sources"), dict) else {}
        whole = table.get("source") if isinstance(table.get("source"), str) else None
        if whole is None and isinstance(table.get(_ASSUMPTION), str):
            whole = f"{_ASSUMPTION}: {table[_ASSUMPTION]}"
        for key, value in table.items():
            if (not path and key in EXEMPT_KEYS) or key in ("references", "sources"):
                continue
            if _is_data(key, value):
                text = per_field.get(key, whole)
                yield path, key, text if isinstance(text, str) else whole


def uncovered_numbers(data: dict) -> list[str]:
    """Paths of every number (or date) in ``data`` that no ``source``, ``sources`` or
    ``assumption`` covers.

    A table's own ``source`` or ``assumption`` covers all its numeric fields (including
    lists of numbers) and its dates (``start``, ``end``, ``opens``, ``closes``, ``date``
    as ``"YYYY-MM"``); ``sources = {field = ...}`` covers the fields it names. Nested
    tables do not inherit their parent's provenance. Top-level ``schema_version`` is exempt.

    Examples
    --------
    >>> uncovered_numbers({"schema_version": 1, "a": {"x": 1, "y": [1, 2], "n": "t"}})
    ['a.x', 'a.y']
    >>> uncovered_numbers({"a": {"x": 1, "y": [1, 2], "sources": {"x": "r1"}}})
    ['a.y']
    >>> uncovered_numbers({"firms": [{"id": "a", "opens": "2013-04"}]})
    ['firms[0].opens']
    """
    return [_join(path, key) for path, key, text in _data_fields(data) if text is None]


def provenance_counts(data: dict) -> dict[str, int]:
    """How many fields under the rule are sourced, assumed, or uncovered.

    A field counts as an assumption when the text covering it starts with
    ``assumption``, as sourced when it names a reference.

    Examples
    --------
    >>> provenance_counts({"a": {"x": 1, "y": 2, "z": 3,
    ...                          "sources": {"x": "r1: p. 3", "y": "assumption: guess"}}})
    {'sourced': 1, 'assumptions': 1, 'uncovered': 1}
    """
    counts = {"sourced": 0, "assumptions": 0, "uncovered": 0}
    for _, _, text in _data_fields(data):
        if text is None:
            counts["uncovered"] += 1
        elif text.partition(":")[0].strip() == _ASSUMPTION:
            counts["assumptions"] += 1
        else:
            counts["sourced"] += 1
    return counts


def _provenance_texts(data: dict) -> Iterator[tuple[str, Any, dict, str | None]]:
    """Yield (path, text, table, field) for every ``source`` (field None) and every
    ``sources`` entry (field: the key it names)."""
    for path, table in _tables(data):
        if "source" in table:
            yield _join(path, "source"), table["source"], table, None
        if isinstance(table.get("sources"), dict):
            for key, text in table["sources"].items():
                yield _join(_join(path, "sources"), key), text, table, key


def source_problems(data: dict) -> list[tuple[str, str]]:
    """(path, problem) for every provenance text that does not resolve.

    A ``source`` must begin with a reference id of the file (``"id"`` or ``"id: detail"``)
    or be ``"assumption: reason"``; a ``sources`` entry must name a numeric field of its
    table; reference ids must be unique and well formed.

    Examples
    --------
    >>> source_problems({"references": [{"id": "r1"}], "t": {"x": 1, "sources": {"y": "r1"}}})
    [('t.sources.y', "names no number of this table; numbers here: 'x'")]
    """
    references = data.get("references", [])
    out = _reference_id_problems(references)
    references = references if isinstance(references, list) else []
    known = list(dict.fromkeys(r["id"] for r in references
                               if isinstance(r, dict) and isinstance(r.get("id"), str)))
    for path, text, table, field in _provenance_texts(data):
        if not isinstance(text, str) or not text.strip():
            out.append((path, "must be text: a reference id, 'id: detail' or "
                              "'assumption: reason'"))
            continue
        ref, _, detail = text.partition(":")
        ref = ref.strip()
        if ref == _ASSUMPTION:
            if not detail.strip():
                out.append((path, "an assumption needs a reason: 'assumption: <reason>'"))
        elif ref not in known:
            out.append((path, f"source {ref!r} is not among the file's [[references]] ids"
                              f"{did_you_mean(ref, known)}"))
        if field is not None and not _is_data(field, table.get(field)):
            numbers = [k for k, v in table.items() if k != "sources" and _is_data(k, v)]
            out.append((path, f"names no number of this table; numbers here: "
                              f"{', '.join(repr(n) for n in numbers) or 'none'}"))
    return out


def _reference_id_problems(references: Any) -> list[tuple[str, str]]:
    if not isinstance(references, list):
        return []  # a structural error: the file's schema check reports it
    out, seen = [], set()
    for i, ref in enumerate(references):
        rid = ref.get("id") if isinstance(ref, dict) else None
        if not isinstance(rid, str):
            continue  # the schema reports a missing or non-text id
        if not _REF_ID.match(rid):
            out.append((f"references[{i}].id", f"{rid!r}: use lowercase letters, digits, "
                                               f"'-' or '_'"))
        if rid in seen:
            out.append((f"references[{i}].id", f"duplicate reference id {rid!r}"))
        seen.add(rid)
    return out


def check_provenance(data: dict, origin: str) -> list[str]:
    """Every provenance problem of a parsed file, one line each (empty if it complies).

    Examples
    --------
    >>> check_provenance({"t": {"x": 1.5}}, "f.toml")  # doctest: +NORMALIZE_WHITESPACE
    ['f.toml: t.x: number without a source; add source = "<reference id>",
      sources = { x = "..." } or assumption = "<reason>" to this table']
    """
    lines = []
    for path in uncovered_numbers(data):
        key = path.rpartition(".")[2]
        lines.append(f"{origin}: {path}: number without a source; add source = "
                     f"\"<reference id>\", sources = {{ {key} = \"...\" }} or "
                     f"assumption = \"<reason>\" to this table")
    lines.extend(f"{origin}: {path}: {problem}" for path, problem in source_problems(data))
    return lines


def check_file(path: Path | str) -> list[str]:
    """Provenance problems of a TOML data file (syntax errors raise ``RegionError``)."""
    from .catalogue import read_toml

    return check_provenance(read_toml(path), str(path))
