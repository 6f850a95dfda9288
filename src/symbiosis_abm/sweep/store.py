"""A sweep's folder: Parquet parts written atomically, resumable, rebuilt into tables.

Layout of ``DIR``::

    manifest.json                  spec, package version, git commit, code and design
                                   fingerprints, run counts; ``sessions``: one entry per
                                   run of the command (start, end, versions, platform,
                                   git commit, dirty flag and diff hash), appended
    times.parquet                  each run's wall time (seconds) and whether it finished
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

A folder grows with its spec: a run is identified by its region's content, parameters,
seed, ticks and model (its run id), so adding replicates, arms or design points, or
editing the name or description, reuses every finished run and runs only the new ones.
Results of another model version (any change to the package's code or bundled data,
:func:`code_fingerprint`), with other outputs kept, or of runs the spec no longer has (a
changed region file or parameter) are never mixed with new ones. Such a folder is refused (``stale="refuse"``, the ``sweep`` command) or started
over (``stale="restart"``, the experiments, whose reports must come from the code that
writes them).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from .._version import __version__
from .spec import SpecError, SweepSpec

__all__ = ["Store", "write_parquet", "read_parts", "code_fingerprint", "design_fingerprint"]

MANIFEST = "manifest.json"
_TMP = ".tmp-"
#: a folder the sweep leaves alone: the files its spec was made from (an experiment's
#: region copies, ``experiments/anchor_exit.py``), written before the sweep starts
INPUTS = "inputs"
_DATASETS = ("timeseries", "exchanges", "tables")
#: the columns naming a run in every part (write_batch)
_RUN_KEYS = ("run_id", "region", "arm", "point", "replicate", "seed")


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{_TMP}{uuid.uuid4().hex}-{path.name}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def read_parts(folder: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All finished parts of a folder, concatenated (empty frame if none)."""
    files = sorted(p for p in folder.glob("*.parquet") if not p.name.startswith(_TMP))
    # a part with none of the columns asked for (the summary part of a batch whose runs
    # all failed, as written before it kept the run keys' columns) holds no row of them
    frames = [pq.read_table(p, columns=columns).to_pandas() for p in files
              if columns is None or set(columns) <= set(pq.read_schema(p).names)]
    # parts without rows add none (and would turn the others' integer columns into
    # floats); if no part has rows, the first tells the columns
    filled = [f for f in frames if len(f)]
    if filled:
        return pd.concat(filled, ignore_index=True)
    return frames[0] if frames else pd.DataFrame(columns=columns)


