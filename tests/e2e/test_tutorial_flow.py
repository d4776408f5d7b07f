"""The tutorial's whole flow on CPU with real XTuner, through core.

demo model → dataset → config → train → pth_to_hf → merge → chat: the merged model must
answer the identity question with the dataset's exact answer, and the base model must not.
The flow itself is the session's ``trained`` fixture (tests/conftest.py: one CPU training
shared with the chat and page tests); this test checks every result it left.
"""

from __future__ import annotations

import os
from pathlib import Path

from core import chat, config, convert, dataset, jobs, logs, runs
from core.runs import RunPaths
from tests.conftest import OWNER, wait_job

NAME = OWNER
QUESTION = "请介绍一下你自己"


def test_tutorial_flow_on_cpu(trained, demo_model):
    ws, run_dir = trained
    expected = dataset.tutorial_pairs(NAME)[0][1]
    assert dataset.load(ws.dataset_path) == dataset.tutorial_records(NAME, n=100)

    cfg_path = Path(ws.settings()["config"])
    values, output = config.load_with_mmengine(cfg_path, ["pretrained_model_name_or_path", "lr"])
    assert values is not None, output
    assert values["pretrained_model_name_or_path"] == str(demo_model)

    st = jobs.status(run_dir)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert st.state == jobs.SUCCEEDED, log_text[-3000:]
    assert runs.meta(run_dir)["source_config"] == str(cfg_path)
    progress = logs.update_progress(logs.Progress(), log_text)
    assert progress.total > 0 and progress.iteration >= progress.total - 10
    run = RunPaths(run_dir)
    rows = logs.read_scalars(run.work_dir)
    assert rows and rows[-1]["loss"] < rows[0]["loss"]
    assert convert.latest_checkpoint(run.work_dir) is not None

    conv_job = run.convert_job
    st = jobs.status(conv_job)
    assert st.state == jobs.SUCCEEDED, logs.tail(jobs.log_path(conv_job), 60)
    assert convert.is_adapter_dir(run.adapter)
    assert convert.merged_ready(run.merged)
    assert not convert.partial_path(run.merged).exists()
    verified = convert.verify_result(jobs.log_path(conv_job).read_text(encoding="utf-8"))
    assert verified == (QUESTION, expected)
    # The demo model is small: every process of the training and the conversion ran torch on one CPU
    # thread (core.xtuner_cli.threads_env), unless the environment said how many.
    threads = {s["name"]: s["env"].get("OMP_NUM_THREADS")
               for job in (run_dir, conv_job) for s in jobs.status(job).record["steps"]}
    one = None if "OMP_NUM_THREADS" in os.environ else "1"
    assert threads == {"train": one, "pth_to_hf": one, "merge": one, "finalize": None, "verify": one}, threads

    merged = chat.load(run.merged, device="cpu")
    after = chat.answer(merged, QUESTION, template_name="internlm2_chat")
    assert after == expected

    base = chat.load(demo_model, device="cpu")
    before = chat.answer(base, QUESTION, template_name="internlm2_chat")
    assert before != expected and NAME not in before

    # Base + adapter, switched on and off, gives the merged and the base answers.
    with_adapter = chat.load(demo_model, run.adapter, device="cpu")
    assert chat.answer(with_adapter, QUESTION, template_name="internlm2_chat") == expected
    assert chat.answer(with_adapter, QUESTION, template_name="internlm2_chat", use_adapter=False) == before


def test_training_that_cannot_start_ends_failed_with_reason(ws, demo_model):
    dataset.save(ws.dataset_path, dataset.tutorial_records(NAME, n=5))
    missing = ws.root / "no-such-model"
    text = config.tutorial_config(str(missing), str(ws.dataset_path), cpu=True, demo=True)
    cfg_path = ws.configs_dir / "broken.py"
    cfg_path.write_text(text, encoding="utf-8")
    run_dir = runs.start_training(ws, cfg_path)
    st = wait_job(run_dir)  # the default bound: XTuner starting up on a loaded machine is slow
    assert st.state == jobs.FAILED
    assert st.exit_code not in (0, None)
    log_text = jobs.log_path(run_dir).read_text(encoding="utf-8", errors="replace")
    assert logs.classify_failure(log_text, st.exit_code) == "fail.model_path", log_text[-2000:]
