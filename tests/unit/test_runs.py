"""core.runs: the list of saved configs the Train page offers."""

from __future__ import annotations

import os

from core import runs


def test_configs_newest_first_without_the_save_check_file(ws):
    old, new = ws.configs_dir / "old.py", ws.configs_dir / "new.py"
    old.write_text("a = 1\n", "utf-8")
    new.write_text("a = 2\n", "utf-8")
    os.utime(old, (1_000_000, 1_000_000))
    # Saving writes this for mmengine to load; a page rendered meanwhile saw it as a config
    # (and, being the newest, preselected it).
    (ws.configs_dir / ".check-new.py").write_text("a = 3\n", "utf-8")
    assert runs.configs(ws) == [new, old]


def test_no_config_when_only_a_check_file_is_there(ws):
    (ws.configs_dir / ".check-x.py").write_text("a = 3\n", "utf-8")
    assert runs.configs(ws) == []
    assert runs.checklist(ws)["config"] is False  # the home page's checklist does not tick "config"
