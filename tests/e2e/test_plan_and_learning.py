"""One count of steps everywhere, and learning checked, on the real CPU training of the session.

The ``trained`` fixture (tests/conftest.py) trains the demo model with real XTuner on the tutorial's
data and converts and merges it. Here the dataset page, the config page and core.plan must say the
run's own total of iterations (the ``[i/N]`` of XTuner's log) and its packed samples ("Num train
samples"), and the train and convert pages must say, in words, that the model learnt its identity.
"""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import jobs, learning, logs, plan
from core.runs import RunPaths
from core.workspace import ENV_VAR
from tests.conftest import OWNER

ROOT = Path(__file__).resolve().parents[2]


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    return at


def _number(text: str) -> int:
    return int(text.removeprefix("约 ").replace(",", ""))


def test_the_dataset_page_the_config_page_and_the_run_count_the_same_steps(trained, monkeypatch):
    ws, run_dir = trained
    progress = logs.update_progress(logs.Progress(), jobs.log_path(run_dir).read_text(encoding="utf-8",
                                                                                      errors="replace"))
    assert progress.total > 0 and progress.train_samples
    planned = plan.plan_for_config(RunPaths(run_dir).config)
    assert planned.exact
    assert (planned.packed, planned.total) == (progress.train_samples, progress.total)

    monkeypatch.setenv(ENV_VAR, str(ws.root))
    at = _page("dataset.py")  # the same records: the tutorial's mode, the same owner and count
    at.text_input(key="dataset.owner").set_value(OWNER).run()
    at.radio(key="dataset.mode").set_value("tutorial").run()
    at.number_input(key="dataset.tutorial_n").set_value(100).run()
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert _number(metrics["总步数"]) == progress.total, metrics
    assert _number(metrics["打包后的样本"]) == progress.train_samples, metrics

    at = _page("config.py")  # the saved config of the run, read back into the form
    said = [m.value for m in at.markdown if "打包样本" in m.value]
    assert said and f"共 {progress.total:,} 步" in said[0], said


def test_the_train_and_convert_pages_say_the_model_learnt_who_it_is(trained, monkeypatch):
    ws, run_dir = trained
    verdict = learning.judge_run(run_dir)
    assert verdict is not None and verdict.names == learning.Names(OWNER)
    assert verdict.learnt, verdict.missed
    monkeypatch.setenv(ENV_VAR, str(ws.root))
    at = _page("train.py")
    assert any("学会了" in s.value and OWNER in s.value for s in at.success), [s.value for s in at.success]
    at = _page("convert.py")
    assert any("合并后的模型学会了" in s.value and OWNER in s.value for s in at.success), [s.value for s in at.success]
    assert not any("还没有学会" in w.value for w in at.warning)
