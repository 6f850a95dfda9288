"""Approximate Bayesian computation (pyabc's ABC-SMC) of the model's behavioural parameters.

:func:`calibrate` runs one population at a time: each population starts from the SQLite
database (pyabc's history), so the database is the whole state and a calibration killed at
any point resumes where it was and ends as an uninterrupted one would (the populations are
filled by :class:`~.sampler.SlotSampler`, a pure function of the seed and the history).
Between populations it applies the stopping rule: the number of populations, the minimum
epsilon, the minimum acceptance rate and the simulation budget. The last population is
written as ``posterior.parquet`` (:mod:`.posterior`).

The distance between a run and the observations is a weighted root mean square of scaled
differences, pattern by pattern (each pattern's statistics averaged, so a pattern with many
statistics does not outweigh one with few)::

    d = sqrt( sum_p w_p * mean_k ((x_k - y_k) / s_k)^2  /  sum_p w_p )

with ``w_p`` the spec's weight of training pattern ``p`` and ``s_k`` the pattern's scale.
Held-out patterns are never simulated here: the runs stop where the training window ends,
and held-out scores come from separate runs drawn from the posterior.
"""

from __future__ import annotations

import contextlib
import json
import logging
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..errors import SymbiosisInputError
from ..region import load_region
from ..sweep.backend_names import BACKENDS
from .patterns import PATTERNS, PatternContext, read_links
from .posterior import Posterior
from .sampler import SlotSampler
from .spec import CalibrationSpec

__all__ = ["calibrate", "Simulator", "PatternDistance", "observed_statistics",
           "CalibrationResult", "BACKENDS"]

_DB = "abc.db"
_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Simulator:
    """One run at a particle's parameters, reduced to its patterns' statistics.

    The run's seed is drawn from NumPy's global generator, which the sampler seeds per
    slot, so the statistics are a pure function of the slot's seed and the parameters.
    """

    region: str
    ticks: int
    fixed: dict[str, Any]
    patterns: tuple[str, ...]
    context: PatternContext

    def __call__(self, parameters: dict[str, float]) -> dict[str, float]:
        return self.run(dict(parameters), int(np.random.randint(2**31 - 1)))

    def run(self, parameters: dict[str, float], seed: int) -> dict[str, float]:
        from ..model import SymbiosisModel

        model = SymbiosisModel(self.region, rng=seed, **self.fixed, **parameters)
        model.run(self.ticks)
        stats: dict[str, float] = {}
        for name in self.patterns:
            stats.update(PATTERNS[name].simulate(model, self.context))
        return stats


@dataclass(frozen=True)
class PatternDistance:
    """The weighted, scaled distance of the module docstring over the training patterns."""

    weights: dict[str, float]

    def __call__(self, x: dict[str, float], y: dict[str, float]) -> float:
        total = 0.0
        for name, weight in self.weights.items():
            pattern = PATTERNS[name]
            keys = [k for k in y if k.startswith(f"{name}:")]
            if keys:
                errors = [((x[k] - y[k]) / pattern.scale_of(k)) ** 2 for k in keys]
                total += weight * float(np.mean(errors))
        return float(np.sqrt(total / sum(self.weights.values())))


@dataclass(frozen=True)
class CalibrationResult:
    """What a finished (or stopped) calibration left: the posterior, the populations and
    why it stopped."""

    posterior: Posterior
    populations: pd.DataFrame
    stop_reason: str
    out: Path


def context_of(spec: CalibrationSpec) -> PatternContext:
    """The patterns' context: links file, the region's start year, the spec's window."""
    links_path = spec.links_path()
    links = read_links(links_path) if links_path is not None else None
    start = load_region(spec.region).start if spec.region != "synthetic" else None
    start_year = int(start[:4]) if start else 0
    return PatternContext(links=links, start_year=start_year, after=spec.after,
                          until=spec.until)


def observed_statistics(spec: CalibrationSpec, context: PatternContext) -> dict[str, float]:
    """The observations: the documents' values, or a run at the spec's ``[truth]``."""
    names = tuple(spec.training)
    if spec.truth:
        truth_seed = int(np.random.SeedSequence([spec.seed, 0x7472]).generate_state(1)[0])
        return Simulator(spec.region, spec.ticks, spec.fixed, names, context).run(
            dict(spec.truth), truth_seed)
    observed: dict[str, float] = {}
    for name in names:
        values = PATTERNS[name].observe(context)
        if values is None:
            raise SymbiosisInputError(f"{spec.origin}: patterns: {name!r} has no documented "
                                      "values; use it with a [truth] table")
        observed.update(values)
    return observed