class Store:
    """The output folder of one sweep (see the module docstring)."""

    def __init__(self, root: Path | str, spec: SweepSpec):
        self.root = Path(root)
        self.spec = spec

    # ------------------------------------------------------------------ opening
    def open(self, *, fresh: bool = False, extra: dict[str, Any] | None = None,
             run_ids: list[str] | None = None, stale: str = "refuse") -> set[str]:
        """Prepare the folder; return the ids of runs already finished (to skip).

        A folder grows with its spec: every finished run that the spec still has (same
        region content, parameters, seed, ticks, model; :func:`.design.expand`) is kept and
        skipped, whatever else changed (more replicates, arms or design points, a new
        name or description). Raises :class:`SpecError` when the folder holds other
        files, results of other code, outputs kept differently, or finished runs that
        this spec no longer has, unless ``fresh``; ``stale="restart"`` deletes such
        results and starts over instead of refusing.
        """
        ids = set(run_ids or [])
        self.design = design_fingerprint(list(ids))
        if self.root.exists() and not self.root.is_dir():
            raise SpecError(f"--out {self.root}: exists and is not a folder")
        old = None if fresh else self._old_manifest()
        reason = self._stale_reason(old, ids) if old is not None else ""
        if reason and stale == "restart":
            print(f"--out {self.root}: {reason}; starting over", file=sys.stderr)
            fresh, old = True, None
        elif reason:
            raise SpecError(f"--out {self.root}: {reason}, and resuming would mix them with "
                            "new ones; use another --out, or --fresh to delete them and "
                            "start over")
        if fresh and self.root.exists():
            self._clear()
        self.root.mkdir(parents=True, exist_ok=True)
        if old is None and self._other_contents():
            raise SpecError(f"--out {self.root}: not empty and not a sweep folder; choose "
                            "an empty or new folder, or add --fresh to delete its contents")
        self._session = {"started": _now(), "ended": None, **(extra or {}),
                         "spec_fingerprint": self.spec.fingerprint(), **provenance()}
        self._write_manifest(old)
        self._remove_unfinished()
        return self._finished_ids() & ids if ids else self._finished_ids()

    def _old_manifest(self) -> dict | None:
        """The folder's manifest (None when there is none); unreadable: refused."""
        manifest = self.root / MANIFEST
        if not manifest.exists():
            return None
        try:
            return json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise SpecError(f"{manifest}: unreadable; rerun with --fresh to start over") \
                from None

    def _finished_ids(self) -> set[str]:
        return set(read_parts(self.root / "parts" / "summary", ["run_id"])["run_id"])

    def _other_contents(self) -> list[Path]:
        """What the folder holds besides its :data:`INPUTS`."""
        return [p for p in self.root.iterdir() if p.name != INPUTS]

    def _clear(self) -> None:
        """Delete the folder's results (for ``--fresh``), its :data:`INPUTS` kept."""
        if not (self.root / MANIFEST).exists() and self._other_contents():
            raise SpecError(f"--out {self.root}: --fresh deletes only sweep folders (with a "
                            f"{MANIFEST}); this one has none: choose another folder")
        for path in self._other_contents():
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()

    def _stale_reason(self, old: dict, ids: set[str]) -> str:
        """Why the folder's results cannot be grown by this code and spec ("" if they can)."""
        if old.get("code") != code_fingerprint():
            return (f"holds results made by other code (package "
                    f"{old.get('package_version', '?')}, commit "
                    f"{str(old.get('git_commit') or '?')[:10]}; the model's code or bundled "
                    "data changed since)")
        kept = outputs_of(old.get("spec", {}))
        if kept != outputs_of(self.spec.as_dict()):
            return (f"holds results that kept other outputs ({kept}); outputs must stay the "
                    "same for a sweep to grow")
        gone = self._finished_ids() - ids if ids else set()
        if gone:
            return (f"holds results of other runs ({len(gone)} finished runs are not runs "
                    "of this spec: a region file, parameter, seed, ticks or the model "
                    "changed, or replicates, arms or points were removed)")
        return ""

    def _write_manifest(self, old: dict | None) -> None:
        sessions = list((old or {}).get("sessions", []))
        data = {"fingerprint": self.spec.fingerprint(), "spec_file": self.spec.origin,
                "spec": self.spec.as_dict(), "package_version": __version__,
                "git_commit": self._session["git"]["commit"], "code": code_fingerprint(),
                "design": self.design,
                **{k: self._session.get(k) for k in ("runs", "backend", "workers",
                                                      "scheduler", "timeout")},
                "started": (old or {}).get("started", self._session["started"]),
                "sessions": [*sessions, self._session]}
        self._write_manifest_data(data)
        self._manifest = data

    def _remove_unfinished(self) -> None:
        """Delete temporary files, parts of batches without a summary part, and earlier
        failures (those runs are tried again)."""
        finished = {p.stem for p in (self.root / "parts" / "summary").glob("*.parquet")}
        for path in self.root.rglob("*"):
            if path.is_file() and path.name.startswith(_TMP):
                path.unlink()
        for top in (*_DATASETS, "parts/times"):
            for path in (self.root / top).rglob("*.parquet"):
                if path.stem not in finished:
                    path.unlink()
        shutil.rmtree(self.root / "parts" / "failures", ignore_errors=True)
        (self.root / "failures.parquet").unlink(missing_ok=True)

    # ------------------------------------------------------------------ writing
    def write_batch(self, results: list[dict[str, Any]]) -> None:
        """Write one batch of results; its summary part last (the batch's commit)."""
        batch = uuid.uuid4().hex[:16]
        rows, failures, tables, times = [], [], {}, []
        for result in results:
            run = result["run"]
            keys = {"run_id": run.run_id, "region": run.region, "arm": run.arm,
                    "point": run.point, "replicate": run.replicate, "seed": run.seed}
            times.append({"run_id": run.run_id, "ok": bool(result["ok"]),
                          "seconds": float(result.get("seconds", float("nan")))})
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
        write_parquet(pd.DataFrame(times), self.root / "parts" / "times" / f"{batch}.parquet")
        # the batch's commit, with the run keys' columns even when every run failed (a
        # part without them could not be read for its run ids)
        write_parquet(pd.DataFrame(rows, columns=None if rows else list(_RUN_KEYS)),
                      self.root / "parts" / "summary" / f"{batch}.parquet")

    def finish(self, ran: int = 0, aborted: str = "") -> tuple[int, int]:
        """Rebuild ``summary.parquet``, ``failures.parquet`` and ``times.parquet``, close
        this session in the manifest; return the summary's and failures' row counts."""
        summary = read_parts(self.root / "parts" / "summary")
        if len(summary):
            summary = summary.sort_values("run_id").reset_index(drop=True)
        write_parquet(summary, self.root / "summary.parquet")
        failures = read_parts(self.root / "parts" / "failures")
        if len(failures):
            write_parquet(failures.sort_values("run_id").reset_index(drop=True),
                          self.root / "failures.parquet")
        times = read_parts(self.root / "parts" / "times")
        if len(times):
            write_parquet(times.sort_values("run_id").reset_index(drop=True),
                          self.root / "times.parquet")
        self._session.update(ended=_now(), ran=ran, failed=len(failures),
                             finished=len(summary), aborted=aborted or None)
        self._manifest["ended"] = self._session["ended"]
        self._write_manifest_data(self._manifest)
        return len(summary), len(failures)

    def _write_manifest_data(self, data: dict) -> None:
        tmp = self.root / f"{_TMP}{MANIFEST}"
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        os.replace(tmp, self.root / MANIFEST)


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


