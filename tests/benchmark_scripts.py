"""The benchmark scripts (``benchmarks/*.py``, not a package) imported by path, for the
tests of their parts that run without the machine they measure."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

from helpers import load_script

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    """``benchmarks/<name>.py`` as a module named ``name`` (registered, as an import
    would be: :func:`helpers.load_script`)."""
    if str(BENCHMARKS) not in sys.path:   # (as running one does: they import each other)
        sys.path.append(str(BENCHMARKS))
    return load_script(BENCHMARKS / f"{name}.py", name)
