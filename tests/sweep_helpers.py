"""Write small sweep specs for tests."""

from __future__ import annotations

from pathlib import Path

BASE = """
[sweep]
name = "{name}"
regions = ["kalundborg"]
ticks = {ticks}
replicates = {replicates}
seed = 7
"""


def write_spec(folder: Path, body: str = "", *, name: str = "t", ticks: int = 12,
               replicates: int = 2, file: str = "spec.toml") -> Path:
    """A spec file: the [sweep] table above plus ``body``."""
    path = folder / file
    path.write_text(BASE.format(name=name, ticks=ticks, replicates=replicates) + body,
                    encoding="utf-8")
    return path
