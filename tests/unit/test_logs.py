"""core.logs: incremental reading, tail, mmengine iteration lines, scalars, samples, failure hints."""

from __future__ import annotations

import json
import time

import pytest

from core import logs

REAL_LINE = ("11/27 20:17:21 - mmengine - INFO - Iter(train) [50/96]  lr: 5.0000e-04  eta: 0:00:06  "
             "time: 0.0828  data_time: 0.0018  grad_norm: 1.7470  loss: 3.0519")


# ---------------------------------------------------------------- read_from


def test_read_from_returns_whole_lines_incrementally(tmp_path):
    path = tmp_path / "output.log"
    assert logs.read_from(path, 0) == ("", 0)  # no file yet
    path.write_bytes(b"first line\nsecond li")
    text, off = logs.read_from(path, 0)
    assert text == "first line\n"
    assert off == len(b"first line\n")
    # The partial line is not returned until it is completed.
    assert logs.read_from(path, off) == ("", off)
    with open(path, "ab") as f:
        f.write(b"ne\nthird")
    text, off2 = logs.read_from(path, off)
    assert text == "second line\n"
    assert off2 == len(b"first line\nsecond line\n")
    with open(path, "ab") as f:
        f.write(b"\n")
    text, off3 = logs.read_from(path, off2)
    assert text == "third\n" and off3 == path.stat().st_size
    assert logs.read_from(path, off3) == ("", off3)


def test_read_from_handles_multibyte_text_and_max_bytes(tmp_path):
    path = tmp_path / "output.log"
    lines = [f"第{i}行 训练中 loss: {i}\n" for i in range(50)]
    path.write_text("".join(lines), encoding="utf-8")
    got, off, calls = [], 0, 0
    while True:
        text, new = logs.read_from(path, off, max_bytes=100)
        if new == off:
            break
        assert len(text.encode("utf-8")) <= 100
        assert text.endswith("\n") and "\ufffd" not in text
        got.append(text)
        off, calls = new, calls + 1
    assert "".join(got) == "".join(lines)
    assert calls > 5  # it really was read in small pieces
    assert off == path.stat().st_size


def test_read_from_restarts_when_the_file_shrank(tmp_path):
    path = tmp_path / "output.log"
    path.write_text("a long first run of the log\nwith two lines\n")
    _, off = logs.read_from(path, 0)
    path.write_text("new\n")  # replaced by a shorter file
    text, new = logs.read_from(path, off)
    assert text == "new\n" and new == 4


def test_read_from_makes_progress_past_a_line_longer_than_max_bytes(tmp_path):
    path = tmp_path / "output.log"
    path.write_bytes(b"x" * 5000 + b"\nafter the long line\n")
    off = 0
    seen = ""
    for _ in range(20):
        text, off = logs.read_from(path, off, max_bytes=1024)
        seen += text
    assert "after the long line" in seen


def test_tail_offset_is_line_aligned(tmp_path):
    path = tmp_path / "output.log"
    path.write_text("".join(f"line {i:05d}\n" for i in range(1000)))
    assert logs.tail_offset(path, 10**6) == 0
    off = logs.tail_offset(path, 200)
    size = path.stat().st_size
    assert size - 200 <= off <= size
    data = path.read_bytes()
    assert data[off - 1:off] == b"\n"
    text, _ = logs.read_from(path, off)
    assert text.splitlines()[-1] == "line 00999"
    assert all(line.startswith("line ") and len(line) == 10 for line in text.splitlines())


# ---------------------------------------------------------------- tail


def _bytes_read() -> int:
    """Bytes this process has read through read() calls so far (Linux /proc)."""
    for line in open("/proc/self/io"):
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar in /proc/self/io")


