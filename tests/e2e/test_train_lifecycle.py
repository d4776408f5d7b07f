"""Training jobs with real XTuner on CPU: stop mid-run leaves nothing behind; resume continues."""

from __future__ import annotations

import os
import time

import psutil

from core import config, convert, dataset, jobs, logs, runs
from core.pyedit import Editor
from core.runs import RunPaths
from tests.conftest import wait_job


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

    _wait_for(lambda: convert.checkpoints(work_dir), 600, "a first checkpoint")
    pgid = jobs.status(run_dir).record["pgid"]
    assert _group_members(pgid), "the training should be running"
    st = jobs.stop(run_dir, grace=15)
    assert st.state == jobs.STOPPED
    assert _group_members(pgid) == []

    ckpt = convert.latest_checkpoint(work_dir)
    ckpt_iter = int(ckpt.stem.split("_")[1])
    resumed = runs.resume_training(ws, run_dir)
    assert runs.meta(resumed)["resumed_from"] == str(ckpt)

    def first_iter():
        parsed = [logs.parse_iter_line(line) for line in
                  jobs.log_path(resumed).read_text(encoding="utf-8", errors="replace").splitlines()]
        parsed = [p for p in parsed if p]
        return parsed[0] if parsed else None

    it, total, _ = _wait_for(first_iter, 600, "the resumed run's first logged iteration")
    assert it > ckpt_iter, f"resumed run started at {it}, checkpoint was {ckpt_iter}"
    assert total > it
    assert jobs.stop(resumed, grace=15).state == jobs.STOPPED
    assert wait_job(resumed, 30).state == jobs.STOPPED


def test_accumulation_override_reaches_xtuner(ws, demo_model):
    """The Train page keeps a one-GPU effective batch on several GPUs with ``--cfg-options``;
    XTuner must take it (the config XTuner itself writes into the work dir says so) and train."""
    dataset.save(ws.dataset_path, dataset.tutorial_records("小红", n=10))
    text = config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                  extra={"max_epochs": 1, "accumulative_counts": 4, "evaluation_freq": 1000,
                                         "warmup_ratio": 0})
    cfg_path = ws.configs_dir / "accum.py"
    cfg_path.write_text(text, encoding="utf-8")

    run_dir = runs.start_training(ws, cfg_path, seed=0, accumulative_counts=2)
    st = wait_job(run_dir, 600)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    run = RunPaths(run_dir)
    dumped = run.work_dir / run.config.name  # mmengine writes the config it ran into the work dir
    values, output = config.load_with_mmengine(dumped, ["optim_wrapper", "accumulative_counts"])
    assert values is not None, output
    assert values["optim_wrapper"]["accumulative_counts"] == 2, values
    # The saved config is untouched: the override belongs to this run.
    assert "accumulative_counts = 4" in cfg_path.read_text(encoding="utf-8")


def test_config_with_the_apps_hook_trains_and_converts(ws, demo_model, monkeypatch):
    """A config that imports the app's own hook (core.xtuner_hooks) runs in XTuner's processes:
    the training loads and runs the hook (on a CPU it finds no mixed precision and says so), and
    the conversion, which reads the same config, finds the import too, even with a PYTHONPATH of
    the caller's own set (it is kept, after the app's folder)."""
    monkeypatch.setenv("PYTHONPATH", str(ws.root / "elsewhere"))
    dataset.save(ws.dataset_path, dataset.tutorial_records("小红", n=6))
    text = config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True,
                                  extra={"max_epochs": 1, "evaluation_freq": 1000, "warmup_ratio": 0})
    ed = Editor(text)
    config._set_half_frozen_weights(ed, True)  # render() leaves it out on a CPU
    text = ed.result()
    assert config.uses_app_hooks(text)
    cfg_path = ws.configs_dir / "hooked.py"
    cfg_path.write_text(text, encoding="utf-8")

    run_dir = runs.start_training(ws, cfg_path, seed=0)
    st = wait_job(run_dir, 600)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    assert "HalfPrecisionFrozenWeights: no mixed precision" in log_text
    assert "PYTHONPATH=" in jobs.status(run_dir).record["display"]

    job = runs.start_convert(ws, run_dir, do_convert=True, do_merge=False)
    st = wait_job(job, 600)
    assert st.state == jobs.SUCCEEDED, jobs.log_path(job).read_text(errors="replace")[-3000:]
    assert convert.is_adapter_dir(RunPaths(run_dir).adapter)
