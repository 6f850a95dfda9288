"""Sweeps grow: more replicates, arms or points, or an edited description, reuse every
finished run and run only the new ones (issue 21, must show 2)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sweep_helpers import write_spec

from symbiosis_abm.sweep import load_spec, run_sweep
from symbiosis_abm.sweep.spec import SpecError

ARMS = """
[arms.on]
[arms.off]
facilitator = false
"""


def _run(spec_file, out, **kw):
    return run_sweep(load_spec(spec_file), out, backend="serial", progress=False, **kw)


def _ids(out) -> set[str]:
    return set(pd.read_parquet(out / "summary.parquet")["run_id"])


def test_50_replicates_grown_to_60_run_only_the_10_new_per_arm(tmp_path):
    first = write_spec(tmp_path, ARMS, ticks=2, replicates=50, file="a.toml")
    out = tmp_path / "grown"
    assert _run(first, out).ran == 100
    before = _ids(out)
    grown = write_spec(tmp_path, ARMS.replace("[arms.on]", "[arms.on]\n"),
                       ticks=2, replicates=60, file="b.toml")
    grown.write_text(grown.read_text().replace('seed = 7',
                                               'seed = 7\ndescription = "edited"'))
    report = _run(grown, out)
    assert (report.ran, report.skipped, report.failed) == (20, 100, 0)
    summary = pd.read_parquet(out / "summary.parquet")
    new = summary[~summary["run_id"].isin(before)]
    assert sorted(zip(new["arm"], new["replicate"])) == sorted(
        (arm, r) for arm in ("off", "on") for r in range(50, 60))
    fresh = tmp_path / "fresh"
    _run(grown, fresh)
    pd.testing.assert_frame_equal(summary, pd.read_parquet(fresh / "summary.parquet"))
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["ran"] for s in manifest["sessions"]] == [100, 20]
    assert manifest["spec"]["description"] == "edited"


def test_an_added_arm_or_point_runs_only_its_runs(tmp_path):
    out = tmp_path / "out"
    base = write_spec(tmp_path, "[vary]\nbroker_capacity = [1, 2]\n", ticks=2, replicates=2)
    assert _run(base, out).ran == 4
    more = write_spec(tmp_path, "[vary]\nbroker_capacity = [1, 2, 3]\n" + ARMS.replace(
        "[arms.on]\n", "[arms.default]\n"), ticks=2, replicates=2, file="more.toml")
    report = _run(more, out)
    # the old default arm's 4 runs are kept; its new point and the whole "off" arm are new
    assert (report.ran, report.skipped) == (2 + 6, 4)


@pytest.mark.parametrize("change", ["ticks = 2", "seed = 7"])
def test_a_change_to_finished_runs_is_refused(tmp_path, change):
    out = tmp_path / "out"
    base = write_spec(tmp_path, ticks=2, replicates=2)
    _run(base, out)
    other = change.replace("2", "3").replace("7", "8")
    base.write_text(base.read_text().replace(change, other))
    with pytest.raises(SpecError, match="holds results of other runs.*--fresh"):
        _run(base, out)
    fewer = write_spec(tmp_path, ticks=2, replicates=1, file="fewer.toml")
    with pytest.raises(SpecError, match="1 finished runs are not runs of this spec"):
        _run(fewer, out)


def test_region_seeds_draw_the_synthetic_region_once_per_seed(tmp_path):
    spec_file = write_spec(tmp_path, "[fixed]\nn_firms = 20\n", ticks=2, replicates=2)
    spec_file.write_text(spec_file.read_text().replace(
        '["kalundborg"]', '["synthetic", "kalundborg"]').replace(
        "seed = 7", "seed = 7\nregion_seeds = [1, 2, 3]"))
    out = tmp_path / "out"
    assert _run(spec_file, out).ran == (3 + 1) * 2
    summary = pd.read_parquet(out / "summary.parquet")
    assert sorted(set(summary["region"])) == ["kalundborg", "synthetic@1", "synthetic@2",
                                              "synthetic@3"]
    synthetic = summary[summary["region"].str.startswith("synthetic")]
    assert (synthetic["region"]
            == "synthetic@" + synthetic["region_seed"].astype(int).astype(str)).all()
    # the same seed draws the same region as a spec fixing region_seed
    one = write_spec(tmp_path, "[fixed]\nn_firms = 20\nregion_seed = 2\n", ticks=2,
                     replicates=2, file="one.toml")
    one.write_text(one.read_text().replace('["kalundborg"]', '["synthetic"]'))
    _run(one, tmp_path / "one")
    single = pd.read_parquet(tmp_path / "one" / "summary.parquet")
    two = synthetic[synthetic["region"] == "synthetic@2"].sort_values("replicate")
    assert two["firms"].tolist() == single.sort_values("replicate")["firms"].tolist()
    assert two["active_exchanges"].tolist() == \
        single.sort_values("replicate")["active_exchanges"].tolist()


def test_region_seeds_by_replicate_draw_one_region_per_replicate_at_no_extra_runs(tmp_path):
    """Replicate r runs on region seed r % k in every arm (pairs stay on one region), the
    run count is that of one region, and each run equals a run with that region seed
    fixed (same seed, same parameters)."""
    spec_file = write_spec(tmp_path, "[fixed]\nn_firms = 20\n[arms.on]\n[arms.off]\n"
                           "facilitator = false\n", ticks=3, replicates=3)
    spec_file.write_text(spec_file.read_text().replace(
        '["kalundborg"]', '["synthetic"]').replace(
        "seed = 7", 'seed = 7\nregion_seeds = [4, 5]\nregion_seed_draw = "by_replicate"'))
    out = tmp_path / "out"
    assert _run(spec_file, out).ran == 2 * 3
    summary = pd.read_parquet(out / "summary.parquet")
    assert set(summary["region"]) == {"synthetic"}
    assert dict(zip(summary["replicate"], summary["region_seed"])) == {0: 4, 1: 5, 2: 4}
    fixed = write_spec(tmp_path, "[fixed]\nn_firms = 20\nregion_seed = 5\n[arms.on]\n"
                       "[arms.off]\nfacilitator = false\n", ticks=3, replicates=3,
                       file="fixed.toml")
    fixed.write_text(fixed.read_text().replace('["kalundborg"]', '["synthetic"]'))
    _run(fixed, tmp_path / "fixed")
    single = pd.read_parquet(tmp_path / "fixed" / "summary.parquet")
    key = ["arm", "replicate"]
    mine = summary[summary["replicate"] == 1].sort_values(key)
    theirs = single[single["replicate"] == 1].sort_values(key)
    for column in ("firms", "active_exchanges", "materials_diverted_t_total"):
        assert mine[column].tolist() == theirs[column].tolist()
