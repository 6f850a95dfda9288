"""``symbiosis-abm sweep SPEC --dry-run``: the run count, a time estimate and every problem.

Nothing is written and no run is made in full. The count is computed from the spec's sizes
(:func:`.design.count_runs`), never by making the runs, so a grid of millions of points
answers at once. The estimate comes from a timing probe: the first region's model is
built and stepped for a few ticks (at most ``PROBE_TICKS``, stopping early after
``PROBE_SECONDS``), and the seconds per tick are scaled to the sweep's ticks, runs and
workers. It ignores how parameters change a run's cost, so read it as an order of size.
"""

from __future__ import annotations

import time

from .design import count_points, count_runs
from .spec import SpecError, SweepSpec

__all__ = ["dry_run", "probe_seconds", "PROBE_TICKS", "PROBE_SECONDS"]

PROBE_TICKS = 3
PROBE_SECONDS = 1.0


def dry_run(spec: SweepSpec, workers: int | None = None) -> int:
    """Print what the sweep would do; return 2 if it has problems, else 0."""
    from .backends import default_workers
    from .design import check_combinations
    from .preflight import preflight

    problems = list(preflight(spec))
    try:
        check_combinations(spec)
    except SpecError as exc:
        problems += list(exc.problems)
    runs = count_runs(spec)
    workers = workers or default_workers()
    print(f"sweep {spec.name}: {runs:,} runs = {len(spec.regions)} region(s) x "
          f"{len(spec.arms)} arm(s) x {count_points(spec):,} design point(s) x "
          f"{spec.replicates} replicate(s), {spec.ticks} ticks each")
    if not problems:
        build, per_tick, ticks = probe_seconds(spec)
        total = runs * (build + per_tick * spec.ticks) / workers
        print(f"estimated time: {_duration(total)} on {workers} worker(s) (probe: "
              f"{spec.regions[0]} built in {build:.2f} s, {per_tick * 1000:.1f} ms per tick "
              f"over {ticks} ticks; parameters that change a run's cost are not counted)")
    print(f"problems: {len(problems)}" + "".join(f"\n  {p}" for p in problems))
    return 2 if problems else 0


def probe_seconds(spec: SweepSpec) -> tuple[float, float, int]:
    """(seconds to build the first run's model, seconds per tick, ticks probed)."""
    from .design import _value, region_source
    from .worker import _default_model, _resolve

    factory = _resolve(spec.model, spec.base_dir) if spec.model else _default_model()
    params = {n: _value(n, v) for n, v in spec.fixed.items()}
    params.update({n: _value(n, v[0]) for n, v in spec.vary.items()})
    params.update({n: _value(n, (lo + hi) / 2) for n, (lo, hi) in spec.ranges.items()})
    params.update({n: _value(n, v) for n, v in next(iter(spec.arms.values())).items()})
    started = time.perf_counter()
    model = factory(region_source(spec.regions[0], spec.base_dir), rng=spec.seed, **params)
    build = time.perf_counter() - started
    ticks, started = 0, time.perf_counter()
    while ticks < min(PROBE_TICKS, spec.ticks) and (
            time.perf_counter() - started < PROBE_SECONDS):
        model.step()
        ticks += 1
    return build, (time.perf_counter() - started) / max(ticks, 1), ticks


def _duration(seconds: float) -> str:
    """A duration in the unit a reader takes in at once.

    Examples
    --------
    >>> _duration(42), _duration(5400), _duration(3 * 86400)
    ('42 s', '90 min', '3.0 days')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


