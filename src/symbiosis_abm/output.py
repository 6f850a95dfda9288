"""Writing a run's outputs: Parquet tables, JSON summary, GraphML network.

Files are written to a temporary name and renamed into place, so an interrupted write
never leaves a half-written file where a complete one was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

if TYPE_CHECKING:
    from .model import SymbiosisModel

__all__ = ["write_outputs"]


def write_outputs(model: SymbiosisModel, folder: Path, summary: dict[str, Any]) -> list[Path]:
    """Write ``timeseries.parquet``, ``exchanges.parquet``, ``summary.json`` and
    ``network.graphml`` into ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    targets = {
        "timeseries.parquet": lambda p: model.timeseries().to_parquet(p),
        "exchanges.parquet": lambda p: model.exchanges_frame().to_parquet(p, index=False),
        "summary.json": lambda p: p.write_text(json.dumps(
            summary | {"parameters": model.params.as_dict()}, indent=2, default=str) + "\n"),
        "network.graphml": lambda p: nx.write_graphml(model.network(), p),
    }
    written = []
    for name, write in targets.items():
        final = folder / name
        partial = folder / f".{name}.partial"
        write(partial)
        os.replace(partial, final)
        written.append(final)
    return written
