"""The calibration spec: a TOML file saying what is estimated, from what, and when to stop.

A spec names the region, the ticks of each run, the parameters to estimate with their
uniform priors, the fixed parameters, the training patterns (:mod:`.patterns`) with their
weights, the held-out patterns and their window of years (never simulated while fitting:
scored afterwards on runs drawn from the posterior), the ABC-SMC
schedule (particles per population, the epsilon quantile) and the stopping rule. Every
problem is reported at once, one line each naming the key and what is allowed; a
``[quick]`` table gives a smoke-test size. A ``[truth]`` table replaces the documented
observations by a run at known parameter values (a synthetic ground truth, to check what
the patterns can identify).

Examples
--------
>>> spec = spec_from_dict({
...     "calibration": {"name": "demo", "region": "kalundborg", "ticks": 24},
...     "priors": {"discovery_rate": [0.01, 0.09]},
...     "patterns": {"training": {"outcomes": 1.0}},
...     "truth": {"discovery_rate": 0.05}}, "demo.toml")
>>> spec.priors, spec.population, dict(spec.training)
({'discovery_rate': (0.01, 0.09)}, 100, {'outcomes': 1.0})
>>> try:
...     spec_from_dict({"calibration": {"name": "x", "region": "kalundborg", "ticks": 24},
...                     "priors": {"discovery_rate": [0.2, 0.1]},
...                     "patterns": {"training": {"outcome": 1.0}}}, "x.toml")
... except CalibrationSpecError as exc:
...     print(exc)
x.toml: priors.discovery_rate: low 0.2 is not below high 0.1
x.toml: patterns.training.outcome: no such pattern (did you mean 'outcomes'?); allowed formation_years, links_by_decade, outcomes
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalogue import read_toml
from ..errors import SymbiosisInputError, did_you_mean
from ..params import _FIELDS, _type_of
from ..schema import Field, Table, check, limit_problems, record_data
from .patterns import PATTERNS

__all__ = ["CalibrationSpec", "CalibrationSpecError", "load_calibration_spec",
           "spec_from_dict"]


class CalibrationSpecError(SymbiosisInputError):
    """A calibration spec that does not validate (one line per problem)."""


_WEIGHTS = Field(Table(values=Field(float, low=0.0, low_open=True)))
_SCHEMA = Table({
    "calibration": Field(Table({
        "name": Field(str, required=True),
        "description": Field(str),
        "region": Field(str, required=True),
        "ticks": Field(int, required=True, low=1),
        "seed": Field(int, low=0),
        "links": Field(str),
        "non_links": Field(str),
        "after": Field(int, low=1800, high=2200),
        "until": Field(int, low=1800, high=2200),
        "held_out_window": Field(list, item=Field(int, low=1800, high=2200), length=2),
    }), required=True),
    "priors": Field(Table(values=Field(list, item=Field(float), length=2)), required=True),
    "fixed": Field(Table(values=Field(object))),
    "patterns": Field(Table({"training": _WEIGHTS, "held_out": _WEIGHTS}), required=True),
    "truth": Field(Table(values=Field(object))),
    "schedule": Field(Table({
        "population": Field(int, low=2),
        "epsilon_quantile": Field(float, low=0.0, high=1.0, low_open=True),
        "max_populations": Field(int, low=1),
        "min_epsilon": Field(float, low=0.0),
        "min_acceptance": Field(float, low=0.0, high=1.0),
        "max_simulations": Field(int, low=1),
    })),
    "quick": Field(Table({
        "ticks": Field(int, low=1),
        "population": Field(int, low=2),
        "max_populations": Field(int, low=1),
        "max_simulations": Field(int, low=1),
    })),
})


@dataclass(frozen=True)
class CalibrationSpec:
    """A validated calibration spec (see the module docstring and ``docs/calibration.md``).

    ``priors`` maps each estimated parameter to its uniform prior ``(low, high)``;
    ``training`` and ``held_out`` map pattern names to their weights in the distance;
    ``truth`` (optional) holds the parameter values of a synthetic ground truth.
    """

    name: str
    region: str
    ticks: int
    priors: dict[str, tuple[float, float]]
    training: dict[str, float]
    held_out: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    description: str = ""
    links: str | None = None
    non_links: str | None = None
    after: int = 0
    until: int = 9999
    held_out_window: tuple[int, int] | None = None
    fixed: dict[str, Any] = field(default_factory=dict)
    truth: dict[str, Any] = field(default_factory=dict)
    population: int = 100
    epsilon_quantile: float = 0.5
    max_populations: int = 8
    min_epsilon: float = 0.0
    min_acceptance: float = 0.0
    max_simulations: int = 100_000
    quick: dict[str, int] = field(default_factory=dict)
    base_dir: str = "."
    origin: str = "<memory>"

    def as_dict(self) -> dict[str, Any]:
        """The spec as JSON-able data (what the manifest stores and compares)."""
        return record_data(self)

    def fingerprint(self) -> str:
        """A hash of everything that decides the calibration's runs (not its text)."""
        data = self.as_dict()
        data.pop("description")
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def quickened(self) -> CalibrationSpec:
        """The spec at its ``[quick]`` size (a smoke test whose posterior means nothing)."""
        return dataclasses.replace(self, **self.quick)

    def links_path(self) -> Path | None:
        """The documented-links file, relative to the spec's folder."""
        return self._path(self.links)

    def non_links_path(self) -> Path | None:
        """The documented non-links file (held out), relative to the spec's folder."""
        return self._path(self.non_links)

    def _path(self, name: str | None) -> Path | None:
        if name is None:
            return None
        path = Path(name)
        return path if path.is_absolute() else Path(self.base_dir) / path