def outputs_of(spec: dict) -> dict[str, Any]:
    """What a sweep keeps of each run (a folder grows only with the same)."""
    return {k: spec.get(k) for k in ("timeseries_every", "exchanges", "collect")}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


#: Packages whose versions a manifest records (those that decide or analyse the runs).
DEPENDENCIES = ("mesa", "numpy", "pandas", "pyarrow", "networkx", "scipy", "SALib",
                "dask", "distributed")


def provenance() -> dict[str, Any]:
    """Where and with what a sweep session ran: versions, platform, git state.

    Examples
    --------
    >>> p = provenance()
    >>> sorted(p), "numpy" in p["versions"]
    (['git', 'platform', 'python', 'versions'], True)
    """
    from importlib import metadata

    versions = {}
    for name in ("symbiosis-abm", *DEPENDENCIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"versions": versions, "python": sys.version.split()[0],
            "platform": platform.platform(), "git": git_state()}


#: What decides a run's results: the package, the experiment specs and scripts, the
#: pinned dependencies. Reports and figures written into docs/ by earlier runs are not
#: among them, so a batch of experiments does not mark its later runs as dirty.
RESULT_PATHS = (":(top)src", ":(top)experiments", ":(top)pyproject.toml")


def git_state(where: Path | None = None) -> dict[str, Any]:
    """The commit the package runs from (or the checkout holding ``where``), whether the
    files that decide results (:data:`RESULT_PATHS`) differ from it (``dirty``) and a hash
    of that difference (``diff_sha256``: equal hashes, equal uncommitted changes). All
    None when the package is not run from a git checkout."""
    commit = _git_commit(where)
    if commit is None:
        return {"commit": None, "dirty": None, "diff_sha256": None}
    diff = _git(["diff", "HEAD", "--binary", "--", *RESULT_PATHS], where) or ""
    untracked = _git(["ls-files", "--others", "--exclude-standard", "--",
                      *RESULT_PATHS], where) or ""
    dirty = bool(diff.strip() or untracked.strip())
    digest = hashlib.sha256((diff + untracked).encode()).hexdigest()[:16] if dirty else None
    return {"commit": commit, "dirty": dirty, "diff_sha256": digest}


def _git(args: list[str], where: Path | None = None) -> str | None:
    here = where or Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True,
                              timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def _git_commit(where: Path | None = None) -> str | None:
    """The commit of the source tree the package runs from, if it is a git checkout."""
    here = where or Path(__file__).resolve().parent
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                              text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
