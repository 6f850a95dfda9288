"""Malformed region files and bad ``--set`` values give errors a user can act on.

Each file in ``tests/bad_regions/`` states what it expects in its comment header:

    # expect: <field path or 'line L, column C'> | <hint>
    # expect-lines: <number of error lines>     (optional; default: one per expect line)

For every file, through the console script and through ``cli.main`` in-process: exit code
2, one ``error:`` line per problem naming the file, each expected path and hint on one line,
the exact number of lines (all problems at once, nothing spurious), no traceback. The same
message reaches Python users as a typed :class:`RegionError`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from symbiosis_abm import ParameterError, RegionError, SymbiosisModel, load_region
from symbiosis_abm.cli import main, parse_overrides
from symbiosis_abm.schema import MAX_PROBLEMS

HERE = Path(__file__).parent
BAD = sorted((HERE / "bad_regions").glob("*.toml"))
VALID = HERE / "fixtures" / "regions" / "tiny.toml"
CLI = [sys.executable, "-m", "symbiosis_abm.cli"]


def expectations(path: Path) -> tuple[list[tuple[str, str]], int]:
    """(path, hint) pairs and the expected number of error lines, from the file's header."""
    pairs, lines = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            where, _, hint = line.removeprefix("# expect:").partition("|")
            pairs.append((where.strip(), hint.strip()))
        elif line.startswith("# expect-lines:"):
            lines = int(line.split(":")[1])
    return pairs, len(pairs) if lines is None else lines


def check_report(path: Path, stderr: str) -> None:
    pairs, n_lines = expectations(path)
    assert pairs, f"{path.name} has no '# expect:' line"
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == n_lines, stderr
    for line in lines:
        assert line.startswith(f"error: {path}: "), line
    for where, hint in pairs:
        # The path ends with ':' ('firms[0].lat: ...'), except in the cut-off line ('... and')
        hits = [ln for ln in lines if (f": {where}: " in ln or f": {where} " in ln)
                and hint in ln]
        assert hits, f"{path.name}: no line with path {where!r} and hint {hint!r} in\n{stderr}"


def test_corpus_is_large_enough():
    assert len(BAD) >= 25


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_validate_in_process(path, capsys):
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    check_report(path, err)


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_python_api_raises_region_error_with_the_same_lines(path, capsys):
    with pytest.raises(RegionError) as info:
        load_region(path)
    main(["validate", str(path)])
    cli_lines = capsys.readouterr().err.strip().splitlines()
    assert [f"error: {p}" for p in info.value.problems] == cli_lines
    with pytest.raises(RegionError):
        SymbiosisModel(path, rng=1)


# The console script is slower (a process each): run it on a spread of error kinds.
SUBPROCESS_SAMPLE = ["syntax_unclosed_string", "unknown_key_typo", "unknown_resource_typo",
                     "nan_volume", "location_missing", "duplicate_firm_id",
                     "facilitator_end_before_start", "parameter_unknown", "combination_many",
                     "combination_too_many"]


