"""Imports made when first used.

A package's public names (PEP 562, :func:`lazy_package`): a package's ``__init__`` names
the module each public name lives in; importing the package then loads none of them, so
a command line that only prints its help or an argument error starts at once.

A whole module (:func:`defer_import`): a sweep's fork server defers pandas, networkx and
two of Mesa's own modules, which Mesa imports but a run never uses, so each sweep starts
sooner.

Examples
--------
>>> import symbiosis_abm
>>> symbiosis_abm.load_region.__module__, "load_region" in dir(symbiosis_abm)
('symbiosis_abm.region', True)
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import types
from typing import Any

__all__ = ["lazy_package", "defer_import"]


def lazy_package(package: str, home: dict[str, str], public: list[str]) -> None:
    """Make ``package`` (imported, its ``__init__`` running) import each name of ``home``
    from its module (``home[name]``, a module of ``package``) when first looked up, keep
    it on the package, and list ``public`` in ``dir()``.

    A name that is also its module's (``symbiosis_abm.opportunities``, the function in
    ``opportunities.py``) stays the name's object when that module is imported: the
    import system binds a submodule to the package once it is loaded, which would
    otherwise replace the function by its module (an eager ``__init__`` rebinds it).
    """

    class LazyPackage(types.ModuleType):
        def __getattr__(self, name: str) -> Any:
            if name not in home:
                raise AttributeError(f"module {package!r} has no attribute {name!r}")
            value = getattr(importlib.import_module(f".{home[name]}", package), name)
            setattr(self, name, value)   # (looked up once)
            return value

        def __dir__(self) -> list[str]:
            return sorted({*vars(self), *public})

        def __setattr__(self, name: str, value: Any) -> None:
            if (name in home and isinstance(value, types.ModuleType)
                    and value.__name__ == f"{package}.{name}"):
                value = getattr(value, name)
            super().__setattr__(name, value)

    sys.modules[package].__class__ = LazyPackage


class _Deferred(types.ModuleType):
    """A module not yet run: the first attribute it lacks (a name, or ``__path__`` when
    one of its submodules is imported) runs it, and it becomes a plain module."""

    def __getattr__(self, name: str) -> Any:
        spec = self.__spec__
        self.__class__ = types.ModuleType
        if spec.submodule_search_locations is not None:
            self.__path__ = spec.submodule_search_locations
        try:
            spec.loader.exec_module(self)
        except BaseException:
            sys.modules.pop(spec.name, None)   # (as a failed import leaves it)
            raise
        return getattr(self, name)


def defer_import(name: str) -> None:
    """Import the module ``name`` only when it is first used.

    ``import name`` anywhere then gives a module object that runs its code at the first
    lookup of an attribute it lacks. Unlike :class:`importlib.util.LazyLoader`'s modules,
    it is not run by the next ``import`` statement naming it (the import system reads
    ``__spec__``, which this one has). A package's submodule (``"mesa.space"``) is found
    without running the package, which, imported later, binds the deferred module as it
    would the module itself. For a process whose imports run one thread at a time, such
    as a sweep's fork server (:mod:`.sweep.preload`); a module already imported, or not
    installed, is left as it is.

    Examples
    --------
    >>> import subprocess, sys
    >>> probe = ("from symbiosis_abm._lazy import defer_import; defer_import('fractions');"
    ...          "import sys, fractions; print(type(fractions).__name__);"
    ...          "print(fractions.Fraction(1, 3) * 3, type(fractions).__name__)")
    >>> print(subprocess.run([sys.executable, "-c", probe], capture_output=True,
    ...                      text=True, check=True).stdout, end="")
    _Deferred
    1 module
    """
    if name in sys.modules:
        return
    spec = _spec_without_running(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    # a package without ``__path__`` until it runs: importing a submodule runs it first
    module.__dict__.pop("__path__", None)
    module.__class__ = _Deferred
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:   # as the import system binds a submodule it has loaded
        setattr(sys.modules[parent], child, module)


def _spec_without_running(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of the module ``name``, its parent packages found and not run
    (:func:`importlib.util.find_spec` runs them)."""
    parts = name.split(".")
    spec = importlib.util.find_spec(parts[0])
    for depth in range(2, len(parts) + 1):
        if spec is None or spec.submodule_search_locations is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(
            ".".join(parts[:depth]), spec.submodule_search_locations)
    return spec
