"""From a spec to the list of runs: design points, seeds and deterministic run ids.

Runs are regions x arms x design points x replicates. A design point is one combination
of the ``[vary]`` lists (full factorial) and, if ``[ranges]`` are given, one row of the
sampler's matrix. Replicate ``r`` gets the same seed in every arm and at every point
(common random numbers): its seed comes from ``SeedSequence(spec.seed)`` with spawn key
``(r,)``. A run id hashes the region's content, the arm, the parameters, the replicate,
the seed and the ticks, so a result never depends on the backend, the number of workers
or the order of completion.

Examples
--------
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> spec = spec_from_dict({"sweep": {"name": "d", "regions": ["kalundborg"], "ticks": 6,
...                        "replicates": 2}, "vary": {"broker_capacity": [1, 2]},
...                        "arms": {"on": {}, "off": {"facilitator": False}}}, "d.toml")
>>> runs = expand(spec)
>>> len(runs), sorted({r.arm for r in runs})
(8, ['off', 'on'])
>>> [r.seed for r in runs if r.replicate == 0 and r.point == 0][0] == replicate_seeds(spec)[0]
True
>>> len({r.run_id for r in runs})
8
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..params import _FIELDS, _type_of
from .spec import SpecError, SweepSpec

__all__ = ["Run", "expand", "check_combinations", "count_points", "count_runs", "region_variants", "replicate_seeds", "replicate_region_seed", "sample_matrix", "salib_problem",
           "region_source", "region_digest", "parameter_columns"]


@dataclass(frozen=True)
class Run:
    """One model run: what a worker needs, and the keys that identify its result."""

    run_id: str
    region: str        # the name given in the spec (stored in results)
    source: str        # a bundled name, "synthetic" or an absolute file path (loaded by workers)
    arm: str
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]


def replicate_seeds(spec: SweepSpec, point: dict[str, Any] | None = None) -> list[int]:
    """One seed per replicate from the master seed, shared by arms.

    With ``seeds = "shared"`` (default) replicate ``r`` has spawn key ``(r,)`` at every
    design point (common random numbers); with ``seeds = "per_point"`` each design point
    draws its own: spawn key ``(r, k)`` with ``k`` a hash of the point's values, so a
    point's seeds do not depend on which other points the spec has.

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"name": "s", "regions": ["kalundborg"], "ticks": 1,
    ...                        "replicates": 2, "seeds": "per_point"}}, "s.toml")
    >>> replicate_seeds(spec, {"x": 1}) != replicate_seeds(spec, {"x": 2})
    True
    """
    extra: tuple[int, ...] = ()
    if spec.seeds == "per_point" and point is not None:
        text = json.dumps(point, sort_keys=True, default=str)
        extra = (int(hashlib.sha256(text.encode()).hexdigest()[:8], 16),)
    out = []
    for r in range(spec.replicates):
        child = np.random.SeedSequence(spec.seed, spawn_key=(r, *extra))
        out.append(int(child.generate_state(1, np.uint64)[0] >> np.uint64(1)))
    return out


def count_points(spec: SweepSpec) -> int:
    """How many design points the spec has, without making them (``--dry-run``).

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"name": "c", "regions": ["kalundborg"], "ticks": 1,
    ...     "replicates": 1}, "vary": {"broker_capacity": [1, 2, 3]},
    ...     "ranges": {"bargaining_power": [0.2, 0.8], "trust_gain_contact": [0.01, 0.05]},
    ...     "sampler": {"method": "sobol", "samples": 8}}, "c.toml")
    >>> count_points(spec) == len(design_points(spec)) == 3 * 8 * (2 + 2)
    True
    """
    factorial = math.prod(len(v) for v in spec.vary.values())
    d = len(spec.ranges)
    if not d:
        return factorial
    rows = {"grid": (spec.samples or spec.levels) ** d, "lhs": spec.samples or 0,
            "sobol": (spec.samples or 0) * (d + 2), "morris": (spec.samples or 0) * (d + 1)}
    return factorial * rows[spec.sampler]


def count_runs(spec: SweepSpec) -> int:
    """Runs of the spec: regions x arms x design points x replicates (none made)."""
    return len(region_variants(spec)) * len(spec.arms) * count_points(spec) * spec.replicates


def region_variants(spec: SweepSpec) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, region, extra parameters) of each region the runs use.

    With ``sweep.region_seeds``, ``synthetic`` becomes one region per seed, labelled
    ``synthetic@SEED`` and generated with ``region_seed = SEED``, so that a result does
    not rest on one generated region; other regions are unchanged. With
    ``region_seed_draw = "by_replicate"`` the label stays ``synthetic`` and each replicate
    draws its region instead (:func:`replicate_region_seed`).

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"name": "r", "regions": ["synthetic", "kalundborg"],
    ...     "ticks": 1, "replicates": 1, "region_seeds": [1, 2]}}, "r.toml")
    >>> [label for label, _, _ in region_variants(spec)]
    ['synthetic@1', 'synthetic@2', 'kalundborg']
    """
    out = []
    for region in spec.regions:
        if region == "synthetic" and spec.region_seeds and spec.region_seed_draw == "crossed":
            out += [(f"synthetic@{s}", region, {"region_seed": s}) for s in spec.region_seeds]
        else:
            out.append((region, region, {}))
    return out


