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


def test_chat_and_verify_ask_with_the_training_datas_system_prompt(tmp_path):
    """The tutorial's data has no system prompt: chat and the verify step must not add the config's
    evaluation SYSTEM (alpaca's), which made a small InternLM2 answer with the other pair's answer."""
    import json

    from core.runs import training_system

    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"conversation": [{"input": "q", "output": "a"}]}] * 3), "utf-8")
    assert training_system(str(path)) == ""
    path.write_text(json.dumps([{"conversation": [{"system": "你是小助手", "input": "q", "output": "a"},
                                                  {"input": "q2", "output": "a2"}]}] * 2), "utf-8")
    assert training_system(str(path)) == "你是小助手"
    path.write_text(json.dumps([{"conversation": [{"system": "A", "input": "q", "output": "a"}]},
                                {"conversation": [{"input": "q", "output": "a"}]}]), "utf-8")
    assert training_system(str(path)) == ""  # records differ: none
    assert training_system(str(tmp_path / "missing.json")) == "" and training_system(None) == ""
