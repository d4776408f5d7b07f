"""The Train page follows what the person did: after a stop, a resume or the end of a run it
shows THAT run, its end state and the next action; a resume continues the same run.

XTuner's part is a stand-in (tests/app/standin_xtuner.py) that writes XTuner's log lines,
scalars and checkpoints in a second; the jobs, the stop and the page are the real ones.
tests/e2e/test_train_lifecycle.py stops and resumes the real XTuner.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import config, convert, dataset, jobs, runs, xtuner_cli
from core.runs import RunPaths
from core.workspace import ENV_VAR, Workspace
from core.xtuner_cli import Invocation
from tests.conftest import OWNER

ROOT = Path(__file__).resolve().parents[2]
STANDIN = Path(__file__).with_name("standin_xtuner.py")
TOTAL = 153


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=120)


def _wait(predicate, what: str, timeout: float = 120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture()
def standin(ws, demo_model, monkeypatch) -> dict:
    """A saved config ``c.py`` and XTuner replaced by the stand-in; ``pause["at"]``: where a first start waits."""
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=20))
    (ws.configs_dir / "c.py").write_text(
        config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True), "utf-8")
    pause = {"at": 60}

    def train(cfg: Path, work_dir: Path, *, resume: Path | None = None, **_: object) -> Invocation:
        argv = [sys.executable, str(STANDIN), str(work_dir), str(TOTAL), str(pause["at"])]
        return Invocation(argv=argv + (["--resume", str(resume)] if resume else []), env={},
                          display=f"xtuner train {cfg}")

    monkeypatch.setattr(xtuner_cli, "train", train)
    return pause


def _texts(at: AppTest) -> str:
    parts = [e.value for kind in ("success", "info", "warning", "error", "caption", "markdown", "subheader")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _stopped_old_run(ws: Workspace, pause: dict) -> Path:
    """An older run, stopped before its first checkpoint."""
    pause["at"] = 5
    old = runs.start_training(ws, ws.configs_dir / "c.py")
    assert jobs.stop(old).state == jobs.STOPPED
    assert not convert.checkpoints(RunPaths(old).work_dir)
    time.sleep(1.1)  # the next run's folder name sorts after this one's
    return old


def test_after_stop_and_resume_the_page_shows_that_run(ws, standin):
    old = _stopped_old_run(ws, standin)
    at = _app().run()
    assert not at.exception
    at.selectbox(key="train.open").set_value(old.name).run()  # the person looked at the old run
    assert "这次运行没有检查点" in _texts(at)

    standin["at"] = 60
    at.button(key="train.start").click().run()
    assert not at.exception
    run_dir = jobs.active_jobs(ws.runs_dir, "train")[0]
    _wait(lambda: convert.checkpoints(RunPaths(run_dir).work_dir) and "[ 60/153]" in
          jobs.log_path(run_dir).read_text(encoding="utf-8"), "the stand-in's checkpoint at step 60")
    at.run()
    at.button(key="train.stop").click().run()
    assert not at.exception
    assert jobs.status(run_dir).state == jobs.STOPPED
    # The viewer shows the run just stopped, where it stopped and what to do next; not the old run.
    assert at.selectbox(key="train.open").value == run_dir.name
    text = _texts(at)
    assert "这次运行没有检查点" not in text, text
    assert "已停止，停在第 60 / 153 步" in text, text
    assert at.button(key="train.resume")

    at.button(key="train.resume").click().run()
    assert not at.exception
    assert [d.name for d in ws.run_dirs()] == [run_dir.name, old.name], "the resume continues the same run"
    _wait(lambda: not jobs.status(run_dir).active, "the resumed run to end")
    at.run()
    assert not at.exception
    assert jobs.status(run_dir).state == jobs.SUCCEEDED
    text = _texts(at)
    assert "训练完成" in text and "第 60 / 153 步" not in text, text
    assert "转换与合并" in text, text  # the next step
    assert "从第 60 步继续" in text, text  # the resume point is marked with the charts

    # One row per run: the resume is no separate "-resume" run, and it keeps the config's name.
    assert [d.name for d in ws.run_dirs()] == [run_dir.name, old.name]
    table = at.dataframe[0].value
    row = table[table.iloc[:, 0] == run_dir.name].iloc[0]
    assert row.iloc[2] == "c.py" and str(row.iloc[5]) == f"{TOTAL:,}", row
    # The first attempt's own files are kept apart; the checkpoints of both are the run's.
    first = RunPaths(run_dir).root / "attempts" / "1"
    assert "[ 60/153]" in (first / "output.log").read_text(encoding="utf-8")
    assert "[150/153]" in jobs.log_path(run_dir).read_text(encoding="utf-8")
    assert convert.latest_checkpoint(RunPaths(run_dir).work_dir).name == "iter_150.pth"


def test_convert_marks_a_running_trainings_checkpoints_and_asks_first(ws, standin):
    standin["at"] = 60
    run_dir = runs.start_training(ws, ws.configs_dir / "c.py")
    _wait(lambda: len(convert.checkpoints(RunPaths(run_dir).work_dir)) == 2, "the stand-in's checkpoints at 30 and 60")
    at = AppTest.from_file(str(ROOT / "pages" / "convert.py"), default_timeout=120).run()
    assert not at.exception
    ckpt = at.selectbox(key="convert.ckpt")
    assert ckpt.value == "iter_60.pth"
    assert ckpt.options == ["iter_60.pth（训练中）", "iter_30.pth（训练中）"]  # as the page shows them
    assert at.selectbox(key="convert.run").options == [f"{run_dir.name}（训练中）"]
    assert any("还在训练中" in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.button(key="convert.both").disabled and at.button(key="convert.only_convert").disabled
    at.checkbox(key=f"convert.running_confirm.{run_dir.name}").check().run()
    assert not at.exception
    assert not at.button(key="convert.both").disabled and not at.button(key="convert.only_convert").disabled

    # Once the training has ended its checkpoints are plain ones again: no mark, no question.
    jobs.stop(run_dir)
    at = AppTest.from_file(str(ROOT / "pages" / "convert.py"), default_timeout=120).run()
    assert not at.exception
    ckpt = at.selectbox(key="convert.ckpt")
    assert ckpt.options == ["iter_60.pth", "iter_30.pth"]
    assert not any("还在训练中" in w.value for w in at.warning)
    assert not at.button(key="convert.both").disabled
