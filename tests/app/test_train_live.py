"""The train page's live panel on real XTuner output: the preparation phase in words, the log's
progress bars collapsed, sample answers shown as question and answer with the raw text a tab away.

The run folders are made of files a real CPU training of the demo model wrote (``tests/unit/data``);
the job in preparation is a real background job that writes that log's first part and waits.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import config, dataset, jobs
from core.runs import RunPaths
from core.workspace import ENV_VAR, Workspace
from core.xtuner_cli import Invocation
from tests.conftest import OWNER

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "unit" / "data"
PREP_LOG = (DATA / "xtuner_prep.log").read_bytes()


@pytest.fixture()
def env_ws(ws, monkeypatch) -> Workspace:
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    return ws


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=120)


def _config(ws, demo_model) -> str:
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=20))
    return config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True)


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [c.value for c in at.code])


def test_finished_run_shows_answers_not_xtuner_text(env_ws, demo_model):
    source = _config(env_ws, demo_model)
    run = env_ws.runs_dir / "20261202-044007-train"
    paths = RunPaths(run)
    paths.work_dir.mkdir(parents=True)
    paths.config.write_text(source, encoding="utf-8")
    (run / "job.json").write_text(json.dumps({"kind": "train", "started": 1.0, "meta": {}}), encoding="utf-8")
    (run / "exit.json").write_text(json.dumps({"exit_code": 0, "finished": 60.0}), encoding="utf-8")
    jobs.log_path(run).write_bytes(PREP_LOG)
    vis = paths.work_dir / "20261202_044016" / "vis_data"
    vis.mkdir(parents=True)
    shutil.copy(DATA / "eval_outputs_learned.txt", vis / "eval_outputs_iter_49.txt")
    shutil.copy(DATA / "eval_outputs_untrained.txt", vis / "eval_outputs_iter_9.txt")
    (vis / "scalars.json").write_text("".join(json.dumps({"iter": i, "loss": 3.0 - i / 50, "lr": 0.005,
                                                          "grad_norm": 1.0}) + "\n" for i in (10, 20, 30)), "utf-8")
    at = _app().run()
    assert not at.exception
    answers = "\n".join(m.value for m in at.tabs[0].markdown)
    assert "**第 50 步**" in answers and "**第 10 步**" in answers
    assert "问：请介绍一下你自己" in answers and "答：我是小明同学的小助手" in answers
    assert "（无法解码的字节）" in answers and "\ufffd" not in answers
    assert "<|im_start|>" not in answers and "Eval output" not in answers
    assert any("不是字体问题" in c.value for c in at.tabs[0].caption)
    raw = "\n".join(c.value for c in at.tabs[1].code)
    assert "<|im_start|>user\n请介绍一下你自己<|im_end|>" in raw
    log = at.code[-1].value  # the log panel: each progress bar once, in its final state
    assert log.count("Map (num_proc=32):") == 4 and "\r" not in log
    assert all("100%|" in line for line in log.splitlines() if "%|" in line)


def test_preparation_says_what_xtuner_is_doing(env_ws, demo_model):
    source = _config(env_ws, demo_model)
    run = env_ws.runs_dir / "20261202-050000-train"
    run.mkdir(parents=True)
    RunPaths(run).config.write_text(source, encoding="utf-8")
    cut = PREP_LOG.index(b"\rMap (num_proc=32):  55%")  # the tokenizing bar half way
    cut = PREP_LOG.index(b"\r", cut + 1)
    script = (f"import sys, time; sys.stdout.buffer.write(open({str(DATA / 'xtuner_prep.log')!r}, 'rb')"
              f".read()[:{cut}]); sys.stdout.flush(); time.sleep(600)")
    jobs.start(run, [jobs.Step("train", Invocation(argv=[sys.executable, "-c", script], display="xtuner train"))],
               kind="train")
    try:
        deadline = time.time() + 120
        while jobs.log_path(run).stat().st_size < cut and time.time() < deadline:
            time.sleep(0.2)
        assert jobs.log_path(run).stat().st_size >= cut, "the stand-in job did not write its log in 120 s"
        at = _app().run()
        assert not at.exception
        bars = [p for p in at.get("progress")]
        texts = [b.proto.text for b in bars]
        assert any(t.startswith("准备中：正在把 202 条记录转成模型的词元") and t.endswith("（55%）") for t in texts), \
            texts
    finally:
        jobs.stop(run, grace=2)


def test_long_run_charts_stay_small_and_keep_the_last_point():
    from ui import train_live

    rows = [{"iter": i, "loss": 1 / i, "lr": 0.001} for i in range(10, 100_001, 10)]  # a 100,000-step run
    spec = train_live.chart_spec(rows, "loss")
    values = spec["data"]["values"]
    assert len(values) <= train_live.MAX_POINTS
    assert values[0]["iter"] == 10 and values[-1]["iter"] == 100_000
    assert train_live.chart_spec(rows, "grad_norm") is None  # not logged: no empty chart
    one = train_live.chart_spec(rows[:1], "loss")
    assert one["mark"]["point"] is True  # a single row still shows as a point
