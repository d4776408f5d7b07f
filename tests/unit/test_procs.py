"""The programs in core/procs, run as the app runs them: the merge's last step keeps the folder it replaces,
the GPU query prints its JSON line, and a program that does not exist is said as such."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from core import procs


def _run(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(procs.path(name)), *args], capture_output=True, text=True,
                          timeout=300, check=False)


def test_finalize_merge_renames_the_partial_folder_and_keeps_the_previous_one(tmp_path):
    final, tmp = tmp_path / "merged", tmp_path / "merged.partial"
    final.mkdir()
    (final / "old.txt").write_text("old")
    tmp.mkdir()
    (tmp / "new.txt").write_text("new")
    proc = _run("finalize_merge", str(tmp), str(final))
    assert proc.returncode == 0, proc.stderr
    assert f"merged model ready: {final}" in proc.stdout
    assert (final / "new.txt").read_text() == "new" and not tmp.exists()
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("merged.previous-")]
    assert len(kept) == 1 and (kept[0] / "old.txt").read_text() == "old"


def test_gpu_query_prints_one_line_of_json_with_the_gpus():
    proc = _run("gpu_query")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(data) == {"cuda", "gpus"} and isinstance(data["gpus"], list)
    assert all(set(g) == {"name", "free", "total", "bf16"} for g in data["gpus"])


def test_a_program_that_does_not_exist_is_refused():
    with pytest.raises(FileNotFoundError):
        procs.path("no_such_program")
