"""Training jobs with real XTuner on CPU: stop mid-run leaves nothing behind; resume continues the same run."""

from __future__ import annotations

import os
import time

import psutil
import pytest

from core import attempts, config, convert, dataset, jobs, logs, monitor, runs
from core.pyedit import Editor
from core.runs import RunPaths
from tests.conftest import JOB_TIMEOUT, stop_all_jobs, wait_job


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def _group_members(pgid: int) -> list[int]:
    found = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.info["pid"]) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                found.append(proc.info["pid"])
        except (ProcessLookupError, PermissionError):
            continue
    return found


def test_stop_mid_run_then_resume_from_checkpoint(ws, demo_model):
    dataset.save(ws.dataset_path, dataset.tutorial_records("小红", n=100))
    text = config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                  extra={"max_epochs": 30, "save_steps": 10, "evaluation_freq": 1000})
    cfg_path = ws.configs_dir / "long.py"
    cfg_path.write_text(text, encoding="utf-8")

    run_dir = runs.start_training(ws, cfg_path, seed=0)
    work_dir = RunPaths(run_dir).work_dir
    # A second training in the same workspace is refused while this one runs.
    try:
        runs.start_training(ws, cfg_path)
    except jobs.JobError:
        pass
    else:
        raise AssertionError("a second training started while the first was running")

    _wait_for(lambda: convert.checkpoints(work_dir), JOB_TIMEOUT, "a first checkpoint")
    pgid = jobs.status(run_dir).record["pgid"]
    assert _group_members(pgid), "the training should be running"
    st = jobs.stop(run_dir, grace=15)
    assert st.state == jobs.STOPPED
    assert _group_members(pgid) == []

    ckpt = convert.latest_checkpoint(work_dir)
    ckpt_iter = int(ckpt.stem.split("_")[1])
    logged_before = [r["iter"] for r in logs.read_scalars(work_dir)]
    resumed = runs.resume_training(ws, run_dir)
    # The resume continues the same run: one folder (one history row), the saved config's name,
    # the first attempt's own log kept apart, XTuner's work dir (and so its checkpoints) shared.
    assert resumed == run_dir and ws.run_dirs() == [run_dir]
    assert runs.meta(resumed)["resumed_from"] == str(ckpt)
    assert runs.meta(resumed)["source_config"] == str(cfg_path)
    first_log = (run_dir / "attempts" / "1" / jobs.LOG_NAME).read_text(encoding="utf-8", errors="replace")
    assert "Saving checkpoint" in first_log

    def first_iter():
        parsed = [logs.parse_iter_line(line) for line in
                  jobs.log_path(resumed).read_text(encoding="utf-8", errors="replace").splitlines()]
        parsed = [p for p in parsed if p]
        return parsed[0] if parsed else None

    it, total, _ = _wait_for(first_iter, JOB_TIMEOUT, "the resumed run's first logged iteration")
    assert it > ckpt_iter, f"resumed run started at {it}, checkpoint was {ckpt_iter}"
    assert total > it
    assert jobs.stop(resumed, grace=15).state == jobs.STOPPED
    assert wait_job(resumed, 300).state == jobs.STOPPED
    # The charts read as one run from its first logged step, the resume point marked.
    rows = [r["iter"] for r in logs.read_scalars(work_dir)]
    assert rows[0] == logged_before[0] and it in rows and rows == sorted(set(rows)), (logged_before, rows)
    assert attempts.history(run_dir).resumed_at == [ckpt_iter]
    assert monitor.summarize(run_dir).config == cfg_path.name


@pytest.fixture(scope="module")
def hooked_run(tmp_path_factory, demo_model):
    """One short real training shared by the two tests below (an XTuner start costs more than
    the training): a config that imports the app's own hook, saved with accumulative_counts = 4
    and started as the Train page does on several GPUs, with ``--cfg-options`` making it 2; then
    converted. ``PYTHONPATH`` is one of the caller's own."""
    from core.workspace import Workspace

    ws = Workspace.resolve(tmp_path_factory.mktemp("hooked") / "workspace")
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ws.root / "elsewhere")
    try:
        dataset.save(ws.dataset_path, dataset.tutorial_records("小红", n=10))
        text = config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                      extra={"max_epochs": 1, "accumulative_counts": 4, "evaluation_freq": 1000,
                                             "warmup_ratio": 0})
        ed = Editor(text)
        config._set_half_frozen_weights(ed, True)  # render() leaves it out on a CPU
        text = ed.result()
        assert config.uses_app_hooks(text)
        cfg_path = ws.configs_dir / "hooked.py"
        cfg_path.write_text(text, encoding="utf-8")
        run_dir = runs.start_training(ws, cfg_path, seed=0, accumulative_counts=2)
        st = wait_job(run_dir)
        convert_job = runs.start_convert(ws, run_dir, do_convert=True, do_merge=False) \
            if st.state == jobs.SUCCEEDED else None
        convert_st = wait_job(convert_job) if convert_job else None
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old
    yield ws, cfg_path, run_dir, st, convert_job, convert_st
    stop_all_jobs(ws)


def test_accumulation_override_reaches_xtuner(hooked_run):
    """The Train page keeps a one-GPU effective batch on several GPUs with ``--cfg-options``;
    XTuner must take it (the config XTuner itself writes into the work dir says so) and train."""
    ws, cfg_path, run_dir, st, _, _ = hooked_run
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    run = RunPaths(run_dir)
    dumped = run.work_dir / run.config.name  # mmengine writes the config it ran into the work dir
    values, output = config.load_with_mmengine(dumped, ["optim_wrapper", "accumulative_counts"])
    assert values is not None, output
    assert values["optim_wrapper"]["accumulative_counts"] == 2, values
    # The saved config is untouched: the override belongs to this run.
    assert "accumulative_counts = 4" in cfg_path.read_text(encoding="utf-8")


def test_config_with_the_apps_hook_trains_and_converts(hooked_run):
    """A config that imports the app's own hook (core.xtuner_hooks) runs in XTuner's processes:
    the training loads and runs the hook (on a CPU it finds no mixed precision and says so), and
    the conversion, which reads the same config, finds the import too, even with a PYTHONPATH of
    the caller's own set (it is kept, after the app's folder)."""
    _, _, run_dir, st, convert_job, convert_st = hooked_run
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    assert "HalfPrecisionFrozenWeights: no mixed precision" in log_text
    assert "PYTHONPATH=" in jobs.status(run_dir).record["display"]
    assert convert_st.state == jobs.SUCCEEDED, jobs.log_path(convert_job).read_text(errors="replace")[-3000:]
    assert convert.is_adapter_dir(RunPaths(run_dir).adapter)
