"""One trained demo run for the chat tests: train on CPU with real XTuner, convert, merge.

Several test modules need it (core chat, the chat page); training takes ~30 s on two
cores, so it is made once per test process and shared through :func:`trained_run`.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core import config, dataset, jobs, logs, runs
from core.runs import RunPaths
from core.workspace import Workspace

NAME = "小明同学"
QUESTION = "请介绍一下你自己"
_MADE: dict[str, tuple[Workspace, Path] | str] = {}
# ~1 minute on two idle cores; generous, because a busy shared machine can be 5-10 times slower.
TIMEOUT = 900


def _wait(job_dir: Path, timeout: float = TIMEOUT) -> jobs.JobStatus:
    deadline = time.time() + timeout
    while time.time() < deadline:
        st = jobs.status(job_dir)
        if not st.active:
            return st
        time.sleep(0.5)
    jobs.stop(job_dir)
    pytest.fail(f"job {job_dir} did not finish in {timeout} s:\n{logs.tail(jobs.log_path(job_dir), 40)}")


def expected_answer() -> str:
    return dataset.tutorial_pairs(NAME)[0][1]


def trained_run(root: Path, demo_model: Path) -> tuple[Workspace, Path]:
    """(workspace, run folder) with hf_adapter/ and merged/; the first caller's ``root`` is used."""
    if "error" in _MADE:  # failed once already: do not train again for the next module
        pytest.fail(str(_MADE["error"]))
    if "run" in _MADE:
        return _MADE["run"]
    try:
        _MADE["run"] = _train(Workspace.resolve(root), demo_model)
    except BaseException as exc:
        _MADE["error"] = f"the chat tests' training run failed: {exc}"
        raise
    return _MADE["run"]


def _train(ws: Workspace, demo_model: Path) -> tuple[Workspace, Path]:
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(NAME, n=100))
    cfg_path = ws.configs_dir / "internlm2_chat_1_8b_qlora_alpaca_e3_copy.py"
    cfg_path.write_text(config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True),
                        encoding="utf-8")
    run_dir = runs.start_training(ws, cfg_path, seed=0)
    st = _wait(run_dir)
    assert st.state == jobs.SUCCEEDED, logs.tail(jobs.log_path(run_dir), 60)
    st = _wait(runs.start_convert(ws, run_dir))
    assert st.state == jobs.SUCCEEDED, logs.tail(jobs.log_path(RunPaths(run_dir).convert_job), 60)
    return ws, run_dir
