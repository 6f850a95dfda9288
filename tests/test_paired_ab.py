"""benchmarks/paired_ab.py: ratios over both orders, synthetic blocks, bad counts refused."""

from __future__ import annotations

import benchmark_scripts
import pytest

import symbiosis_abm


@pytest.fixture(scope="module")
def paired_ab():
    return benchmark_scripts.load("paired_ab")


def test_the_ratios_cancel_the_order_of_each_pair(paired_ab):
    """Identical trees whose second run of a pair is faster (a warm cache): one pair's
    ratio swings with the order, two pairs in turn do not."""
    first, second = 1.2, 1.0
    ref = [first if k % 2 == 0 else second for k in range(8)]    # ref, new | new, ref
    new = [second if k % 2 == 0 else first for k in range(8)]
    assert [b / a for a, b in zip(ref, new)] == [second / first, first / second] * 4
    assert paired_ab.paired_ratios(ref, new) == [1.0] * 4
    assert paired_ab.paired_ratios(ref + [1.0], new + [2.0]) == [1.0] * 4   # odd pair left


def test_a_synthetic_region_is_measured_by_blocks(paired_ab):
    """Each tree steps ``block`` ticks in its turn; each figure is a tick's mean."""
    trees = {"ref": symbiosis_abm, "new": symbiosis_abm}
    spent = paired_ab.measure(trees, 30, pairs=4, from_tick=2, block=3)
    assert [len(v) for v in spent.values()] == [4, 4]
    assert all(v > 0 for values in spent.values() for v in values)
    ratios = paired_ab.paired_ratios(spent["ref"], spent["new"])
    # two ratios, each over two pairs in turn (their values are timings of a 30-firm
    # region, blocks of 3 ticks: too noisy to bound here; benchmarks/README.md has them)
    assert len(ratios) == 2 and all(0 < r < float("inf") for r in ratios)


@pytest.mark.parametrize("argv", [["--ref", "HEAD", "--block", "0"],
                                  ["--ref", "HEAD", "--pairs", "3"],
                                  ["--ref", "no-such-revision"]])
def test_bad_input_is_refused_in_one_line(paired_ab, capsys, argv):
    assert paired_ab.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: --")
