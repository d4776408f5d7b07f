"""After a failed training: the next recipe after out of memory, one process after dead tokenizing workers,
and the automatic retry chain (supervisor → core/retry.py → a new run)."""

from __future__ import annotations

import json
import shutil
import sys
import time

import pytest

from core import config, jobs, recipes, retry, runs
from core.xtuner_cli import Invocation
from tests.conftest import stop_all_jobs
from tests.standins import _model_code_dir

GIB = 2**30
# What PyTorch 2.11 printed when micro-batch 8 with eager attention ran out on the H200 (same shape).
OOM = ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 8.00 GiB. GPU 0 has a total capacity of "
       "139.81 GiB of which 3.12 GiB is free. Including non-PyTorch memory, this process has 126.00 GiB memory in "
       "use. Of the allocated memory 124.1 GiB is allocated by PyTorch, and 1.2 GiB is reserved by PyTorch but "
       "unallocated.")


def test_oom_facts_read_what_the_allocator_said():
    facts = retry.oom_facts("Iter(train) [10/40] memory: 120000 loss: 1.0\n" + OOM)
    assert facts.needed == pytest.approx(134 * GIB)
    assert facts.total == pytest.approx(139.81 * GIB)
    assert retry.oom_facts("loss: 1.0") is None


@pytest.fixture()
def internlm2_1_8b(tmp_path):
    """A 1.8B InternLM2 folder as the estimate and the attention choice read it (no weights needed)."""
    model = tmp_path / "internlm2-chat-1_8b"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({
        "model_type": "internlm2", "hidden_size": 2048, "num_hidden_layers": 24, "num_attention_heads": 16,
        "num_key_value_heads": 8, "intermediate_size": 8192, "vocab_size": 92544,
        "auto_map": {"AutoModelForCausalLM": "modeling_internlm2.InternLM2ForCausalLM"}}))
    shutil.copy(_model_code_dir() / "modeling_internlm2.py", model)
    return model


def _failed_run(ws, model, log_text: str, *, attention: str, micro_batch: int = 8, auto_retry: bool = False):
    """A run folder whose (real, tiny) job printed ``log_text`` and failed, with a GPU LoRA config."""
    dataset_path = ws.dataset_path
    dataset_path.parent.mkdir(parents=True, exist_ok=True)
    dataset_path.write_text(json.dumps([{"conversation": [{"input": "q", "output": "a"}]}]), "utf-8")
    text = config.tutorial_config(str(model), str(dataset_path), method="lora",
                                  extra={"batch_size": micro_batch, "accumulative_counts": 16 // micro_batch})
    text = config.render(text, activation_checkpointing=False, precision="bf16", half_frozen_weights=True,
                         attention=attention)
    src = ws.configs_dir / "mine.py"
    src.write_text(text, "utf-8")
    run = runs.RunPaths(ws.new_run_dir("train"))
    shutil.copy(src, run.config)
    meta = runs.training_meta(src, config.config_summary(text), gpus=1, deepspeed=None, resume=None,
                              accumulative_counts=None)
    meta.update(seed=None, auto_retry=auto_retry, attempt=0)
    step = jobs.Step("train", Invocation([sys.executable, "-c", f"print({log_text!r}); raise SystemExit(1)"],
                                         display="a training that fails at once"))
    on_failure = [sys.executable, retry.__file__, str(run.root)] if auto_retry else None  # as runs.start_training
    jobs.start(run.root, [step], kind="train", cwd=ws.root, meta=meta, exclusive_in=ws.runs_dir,
               on_failure=on_failure)
    deadline = time.time() + 120
    while jobs.status(run.root).active:
        assert time.time() < deadline, "the fake training did not end in 120 s"
        time.sleep(0.2)
    return run


def test_out_of_memory_suggests_the_next_recipe_that_fits_what_the_run_needed(ws, internlm2_1_8b):
    run = _failed_run(ws, internlm2_1_8b, "seed: 1234\n" + OOM, attention="eager")
    s = retry.suggest(run.root)
    # Eager micro-batch 8 needed 134 GB of 139.8: micro-batch 4 (estimated 72.7, measured 72.7) is next.
    assert s.kind == "recipe" and s.recipe.key == "lora_bf16_mb4", s
    assert s.estimate <= 139.81 * GIB * recipes.FIT_MARGIN

    new = retry.retry(ws, run.root, s)
    try:
        info = runs.meta(new)
        text = runs.RunPaths(new).config.read_text(encoding="utf-8")
        values = config.read_settings(text)
        assert values["batch_size"] == 4 and values["accumulative_counts"] == 4  # same effective batch
        assert "attn_implementation='eager'" in text and config.uses_app_hooks(text)
        assert info["seed"] == 1234 and info["retry_of"] == run.root.name and info["attempt"] == 1
        assert (ws.configs_dir / "mine.py").is_file()  # the person's config is kept as it was
    finally:
        stop_all_jobs(ws)


def test_nothing_known_to_try_after_other_failures(ws, internlm2_1_8b):
    run = _failed_run(ws, internlm2_1_8b, "KeyError: 'conversation'", attention="sdpa")
    assert retry.suggest(run.root) is None


def test_dead_tokenizing_workers_suggest_one_process(ws, internlm2_1_8b):
    run = _failed_run(ws, internlm2_1_8b, "ModuleNotFoundError: No module named 'processors'", attention="sdpa")
    assert retry.suggest(run.root) == retry.Suggestion("workers", workers=1)


def test_auto_retry_starts_the_next_run_by_itself(ws, internlm2_1_8b):
    """The supervisor records the failure, starts core/retry.py, which starts the smaller recipe."""
    run = _failed_run(ws, internlm2_1_8b, "seed: 7\n" + OOM, attention="eager", auto_retry=True)
    deadline = time.time() + 300
    try:
        while True:
            retried = [d for d in ws.run_dirs() if d != run.root and runs.meta(d).get("retry_of") == run.root.name]
            if retried:
                break
            assert time.time() < deadline, "no retry run appeared in 300 s:\n" + \
                jobs.log_path(run.root).read_text(errors="replace")[-2000:]
            time.sleep(0.5)
        info = runs.meta(retried[0])
        assert info["attempt"] == 1 and info["auto_retry"] is True and info["seed"] == 7
        assert config.read_settings(runs.RunPaths(retried[0]).config.read_text())["batch_size"] == 4
        assert "after the failure" in jobs.log_path(run.root).read_text(errors="replace")
    finally:
        stop_all_jobs(ws)
