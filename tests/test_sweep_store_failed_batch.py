"""A batch whose runs all failed leaves a summary part that can be read for its run ids
(the rerun's look-up of finished runs once raised ``ArrowInvalid`` when the store's
periodic flush fell on such a batch)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from symbiosis_abm.sweep.store import Store, read_parts, write_parquet


def _failed(run_id: str) -> dict:
    run = SimpleNamespace(run_id=run_id, region="kalundborg", arm="base", point=0,
                          replicate=0, seed=1, params={"broker_capacity": 2})
    return {"run": run, "ok": False, "error": "Traceback ...\nRuntimeError: refused\n",
            "seconds": 0.1}


def test_a_batch_of_failures_commits_a_summary_part_with_the_run_keys(tmp_path):
    store = Store(tmp_path, spec=None)
    store.write_batch([_failed("a"), _failed("b")])
    (part,) = (tmp_path / "parts" / "summary").glob("*.parquet")
    assert "run_id" in pd.read_parquet(part).columns
    assert store._finished_ids() == set()
    assert len(read_parts(tmp_path / "parts" / "failures")) == 2


def test_a_summary_part_without_columns_reads_as_no_runs(tmp_path):
    folder = tmp_path / "parts" / "summary"
    write_parquet(pd.DataFrame([]), folder / "old.parquet")   # as written before the fix
    write_parquet(pd.DataFrame({"run_id": ["x"], "seed": [3]}), folder / "new.parquet")
    assert read_parts(folder, ["run_id"])["run_id"].tolist() == ["x"]
    assert read_parts(folder)["run_id"].tolist() == ["x"]


def test_a_batch_of_failures_leaves_the_other_batches_columns_as_they_are(tmp_path):
    folder = tmp_path / "parts" / "summary"
    store = Store(tmp_path, spec=None)
    store.write_batch([_failed("a")])
    write_parquet(pd.DataFrame({"run_id": ["x"], "broker_capacity": [3]}), folder / "z.parquet")
    summary = read_parts(folder)
    assert summary["broker_capacity"].dtype == "int64" and summary["run_id"].tolist() == ["x"]


def test_parts_without_rows_still_tell_the_columns(tmp_path):
    folder = tmp_path / "exchanges" / "arm=base"
    write_parquet(pd.DataFrame({"run_id": [], "volume": []}), folder / "a.parquet")
    assert list(read_parts(folder).columns) == ["run_id", "volume"]
    assert read_parts(tmp_path / "none").empty
