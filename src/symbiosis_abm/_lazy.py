"""A package's public names imported when first used (PEP 562).

A package's ``__init__`` names the module each public name lives in; importing the
package then loads none of them, so a command line that only prints its help or an
argument error starts at once.

Examples
--------
>>> import symbiosis_abm
>>> symbiosis_abm.load_region.__module__, "load_region" in dir(symbiosis_abm)
('symbiosis_abm.region', True)
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__all__ = ["lazy_package"]


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
