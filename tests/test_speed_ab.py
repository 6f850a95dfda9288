"""benchmarks/speed_ab.py refuses bad input in one line, before it makes a worktree."""

from __future__ import annotations

import benchmark_scripts
import pytest


@pytest.fixture(scope="module")
def speed_ab():
    return benchmark_scripts.load("speed_ab")


@pytest.mark.parametrize(("argv", "named"), [
    (["--sizes", "6x0"], "--sizes"), (["--ref", "no-such-revision-here"], "--ref")])
def test_bad_input_refused(speed_ab, capsys, argv, named):
    try:
        code = speed_ab.main(argv)
    except SystemExit as stop:   # (argparse's error)
        code = stop.code
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert named in err[-1] and "Traceback" not in "\n".join(err)