def load_calibration_spec(path: str | Path) -> CalibrationSpec:
    """Read and validate a spec file; raise :class:`CalibrationSpecError` listing every
    problem."""
    path = Path(path)
    data = read_toml(path, error=CalibrationSpecError)
    return spec_from_dict(data, str(path), base_dir=str(path.resolve().parent))


def spec_from_dict(data: dict, origin: str, base_dir: str = ".") -> CalibrationSpec:
    """Validate parsed spec data and build the :class:`CalibrationSpec`."""
    problems = check(_SCHEMA, data, origin, limit=None)
    if not problems:
        problems += _meaning_problems(data, origin, base_dir)
    if problems:
        raise CalibrationSpecError(limit_problems(problems, origin))
    head, patterns = data["calibration"], data["patterns"]
    return CalibrationSpec(
        name=head["name"], region=head["region"], ticks=head["ticks"],
        priors={k: (float(v[0]), float(v[1])) for k, v in data["priors"].items()},
        training=dict(patterns.get("training", {})),
        held_out=dict(patterns.get("held_out", {})),
        seed=head.get("seed", 0), description=head.get("description", ""),
        links=head.get("links"), non_links=head.get("non_links"), after=head.get("after", 0), until=head.get("until", 9999),
        held_out_window=tuple(head["held_out_window"]) if "held_out_window" in head else None,
        fixed=dict(data.get("fixed", {})), truth=dict(data.get("truth", {})),
        **data.get("schedule", {}), quick=dict(data.get("quick", {})),
        base_dir=base_dir, origin=origin)


def _meaning_problems(data: dict, origin: str, base_dir: str) -> list[str]:
    """What the schema cannot see: parameters, prior order, patterns, the links file."""
    from ..sweep.spec import _parameter_problems, _region_problems

    head = data["calibration"]
    out = _region_problems(head["region"], f"{origin}: calibration.region", base_dir)
    for name, (low, high) in data["priors"].items():
        if name not in _FIELDS:
            out += _parameter_problems("priors", name, None, origin)
        elif _type_of(_FIELDS[name]) is not float:
            out.append(f"{origin}: priors.{name}: a {_type_of(_FIELDS[name]).__name__} "
                       "parameter; priors are for real-valued parameters")
        elif not low < high:
            out.append(f"{origin}: priors.{name}: low {low} is not below high {high}")
        else:
            out += _parameter_problems("ranges", name, [low, high], origin)
    for table in ("fixed", "truth"):
        for name, value in data.get(table, {}).items():
            out += _parameter_problems(table, name, value, origin)
    out += [f"{origin}: truth.{name}: not estimated; a ground truth gives values of the "
            "priors' parameters only" for name in data.get("truth", {})
            if name not in data["priors"]]
    used = {**data["patterns"].get("training", {}), **data["patterns"].get("held_out", {})}
    for split in ("training", "held_out"):
        for name in data["patterns"].get(split, {}):
            if name not in PATTERNS:
                out.append(f"{origin}: patterns.{split}.{name}: no such pattern"
                           f"{did_you_mean(name, PATTERNS)}; allowed "
                           f"{', '.join(sorted(PATTERNS))}")
    both = set(data["patterns"].get("training", {})) & set(data["patterns"].get("held_out", {}))
    out += [f"{origin}: patterns.held_out.{n}: also a training pattern; a pattern is either"
            for n in sorted(both)]
    if not data["patterns"].get("training"):
        out.append(f"{origin}: patterns.training: empty; name at least one pattern")
    needs_links = any(PATTERNS[n].needs_links for n in used if n in PATTERNS)
    if needs_links and "links" not in head:
        out.append(f"{origin}: calibration.links: missing; the patterns "
                   f"{', '.join(n for n in used if n in PATTERNS and PATTERNS[n].needs_links)}"
                   " compare documented links: name the links CSV")
    for key in ("links", "non_links"):
        path = Path(head.get(key, ""))
        path = path if path.is_absolute() else Path(base_dir) / path
        if key in head and not path.is_file():
            out.append(f"{origin}: calibration.{key}: {head[key]!r}: no such file "
                       f"(relative to {base_dir})")
    return out
