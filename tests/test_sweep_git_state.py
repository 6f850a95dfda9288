"""Provenance (issue 21): a sweep's manifest says whether the code that decides results
differs from its commit; reports written into docs/ by earlier runs do not count."""

from __future__ import annotations

import subprocess
from pathlib import Path

from symbiosis_abm.sweep.store import git_state


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _checkout(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for name in ("src/pkg/model.py", "experiments/e.toml", "docs/results/e.md"):
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text("x = 1\n", encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "add", ".")
    _git(repo, "-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-qm", "c")
    return repo


def test_reports_and_figures_in_docs_do_not_make_a_checkout_dirty(tmp_path):
    repo = _checkout(tmp_path)
    where = repo / "src" / "pkg"
    assert git_state(where)["dirty"] is False
    (repo / "docs" / "results" / "e.md").write_text("a new report\n", encoding="utf-8")
    (repo / "docs" / "results" / "e.png").write_bytes(b"png")
    assert git_state(where)["dirty"] is False


def test_a_change_to_the_code_or_an_experiment_is_dirty_with_its_own_hash(tmp_path):
    repo = _checkout(tmp_path)
    where = repo / "src" / "pkg"
    (repo / "src" / "pkg" / "model.py").write_text("x = 2\n", encoding="utf-8")
    first = git_state(where)
    assert first["dirty"] is True and first["diff_sha256"]
    (repo / "experiments" / "new.py").write_text("y = 1\n", encoding="utf-8")
    second = git_state(where)
    assert second["dirty"] is True and second["diff_sha256"] != first["diff_sha256"]
    assert second["commit"] == first["commit"]
