"""A sweep's folder: Parquet parts written atomically, resumable, rebuilt into tables.

Layout of ``DIR``::

    manifest.json                  spec, package version, git commit, run counts
    parts/summary/B.parquet        one row per finished run of batch B (the commit marker)
    parts/failures/B.parquet       runs of batch B that raised: parameters, seed, traceback
    timeseries/arm=A/B.parquet     time series (if kept), a partitioned Parquet dataset
    exchanges/arm=A/B.parquet      exchange logs (if kept)
    tables/NAME/arm=A/B.parquet    tables returned by a collect hook
    summary.parquet                all summary parts, sorted by run id (rebuilt)
    failures.parquet               all failure parts (rebuilt; absent when none failed)

Every file is written to a temporary name and renamed (``os.replace``), so a killed sweep
leaves no half-written part. A batch counts as done only once its summary part exists
(written last); on resume, files of unfinished batches and temporary files are removed,
finished runs are skipped and failed runs are tried again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .spec import SpecError, SweepSpec

__all__ = ["Store", "write_parquet", "read_parts"]

MANIFEST = "manifest.json"
_TMP = ".tmp-"
_DATASETS = ("timeseries", "exchanges", "tables")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def read_parts(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All finished parts of a folder, concatenated (empty frame if none)."""
    files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(_TMP))
    frames = [pq.read_table(p, columns=columns).to_pandas() for p in files]
    frames = [f for f in frames if len(f.columns)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


class Store:
    """The output folder of one sweep (see the module docstring)."""

    def __init__(self, root: Path | str, spec: SweepSpec):
        self.root = Path(root)
        self.spec = spec

    # ------------------------------------------------------------------ opening
    def open(self, *, fresh: bool = False, extra: dict[str, Any] | None = None) -> set[str]:
        """Prepare the folder; return the ids of runs already finished (to skip).

        Raises :class:`SpecError` when the folder holds another spec's results (or other
        files) and ``fresh`` is false.
        """
        if self.root.exists() and not self.root.is_dir():
            raise SpecError(f"--out {self.root}: exists and is not a folder")
        if fresh and self.root.exists():
            self._clear()
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = self.root / MANIFEST
        if manifest.exists():
            self._check_same_spec(manifest)
        elif any(self.root.iterdir()):
            raise SpecError(f"--out {self.root}: not empty and not a sweep folder; choose "
                            "an empty or new folder, or add --fresh to delete its contents")
        self._write_manifest(extra or {})
        self._remove_unfinished()
        return set(read_parts(self.root / "parts" / "summary", ["run_id"])["run_id"])

    def _clear(self) -> None:
        if not (self.root / MANIFEST).exists() and any(self.root.iterdir()):
            raise SpecError(f"--out {self.root}: --fresh deletes only sweep folders (with a "
                            f"{MANIFEST}); this one has none: choose another folder")
        shutil.rmtree(self.root)

    def _check_same_spec(self, manifest: Path) -> None:
        try:
            old = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise SpecError(f"{manifest}: unreadable; rerun with --fresh to start over") \
                from None
        if old.get("fingerprint") != self.spec.fingerprint():
            raise SpecError(
                f"--out {self.root}: holds results of a different spec "
                f"({old.get('spec', {}).get('name', '?')!r} from {old.get('spec_file', '?')});"
                " use another --out, or --fresh to delete them and start over")

    def _write_manifest(self, extra: dict[str, Any]) -> None:
        from .. import __version__

        data = {"fingerprint": self.spec.fingerprint(), "spec_file": self.spec.origin,
                "spec": self.spec.as_dict(), "package_version": __version__,
                "git_commit": _git_commit(), **extra}
        tmp = self.root / f"{_TMP}{MANIFEST}"
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.root / MANIFEST)

    def _remove_unfinished(self) -> None:
        """Delete temporary files, parts of batches without a summary part, and earlier
        failures (those runs are tried again)."""
        finished = {p.stem for p in (self.root / "parts" / "summary").glob("*.parquet")}
        for path in self.root.rglob("*"):
            if path.is_file() and path.name.startswith(_TMP):
                path.unlink()
        for top in _DATASETS:
            for path in (self.root / top).rglob("*.parquet"):
                if path.stem not in finished:
                    path.unlink()
        shutil.rmtree(self.root / "parts" / "failures", ignore_errors=True)
        (self.root / "failures.parquet").unlink(missing_ok=True)

    # ------------------------------------------------------------------ writing
    def write_batch(self, results: list[dict[str, Any]]) -> None:
        """Write one batch of results; its summary part last (the batch's commit)."""
        batch = uuid.uuid4().hex[:16]
        rows, failures, tables = [], [], {}
        for result in results:
            run = result["run"]
            keys = {"run_id": run.run_id, "region": run.region, "arm": run.arm,
                    "point": run.point, "replicate": run.replicate, "seed": run.seed}
            if not result["ok"]:
                failures.append({**keys, "parameters": json.dumps(run.params, default=str),
                                 "error": result["error"].strip().splitlines()[-1],
                                 "traceback": result["error"]})
                continue
            params = result["params"]
            rows.append({**keys, **params,
                         **{k: v for k, v in result["row"].items() if k not in params
                            and k not in keys}})
            for name, frame in result["tables"].items():
                tables.setdefault((name, run.arm), []).append(
                    frame.assign(run_id=run.run_id, region=run.region))
        for (name, arm), frames in tables.items():
            folder = self.root / (name if name in _DATASETS[:2] else f"tables/{name}")
            write_parquet(pd.concat(frames, ignore_index=True),
                          folder / f"arm={arm}" / f"{batch}.parquet")
        if failures:
            write_parquet(pd.DataFrame(failures),
                          self.root / "parts" / "failures" / f"{batch}.parquet")
        write_parquet(pd.DataFrame(rows), self.root / "parts" / "summary" / f"{batch}.parquet")

    def finish(self) -> tuple[int, int]:
        """Rebuild ``summary.parquet`` and ``failures.parquet``; return their row counts."""
        summary = read_parts(self.root / "parts" / "summary")
        if len(summary):
            summary = summary.sort_values("run_id").reset_index(drop=True)
        write_parquet(summary, self.root / "summary.parquet")
        failures = read_parts(self.root / "parts" / "failures")
        if len(failures):
            write_parquet(failures.sort_values("run_id").reset_index(drop=True),
                          self.root / "failures.parquet")
        return len(summary), len(failures)


def _git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