def calibrate(spec: CalibrationSpec, out: Path | str, *, backend: str = "processes",
              workers: int = 2, scheduler: str | None = None, fresh: bool = False,
              progress: bool = True) -> CalibrationResult:
    """Run (or resume) the calibration ``spec`` into the folder ``out``.

    Examples
    --------
    >>> from symbiosis_abm.calibration.spec import spec_from_dict
    >>> import tempfile
    >>> spec = spec_from_dict({
    ...     "calibration": {"name": "doc", "region": "kalundborg", "ticks": 6, "seed": 1},
    ...     "priors": {"discovery_rate": [0.01, 0.09]},
    ...     "patterns": {"training": {"outcomes": 1.0}}, "truth": {"discovery_rate": 0.05},
    ...     "schedule": {"population": 4, "max_populations": 2}}, "doc.toml")
    >>> folder = tempfile.TemporaryDirectory()
    >>> result = calibrate(spec, folder.name, backend="serial", progress=False)
    >>> len(result.populations), result.stop_reason
    (2, 'max_populations (2) reached')
    >>> folder.cleanup()
    """
    _quiet_pyabc()
    out = Path(out)
    context = context_of(spec)
    observed = observed_statistics(spec, context)
    db = out / _DB
    _prepare(out, spec, fresh)
    started = time.time()
    with _mapper(backend, workers, scheduler) as map_:
        reason = _populations(spec, db, observed, context, map_, progress)
    populations = _populations_frame(db)
    posterior = _posterior(spec, db, populations)
    posterior.save(out / "posterior.parquet")
    populations.to_csv(out / "populations.csv", index=False)
    _record(out, "finished", wall_s=round(time.time() - started, 1), stop_reason=reason)
    return CalibrationResult(posterior, populations, reason, out)


def _populations(spec: CalibrationSpec, db: Path, observed: dict[str, float],
                 context: PatternContext, map_: Any, progress: bool) -> str:
    import pyabc

    names = tuple(spec.training)
    simulator = Simulator(spec.region, spec.ticks, spec.fixed, names, context)
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo)
                                  for k, (lo, hi) in spec.priors.items()})
    bar = tqdm(total=spec.max_populations, desc=f"calibrate {spec.name}", unit="population",
               disable=not progress)
    slots = tqdm(total=spec.population, desc="particles", unit="particle", leave=False,
                 disable=not progress)
    try:
        while True:
            frame = _populations_frame(db) if db.exists() else pd.DataFrame()
            bar.n = len(frame)
            bar.refresh()
            reason = _stop_reason(spec, frame)
            if reason:
                return reason
            slots.reset()
            sampler = SlotSampler(map_, spec.seed, on_slot=lambda: slots.update())
            abc = pyabc.ABCSMC(simulator, prior, PatternDistance(dict(spec.training)),
                               population_size=spec.population, sampler=sampler,
                               eps=pyabc.QuantileEpsilon(alpha=spec.epsilon_quantile))
            url = f"sqlite:///{db}"
            if len(frame) == 0 and not _has_run(db):
                abc.new(url, observed, meta_info={"spec": spec.name})
            else:
                abc.load(url, 1)
            used = int(frame["samples"].sum()) if len(frame) else 0
            abc.run(max_nr_populations=1, max_total_nr_simulations=spec.max_simulations - used)
            if len(_populations_frame(db)) == len(frame):
                return "simulation budget spent within a population"
    finally:
        slots.close()
        bar.close()


def _stop_reason(spec: CalibrationSpec, frame: pd.DataFrame) -> str:
    if len(frame) == 0:
        return ""
    last = frame.iloc[-1]
    if len(frame) >= spec.max_populations:
        return f"max_populations ({spec.max_populations}) reached"
    if last["epsilon"] <= spec.min_epsilon:
        return f"epsilon {last['epsilon']:.4g} <= min_epsilon {spec.min_epsilon}"
    if last["acceptance"] < spec.min_acceptance:
        return f"acceptance {last['acceptance']:.3g} < min_acceptance {spec.min_acceptance}"
    if frame["samples"].sum() >= spec.max_simulations:
        return f"max_simulations ({spec.max_simulations}) spent"
    return ""


