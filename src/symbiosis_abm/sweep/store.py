"""A sweep's folder: Parquet parts written atomically, resumable, rebuilt into tables.

Layout of ``DIR``::

    manifest.json                  spec, package version, git commit, code and design
                                   fingerprints, run counts
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

A folder is resumed only by the same spec, the same code and the same design: results of
another model version (any change to the package's code or bundled data,
:func:`code_fingerprint`) or of changed region files (other run ids) are never mixed with
new ones. Such a folder is refused (``stale="refuse"``, the ``sweep`` command) or started
over (``stale="restart"``, the experiments, whose reports must come from the code that
writes them).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .spec import SpecError, SweepSpec

__all__ = ["Store", "write_parquet", "read_parts", "code_fingerprint", "design_fingerprint"]

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
    def open(self, *, fresh: bool = False, extra: dict[str, Any] | None = None,
             run_ids: list[str] | None = None, stale: str = "refuse") -> set[str]:
        """Prepare the folder; return the ids of runs already finished (to skip).

        Raises :class:`SpecError` when the folder holds another spec's results (or other
        files) and ``fresh`` is false. Results of other code or of another design (the
        ``run_ids`` of this spec differ, e.g. a region file changed) are refused, or
        deleted first with ``stale="restart"``.
        """
        self.design = design_fingerprint(run_ids or [])
        reason = "" if fresh or stale != "restart" else self._stale_reason()
        if reason:
            print(f"--out {self.root}: {reason}; starting over", file=sys.stderr)
            fresh = True
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
        reason = self._stale_reason(old)
        if reason:
            raise SpecError(f"--out {self.root}: {reason}, and resuming would mix them with "
                            "new ones; use another --out, or --fresh to delete them and "
                            "start over")

    def _stale_reason(self, old: dict | None = None) -> str:
        """Why the folder's results cannot be resumed by this code and design ("" if they
        can, or if the folder has no manifest)."""
        if old is None:
            try:
                old = json.loads((self.root / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return ""
        if old.get("code") != code_fingerprint():
            return (f"holds results made by other code (package "
                    f"{old.get('package_version', '?')}, commit "
                    f"{str(old.get('git_commit') or '?')[:10]}; the model's code or bundled "
                    "data changed since)")
        if old.get("design") != self.design:
            return "holds results of other runs (a region file or the design changed since)"
        return ""

    def _write_manifest(self, extra: dict[str, Any]) -> None:
        from .. import __version__

        data = {"fingerprint": self.spec.fingerprint(), "spec_file": self.spec.origin,
                "spec": self.spec.as_dict(), "package_version": __version__,
                "git_commit": _git_commit(), "code": code_fingerprint(),
                "design": self.design, **extra}
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


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the package's source and bundled data (every file but caches): equal
    fingerprints mean the same model code, catalogue and regions.

    Examples
    --------
    >>> len(code_fingerprint()), code_fingerprint() == code_fingerprint()
    (16, True)
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.is_file()
                       and "__pycache__" not in p.parts and p.suffix != ".pyc"):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def design_fingerprint(run_ids: list[str]) -> str:
    """A hash of a sweep's run ids (each hashes its region's content, parameters and
    seed), in any order.

    Examples
    --------
    >>> design_fingerprint(["b", "a"]) == design_fingerprint(["a", "b"])
    True
    """
    return hashlib.sha256("\n".join(sorted(run_ids)).encode()).hexdigest()[:16]


def _git_commit() -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
