"""config_form.save_config: a real mmengine load of each save, in a file of its own."""

from __future__ import annotations

import threading

from core import config as cfg
from core import config_form

TEXT = "pretrained_model_name_or_path = '/models/m'\nlr = 2e-4\n"


def test_two_saves_of_one_config_at_once_both_check_their_own_file(tmp_path, monkeypatch):
    """Two tabs save the same config while the other's check runs: the first to finish must not remove
    the file the second one's mmengine is about to read (it did: 'No such file: .check-NAME.py')."""
    path = tmp_path / "configs" / "my.py"
    path.parent.mkdir()
    real, seen = cfg.load_with_mmengine, []
    both_written, first_done = threading.Barrier(2, timeout=60), threading.Event()

    def load(check, keys, timeout=120):
        seen.append(check)
        both_written.wait()  # each save has written its file
        if threading.current_thread().name == "second":
            assert first_done.wait(300), "the first save did not finish"
        return real(check, keys, timeout)

    monkeypatch.setattr(cfg, "load_with_mmengine", load)
    results = {}

    def save(name: str, text: str) -> None:
        results[name] = config_form.save_config(path, text)
        if name == "first":
            first_done.set()

    threads = [threading.Thread(target=save, name=n, args=(n, TEXT.replace("2e-4", lr)))
               for n, lr in (("first", "1e-4"), ("second", "3e-4"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    assert results["first"][:2] == (True, "") and results["second"][:2] == (True, ""), results
    assert len(set(seen)) == 2 and all(c.parent == path.parent and c.name.startswith(".check-my-") for c in seen)
    assert path.read_text(encoding="utf-8") == TEXT.replace("2e-4", "3e-4")  # the last save is the file
    assert results["second"][2] is not None  # and the first one is kept as a version
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".check")) == []


def test_a_config_mmengine_cannot_load_is_not_saved_and_leaves_no_check_file(tmp_path):
    path = tmp_path / "my.py"
    saved, message, kept = config_form.save_config(path, "lr = 2e-4\nsteps = 10 // 0\n")
    assert (saved, kept) == (False, None) and "ZeroDivisionError" in message, message
    assert list(tmp_path.iterdir()) == []


def test_a_check_file_that_cannot_be_written_is_removed(tmp_path, monkeypatch):
    """A full disk while the check file is written: the error reaches the caller, no .check file stays."""
    import os

    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd, *args, **kwargs):
            self.f = real_fdopen(fd, *args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, text):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_form.os, "fdopen", Full)
    try:
        config_form.save_config(tmp_path / "my.py", TEXT)
    except OSError as exc:
        assert exc.errno == 28
    else:
        raise AssertionError("a write that failed was not reported")
    assert list(tmp_path.iterdir()) == []


def test_a_config_is_saved_into_a_folder_that_does_not_exist_yet(tmp_path):
    path = tmp_path / "new" / "configs" / "my.py"
    saved, message, _ = config_form.save_config(path, TEXT)
    assert saved, message
    assert path.read_text(encoding="utf-8") == TEXT and [p.name for p in path.parent.iterdir()] == ["my.py"]
