"""Convert & merge with real XTuner on CPU: a QLoRA config converts without a GPU, and each
failure (missing or damaged checkpoint, adapter from another base, interrupted merge) ends
clearly, explained, with nothing half-made offered as a model."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import config, convert, demo_model, jobs, logs, runs
from core.runs import RunPaths
from core.workspace import Workspace
from tests.conftest import stop_all_jobs, wait_job


@pytest.fixture(scope="module")
def ws(trained_ws, tmp_path_factory) -> Iterator[Workspace]:
    """A copy of the session's trained workspace: these tests add runs and break checkpoints,
    and the other tests sharing the trained run must see it as it was made."""
    root = tmp_path_factory.mktemp("convert-cases") / "workspace"
    shutil.copytree(trained_ws.root, root, symlinks=True)
    yield Workspace.resolve(root)
    stop_all_jobs(Workspace.resolve(root))


def _copy_run(ws, name: str) -> Path:
    source = ws.run_dirs()[-1]
    target = ws.runs_dir / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("convert", "merged*", "hf_adapter"))
    return target


def _failure(job_dir: Path) -> str | None:
    st = jobs.status(job_dir)
    return logs.classify_failure(jobs.log_path(job_dir).read_text(encoding="utf-8", errors="replace"), st.exit_code)


def test_qlora_checkpoint_converts_on_a_machine_without_gpu(ws):
    run_dir = _copy_run(ws, "qlora-copy")
    info = jobs.status(run_dir).record
    # The run's config as the tutorial has it: QLoRA (4-bit), not adapted for CPU.
    qlora = config.tutorial_config(info["meta"]["model"], str(ws.dataset_path), cpu=False, demo=True)
    assert config.method_of(qlora) == "qlora"
    RunPaths(run_dir).config.write_text(qlora, encoding="utf-8")
    info["meta"]["method"] = "qlora"
    from core.workspace import atomic_write_json

    atomic_write_json(run_dir / "job.json", info)
    st = wait_job(runs.start_convert(ws, run_dir, do_merge=False, cpu_only=True))
    assert st.state == jobs.SUCCEEDED, logs.tail(jobs.log_path(RunPaths(run_dir).convert_job), 40)
    assert convert.is_adapter_dir(RunPaths(run_dir).adapter)


def test_missing_checkpoint_is_refused_before_starting(ws):
    run_dir = _copy_run(ws, "no-ckpt")
    for ckpt in convert.checkpoints(RunPaths(run_dir).work_dir):
        ckpt.unlink()
    (RunPaths(run_dir).work_dir / "last_checkpoint").unlink(missing_ok=True)
    with pytest.raises(jobs.JobError, match="no checkpoint"):
        runs.start_convert(ws, run_dir)


def test_damaged_checkpoint_fails_with_an_explanation(ws):
    run_dir = _copy_run(ws, "bad-ckpt")
    ckpt = convert.latest_checkpoint(RunPaths(run_dir).work_dir)
    ckpt = RunPaths(run_dir).work_dir / ckpt.name  # the copy's, not the original's
    ckpt.write_bytes(ckpt.read_bytes()[:1000])
    job = runs.start_convert(ws, run_dir, checkpoint=ckpt)
    st = wait_job(job)
    assert st.state == jobs.FAILED and st.failed_step == "pth_to_hf"
    assert _failure(job) == "fail.checkpoint", logs.tail(jobs.log_path(job), 30)
    assert not convert.merged_ready(RunPaths(run_dir).merged)


def test_adapter_for_another_base_fails_and_leaves_no_model(ws, tmp_path):
    run_dir = _copy_run(ws, "other-base")
    src = RunPaths(ws.run_dirs()[-1])
    shutil.copytree(src.adapter, RunPaths(run_dir).adapter)
    # Another base: same tokenizer, different width.
    other = tmp_path / "other-base"
    tok = demo_model.build_tokenizer()
    model = demo_model.build_model(len(tok), tok.bos_token_id, [tok.eos_token_id], tok.pad_token_id)
    model.config.hidden_size = 128
    from transformers import LlamaForCausalLM

    small = LlamaForCausalLM(type(model.config)(**{**model.config.to_dict(), "hidden_size": 128,
                                                    "intermediate_size": 344}))
    small.save_pretrained(other)
    tok.save_pretrained(other)
    info = jobs.status(run_dir).record
    info["meta"]["model"] = str(other)
    from core.workspace import atomic_write_json

    atomic_write_json(run_dir / "job.json", info)
    job = runs.start_convert(ws, run_dir, do_convert=False, do_merge=True)
    st = wait_job(job)
    assert st.state == jobs.FAILED and st.failed_step == "merge"
    assert _failure(job) == "fail.adapter_mismatch", logs.tail(jobs.log_path(job), 30)
    assert not convert.merged_ready(RunPaths(run_dir).merged)


def test_interrupted_merge_is_never_offered_as_a_model(ws):
    run_dir = _copy_run(ws, "interrupted")
    src = RunPaths(ws.run_dirs()[-1])
    shutil.copytree(src.adapter, RunPaths(run_dir).adapter)
    job = runs.start_convert(ws, run_dir, do_convert=False, do_merge=True)
    jobs.stop(job, grace=0.1)  # stopped at once: the merge never finished
    st = wait_job(job, 300)
    assert st.state in (jobs.STOPPED, jobs.SUCCEEDED)
    if st.state == jobs.STOPPED:
        assert not convert.merged_ready(RunPaths(run_dir).merged)
    partial = convert.partial_path(RunPaths(run_dir).merged)
    assert not convert.merged_ready(partial)
