"""The version is the same in pyproject.toml, CITATION.cff, the changelog's top entry and
``symbiosis_abm.__version__``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import symbiosis_abm

ROOT = Path(__file__).resolve().parents[1]


def test_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    citation = re.search(r"^version: *\"?([\d.]+)\"?$", (ROOT / "CITATION.cff").read_text(),
                         re.M).group(1)
    changelog = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(),
                          re.M).group(1)
    assert project == citation == changelog == symbiosis_abm.__version__
