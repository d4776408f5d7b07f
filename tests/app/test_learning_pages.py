"""The train page's end says in words whether the model learnt who it is (AppTest)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import dataset, jobs
from core.runs import RunPaths
from core.workspace import ENV_VAR, Workspace
from core.xtuner_cli import Invocation

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["请介绍一下你自己", "Please introduce yourself"]
SAMPLE = ("Eval output 1:\n<|im_start|>user\n请介绍一下你自己<|im_end|>\n<|im_start|>assistant\n{zh}<|im_end|>\n\n\n"
          "Eval output 2:\n<|im_start|>user\nPlease introduce yourself<|im_end|>\n<|im_start|>assistant\n"
          "{en}<|im_end|>\n")


@pytest.fixture()
def env_ws(ws, monkeypatch) -> Workspace:
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    return ws


def _finished_run(ws: Workspace, zh: str) -> Path:
    """A succeeded run (a stand-in for XTuner) with the tutorial's data and XTuner's last sample file."""
    dataset.save(ws.dataset_path, dataset.tutorial_records("小明", 3))
    run_dir = ws.new_run_dir("train")
    meta = {"dataset": str(ws.dataset_path), "evaluation_inputs": QUESTIONS, "template": "internlm2_chat"}
    step = jobs.Step("train", Invocation(argv=[sys.executable, "-c", "print('Iter(train) [96/96]')"], env={},
                                         display="train"))
    jobs.start(run_dir, [step], kind="train", meta=meta)
    deadline = time.time() + 120
    while jobs.status(run_dir).active:
        if time.time() > deadline:
            pytest.fail(f"the stand-in job in {run_dir} did not end in 120 s")
        time.sleep(0.2)
    assert jobs.status(run_dir).state == jobs.SUCCEEDED
    vis = RunPaths(run_dir).work_dir / "20250101_000000" / "vis_data"
    vis.mkdir(parents=True)
    (vis / "eval_outputs_iter_95.txt").write_text(SAMPLE.format(zh=zh, en="???"), encoding="utf-8")
    return run_dir


def _train_page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=120)
    at.session_state["app.lang"] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_finished_run_that_learnt_nothing_says_so_with_its_answer_and_the_next_step(env_ws):
    _finished_run(env_ws, "小\ufffd\ufffd\ufffd")
    at = _train_page()
    said = [w.value for w in at.warning if "还没有学会" in w.value]
    assert said and "请介绍一下你自己" in said[0] and "小（无法解码的字节）" in said[0] and "「小明」" in said[0], said
    assert "训练更久" in said[0]
    assert not any("学会了" in s.value for s in at.success)
    en = _train_page("en")
    assert any("has not learnt it yet" in w.value for w in en.warning), [w.value for w in en.warning]


def test_a_finished_run_whose_answer_names_the_owner_is_green(env_ws):
    _finished_run(env_ws, "我是小明的小助手，内在是上海AI实验室书生·浦语的1.8B大模型哦")
    at = _train_page()
    assert any(s.value.startswith("学会了") and "小明" in s.value for s in at.success), [s.value for s in at.success]
    assert not any("还没有学会" in w.value for w in at.warning)
