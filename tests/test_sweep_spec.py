"""Must show 7: malformed specs exit 2 with one line per problem and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sweep_helpers import write_spec

from symbiosis_abm.cli import main
from symbiosis_abm.sweep import load_spec

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "unknown key": ("[outputs]\ntimeseries_evry = 3\n",
                    "outputs.timeseries_evry: unknown key (did you mean 'timeseries_every'?)"),
    "wrong type": ('[outputs]\nexchanges = "yes"\n',
                   "outputs.exchanges: must be true or false, got text 'yes'"),
    "empty range": ('[ranges]\nbargaining_power = [0.6, 0.6]\n[sampler]\nmethod = "lhs"\n'
                    "samples = 4\n", "ranges.bargaining_power: empty range [0.6, 0.6]"),
    "unknown parameter": ("[vary]\nbroker_capasity = [1, 2]\n",
                          "vary.broker_capasity: no such parameter (did you mean "
                          "'broker_capacity'?)"),
    "bad value": ("[arms.x]\nbargaining_power = 1.5\n",
                  "arms.x.bargaining_power: 1.5 is out of range; allowed >= 0 and <= 1"),
    "empty list": ("[vary]\nbroker_capacity = []\n",
                   "vary.broker_capacity: must have at least 1 entries"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_malformed_spec_exits_2_with_one_line(tmp_path, capsys, case):
    body, expected = CASES[case]
    spec = write_spec(tmp_path, body)
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [f"error: {spec}: {expected}"] or (
        len(err) == 1 and err[0].startswith(f"error: {spec}: {expected}"))
    assert not (tmp_path / "out").exists()  # nothing ran, nothing written


def test_unknown_region_and_zero_replicates(tmp_path, capsys):
    spec = write_spec(tmp_path, replicates=0)
    spec.write_text(spec.read_text().replace('"kalundborg"', '"kalundborgg"'))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0] == (f"error: {spec}: sweep.replicates: 0 is out of range; allowed a whole "
                      "number >= 1")
    assert err[1].startswith(f"error: {spec}: sweep.regions[0]: 'kalundborgg' is neither a "
                             "bundled region nor a region file")
    assert "did you mean 'kalundborg'" in err[1]


def test_many_problems_one_line_each_and_no_traceback_from_the_console(tmp_path):
    spec = write_spec(tmp_path, "[vary]\nbroker_capasity = [1]\n[outputs]\nexchanges = 3\n"
                      "[colour]\nx = 1\n", replicates=0)
    done = subprocess.run([sys.executable, "-m", "symbiosis_abm.cli", "sweep", str(spec),
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith(f"error: {spec}: ") for line in lines)
    assert "Traceback" not in done.stderr


def test_sampler_rules(tmp_path):
    body = '[ranges]\nbroker_capacity = [0, 4]\n[sampler]\nmethod = "sobol"\nsamples = 6\n'
    with pytest.raises(Exception, match="not a power of 2"):
        load_spec(write_spec(tmp_path, body))
    with pytest.raises(Exception, match="need a \\[sampler\\]"):
        load_spec(write_spec(tmp_path, "[ranges]\nbroker_capacity = [0, 4]\n"))
    with pytest.raises(Exception, match="targeting is text"):
        load_spec(write_spec(tmp_path, '[ranges]\ntargeting = [0, 1]\n[sampler]\n'
                             'method = "lhs"\nsamples = 3\n'))


def test_a_different_spec_into_a_used_folder_is_refused_and_fresh_starts_over(tmp_path,
                                                                              capsys):
    out = tmp_path / "out"
    first = write_spec(tmp_path, ticks=2, replicates=1, file="a.toml")
    assert main(["sweep", str(first), "--out", str(out), "--backend", "serial",
                 "--no-progress"]) == 0
    second = write_spec(tmp_path, ticks=3, replicates=1, file="b.toml")
    assert main(["sweep", str(second), "--out", str(out), "--backend", "serial"]) == 2
    err = capsys.readouterr().err
    # issue 21: a folder grows with its spec, but other ticks make other runs
    assert "holds results of other runs" in err and "--fresh" in err
    assert main(["sweep", str(second), "--out", str(out), "--backend", "serial",
                 "--no-progress", "--fresh"]) == 0
    assert "1 runs finished (1 now, 0 already done)" in capsys.readouterr().out



def test_a_folder_holding_only_its_inputs_is_taken_and_fresh_keeps_them(tmp_path, capsys):
    """An experiment writes the files its spec is made from into OUT/inputs before the
    sweep starts (anchor_exit's region copies): the sweep takes such a folder, and
    ``--fresh`` deletes its results but not those files; anything else is refused."""
    out = tmp_path / "out"
    (out / "inputs").mkdir(parents=True)
    (out / "inputs" / "region.toml").write_text("kept\n", encoding="utf-8")
    spec = write_spec(tmp_path, ticks=2, replicates=1)
    assert main(["sweep", str(spec), "--out", str(out), "--backend", "serial",
                 "--no-progress"]) == 0
    assert main(["sweep", str(spec), "--out", str(out), "--backend", "serial",
                 "--no-progress", "--fresh"]) == 0
    assert "1 runs finished (1 now, 0 already done)" in capsys.readouterr().out
    assert (out / "inputs" / "region.toml").read_text(encoding="utf-8") == "kept\n"
    other = tmp_path / "other"
    (other / "inputs").mkdir(parents=True)
    (other / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert main(["sweep", str(spec), "--out", str(other), "--backend", "serial"]) == 2
    assert "not empty and not a sweep folder" in capsys.readouterr().err
    assert (other / "notes.txt").is_file()

def test_the_example_spec_is_valid_and_has_about_40_runs():
    from symbiosis_abm.sweep.design import expand

    spec = load_spec(ROOT / "experiments" / "example_sweep.toml")
    assert 30 <= len(expand(spec)) <= 60


def test_values_valid_alone_but_not_together_are_refused_before_running(tmp_path, capsys):
    body = "[vary]\nfacilitator_start_tick = [0, 50]\n[fixed]\nfacilitator_end_tick = 24\n"
    spec = write_spec(tmp_path, body)
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "design point 1" in err[0] and "facilitator_end_tick" in err[0]
    assert not (tmp_path / "out").exists()


def test_a_region_file_is_validated_with_the_spec(tmp_path, capsys):
    (tmp_path / "mine.toml").write_text("[region]\nname = 3\n", encoding="utf-8")
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace('"kalundborg"', '"mine.toml"'))
    assert main(["sweep", str(spec), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert f"error: {tmp_path / 'mine.toml'}: region.name: must be text, got a whole number 3" \
        in err
    assert all(e.startswith(f"error: {tmp_path / 'mine.toml'}: ") for e in err)


@pytest.mark.parametrize("line, expected", [
    ('region_seed_draw = "per_run"', "sweep.region_seed_draw: 'per_run' is not allowed; choose one of crossed, by_replicate"),
    ('region_seed_draw = "by_replicate"',
     'sweep.region_seed_draw: "by_replicate" needs sweep.region_seeds to draw from'),
])
def test_region_seed_draw_is_checked(tmp_path, capsys, line, expected):
    spec = write_spec(tmp_path)
    spec.write_text(spec.read_text().replace("seed = 7", f"seed = 7\n{line}"))
    code = main(["sweep", str(spec), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and expected in err[0], err
    assert not (tmp_path / "out").exists()
