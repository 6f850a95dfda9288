"""Plausibility checks of region data that the schema cannot express.

:func:`equal_volume_problems` flags a stream and a need of the same resource, at different
firms, with equal yearly volumes: the usual sign that one firm's figure was sized to fit a
partner (the link is then built into the data). The pair passes only when each volume
carries its own source: a reference of the file (not an assumption), and not one and the
same text for both. ``symbiosis-abm validate --provenance`` applies it with the provenance
rule; the tests apply it to every bundled region.

Examples
--------
>>> data = {"firms": [
...     {"id": "a", "streams": [{"resource": "steam", "volume_per_year": 500.0,
...                              "assumption": "sized to b's need"}]},
...     {"id": "b", "needs": [{"resource": "steam", "volume_per_year": 500.0,
...                            "source": "report2020: p. 3"}]}]}
>>> for line in equal_volume_problems(data, "r.toml"):
...     print(line)  # doctest: +ELLIPSIS
r.toml: firms[0].streams[0].volume_per_year: 500 steam equals firms[1].needs[0] ...
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

__all__ = ["equal_volume_problems", "volume_source"]


def volume_source(table: dict) -> str | None:
    """The text that sources a stream's or need's ``volume_per_year`` (None: none).

    Examples
    --------
    >>> volume_source({"sources": {"volume_per_year": "r1: p. 2"}, "source": "r2"})
    'r1: p. 2'
    >>> volume_source({"assumption": "guess"})
    'assumption: guess'
    """
    per_field = table.get("sources")
    if isinstance(per_field, dict) and isinstance(per_field.get("volume_per_year"), str):
        return per_field["volume_per_year"]
    if isinstance(table.get("source"), str):
        return table["source"]
    if isinstance(table.get("assumption"), str):
        return f"assumption: {table['assumption']}"
    return None


def _is_reference(text: str | None) -> bool:
    return text is not None and text.partition(":")[0].strip() != "assumption"


def _volumes(data: dict, kind: str) -> list[tuple[str, int, str, float, str | None]]:
    """(path, firm index, resource, volume, source text) of every stream or need."""
    out = []
    firms = data.get("firms", [])
    for i, firm in enumerate(firms if isinstance(firms, list) else []):
        items = firm.get(kind, []) if isinstance(firm, dict) else []
        for j, item in enumerate(items if isinstance(items, list) else []):
            volume: Any = item.get("volume_per_year") if isinstance(item, dict) else None
            if isinstance(volume, (int, float)) and not isinstance(volume, bool):
                out.append((f"firms[{i}].{kind}[{j}]", i, item.get("resource"),
                            float(volume), volume_source(item)))
    return out


def equal_volume_problems(data: dict, origin: str) -> list[str]:
    """One line per stream/need pair of one resource at different firms with equal
    volumes, unless both volumes have their own reference source."""
    needs: dict[tuple[Any, float], list] = defaultdict(list)
    for need in _volumes(data, "needs"):
        needs[(need[2], need[3])].append(need)
    out = []
    for path, firm, resource, volume, text in _volumes(data, "streams"):
        for n_path, n_firm, _, _, n_text in needs.get((resource, volume), []):
            if n_firm == firm:
                continue
            if _is_reference(text) and _is_reference(n_text) and text != n_text:
                continue
            amount = f"{volume:g}" if math.isfinite(volume) else str(volume)
            out.append(f"{origin}: {path}.volume_per_year: {amount} {resource} equals "
                       f"{n_path} (the same volume at a possible partner); give each its "
                       f"own source (a reference, not an assumption), or take each firm's "
                       f"volume from its own figures")
    return out
