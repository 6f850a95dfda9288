"""Docs that are generated from or copied out of the code must match it."""

from __future__ import annotations

import re
from pathlib import Path

from symbiosis_abm.params import parameter_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_parameters_md_is_generated_from_the_code():
    assert (ROOT / "docs" / "parameters.md").read_text() == parameter_markdown(), \
        "regenerate with: symbiosis-abm params --markdown > docs/parameters.md"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    test_cmd = next(line for b in blocks for line in b.splitlines()
                    if "pytest" in line and not line.startswith("#"))
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_cmd.strip() in ci


def test_every_parameter_is_in_the_odd():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    from symbiosis_abm.params import parameter_table
    missing = [name for name in parameter_table().index if f"`{name}`" not in odd]
    assert not missing, f"docs/ODD.md does not mention: {missing}"
