"""core.workspace: where the workspace is, atomic writes, versioned writes, safe deletes."""

from __future__ import annotations

import os
import threading

import pytest

from core import workspace
from core.workspace import Workspace

# ---------------------------------------------------------------- resolve


def test_resolve_prefers_explicit_then_env_then_default(tmp_path, monkeypatch):
    explicit, from_env, cwd = tmp_path / "explicit", tmp_path / "env", tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv(workspace.ENV_VAR, str(from_env))
    assert Workspace.resolve(explicit).root == explicit.resolve()
    assert Workspace.resolve(str(explicit)).root == explicit.resolve()
    assert Workspace.resolve().root == from_env.resolve()
    assert Workspace.resolve(None).root == from_env.resolve()
    monkeypatch.delenv(workspace.ENV_VAR)
    assert Workspace.resolve().root == (cwd / "workspace").resolve()
    assert workspace.ENV_VAR == "ASSISTANT_STUDIO_WORKSPACE"


def test_resolve_expands_user_and_relative_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv(workspace.ENV_VAR, raising=False)
    assert Workspace.resolve("~/ws").root == (tmp_path / "home" / "ws").resolve()
    monkeypatch.chdir(tmp_path)
    ws = Workspace.resolve("rel/ws")
    assert ws.root.is_absolute() and ws.root == (tmp_path / "rel" / "ws").resolve()


def test_resolve_makes_the_folders(ws):
    for d in (ws.root, ws.models_dir, ws.data_dir, ws.configs_dir, ws.runs_dir):
        assert d.is_dir()
    assert ws.dataset_path == ws.root / "datas" / "assistant.json"  # the tutorial's place
    assert ws.demo_model_dir.parent == ws.models_dir


def test_settings_round_trip_and_survive_a_broken_file(ws):
    assert ws.settings() == {}
    ws.update_settings(language="zh", model="/models/小模型")
    ws.update_settings(password_set=True)
    assert Workspace.resolve(ws.root).settings() == {"language": "zh", "model": "/models/小模型",
                                                      "password_set": True}
    ws.settings_path.write_text("{not json")
    assert ws.settings() == {}
    ws.settings_path.write_text("[1, 2]")
    assert ws.settings() == {}


def test_run_dirs_are_unique_and_newest_first(ws):
    made = [ws.new_run_dir("train") for _ in range(3)]
    assert len(set(made)) == 3 and all(d.is_dir() for d in made)
    assert ws.run_dirs() == sorted(made, key=lambda p: p.name, reverse=True)
    odd = ws.new_run_dir("a/b c:../中")
    assert odd.parent == ws.runs_dir
    assert "/" not in odd.name and ".." not in odd.name
    (ws.runs_dir / ".train.lock").write_text("")
    (ws.runs_dir / ".hidden").mkdir()
    assert all(not p.name.startswith(".") for p in ws.run_dirs())


# ---------------------------------------------------------------- atomic and versioned writes


def _temps(folder):
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "sub" / "file.json"
    workspace.atomic_write_json(target, {"名字": "小明", "n": 1})
    workspace.atomic_write_text(target, "second\n")
    workspace.atomic_write_bytes(target, b"third")
    assert target.read_bytes() == b"third"
    assert _temps(target.parent) == []
    assert workspace.read_json(tmp_path / "missing.json", "default") == "default"


def test_failed_atomic_write_keeps_the_old_file_and_no_temp(tmp_path):
    target = tmp_path / "file.txt"
    workspace.atomic_write_text(target, "old")
    with pytest.raises(TypeError):
        workspace.atomic_write_bytes(target, "not bytes")  # fails while writing the temp file
    assert target.read_text() == "old"
    assert _temps(tmp_path) == []


def test_readers_never_see_a_half_written_file(tmp_path):
    target = tmp_path / "big.txt"
    big_a, big_b = "a" * 2_000_000, "b" * 2_000_000
    workspace.atomic_write_text(target, big_a)
    stop = threading.Event()
    seen: set[str] = set()

    def read():
        while not stop.is_set():
            text = target.read_text()
            seen.add("a" if text == big_a else "b" if text == big_b else "torn")

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(10):
        workspace.atomic_write_text(target, big_b if i % 2 == 0 else big_a)
    stop.set()
    reader.join()
    assert "torn" not in seen


def test_versioned_write(tmp_path):
    path = tmp_path / "config.py"
    assert workspace.versioned_write_text(path, "x = 1\n") is None
    assert workspace.versioned_write_text(path, "x = 1\n") is None  # identical: no version
    assert workspace.list_versions(path) == []
    kept = workspace.versioned_write_text(path, "x = 2\n")
    assert kept is not None and kept.read_text() == "x = 1\n"
    assert kept.parent == tmp_path / workspace.VERSIONS_DIR and kept.suffix == ".py"
    assert workspace.list_versions(path) == [kept]
    assert path.read_text() == "x = 2\n"
    # Versions of another file in the same folder are not mixed in.
    other = tmp_path / "other.py"
    workspace.versioned_write_text(other, "y = 1\n")
    workspace.versioned_write_text(other, "y = 2\n")
    assert workspace.list_versions(path) == [kept]


def test_versions_are_pruned(tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "KEEP_VERSIONS", 3)
    path = tmp_path / "d.json"
    for i in range(7):
        workspace.versioned_write_text(path, f"[{i}]\n")
    assert len(workspace.list_versions(path)) == 3
    assert path.read_text() == "[6]\n"


def test_a_versioned_write_in_pieces_that_fails_midway_changes_nothing(tmp_path):
    path = tmp_path / "assistant.json"
    workspace.versioned_write_chunks(path, [b"[1,", b" 2]\n"])
    assert path.read_bytes() == b"[1, 2]\n"

    def failing():
        yield b"[3,"
        raise ValueError("a record cannot be written")

    with pytest.raises(ValueError):
        workspace.versioned_write_chunks(path, failing())
    assert path.read_bytes() == b"[1, 2]\n" and workspace.list_versions(path) == [] and _temps(tmp_path) == []
    assert workspace.versioned_write_chunks(path, [b"[1, 2]\n"]) is None  # the same content: no version
    kept = workspace.versioned_write_chunks(path, (bytes([48 + i % 10]) * 1000 for i in range(3000)))
    assert kept is not None and kept.read_bytes() == b"[1, 2]\n" and path.stat().st_size == 3_000_000
    assert _temps(tmp_path) == [] and _temps(kept.parent) == []


# ---------------------------------------------------------------- remove_tree


def test_remove_tree_inside_the_workspace(ws):
    run = ws.new_run_dir("train")
    (run / "work_dir").mkdir()
    (run / "work_dir" / "iter_1.pth").write_bytes(b"x")
    ws.remove_tree(run)
    assert not run.exists()
    assert ws.runs_dir.is_dir()


def test_remove_tree_refuses_paths_outside(ws, tmp_path):
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    with pytest.raises(ValueError):
        ws.remove_tree(outside)
    with pytest.raises(ValueError):
        ws.remove_tree(ws.runs_dir / ".." / ".." / "precious")  # climbs out
    with pytest.raises(ValueError):
        ws.remove_tree(ws.root)  # the workspace itself
    with pytest.raises(ValueError):
        ws.remove_tree("/")
    link = ws.runs_dir / "link-out"
    os.symlink(outside, link)
    with pytest.raises(ValueError):
        ws.remove_tree(link)  # a link inside that points outside
    assert (outside / "keep.txt").read_text() == "keep"
    assert ws.root.is_dir()
