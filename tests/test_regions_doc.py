"""Must show 4: the example in docs/regions.md validates and runs, so the docs cannot drift.

Also checks that the key tables in the document name every key the validator accepts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symbiosis_abm import SymbiosisModel, load_region
from symbiosis_abm.cli import main
from symbiosis_abm.provenance import check_file
from symbiosis_abm.region import REGION_SPEC
from symbiosis_abm.schema import Table

DOC = Path(__file__).parents[1] / "docs" / "regions.md"


@pytest.fixture
def example(tmp_path) -> Path:
    blocks = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1, "docs/regions.md should hold exactly one ```toml example"
    path = tmp_path / "example.toml"
    path.write_text(blocks[0], encoding="utf-8")
    return path


def test_example_validates(example, capsys):
    assert main(["validate", str(example)]) == 0
    assert '"valid": true' in capsys.readouterr().out
    region = load_region(example)
    assert len(region.firms) == 4 and region.facilitator is not None
    assert region.relationships and region.parameters


def test_example_follows_the_provenance_rule(example):
    assert check_file(example) == []


@pytest.mark.parametrize("facilitator", [True, False])
def test_example_runs(example, facilitator):
    model = SymbiosisModel(example, rng=7, facilitator=facilitator)
    model.run(24)
    assert len(model.timeseries()) == 24


def test_example_runs_from_the_command_line(example, tmp_path, capsys):
    assert main(["run", str(example), "--steps", "12", "--out", str(tmp_path / "out")]) == 0
    assert "vaxjo_example" in capsys.readouterr().out


def _keys(spec: Table) -> set[str]:
    keys = set()
    for key, f in spec.fields.items():
        keys.add(key)
        inner = f.kind if isinstance(f.kind, Table) else getattr(f.item, "kind", None)
        if isinstance(inner, Table):
            keys |= _keys(inner)
    return keys


def test_every_key_is_documented():
    text = DOC.read_text(encoding="utf-8")
    missing = [k for k in sorted(_keys(REGION_SPEC)) if f"`{k}`" not in text
               and f"`[{k}]`" not in text and f"`[[{k}]]`" not in text
               and not re.search(rf"`\[\[?\w+\.{k}\]\]?`", text)]
    assert not missing, f"keys not documented in docs/regions.md: {missing}"
