"""benchmarks/cold_start.py: the timing of a child process, and bad counts refused (the
whole comparison compiles every kernel twice: about two minutes, run by hand)."""

from __future__ import annotations

import benchmark_scripts
import pytest


@pytest.fixture(scope="module")
def cold_start():
    return benchmark_scripts.load("cold_start")


@pytest.mark.parametrize("argv", [["--ticks", "0"], ["--workers", "0"]])
def test_bad_counts_are_refused(cold_start, argv, capsys):
    assert cold_start.main(argv) == 2
    assert capsys.readouterr().err.strip() == ("error: --ticks and --workers must be whole "
                                               "numbers >= 1")


def test_a_child_is_timed_with_its_cache(cold_start, tmp_path):
    code = ("import os, time\n"
            "assert os.environ['NUMBA_CACHE_DIR'] == {!r}\n"
            "end = time.process_time() + 0.2\n"
            "while time.process_time() < end: pass\n").format(str(tmp_path / "cache"))
    wall, cpu = cold_start.timed(code, tmp_path / "cache")
    assert wall >= cpu * 0.9 and cpu >= 0.2
