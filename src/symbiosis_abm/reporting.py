"""Helpers for experiment reports: confidence intervals and the code version behind them.

Examples
--------
>>> m, low, high = mean_ci([1.0, 2.0, 3.0])
>>> m, round(low, 3), round(high, 3)
(2.0, -0.484, 4.484)
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["mean_ci", "code_version"]


def mean_ci(values: pd.Series | np.ndarray | Sequence[float],
            confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t confidence interval (NaNs dropped; a constant sample has a zero-width
    interval, an empty one NaNs)."""
    x = pd.Series(values, dtype=float).dropna().to_numpy()
    if len(x) == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    if len(x) < 2 or x.std() == 0:
        return m, m, m
    low, high = stats.t.interval(confidence, len(x) - 1, loc=m, scale=stats.sem(x))
    return m, float(low), float(high)


def code_version(root: Path | str) -> str:
    """The commit results came from, noting uncommitted changes in ``src/``."""
    def git(*cmd: str) -> str:
        done = subprocess.run(["git", *cmd], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "src")
    return f"{commit} with uncommitted changes in src/" if dirty else commit