def _has_run(db: Path) -> bool:
    import sqlalchemy

    if not db.exists():
        return False
    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sqlalchemy.text("select count(*) from abc_smc")).scalar())
    except sqlalchemy.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _populations_frame(db: Path) -> pd.DataFrame:
    """One row per finished population: t, epsilon, samples, particles, acceptance."""
    import pyabc

    if not _has_run(db):
        return pd.DataFrame(columns=["t", "epsilon", "samples", "particles", "acceptance"])
    history = pyabc.History(f"sqlite:///{db}", _id=1)
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    rows = [{"t": int(r.t), "epsilon": float(r.epsilon), "samples": int(r.samples),
             "particles": int(r.particles), "acceptance": float(r.particles) / max(1, r.samples)}
            for r in pops.itertuples()]
    return pd.DataFrame(rows, columns=["t", "epsilon", "samples", "particles", "acceptance"])


def _posterior(spec: CalibrationSpec, db: Path, populations: pd.DataFrame) -> Posterior:
    import pyabc

    if not len(populations):
        raise SymbiosisInputError(f"{spec.origin}: no population finished; raise "
                                  "schedule.max_simulations or widen the priors")
    history = pyabc.History(f"sqlite:///{db}", _id=1)
    frame, weights = history.get_distribution(m=0, t=int(populations["t"].iloc[-1]))
    frame = frame[list(spec.priors)].reset_index(drop=True)
    last = populations.iloc[-1]
    meta = {"spec": spec.name, "region": spec.region, "population": int(last["t"]),
            "epsilon": float(last["epsilon"]), "particles": int(last["particles"]),
            "priors": {k: list(v) for k, v in spec.priors.items()},
            "training": spec.training, "held_out": spec.held_out, "truth": spec.truth,
            # the code the populations ran on (a resume refuses any other)
            "code": json.loads((db.parent / _MANIFEST).read_text())["identity"]["code"]}
    weights = np.asarray(weights, float)
    return Posterior(frame, weights / weights.sum(), meta)


# ---------------------------------------------------------------- folder and manifest
def _prepare(out: Path, spec: CalibrationSpec, fresh: bool) -> None:
    """Start a new folder, or check that an existing one is this spec on this code."""
    from ..sweep.store import code_fingerprint

    identity = {"spec": spec.fingerprint(), "code": code_fingerprint()}
    manifest = out / _MANIFEST
    if fresh and out.exists():
        for name in (_DB, _MANIFEST, "posterior.parquet", "populations.csv"):
            (out / name).unlink(missing_ok=True)
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("identity") != identity:
            what = "spec" if old.get("identity", {}).get("spec") != identity["spec"] else \
                "model code or data"
            raise SymbiosisInputError(
                f"{out}: holds a calibration of another {what}; use another --out or "
                "--fresh to start over")
        _record(out, "resumed")
        return
    if (out / _DB).exists():
        raise SymbiosisInputError(f"{out}: has {_DB} but no {_MANIFEST}; use another --out "
                                  "or --fresh")
    out.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"identity": identity, "spec": spec.as_dict(),
                                    "versions": _versions(), "events": []}, indent=1))
    _record(out, "started")


def _record(out: Path, event: str, **extra: Any) -> None:
    """Append an event (with its time) to the manifest: resumes never overwrite."""
    path = out / _MANIFEST
    data = json.loads(path.read_text())
    data["events"].append({"event": event, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                           **extra})
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    names = ("symbiosis-abm", "pyabc", "numpy", "pandas", "scipy", "mesa")
    return {"python": platform.python_version(), "platform": platform.platform(),
            **{n: version(n) for n in names}}


def _quiet_pyabc() -> None:
    # pyabc logs every population at INFO; the progress bar says the same more briefly
    for name in ("ABC", "Sampler", "Epsilon", "Distance", "Acceptor", "History", "pyabc"):
        logging.getLogger(name).setLevel(logging.WARNING)


# ---------------------------------------------------------------- where particles run
@contextlib.contextmanager
def _mapper(backend: str, workers: int, scheduler: str | None) -> Iterator[Any]:
    """An ordered ``map`` over the backend's workers."""
    if backend == "serial":
        yield map
    elif backend == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield pool.map
    elif backend == "dask":
        yield from _dask_mapper(workers, scheduler)
    else:
        raise SymbiosisInputError(f"--backend {backend!r}: choose one of "
                                  f"{', '.join(BACKENDS)}")


def _dask_mapper(workers: int, scheduler: str | None) -> Iterator[Any]:
    from ..sweep.backends import dask_client

    client, cluster = dask_client(workers, scheduler)

    def ordered_map(fn: Any, items: Any) -> Iterator[Any]:
        for future in client.map(fn, list(items), pure=False):
            yield future.result()

    try:
        yield ordered_map
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