def replicate_region_seed(spec: SweepSpec, region: str, replicate: int) -> dict[str, int]:
    """The region seed replicate ``replicate`` runs on (``{}`` where none is drawn).

    With ``region_seed_draw = "by_replicate"``, replicate ``r`` of the synthetic region
    uses ``region_seeds[r % k]``: the same region in every arm and at every design point
    (the pairing holds), a different generated region across replicates, so an effect
    averages over regions as well as seeds at no extra runs
    (:func:`~.findings.effects_table` then treats the region seed as a random factor).

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> spec = spec_from_dict({"sweep": {"name": "r", "regions": ["synthetic"], "ticks": 1,
    ...     "replicates": 4, "region_seeds": [7, 8], "region_seed_draw": "by_replicate"}},
    ...     "r.toml")
    >>> [replicate_region_seed(spec, "synthetic", r) for r in range(3)]
    [{'region_seed': 7}, {'region_seed': 8}, {'region_seed': 7}]
    >>> replicate_region_seed(spec, "kalundborg", 0)
    {}
    """
    if region != "synthetic" or not spec.region_seeds or spec.region_seed_draw != "by_replicate":
        return {}
    return {"region_seed": spec.region_seeds[replicate % len(spec.region_seeds)]}


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem dict of the spec's ``[ranges]`` (names in spec order)."""
    names = list(spec.ranges)
    return {"num_vars": len(names), "names": names,
            "bounds": [list(spec.ranges[n]) for n in names]}