@pytest.mark.parametrize("name", SUBPROCESS_SAMPLE)
def test_validate_console_script(name):
    path = HERE / "bad_regions" / f"{name}.toml"
    proc = subprocess.run([*CLI, "validate", str(path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    check_report(path, proc.stderr)


@pytest.mark.parametrize("name", ["unknown_resource_far", "combination_many"])
def test_run_refuses_a_bad_file_the_same_way(name, capsys):
    path = HERE / "bad_regions" / f"{name}.toml"
    assert main(["run", str(path), "--steps", "2"]) == 2
    check_report(path, capsys.readouterr().err)


def test_many_problems_are_cut_with_a_count(capsys):
    path = HERE / "bad_regions" / "combination_too_many.toml"
    main(["validate", str(path)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == MAX_PROBLEMS + 1
    assert "10 more problem(s) not shown" in lines[-1]


def test_valid_file_gives_exit_0():
    proc = subprocess.run([*CLI, "validate", str(VALID)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert '"valid": true' in proc.stdout and '"firms": 2' in proc.stdout


def test_run_accepts_a_path(tmp_path, capsys):
    assert main(["run", str(VALID), "--steps", "12", "--seed", "3", "--out",
                 str(tmp_path)]) == 0
    assert "tiny" in capsys.readouterr().out
    assert (tmp_path / "exchanges.parquet").is_file()


@pytest.mark.parametrize("argv, message", [
    (["validate", "no/such/file.toml"], "no/such/file.toml: file not found"),
    (["run", "kalundbrg"], "did you mean 'kalundborg'"),  # 'or kalundborg_history' may follow
    (["validate", str(HERE / "bad_regions")], "is a folder; give a .toml file"),
    (["run", "kalundborg", "--steps", "0"], "--steps 0: must be a whole number >= 1"),
    (["run", "kalundborg", "--seed", "-1"], "--seed -1: must be a whole number >= 0"),
])
def test_other_bad_input(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_validate_provenance_flag(tmp_path, capsys):
    """User files need no sources; --provenance applies the bundled files' rule on demand."""
    assert main(["validate", str(VALID)]) == 0
    capsys.readouterr()
    assert main(["validate", "--provenance", str(VALID)]) == 2
    err = capsys.readouterr().err
    assert f"{VALID}: firms[0].streams[0].volume_per_year: number without a source" in err
    assert main(["validate", "--provenance", "sotenas"]) == 0  # every bundled region: test_checks


# ------------------------------------------------------------------ --set NAME=VALUE
BAD_SETS = [
    ("bargaining_power=1.5",
     "--set bargaining_power=1.5: 1.5 is out of range; allowed >= 0 and <= 1"),
    ("bargaining_power=nan", "--set bargaining_power=nan: must be a finite number"),
    ("discount_rate=inf", "--set discount_rate=inf: must be a finite number"),
    ("max_candidates=inf", "--set max_candidates=inf: must be a whole number"),
    ("max_candidates=2.5", "--set max_candidates=2.5: must be a whole number"),
    ("max_candidates=0", "--set max_candidates=0: 0 is out of range; allowed >= 1"),
    ("broker=maybe", "--set broker=maybe: must be true or false"),
    ("targeting=biggest", "--set targeting=biggest: 'biggest' is not allowed; choose one of "
                          "largest_streams"),
    ("bargaining_powr=0.6", "--set bargaining_powr: no such parameter (did you mean "
                            "'bargaining_power'?)"),
    ("facilitator_end_tick=-3", "--set facilitator_end_tick=-3: -3 is out of range; "
                                "allowed >= 0"),
    ("transaction_cost_eur=", "--set transaction_cost_eur=: must be a number"),
    ("broker", "--set broker: expected NAME=VALUE"),
    ("=3", "--set =3: expected NAME=VALUE"),
]


@pytest.mark.parametrize("pair, message", BAD_SETS, ids=[p for p, _ in BAD_SETS])
def test_bad_set_in_process(pair, message, capsys):
    assert main(["run", "kalundborg", "--steps", "2", "--set", pair]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), err


def test_bad_sets_reported_together_and_console_script():
    pairs = [p for p, _ in BAD_SETS]
    args = [a for p in pairs for a in ("--set", p)]
    proc = subprocess.run([*CLI, "run", "kalundborg", "--steps", "2", *args],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == len(BAD_SETS)
    for (_, message), line in zip(BAD_SETS, lines):
        assert message in line


def test_sets_that_contradict_each_other(capsys):
    argv = ["run", "kalundborg", "--steps", "2", "--set", "facilitator_start_tick=12",
            "--set", "facilitator_end_tick=6"]
    assert main(argv) == 2
    assert ("--set facilitator_end_tick=6: 6 is before facilitator_start_tick 12"
            in capsys.readouterr().err)


def test_python_api_raises_parameter_error_with_the_same_message():
    with pytest.raises(ParameterError) as info:
        parse_overrides(["bargaining_power=1.5"])
    assert info.value.problems == [BAD_SETS[0][1]]
    with pytest.raises(ParameterError, match="out of range; allowed >= 0 and <= 1"):
        SymbiosisModel("kalundborg", rng=1, bargaining_power=1.5)
    with pytest.raises(ParameterError, match="did you mean 'bargaining_power'"):
        SymbiosisModel("kalundborg", rng=1, bargaining_powr=0.5)
