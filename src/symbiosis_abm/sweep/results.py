"""Read a sweep's folder back as pandas frames: :func:`load_results`.

Examples
--------
>>> import tempfile
>>> from symbiosis_abm.sweep import run_sweep
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> spec = spec_from_dict({"sweep": {"name": "l", "regions": ["kalundborg"], "ticks": 3,
...                        "replicates": 2}, "outputs": {"timeseries_every": 1}}, "l.toml")
>>> folder = tempfile.TemporaryDirectory()
>>> out = folder.name
>>> _ = run_sweep(spec, out, backend="serial", progress=False)
>>> res = load_results(out)
>>> len(res.summary), len(res.failures), len(res.timeseries())
(2, 0, 6)
>>> folder.cleanup()
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import SymbiosisInputError
from .spec import SweepSpec
from .store import MANIFEST, read_parts

__all__ = ["SweepResults", "load_results", "ID_COLUMNS"]

#: Columns of summary.parquet that identify a run (the rest: parameters, then metrics).
ID_COLUMNS = ("run_id", "region", "arm", "point", "replicate", "seed")


@dataclass(frozen=True)
class SweepResults:
    """A sweep folder's contents.

    Attributes
    ----------
    summary : DataFrame
        One row per finished run: ``run_id, region, arm, point, replicate, seed``, the
        parameters the spec sets, then the metrics (numeric summary entries).
    failures : DataFrame
        One row per failed run with its parameters, seed, error and traceback.
    manifest : dict
        The spec, package version, git commit and how the sweep ran; ``sessions`` lists
        each run of the sweep command (start and end times, versions, platform, git state).
    """

    root: Path
    summary: pd.DataFrame
    failures: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def spec(self) -> SweepSpec:
        """The sweep's spec, rebuilt from the manifest."""
        data = dict(self.manifest["spec"])
        return SweepSpec(**{**data, "regions": tuple(data["regions"]),
                            "vary": {k: tuple(v) for k, v in data["vary"].items()},
                            "ranges": {k: tuple(v) for k, v in data["ranges"].items()},
                            "ignore": tuple(data.get("ignore", ())),
                            "region_seeds": tuple(data.get("region_seeds", ())),
                            "origin": self.manifest.get("spec_file", "<manifest>")})

    @property
    def parameters(self) -> list[str]:
        """Parameter columns of :attr:`summary`."""
        from .design import parameter_columns

        return [c for c in parameter_columns(self.spec) if c in self.summary.columns]

    @property
    def metrics(self) -> list[str]:
        """Numeric metric columns of :attr:`summary` (everything after the parameters)."""
        skip = set(ID_COLUMNS) | set(self.parameters)
        return [c for c in self.summary.columns if c not in skip
                and pd.api.types.is_numeric_dtype(self.summary[c])
                and not pd.api.types.is_bool_dtype(self.summary[c])]

    def timeseries(self, **filters: Any) -> pd.DataFrame:
        """The kept time series (``[outputs] timeseries_every``), optionally filtered by
        equality on columns, e.g. ``timeseries(arm="off")``."""
        return self._dataset(self.root / "timeseries", filters)

    def exchanges(self, **filters: Any) -> pd.DataFrame:
        """The kept exchange logs (``[outputs] exchanges = true``)."""
        return self._dataset(self.root / "exchanges", filters)

    def table(self, name: str, **filters: Any) -> pd.DataFrame:
        """A table returned under ``name`` by the spec's collect hook."""
        return self._dataset(self.root / "tables" / name, filters)

    def _dataset(self, folder: Path, filters: dict[str, Any]) -> pd.DataFrame:
        if not folder.is_dir() or not any(folder.rglob("*.parquet")):
            return pd.DataFrame()
        done = set(self.summary["run_id"])
        parts = []
        for arm_dir in sorted(folder.glob("arm=*")):
            arm = arm_dir.name.removeprefix("arm=")
            if "arm" in filters and filters["arm"] != arm:
                continue
            frame = read_parts(arm_dir)
            frame = frame[frame["run_id"].isin(done)].assign(arm=arm)
            for key, value in filters.items():
                frame = frame[frame[key] == value]
            parts.append(frame)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def load_results(root: Path | str) -> SweepResults:
    """Load the results of ``symbiosis-abm sweep ... --out ROOT``.

    Reads ``summary.parquet`` (or, while a sweep is still running or was interrupted,
    its finished parts) and ``failures.parquet``.
    """
    root = Path(root)
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise SymbiosisInputError(f"{root}: not a sweep folder (no {MANIFEST}); write one "
                                  "with 'symbiosis-abm sweep SPEC --out FOLDER'")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    summary_file = root / "summary.parquet"
    parts = read_parts(root / "parts" / "summary")
    summary = pd.read_parquet(summary_file) if summary_file.is_file() else parts
    if len(parts) != len(summary):  # a run in progress or killed: the parts are newer
        summary = parts.sort_values("run_id").reset_index(drop=True)
    failures_file = root / "failures.parquet"
    failures = pd.read_parquet(failures_file) if failures_file.is_file() else pd.DataFrame()
    return SweepResults(root, summary, failures, manifest)