def sample_matrix(spec: SweepSpec) -> np.ndarray:
    """The sampler's points (rows) over the ranges (columns), before integer rounding.

    ``grid``: ``levels`` evenly spaced values per range, full factorial; ``lhs``: scipy
    Latin hypercube of ``samples`` points; ``sobol``: SALib's Saltelli/Sobol' sample of
    base size ``samples`` without second-order terms (``samples x (D + 2)`` rows);
    ``morris``: SALib's ``samples`` trajectories on ``levels`` levels (``samples x (D + 1)``).

    Examples
    --------
    >>> from symbiosis_abm.sweep.spec import spec_from_dict
    >>> def spec(method, **extra):
    ...     return spec_from_dict({"sweep": {"name": "s", "regions": ["kalundborg"],
    ...         "ticks": 1, "replicates": 1}, "ranges": {"bargaining_power": [0.2, 0.8],
    ...         "broker_capacity": [0, 4]}, "sampler": {"method": method, **extra}}, "s.toml")
    >>> sample_matrix(spec("grid", levels=3)).shape
    (9, 2)
    >>> x = sample_matrix(spec("lhs", samples=5))
    >>> x.shape, bool((x[:, 0] >= 0.2).all() and (x[:, 0] <= 0.8).all())
    ((5, 2), True)
    >>> sample_matrix(spec("sobol", samples=4)).shape, sample_matrix(spec("morris", samples=3)).shape
    ((16, 2), (9, 2))
    >>> sorted({p["broker_capacity"] for p in design_points(spec("grid", levels=3))})
    [0, 2, 4]
    """
    if not spec.ranges:
        return np.zeros((1, 0))
    problem = salib_problem(spec)
    bounds = np.array(problem["bounds"], dtype=float)
    seed = spec.sampler_seed if spec.sampler_seed is not None else spec.seed
    if spec.sampler == "grid":
        axes = [np.linspace(lo, hi, spec.samples or spec.levels) for lo, hi in bounds]
        return np.array(list(itertools.product(*axes)), dtype=float)
    if spec.sampler == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(bounds), rng=np.random.default_rng(seed)).random(
            spec.samples)
        return qmc.scale(unit, bounds[:, 0], bounds[:, 1])
    try:
        from SALib.sample import morris, sobol
    except ImportError:
        raise SpecError(f"{spec.origin}: sampler.method: {spec.sampler} needs SALib; install "
                        "it with pip install 'symbiosis-abm[experiments]'") from None
    if spec.sampler == "sobol":
        return sobol.sample(problem, spec.samples, calc_second_order=False, seed=seed)
    return morris.sample(problem, spec.samples, num_levels=spec.levels, seed=seed)


def _value(name: str, value: Any) -> Any:
    """A spec value as the model takes it ("none" for None, integers rounded)."""
    if value == "none" and _FIELDS[name].default is None:
        return None
    kind = _type_of(_FIELDS[name])
    if kind is int and isinstance(value, float):
        return int(round(value))
    if kind is float and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return float(value)
    return value.item() if isinstance(value, np.generic) else value


