"""The experiment spec: a TOML file saying what a sweep runs, checked before anything runs.

A spec names the region(s), fixed parameters, varied parameters (lists: full factorial;
ranges: sampled by ``grid``, ``lhs``, ``sobol`` or ``morris``), named arms that share
seeds replicate by replicate, the number of replicates and ticks, and which outputs to
keep. Every problem is reported at once, one line each naming the key and what is allowed
(:mod:`symbiosis_abm.schema`); :func:`load_spec` raises :class:`SpecError`.

Examples
--------
>>> spec = spec_from_dict({"sweep": {"name": "demo", "regions": ["kalundborg"],
...                        "ticks": 12, "replicates": 2},
...                        "vary": {"broker_capacity": [1, 3]}}, "demo.toml")
>>> spec.name, spec.replicates, dict(spec.vary)
('demo', 2, {'broker_capacity': (1, 3)})
>>> try:
...     spec_from_dict({"sweep": {"name": "x", "regions": ["kalundborg"], "ticks": 12,
...                     "replicates": 0}, "vary": {"broker_capasity": [1]}}, "x.toml")
... except SpecError as exc:
...     print(exc)
x.toml: sweep.replicates: 0 is out of range; allowed a whole number >= 1
x.toml: vary.broker_capasity: no such parameter (did you mean 'broker_capacity'?); see 'symbiosis-abm params'
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import read_toml
from ..errors import SymbiosisInputError, did_you_mean
from ..params import _FIELDS, Parameters, _type_of
from ..schema import Field, Table, check, limit_problems, record_data

__all__ = ["SweepSpec", "SpecError", "load_spec", "spec_from_dict", "SAMPLERS",
           "SPEC_SCHEMA"]

SAMPLERS = ("grid", "lhs", "sobol", "morris")
#: ``shared``: replicate r has the same seed at every design point (common random numbers);
#: ``per_point``: each design point draws its own seeds (arms still share them).
SEED_MODES = ("shared", "per_point")
#: How ``region_seeds`` draw the synthetic region: one region per seed, crossed with every
#: replicate, or one seed per replicate (cycling), a random factor at no extra runs.
REGION_SEED_DRAWS = ("crossed", "by_replicate")
_ARM_NAME = re.compile(r"[A-Za-z0-9_-]+")
DEFAULT_ARM = "default"


class SpecError(SymbiosisInputError):
    """A sweep spec that does not validate (one line per problem)."""


_SCALAR = Field(object)
SPEC_SCHEMA = Table({
    "sweep": Field(Table({
        "name": Field(str, required=True),
        "description": Field(str),
        "regions": Field(list, required=True, item=Field(str), min_length=1),
        "ticks": Field(int, required=True, low=1),
        "replicates": Field(int, required=True, low=1),
        "seed": Field(int, low=0),
        "model": Field(str),
        "timeout": Field(float, low=0.0, low_open=True),  # seconds per run
        "seeds": Field(str, choices=SEED_MODES),
        "ignore": Field(list, item=Field(str)),  # parameters knowingly set where unused
        "region_seeds": Field(list, item=Field(int, low=0), min_length=1),
        "region_seed_draw": Field(str, choices=REGION_SEED_DRAWS),
        "posterior": Field(str),   # a calibration's posterior.parquet (docs/calibration.md)
    }), required=True),
    "fixed": Field(Table(values=_SCALAR)),
    "vary": Field(Table(values=Field(list, item=_SCALAR, min_length=1))),
    "ranges": Field(Table(values=Field(list, item=Field(float), length=2))),
    "sampler": Field(Table({
        "method": Field(str, required=True, choices=SAMPLERS),
        "samples": Field(int, low=1),
        "levels": Field(int, low=2),
        "seed": Field(int, low=0),
    })),
    "arms": Field(Table(values=Field(Table(values=_SCALAR)))),
    "outputs": Field(Table({
        "timeseries_every": Field(int, low=0),
        "exchanges": Field(bool),
        "collect": Field(str),
    })),
    "quick": Field(Table({
        "replicates": Field(int, low=1),
        "ticks": Field(int, low=1),
        "samples": Field(int, low=1),     # sampler size of a quick run
    })),
})


@dataclass(frozen=True)
class SweepSpec:
    """A validated sweep spec (see the module docstring and ``docs/sweeps.md``).

    ``vary`` maps parameters to tuples of values (full factorial); ``ranges`` maps
    parameters to ``(low, high)`` sampled by ``sampler``; ``arms`` maps arm names to
    parameter overrides. ``base_dir`` is the folder the spec came from (hooks named by a
    relative file are found there).
    """

    name: str
    regions: tuple[str, ...]
    ticks: int
    replicates: int
    seed: int = 0
    description: str = ""
    model: str | None = None
    timeout: float | None = None
    seeds: str = "shared"
    ignore: tuple[str, ...] = ()
    region_seeds: tuple[int, ...] = ()
    region_seed_draw: str = "crossed"
    posterior: str | None = None
    fixed: dict[str, Any] = field(default_factory=dict)
    vary: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    sampler: str | None = None
    samples: int | None = None
    levels: int = 4
    sampler_seed: int | None = None
    arms: dict[str, dict[str, Any]] = field(default_factory=lambda: {DEFAULT_ARM: {}})
    timeseries_every: int = 0
    exchanges: bool = False
    collect: str | None = None
    quick: dict[str, int] = field(default_factory=dict)
    base_dir: str = "."
    origin: str = "<memory>"

    def as_dict(self) -> dict[str, Any]:
        """The spec as plain JSON-able data (what the manifest stores and compares)."""
        # fields added later leave out their defaults: older specs' fingerprints stay
        return record_data(self, defaults={"timeout": None, "seeds": "shared", "ignore": [],
                                           "region_seeds": [], "posterior": None,
                                           "region_seed_draw": "crossed"})

    def quickened(self) -> SweepSpec:
        """The spec at the size of its ``[quick]`` table (a smoke test of an experiment)."""
        return dataclasses.replace(self, **self.quick)

    def fingerprint(self) -> str:
        """A hash of everything that decides the runs and their outputs."""
        text = json.dumps(self.as_dict(), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a spec file; raise :class:`SpecError` listing every problem."""
    path = Path(path)
    data = read_toml(path, error=SpecError)
    return spec_from_dict(data, str(path), base_dir=str(path.resolve().parent))


