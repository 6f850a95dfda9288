"""Checks made before the first run that :mod:`.spec` cannot make from the file alone.

:func:`load_spec` checks the spec's structure, names, types and ranges. Before a sweep
runs anything, :func:`preflight` also checks what needs the environment: that the model
factory and the collect hook import and can be called, and that every parameter the spec
sets applies to every region it is set for (the synthetic region's generator parameters
mean nothing to a region read from a file; ``sweep.ignore`` lists parameters set there
knowingly). :func:`check_before_running` raises :class:`SpecError` with every problem.

Examples
--------
>>> from symbiosis_abm.sweep.spec import spec_from_dict
>>> spec = spec_from_dict({"sweep": {"name": "p", "regions": ["kalundborg"], "ticks": 1,
...     "replicates": 1}, "fixed": {"n_firms": 50}}, "p.toml")
>>> print(preflight(spec)[0])  # doctest: +NORMALIZE_WHITESPACE
p.toml: fixed.n_firms: applies only to the synthetic region, not to 'kalundborg' (a region
file sets its firms); remove it, or list it in sweep.ignore to run it anyway
"""

from __future__ import annotations

from typing import Any

from ..params import _FIELDS
from .spec import SpecError, SweepSpec

__all__ = ["preflight", "check_before_running", "unused_parameters"]


def check_before_running(spec: SweepSpec) -> None:
    """Raise :class:`SpecError` listing every :func:`preflight` problem (if any)."""
    problems = preflight(spec)
    if problems:
        raise SpecError(problems)


def preflight(spec: SweepSpec) -> list[str]:
    """Every problem found without running: hooks that do not import, parameters that do
    not apply to a region they are set for, ``sweep.ignore`` entries that are not
    parameters."""
    out = [f"{spec.origin}: sweep.ignore: {name!r} is not a parameter; see "
           "'symbiosis-abm params'" for name in spec.ignore if name not in _FIELDS]
    out += _hook_problem(spec, "sweep.model", spec.model)
    out += _hook_problem(spec, "outputs.collect", spec.collect)
    out += unused_parameters(spec)
    out += _region_seed_problems(spec)
    return out


def _region_seed_problems(spec: SweepSpec) -> list[str]:
    if not spec.region_seeds:
        return []
    if "synthetic" not in spec.regions:
        return [f"{spec.origin}: sweep.region_seeds: no synthetic region to draw; add "
                "\"synthetic\" to sweep.regions or remove region_seeds"]
    return [f"{spec.origin}: {where}: also set by sweep.region_seeds; set the synthetic "
            "region's seeds in one place" for where, name in _settings(spec)
            if name == "region_seed"]


def _hook_problem(spec: SweepSpec, key: str, target: str | None) -> list[str]:
    if not target:
        return []
    from .worker import _resolve

    try:
        hook: Any = _resolve(target, spec.base_dir)
    except FileNotFoundError as exc:
        return [f"{spec.origin}: {key}: {target!r}: no such file {exc.filename}"]
    except AttributeError:
        return [f"{spec.origin}: {key}: {target!r}: the module has no "
                f"{target.rpartition(':')[2]!r}"]
    except Exception as exc:  # noqa: BLE001  (any import error is the spec's problem)
        return [f"{spec.origin}: {key}: {target!r} does not import: "
                f"{type(exc).__name__}: {exc}".splitlines()[0]]
    if not callable(hook):
        return [f"{spec.origin}: {key}: {target!r} is not callable"]
    return []


def _settings(spec: SweepSpec) -> list[tuple[str, str]]:
    """(where, parameter) for every parameter the spec sets."""
    out = [(f"{table}.{name}", name) for table in ("fixed", "vary", "ranges")
           for name in getattr(spec, table)]
    out += [(f"arms.{arm}.{name}", name) for arm, values in spec.arms.items()
            for name in values]
    return out


def unused_parameters(spec: SweepSpec) -> list[str]:
    """Parameters set for a region that does not use them (and not in ``sweep.ignore``).

    The synthetic region's generator parameters mean nothing to a region file. Fixed
    alongside a synthetic region they are fine (they describe it); with no synthetic
    region, or varied (``vary``, ``ranges``, arms) over a region file, they are a problem:
    the region file's runs would repeat one another under different labels.
    """
    files = [r for r in spec.regions if r != "synthetic"]
    if not files:
        return []
    synthetic = len(files) < len(spec.regions)
    return [f"{spec.origin}: {where}: applies only to the synthetic region, not to "
            f"{', '.join(map(repr, files))} (a region file sets its firms"
            f"{'; its runs would repeat one another' if synthetic else ''}); remove it, "
            "or list it in sweep.ignore to run it anyway"
            for where, name in _settings(spec)
            if _FIELDS[name].metadata.get("group") == "synthetic" and name not in spec.ignore
            and not (synthetic and where.startswith("fixed."))]
