"""docs/ODD.md: the Grimm et al. (2020) sections are there, every module it names exists,
and its parameter table is the parameter record's."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from symbiosis_abm.odd import embedded_table, parameter_appendix, with_parameter_table

ROOT = Path(__file__).resolve().parents[1]
ODD = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "src" / "symbiosis_abm"

#: The seven elements of ODD in the order of Grimm et al. (2020).
SECTIONS = ("Purpose and patterns", "Entities, state variables and scales",
            "Process overview and scheduling", "Design concepts", "Initialization",
            "Input data", "Submodels")
#: Design concepts Grimm et al. (2020) ask for (section 4).
CONCEPTS = ("Basic principles", "Emergence", "Adaptation", "Objectives", "Learning",
            "Prediction", "Sensing", "Interaction", "Stochasticity", "Collectives",
            "Observation")


def test_every_odd_section_is_there_in_order():
    found = [m.group(2) for m in re.finditer(r"^## (\d)\. (.+)$", ODD, re.M)]
    assert found == list(SECTIONS)


def test_every_design_concept_is_described():
    concepts = ODD.split("## 4. Design concepts")[1].split("## 5.")[0]
    missing = [c for c in CONCEPTS if f"**{c}" not in concepts]
    assert not missing, f"design concepts not described: {missing}"


def _submodel_headings() -> list[str]:
    return re.findall(r"^### 7\.\d+ .+$", ODD, re.M)


def _resolve(name: str):
    """Import ``symbiosis_abm.<module>`` and follow the rest as attributes."""
    parts = name.split(".")
    module = importlib.import_module(f"symbiosis_abm.{parts[0]}")
    obj = module
    for attr in parts[1:]:
        obj = getattr(obj, attr)
    return obj


def test_every_submodel_names_code_that_exists():
    headings = _submodel_headings()
    assert len(headings) >= 20
    for heading in headings:
        names = re.findall(r"`([a-z_]+(?:\.[A-Za-z_]+)*)`", heading)
        assert names, f"submodel names no implementing module: {heading}"
        for name in names:
            try:
                _resolve(name)
            except (ImportError, AttributeError) as exc:
                pytest.fail(f"{heading}: `{name}` does not exist ({exc})")


def test_every_module_file_named_in_the_odd_exists():
    files = set(re.findall(r"`([a-z_]+\.py)`", ODD))
    assert files
    missing = [f for f in files if not (PACKAGE / f).is_file()]
    assert not missing, f"docs/ODD.md names missing modules: {missing}"


def test_dotted_module_references_exist():
    """Every `module.name` whose first part is a module of the package: the module is
    there (attributes of instances, e.g. `model.firm_open`, are not checked)."""
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir()
                                                        if p.is_dir()}
    refs = set(re.findall(r"`([a-z_]+)\.[A-Za-z_]", ODD))
    unknown = sorted(r for r in refs if r not in modules and r in {
        "search", "economics", "agents", "trust", "contracts", "negotiation", "allocation",
        "demography", "lifecycle", "holdup", "relations", "pace", "cascade", "markets",
        "policy", "fading", "terms", "assets", "targeting", "opportunities"})
    assert not unknown


def test_the_parameter_table_is_the_parameter_record():
    assert embedded_table(ODD) == parameter_appendix(), \
        "regenerate with: python -m symbiosis_abm.odd docs/ODD.md"


def test_a_changed_table_is_detected_and_rewritten():
    stale = ODD.replace("| `discount_rate` |", "| `discount_rate_x` |")
    assert embedded_table(stale) != parameter_appendix()
    assert embedded_table(with_parameter_table(stale)) == parameter_appendix()