def spec_from_dict(data: dict, origin: str, base_dir: str = ".") -> SweepSpec:
    """Validate parsed spec data and build the :class:`SweepSpec`."""
    problems = check(SPEC_SCHEMA, data, origin, limit=None)
    problems += _meaning_problems(data, origin, base_dir) if isinstance(data, dict) else []
    if problems:
        raise SpecError(limit_problems(problems, origin))
    sweep = data["sweep"]
    sampler = data.get("sampler", {})
    outputs = data.get("outputs", {})
    return SweepSpec(
        name=sweep["name"], regions=tuple(sweep["regions"]), ticks=sweep["ticks"],
        replicates=sweep["replicates"], seed=sweep.get("seed", 0),
        description=sweep.get("description", ""), model=sweep.get("model"),
        timeout=float(sweep["timeout"]) if "timeout" in sweep else None,
        seeds=sweep.get("seeds", "shared"), ignore=tuple(sweep.get("ignore", ())),
        region_seeds=tuple(sweep.get("region_seeds", ())),
        region_seed_draw=sweep.get("region_seed_draw", "crossed"),
        posterior=_posterior_path(sweep.get("posterior"), base_dir),
        fixed=dict(data.get("fixed", {})),
        vary={k: tuple(v) for k, v in data.get("vary", {}).items()},
        ranges={k: (float(v[0]), float(v[1])) for k, v in data.get("ranges", {}).items()},
        sampler=sampler.get("method"), samples=sampler.get("samples"),
        levels=sampler.get("levels", 4), sampler_seed=sampler.get("seed"),
        arms={k: dict(v) for k, v in data.get("arms", {}).items()} or {DEFAULT_ARM: {}},
        timeseries_every=outputs.get("timeseries_every", 0),
        exchanges=outputs.get("exchanges", False), collect=outputs.get("collect"),
        quick=dict(data.get("quick", {})), base_dir=base_dir, origin=origin)


def _posterior_path(name: str | None, base_dir: str) -> str | None:
    """A posterior file named in a spec, as an absolute path (relative to the spec)."""
    if name is None:
        return None
    path = Path(name)
    return str(path if path.is_absolute() else (Path(base_dir) / path).resolve())


def _posterior_problems(sweep: dict, origin: str, base_dir: str) -> list[str]:
    name = sweep.get("posterior")
    if not isinstance(name, str):
        return []
    from ..calibration.posterior import load_posterior

    try:
        load_posterior(_posterior_path(name, base_dir))
    except SymbiosisInputError as exc:
        return [f"{origin}: sweep.posterior: {p}" for p in exc.problems]
    return []


def _meaning_problems(data: dict, origin: str, base_dir: str) -> list[str]:
    """What the schema cannot see: parameter names and values, regions, the sampler."""
    out: list[str] = []
    sweep = data.get("sweep") if isinstance(data.get("sweep"), dict) else {}
    out += _posterior_problems(sweep, origin, base_dir)
    if sweep.get("region_seed_draw") == "by_replicate" and not sweep.get("region_seeds"):
        out.append(f"{origin}: sweep.region_seed_draw: \"by_replicate\" needs "
                   "sweep.region_seeds to draw from")
    regions = sweep.get("regions")
    if isinstance(regions, list):
        out += [p for i, r in enumerate(regions) if isinstance(r, str)
                for p in _region_problems(r, f"{origin}: sweep.regions[{i}]", base_dir)]
    for table in ("fixed", "vary", "ranges"):
        values = data.get(table)
        if isinstance(values, dict):
            out += [p for k, v in values.items()
                    for p in _parameter_problems(table, k, v, origin)]
    out += [f"{origin}: sweep.{key}: {sweep[key]!r} is not MODULE:NAME or FILE.py:NAME"
            for key in ("model",) if isinstance(sweep.get(key), str) and ":" not in sweep[key]]
    outputs = data.get("outputs") if isinstance(data.get("outputs"), dict) else {}
    if isinstance(outputs.get("collect"), str) and ":" not in outputs["collect"]:
        out.append(f"{origin}: outputs.collect: {outputs['collect']!r} is not MODULE:NAME or "
                   "FILE.py:NAME")
    arms = data.get("arms")
    if isinstance(arms, dict):
        out += [f"{origin}: arms.{arm}: arm names may use letters, digits, _ and - only"
                for arm in arms if not _ARM_NAME.fullmatch(arm)]
        for arm, values in arms.items():
            if isinstance(values, dict):
                out += [p for k, v in values.items()
                        for p in _parameter_problems(f"arms.{arm}", k, v, origin)]
    out += _overlap_problems(data, origin)
    out += _sampler_problems(data, origin)
    return out


