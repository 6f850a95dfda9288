"""The code passes the project's lint rules (pyproject.toml [tool.ruff.lint])."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_is_clean():
    ruff = Path(sys.executable).with_name("ruff")  # the one the dev extra installs
    done = subprocess.run([ruff, "check", "src", "tests", "benchmarks", "experiments"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
