"""Shared fixtures: a fresh workspace per test, one demo model per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# A missing UI string raises under tests (AppTest pages, and the app servers the browser tests
# start, which inherit this environment) instead of quietly showing its key.
os.environ["ASSISTANT_STUDIO_STRICT_STRINGS"] = "1"

from core.demo_model import make_demo_model  # noqa: E402
from core.workspace import Workspace  # noqa: E402

# TEST_WORKERS=N ./test.sh runs the tests in N processes (pytest-xdist, ``--dist loadgroup``; pytest 9.2 broke its
# groups, hence the pin in requirements.txt and tests/unit/test_parallel_groups.py). Tests that share
# one expensive or single thing run in one process, one after another:
#   "trained": the session's trained run (:func:`trained`): built once, read by many tests;
#   "slurm": the one-node Slurm cluster (its jobs would queue behind each other anyway).
GROUPS = {"trained": ("trained", "trained_ws")}
GROUP_PATHS = {"slurm": ("tests/e2e/test_cluster_slurm.py",)}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path.relative_to(ROOT).as_posix() if item.path.is_relative_to(ROOT) else ""
        group = next((g for g, paths in GROUP_PATHS.items() if path in paths), None)
        group = group or next((g for g, names in GROUPS.items() if set(names) & set(item.fixturenames)), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def demo_model(tmp_path_factory) -> Path:
    return make_demo_model(tmp_path_factory.mktemp("models") / "demo-tiny-llama")


def stop_all_jobs(ws: Workspace) -> None:
    """Jobs outlive their starter by design; a test must not leave one running."""
    from core import jobs

    for job_json in list(ws.runs_dir.glob("*/job.json")) + list(ws.runs_dir.glob("*/*/job.json")):
        if jobs.status(job_json.parent).active:
            jobs.stop(job_json.parent, grace=5)


@pytest.fixture()
def ws(tmp_path):
    workspace = Workspace.resolve(tmp_path / "workspace")
    yield workspace
    stop_all_jobs(workspace)


# Bound on waiting for a job: it only bounds a failure. The demo training takes about a minute on
# two idle cores, 10 minutes while other suites share them, and over 15 with two busy loops on top.
JOB_TIMEOUT = float(os.environ.get("TEST_JOB_TIMEOUT", 1800))


def wait_job(job_dir: Path, timeout: float = JOB_TIMEOUT):
    """Wait for a job to end; stop it and fail the test, with the log's end, if it does not."""
    import time

    from core import jobs, logs

    deadline = time.time() + timeout
    while time.time() < deadline:
        st = jobs.status(job_dir)
        if not st.active:
            return st
        time.sleep(0.5)
    jobs.stop(job_dir)
    pytest.fail(f"job {job_dir} did not finish in {timeout} s:\n{logs.tail(jobs.log_path(job_dir), 40)}")


OWNER = "小明同学"


@pytest.fixture(scope="session")
def trained(tmp_path_factory, demo_model) -> tuple[Workspace, Path]:
    """(workspace, run folder): the tutorial's flow done once through core for the whole session.

    The demo model, the tutorial's dataset (``OWNER``, 2 + 2 x 100 records), its config for CPU,
    one real XTuner training, then pth_to_hf, merge and the verify step. It is the expensive part
    of the suite (a CPU training), so the tests that read its results share it: the tutorial flow,
    the chat tests, the pages; they must not change it (convert_cases works on a copy).
    """
    from core import config, dataset, runs

    ws = Workspace.resolve(tmp_path_factory.mktemp("trained") / "workspace")
    ws.update_settings(base_model=str(demo_model))
    dataset.save(ws.dataset_path, dataset.tutorial_records(OWNER, n=100))
    cfg_path = ws.configs_dir / "internlm2_chat_1_8b_qlora_alpaca_e3_copy.py"
    cfg_path.write_text(config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True), "utf-8")
    ws.update_settings(config=str(cfg_path))
    run_dir = runs.start_training(ws, cfg_path, seed=0)
    st = wait_job(run_dir)
    assert st.state == "succeeded", logs_tail(run_dir)
    st = wait_job(runs.start_convert(ws, run_dir))
    assert st.state == "succeeded", logs_tail(run_dir / "convert")
    yield ws, run_dir
    stop_all_jobs(ws)


@pytest.fixture(scope="session")
def trained_ws(trained) -> Workspace:
    """The workspace of :func:`trained`."""
    return trained[0]


def logs_tail(job_dir: Path, n: int = 60) -> str:
    from core import jobs, logs

    return logs.tail(jobs.log_path(job_dir), n)