def _region_problems(name: str, where: str, base_dir: str) -> list[str]:
    from ..region import bundled_regions

    if name == "synthetic" or name in bundled_regions():
        return []
    path = Path(name) if Path(name).is_absolute() else Path(base_dir) / name
    if name.endswith(".toml") and path.is_file():
        from ..region import load_region

        try:
            load_region(path)
        except SymbiosisInputError as exc:
            return list(exc.problems)  # each already names the region file and field
        return []
    names = sorted(bundled_regions()) + ["synthetic"]
    return [f"{where}: {name!r} is neither a bundled region nor a region file; allowed "
            f"{', '.join(names)} or a path to a .toml file{did_you_mean(name, names)}"]


def _parameter_problems(table: str, name: str, value: Any, origin: str) -> list[str]:
    where = f"{origin}: {table}.{name}"
    if name not in _FIELDS:
        return [f"{where}: no such parameter{did_you_mean(name, _FIELDS)}; "
                "see 'symbiosis-abm params'"]
    if table == "ranges":
        return _range_problems(name, value, where)
    values = value if table == "vary" and isinstance(value, list) else [value]
    out = []
    for i, v in enumerate(values):
        problem = _value_problem(name, v)
        if problem:
            out.append(f"{where}{f'[{i}]' if table == 'vary' else ''}: {problem}")
    return out


def _value_problem(name: str, value: Any) -> str | None:
    if value == "none" and _FIELDS[name].default is None:
        return None
    try:
        Parameters().replace(**{name: value})
    except SymbiosisInputError as exc:
        return exc.problems[0].removeprefix(f"parameter {name!r}: ")
    except (TypeError, ValueError) as exc:
        return str(exc)
    return None


def _range_problems(name: str, value: Any, where: str) -> list[str]:
    kind = _type_of(_FIELDS[name])
    if kind not in (int, float):
        return [f"{where}: a range needs a numeric parameter; {name} is "
                f"{'true/false' if kind is bool else 'text'}: list its values under [vary]"]
    if not (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)):
        return []  # the schema already reported it
    low, high = value
    if not low < high:
        return [f"{where}: empty range [{low}, {high}]; write [low, high] with low < high"]
    return [f"{where}: {p}" for v in (low, high) if (p := _value_problem(name, _cast(name, v)))]


def _cast(name: str, value: float) -> Any:
    return round(value) if _type_of(_FIELDS[name]) is int else float(value)


def _overlap_problems(data: dict, origin: str) -> list[str]:
    seen: dict[str, str] = {}
    out = []
    for table in ("fixed", "vary", "ranges"):
        values = data.get(table)
        for name in values if isinstance(values, dict) else ():
            if name in seen:
                out.append(f"{origin}: {table}.{name}: also set in [{seen[name]}]; set a "
                           "parameter in one of [fixed], [vary], [ranges]")
            seen[name] = table
    return out


def _sampler_problems(data: dict, origin: str) -> list[str]:
    ranges, sampler = data.get("ranges"), data.get("sampler")
    has_ranges = isinstance(ranges, dict) and bool(ranges)
    if has_ranges and not isinstance(sampler, dict):
        return [f"{origin}: sampler: missing; [ranges] need a [sampler] table with method = "
                f"one of {', '.join(SAMPLERS)}"]
    if not isinstance(sampler, dict):
        return []
    if not has_ranges:
        return [f"{origin}: sampler: no [ranges] to sample; add [ranges] or remove [sampler]"]
    method, samples = sampler.get("method"), sampler.get("samples")
    if method in ("lhs", "sobol", "morris") and samples is None:
        return [f"{origin}: sampler.samples: missing; required for {method} "
                "(lhs: points, sobol: base N, a power of 2, morris: trajectories)"]
    if method == "sobol" and isinstance(samples, int) and samples & (samples - 1):
        return [f"{origin}: sampler.samples: {samples} is not a power of 2; sobol needs "
                "N = 2^k (runs = N x (2D + 2))"]
    if method == "morris" and isinstance(ranges, dict) and len(ranges) < 2:
        return [f"{origin}: ranges: morris needs at least 2 ranged parameters"]
    return []