def test_tail_of_a_multi_megabyte_file(tmp_path):
    path = tmp_path / "big.log"
    lines = [f"{i:07d} " + "训练日志 " * (i % 7) + "x" * (i % 50) for i in range(120_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size > 5 * 1024 * 1024
    read_before = _bytes_read()
    t0 = time.perf_counter()
    out = logs.tail(path, 200)
    took = time.perf_counter() - t0
    read = _bytes_read() - read_before
    assert out.splitlines() == lines[-200:]
    assert read < 512 * 1024, f"tail read {read} bytes of a {path.stat().st_size}-byte file"
    assert took < 1.0, f"tail took {took:.3f}s"
    # More lines than one read chunk holds.
    assert logs.tail(path, 5000).splitlines() == lines[-5000:]


def test_tail_without_trailing_newline_small_and_missing(tmp_path):
    path = tmp_path / "small.log"
    path.write_text("a\nb\nc")
    assert logs.tail(path, 2) == "b\nc"
    assert logs.tail(path, 10) == "a\nb\nc"
    assert logs.tail(tmp_path / "missing.log") == ""


# ---------------------------------------------------------------- iteration lines


def test_parse_real_mmengine_line():
    it, total, values = logs.parse_iter_line(REAL_LINE)
    assert (it, total) == (50, 96)
    assert values == {"lr": "5.0000e-04", "eta": "0:00:06", "time": "0.0828", "data_time": "0.0018",
                      "grad_norm": "1.7470", "loss": "3.0519"}


def test_parse_gpu_line_with_memory_and_other_key_order():
    line = ("12/01 09:01:02 - mmengine - INFO - Iter(train) [  10/1200]  base_lr: 2.0000e-04 lr: 2.0000e-04  "
            "eta: 3:15:21  time: 9.8012  data_time: 0.0123  memory: 15432  loss: 1.2345  grad_norm: 0.5000")
    it, total, values = logs.parse_iter_line(line)
    assert (it, total) == (10, 1200)
    assert values["memory"] == "15432"
    assert values["eta"] == "3:15:21"
    assert values["loss"] == "1.2345" and values["grad_norm"] == "0.5000"
    assert values["base_lr"] == "2.0000e-04"


@pytest.mark.parametrize("line", [
    "11/27 20:17:21 - mmengine - INFO - Epoch(train) [1][10/32]  lr: 1.0e-04  loss: 2.0",
    "11/27 20:17:21 - mmengine - INFO - Saving checkpoint at 50 iterations",
    "Iter(val) [5/10]  loss: 1.0",
    "",
])
def test_lines_that_are_not_training_iterations(line):
    assert logs.parse_iter_line(line) is None


def test_eta_longer_than_a_day():
    line = "Iter(train) [10/90000]  lr: 2.0000e-04  eta: 1 day, 2:03:04  time: 1.0000  loss: 1.0000"
    _, _, values = logs.parse_iter_line(line)
    assert values["eta"] == "1 day, 2:03:04"


def test_nan_loss_is_reported():
    progress = logs.Progress()
    logs.update_progress(progress, "Iter(train) [1/10]  lr: 1e-4  loss: 2.5000\n"
                                   "Iter(train) [2/10]  lr: 1e-4  loss: nan  grad_norm: inf\n")
    assert progress.iteration == 2
    assert progress.last["loss"] != progress.last["loss"]  # NaN


def test_update_progress_folds_iterations_samples_and_checkpoints():
    text = "\n".join([
        "11/27 20:16:01 - mmengine - INFO - Num train samples 16002",
        "11/27 20:16:10 - mmengine - INFO - Iter(train) [10/96]  lr: 1.0000e-04  eta: 0:00:30  time: 0.1000  "
        "data_time: 0.0010  loss: 4.0000",
        "some unrelated line",
        REAL_LINE,
        "11/27 20:17:22 - mmengine - INFO - Saving checkpoint at 50 iterations",
    ]) + "\n"
    progress = logs.update_progress(logs.Progress(), text)
    assert (progress.iteration, progress.total) == (50, 96)
    assert progress.eta == "0:00:06"
    assert progress.last["loss"] == pytest.approx(3.0519)
    assert progress.last["grad_norm"] == pytest.approx(1.747)
    assert "eta" not in progress.last
    assert progress.train_samples == 16002
    assert progress.checkpoints == [50]
    assert progress.fraction == pytest.approx(50 / 96)
    # Folding more text continues from there.
    logs.update_progress(progress, "Iter(train) [96/96]  lr: 1e-5  time: 0.08  loss: 1.5\n"
                                   "Saving checkpoint at 96 iterations\n")
    assert progress.iteration == 96 and progress.fraction == 1.0
    assert progress.eta == "0:00:06"  # no new eta: the last one is kept
    assert progress.last["loss"] == pytest.approx(1.5)
    assert progress.checkpoints == [50, 96]
    assert logs.Progress().fraction == 0.0


# ---------------------------------------------------------------- scalars and samples


def _vis(work_dir, stamp: str):
    d = work_dir / stamp / "vis_data"
    d.mkdir(parents=True)
    return d


def test_read_scalars_skips_corrupt_lines_and_merges_resumes(tmp_path):
    first = _vis(tmp_path, "20241127_201000")
    second = _vis(tmp_path, "20241127_203000")  # a resumed run writes a second folder
    rows1 = [{"lr": 1e-4, "loss": 3.0, "iter": 10}, {"lr": 1e-4, "loss": 2.5, "iter": 20}]
    (first / "scalars.json").write_text(
        json.dumps(rows1[1]) + "\n" + '{"loss": 2.9, "iter": 1' + "\n" + json.dumps(rows1[0]) + "\n"
        + "[1, 2]\n" + json.dumps({"loss": 9.0}) + "\n", encoding="utf-8")
    (second / "scalars.json").write_text(json.dumps({"loss": 2.0, "iter": 30}) + "\n" + '{"iter": 40, "lo',
                                         encoding="utf-8")
    rows = logs.read_scalars(tmp_path)
    assert [r["iter"] for r in rows] == [10, 20, 30]
    assert [r["loss"] for r in rows] == [3.0, 2.5, 2.0]
    assert logs.read_scalars(tmp_path / "nothing") == []


def test_eval_outputs_in_numeric_iteration_order(tmp_path):
    d = _vis(tmp_path, "20241127_201000")
    for it in (100, 25, 0, 9):
        (d / f"eval_outputs_iter_{it}.txt").write_text(f"answer at {it} 中文", encoding="utf-8")
    (d / "eval_outputs_iter_x.txt").write_text("ignored")
    out = logs.eval_outputs(tmp_path)
    assert [it for it, _ in out] == [0, 9, 25, 100]
    assert out[2][1] == "answer at 25 中文"


# ---------------------------------------------------------------- failure hints

FAILURE_SAMPLES = {
    "fail.oom": "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total "
                "capacity of 23.65 GiB of which 1.06 GiB is free.",
    "fail.disk_full": "OSError: [Errno 28] No space left on device",
    "fail.adapter_mismatch": "RuntimeError: Error(s) in loading state_dict for PeftModelForCausalLM:\n\tsize "
                             "mismatch for base_model.model.model.layers.0.q_proj.lora_A.default.weight",
    "fail.checkpoint": "RuntimeError: PytorchStreamReader failed reading zip archive: failed finding central "
                       "directory",
    "fail.model_path": "OSError: Incorrect path_or_model_id: '/root/models/internlm2-chat-1_8b'. Please provide "
                       "either the path to a local folder or the repo_id of a model on the Hub.",
    "fail.no_gpu": "RuntimeError: No GPU found. A GPU is needed for quantization.",
    "fail.bitsandbytes": "ModuleNotFoundError: No module named 'triton.ops'",
    "fail.warmup": "ValueError: end should be larger than begin, but got begin=0, end=0",
    "fail.dataset": "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 5 column 9 (char 80)",
    # what a GPU host printed when datasets' worker processes could not rebuild InternLM2's fast tokenizer
    "fail.tokenize_workers": "multiprocess.pool.RemoteTraceback: ... ModuleNotFoundError: No module named "
                             "'processors'",
    # several nodes and Slurm
    "fail.shared_disk": "studio: node gpu07 does not see the run folder /ws/runs/r1: the workspace must be on a disk "
                        "every node mounts at the same path",
    "fail.slurm_time_limit": "slurmstepd: error: *** JOB 4242 ON gpu01 CANCELLED AT 2024-11-27T20:16:01 DUE TO TIME "
                             "LIMIT ***",
    "fail.slurm_oom": "slurmstepd: error: Detected 1 oom_kill event in StepId=4242.0. Some of the step tasks have "
                      "been OOM Killed.",
    "fail.slurm_node": "slurmstepd: error: *** JOB 4242 ON gpu01 CANCELLED AT 2024-11-27T20:16:01 DUE TO NODE "
                       "FAILURE, SEE SLURMCTLD LOG FOR DETAILS ***",
    "fail.node_missing": "torch.distributed.DistStoreError: Timed out after 901 seconds waiting for clients. "
                         "1/2 clients joined.",
    "fail.dist_timeout": "[E ProcessGroupNCCL.cpp:475] [Rank 1] Watchdog caught collective operation timeout: "
                         "WorkNCCL(SeqNum=1, OpType=ALLREDUCE, NumelIn=1, NumelOut=1, Timeout(ms)=1800000) ran for "
                         "1800324 milliseconds before timing out.",
    "fail.slurm": "srun: error: gpu01: task 3: Exited with exit code 1",
}


def test_a_peer_that_lost_its_partner_does_not_hide_the_real_cause():
    """On several nodes one process fails (out of memory, bad data) and the others then lose their peers
    and Slurm reports the exit: the first cause is what the person needs to read."""
    log = ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB.\n"
           "RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection reset by peer\n"
           "srun: error: gpu02: task 5: Exited with exit code 1\n")
    assert logs.classify_failure(log, 1) == "fail.oom"
    assert logs.classify_failure(FAILURE_SAMPLES["fail.dataset"] + "\n" + FAILURE_SAMPLES["fail.slurm"], 1) \
        == "fail.dataset"


def test_every_failure_pattern_has_a_sample():
    assert {key for _, key in logs.FAILURE_PATTERNS} == set(FAILURE_SAMPLES)


@pytest.mark.parametrize("key", sorted(FAILURE_SAMPLES))
def test_classify_failure_recognises(key):
    log = "11/27 20:16:01 - mmengine - INFO - starting\nTraceback (most recent call last):\n" \
          + FAILURE_SAMPLES[key] + "\n"
    assert logs.classify_failure(log, 1) == key
    # The log text wins over the exit code.
    assert logs.classify_failure(log, -9) == key


def test_classify_failure_killed_and_unknown():
    assert logs.classify_failure("Iter(train) [5/96] loss: 1.0\n", -9) == "fail.killed"
    assert logs.classify_failure("Iter(train) [5/96] loss: 1.0\n", 137) == "fail.killed"
    assert logs.classify_failure("Traceback: ValueError: something else\n", 1) is None
    assert logs.classify_failure("", None) is None
