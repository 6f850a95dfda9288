"""The benchmark scripts (``benchmarks/*.py``, not a package) imported by path, for the
tests of their parts that run without the machine they measure."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module named ``name``."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    if str(BENCHMARKS) not in sys.path:   # (as running one does: they import each other)
        sys.path.append(str(BENCHMARKS))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # (as an import would: a dataclass looks its module up)
    spec.loader.exec_module(module)
    return module
