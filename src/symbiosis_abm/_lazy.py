"""A package's public names imported when first used (PEP 562).

A package's ``__init__`` names the module each public name lives in; importing the
package then loads none of them, so a command line that only prints its help or an
argument error starts at once.

Examples
--------
>>> getattr_, dir_ = lazy_attributes("symbiosis_abm", {"load_region": "region"},
...                                  ["load_region"])
>>> getattr_("load_region").__module__, "load_region" in dir_()
('symbiosis_abm.region', True)
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, home: dict[str, str], public: list[str]
                    ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of ``package``: each name of
    ``home`` is imported from its module (``home[name]``, a module of ``package``) when
    first looked up, and kept on the package; ``dir()`` lists ``public`` too."""

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{home[name]}", package), name)
        setattr(sys.modules[package], name, value)   # (looked up once)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return __getattr__, __dir__