def design_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Parameter values of each design point: factorial of ``vary`` x sampler rows."""
    names = list(spec.vary)
    combos = list(itertools.product(*(spec.vary[n] for n in names))) or [()]
    matrix = sample_matrix(spec)
    ranged = list(spec.ranges)
    points = []
    for combo in combos:
        for row in matrix:
            point = {n: _value(n, v) for n, v in zip(names, combo)}
            point.update({n: _value(n, float(v)) for n, v in zip(ranged, row)})
            points.append(point)
    return points


def parameter_columns(spec: SweepSpec) -> list[str]:
    """Parameters that a sweep sets anywhere (the parameter columns of its results)."""
    names = [*spec.fixed, *spec.vary, *spec.ranges]
    for overrides in spec.arms.values():
        names += list(overrides)
    if spec.region_seeds:
        names.append("region_seed")
    if spec.posterior is not None:
        names += _posterior(spec).parameters
    return list(dict.fromkeys(names))


#: Above this many (arm, design point) pairs, combinations are checked pairwise.
FULL_CHECK_LIMIT = 20_000


def check_combinations(spec: SweepSpec) -> None:
    """Refuse parameter values that are valid alone but not together (e.g. a facilitator
    end before its start) in any arm at any design point, before anything runs.

    Designs of up to ``FULL_CHECK_LIMIT`` points per arm are checked point by point.
    Larger ones are checked pairwise: every pair of values of every two varied
    parameters (ranges at their bounds), the others at their first value; this catches
    every rule between two parameters, the only kind :class:`~symbiosis_abm.Parameters`
    has, in a time that does not grow with the design's size.
    """
    from ..errors import SymbiosisInputError
    from ..params import Parameters

    fixed = {n: _value(n, v) for n, v in spec.fixed.items()}
    problems: dict[str, str] = {}
    large = count_points(spec) * len(spec.arms) > FULL_CHECK_LIMIT
    points = _pairwise_points(spec) if large else design_points(spec)
    for arm, overrides in spec.arms.items():
        arm_values = {n: _value(n, v) for n, v in overrides.items()}
        for p, point in enumerate(points):
            try:
                Parameters().replace(**{**fixed, **point, **arm_values})
            except SymbiosisInputError as exc:
                where = "the design point" if large else f"design point {p}"
                for line in exc.problems:
                    problems.setdefault(line, f"{spec.origin}: arm {arm!r}, {where} "
                                              f"({point}): {line}")
    if problems:
        raise SpecError(list(problems.values()))


def _pairwise_points(spec: SweepSpec) -> list[dict[str, Any]]:
    """Points covering every pair of values of every two varied parameters."""
    levels = {n: [_value(n, v) for v in values] for n, values in spec.vary.items()}
    levels.update({n: [_value(n, float(lo)), _value(n, float(hi))]
                   for n, (lo, hi) in spec.ranges.items()})
    base = {n: values[0] for n, values in levels.items()}
    points = {(): base}
    names = list(levels)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            for x in levels[a]:
                for y in levels[b]:
                    point = {**base, a: x, b: y}
                    points.setdefault(tuple(sorted(point.items(), key=str)), point)
        if len(names) == 1:
            points.update({(x,): {a: x} for x in levels[a]})
    return list(points.values())


def expand(spec: SweepSpec) -> list[Run]:
    """Every run of the spec, in a fixed order (region, arm, point, replicate)."""
    shared = replicate_seeds(spec)
    points = design_points(spec)
    posterior = _posterior(spec)
    fixed = {n: _value(n, v) for n, v in spec.fixed.items()}
    runs = []
    for label, region, extra in region_variants(spec):
        source = region_source(region, spec.base_dir)
        digest = region_digest(source)
        for arm, overrides in spec.arms.items():
            arm_values = {n: _value(n, v) for n, v in overrides.items()}
            for p, point in enumerate(points):
                seeds = shared if spec.seeds == "shared" else replicate_seeds(spec, point)
                for r, seed in enumerate(seeds):
                    # the spec's own values win over a posterior draw
                    prior = posterior.draw(seed) if posterior is not None else {}
                    params = {**prior, **fixed, **point, **arm_values, **extra,
                              **replicate_region_seed(spec, region, r)}
                    key = {"region": digest, "arm": arm, "params": params, "replicate": r,
                           "seed": seed, "ticks": spec.ticks, "model": spec.model}
                    text = json.dumps(key, sort_keys=True, default=str)
                    run_id = hashlib.sha256(text.encode()).hexdigest()[:20]
                    runs.append(Run(run_id, label, source, arm, p, r, seed, params))
    return runs


def _posterior(spec: SweepSpec):
    """The spec's posterior (None without one): each run draws the estimated parameters
    with its own seed, so replicates integrate over the posterior; arms share draws."""
    if spec.posterior is None:
        return None
    from ..calibration.posterior import load_posterior

    return load_posterior(spec.posterior)


def region_source(region: str, base_dir: str) -> str:
    """What a worker passes to the model: a bundled name, ``synthetic`` or an absolute path."""
    from ..region import bundled_regions

    if region == "synthetic" or region in bundled_regions():
        return region
    path = Path(region)
    return str(path if path.is_absolute() else (Path(base_dir) / path).resolve())


def region_digest(source: str) -> str:
    """A hash of the region's content: its file's bytes with the resource catalogue's
    (``synthetic`` is generated from the parameters, which the run id hashes anyway)."""
    from ..region import bundled_regions

    if source == "synthetic":
        return "synthetic"
    path = bundled_regions().get(source, Path(source))
    return _file_digest(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int) -> str:
    catalogue = resources.files("symbiosis_abm") / "data" / "resources.toml"
    digest = hashlib.sha256(Path(path).read_bytes())
    digest.update(Path(str(catalogue)).read_bytes())
    return digest.hexdigest()[:16]
