"""Shared by the several-machine tests: a cheap demo config, and a real Slurm cluster or a clear skip.

The Slurm tests need a cluster that answers ``sinfo``. ``.ci/slurm-up`` starts a one-node one
on localhost (Debian's slurm-wlm + munge); CI (``CI=true``) runs it and must then run the tests:
there a missing Slurm is a failure. On a machine without a cluster they are skipped, saying how
to get one.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from core import config, dataset, jobs, logs, slurm
from core.pyedit import Editor, set_keyword

ROOT = Path(__file__).resolve().parents[2]
SLURM_UP = ROOT / ".ci" / "slurm-up"


def _answers() -> bool:
    if shutil.which("sinfo") is None:
        return False
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True, timeout=30, check=False)
    return out.returncode == 0 and any(s.strip().rstrip("*~#") in ("idle", "mix", "alloc") for s in out.stdout.split())


def slurm_partition() -> str:
    """The default partition of a cluster that answers (started by ``.ci/slurm-up`` in CI), or skip/fail."""
    in_ci = os.environ.get("CI", "").lower() == "true"
    if in_ci:
        out = subprocess.run([str(SLURM_UP)], capture_output=True, text=True, timeout=900, check=False)
        if out.returncode != 0:
            pytest.fail(f"CI needs a Slurm cluster and .ci/slurm-up failed:\n{out.stdout}\n{out.stderr}")
    if not _answers():
        if in_ci:
            pytest.fail("CI: no Slurm node answers sinfo after .ci/slurm-up")
        pytest.skip("no Slurm cluster answers sinfo on this machine; as root, .ci/slurm-up starts a one-node "
                    "cluster on localhost (CI runs it, and there these tests must run)")
    names = slurm.partitions()
    assert names, "sinfo lists no partition"
    return names[0]


def cheap_config(ws, demo_model: Path, name: str, *, records: int, accumulative_counts: int = 1,
                 save_steps: int = 1000, extra: dict | None = None) -> Path:
    """The demo model's config, cheap on 2 CPU cores: one epoch, one short sample question with a
    16-token answer (samples before and after training only), the loss logged every iteration."""
    dataset.save(ws.dataset_path, dataset.tutorial_records("小红", n=records))
    text = config.tutorial_config(str(demo_model), str(ws.dataset_path), cpu=True, demo=True, extra={
        "max_epochs": 1, "accumulative_counts": accumulative_counts, "evaluation_freq": 1000,
        "save_steps": save_steps, "warmup_ratio": 0, "evaluation_inputs": ["你是谁"], **(extra or {})})
    ed = Editor(text)
    hook = config._evaluate_hook(ed)
    assert hook is not None
    set_keyword(ed, hook, "max_new_tokens", "16")
    text = ed.result()
    logger_line = "logger=dict(type=LoggerHook, log_metric_by_epoch=False, interval=10)"
    assert logger_line in text, "the preset's logger hook changed; adapt the test"
    text = text.replace(logger_line, logger_line.replace("interval=10", "interval=1"))
    path = ws.configs_dir / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_for(predicate, timeout: float, what: str, job_dir: Path | None = None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1.0)
    tail = logs.tail(jobs.log_path(job_dir), 40) if job_dir else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{tail}")


def losses(work_dir: Path) -> dict[int, float]:
    return {int(r["iter"]): float(r["loss"]) for r in logs.read_scalars(work_dir) if "loss" in r}


def split_shown(display: str) -> tuple[dict[str, str], list[str]]:
    """A displayed command's leading ``NAME=value`` settings and the words after them."""
    words = shlex.split(display)
    settings: dict[str, str] = {}
    while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
        name, value = words.pop(0).split("=", 1)
        settings[name] = value
    return settings, words
