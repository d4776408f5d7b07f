"""Training runs: start one from a config, resume one, and say what each run produced.

A run is a folder under ``runs/``: ``config.py`` (the frozen copy it trained with),
the job files of :mod:`core.jobs`, XTuner's ``work_dir/``, and later ``hf_adapter/``,
``merged/`` and the ``convert/`` job. A resume is a new attempt of the same run, in the same
folder (:mod:`core.attempts` says why and where the earlier attempts' files go). The home
page's step checklist is derived here.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import attempts, convert, dataset, jobs, xtuner_cli
from core import config as cfg
from core.workspace import Workspace


@dataclass(frozen=True)
class RunPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.py"

    @property
    def work_dir(self) -> Path:
        return self.root / "work_dir"

    @property
    def adapter(self) -> Path:
        return self.root / "hf_adapter"

    @property
    def merged(self) -> Path:
        return self.root / "merged"

    @property
    def convert_job(self) -> Path:
        return self.root / "convert"


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
    except OSError:
        return None


@contextmanager
def attempt_folder(ws: Workspace, config_path: Path, label: str, into: Path | None = None) -> Iterator[RunPaths]:
    """The folder a training starts in: a new run folder with a copy of ``config_path``, or, with
    ``into``, that run's own folder for its next attempt (the ended attempt's job files moved to
    ``attempts/<n>/``). When the start fails inside the block, a new folder is removed and a
    resumed run's files are put back as they were; the error goes on.

    Raises :class:`core.jobs.JobError` when a training is already running in this workspace.
    """
    busy = jobs.active_jobs(ws.runs_dir, "train")
    if busy:
        raise jobs.JobError(f"another training is still running: {busy[0].name}. Stop it or wait until it ends.")
    if into is None:
        run = RunPaths(ws.new_run_dir(label))
        shutil.copy2(config_path, run.config)
        try:
            yield run
        except jobs.JobError:
            shutil.rmtree(run.root, ignore_errors=True)
            raise
        return
    run = RunPaths(Path(into))
    kept = attempts.archive(run.root)
    try:
        yield run
    except BaseException:
        attempts.restore(run.root, kept)
        raise


def continued_meta(run_dir: Path, new: dict[str, Any]) -> dict[str, Any]:
    """A resumed attempt's record: what it runs now, under the name and data version the run had."""
    before = meta(run_dir)
    return {**new, **{k: before[k] for k in ("source_config", "dataset_hash", "seed") if k in before}}


def start_training(
    ws: Workspace,
    config_path: Path,
    *,
    gpus: int = 1,
    deepspeed: str | None = None,
    resume: Path | None = None,
    seed: int | None = None,
    label: str = "train",
    accumulative_counts: int | None = None,
    workers: int | None = None,
    auto_retry: bool = False,
    retry_of: str | None = None,
    attempt: int = 0,
    into: Path | None = None,
) -> Path:
    """Start XTuner training of ``config_path`` in a new run folder (with ``into``: as the next
    attempt of that run, see :func:`attempt_folder`); returns the folder.

    ``workers``: processes that tokenize the dataset, for this run only (the config's otherwise).
    ``auto_retry``: when it fails for a reason with a known next step (out of memory, tokenizing
    processes that died), :mod:`core.retry` starts that next run by itself (``retry_of`` and
    ``attempt`` say which run this one retries and how many retries came before).

    Raises :class:`core.jobs.JobError` when a training is already running in this workspace.
    """
    config_path = Path(config_path)
    source = config_path.read_text(encoding="utf-8")
    summary = cfg.config_summary(source)
    with attempt_folder(ws, config_path, label, into) as run:
        inv = xtuner_cli.train(run.config, run.work_dir, gpus=gpus, deepspeed=deepspeed, resume=resume,
                               seed=seed, cache_dir=ws.root / ".cache" / "datasets",
                               accumulative_counts=accumulative_counts, workers=workers, model=summary["model"])
        meta = training_meta(config_path, summary, gpus=gpus, deepspeed=deepspeed, resume=resume,
                             accumulative_counts=accumulative_counts, workers=workers)
        meta.update(seed=seed, auto_retry=auto_retry, retry_of=retry_of, attempt=attempt)
        if into is not None:
            meta = continued_meta(attempts.earlier(run.root)[-1], meta)
        on_failure = [sys.executable, str(Path(__file__).with_name("retry.py")), str(run.root)] if auto_retry else None
        jobs.start(run.root, [jobs.Step("train", inv)], kind="train", cwd=ws.root, meta=meta,
                   exclusive_in=ws.runs_dir, on_failure=on_failure)
    return run.root


def training_meta(config_path: Path, summary: dict[str, Any], *, gpus: int, deepspeed: str | None,
                  resume: Path | None, accumulative_counts: int | None,
                  workers: int | None = None) -> dict[str, Any]:
    """What a run records about itself (``job.json``'s ``meta``); ``gpus`` counts every process."""
    return {
        "source_config": str(config_path), "model": summary["model"], "dataset": summary["dataset"],
        "dataset_hash": _file_hash(Path(summary["dataset"])) if summary["dataset"] else None,
        # Chat and the verify step ask the way the model was trained: with the training data's system
        # prompt (none in the tutorial's data), not the config's SYSTEM, which only the samples use.
        "template": summary["template"], "system": training_system(summary["dataset"]),
        "eval_system": summary["system"], "method": summary["method"], "workers_override": workers,
        "gpus": gpus, "deepspeed": deepspeed, "resumed_from": str(resume) if resume else None,
        "accumulative_counts_override": accumulative_counts,
        "max_length": summary["max_length"], "batch_size": summary["batch_size"],
        "pack_to_max_length": summary["pack_to_max_length"], "evaluation_inputs": summary["evaluation_inputs"],
    }


def training_system(dataset_path: str | None) -> str:
    """The system prompt the training data gives its conversations: the one every record's first
    turn has, else none ("" also when records differ or the file cannot be read)."""
    import json

    try:
        records = json.loads(Path(dataset_path).read_text(encoding="utf-8")) if dataset_path else None
    except (OSError, ValueError):
        return ""
    found = set()
    for rec in records if isinstance(records, list) else []:
        turns = rec.get("conversation") if isinstance(rec, dict) else None
        first = turns[0] if isinstance(turns, list) and turns and isinstance(turns[0], dict) else {}
        found.add(first.get("system") if isinstance(first.get("system"), str) else "")
        if len(found) > 1:
            return ""
    return found.pop() if found else ""


def meta(run_dir: Path) -> dict[str, Any]:
    return jobs.status(run_dir).record.get("meta", {})


def start_convert(
    ws: Workspace,
    run_dir: Path,
    *,
    checkpoint: Path | None = None,
    do_convert: bool = True,
    do_merge: bool = True,
    device: str = "cpu",
    cpu_only: bool = True,
    fp32: bool = False,
    max_shard_size: str | None = None,
    safe_serialization: bool = False,
    verify_question: str | None = None,
) -> Path:
    """Convert a run's checkpoint to an adapter and/or merge it, then verify; a background job.

    The merged model is checked by loading it and asking ``verify_question`` (by default
    the run's evaluation questions, the identity questions).
    """
    run = RunPaths(Path(run_dir))
    info = meta(run.root)
    steps: list[jobs.Step] = []
    if do_convert:
        checkpoint = checkpoint or convert.latest_checkpoint(run.work_dir)
        if checkpoint is None or not Path(checkpoint).exists():
            raise jobs.JobError(f"run {run.root.name} has no checkpoint to convert")
        steps += convert.convert_steps(
            run.config, Path(checkpoint), run.adapter, cpu_only=cpu_only, quantized=info.get("method") == "qlora",
            fp32=fp32, max_shard_size=max_shard_size, safe_serialization=safe_serialization, model=info.get("model"))
    elif do_merge and not convert.is_adapter_dir(run.adapter):
        raise jobs.JobError(f"run {run.root.name} has no adapter yet: convert it first")
    if do_merge:
        if not info.get("model"):
            raise jobs.JobError("the run does not record its base model")
        steps += convert.merge_steps(Path(info["model"]), run.adapter, run.merged, device=device,
                                     max_shard_size=max_shard_size, safe_serialization=safe_serialization)
        questions = info.get("evaluation_inputs") or ["请介绍一下你自己"]
        steps.append(convert.verify_step(run.merged, info.get("template"), info.get("system") or "",
                                         [verify_question] if verify_question else questions, model=info["model"]))
    if not steps:
        raise jobs.JobError("nothing to do")
    job_dir = run.convert_job
    if job_dir.exists():
        if jobs.status(job_dir).active:
            raise jobs.JobError("this run is already being converted")
        shutil.rmtree(job_dir)
    jobs.start(job_dir, steps, kind="convert", cwd=ws.root,
               meta={"checkpoint": str(checkpoint) if checkpoint else None, "merge": do_merge})
    return job_dir


def checklist(ws: Workspace) -> dict[str, bool]:
    """The five steps of the tutorial, as far as the workspace shows them done."""
    has_data = ws.dataset_path.is_file() and not dataset.check_file(ws.dataset_path)[1]
    runs = [RunPaths(d) for d in ws.run_dirs()]
    return {
        "dataset": has_data,
        "config": bool(configs(ws)),
        "trained": any(jobs.status(r.root).state == jobs.SUCCEEDED for r in runs),
        "converted": any(convert.is_adapter_dir(r.adapter) for r in runs),
        "merged": any(convert.merged_ready(r.merged) for r in runs),
    }


def resume_training(ws: Workspace, run_dir: Path, checkpoint: Path | None = None) -> Path:
    """Continue a run from its newest (or the given) checkpoint: its next attempt, in the same folder."""
    run = RunPaths(Path(run_dir))
    checkpoint = checkpoint or convert.latest_checkpoint(run.work_dir)
    if checkpoint is None:
        raise jobs.JobError(f"run {run.root.name} has no checkpoint to resume from")
    info = meta(run.root)
    return start_training(ws, run.config, gpus=int(info.get("gpus") or 1), deepspeed=info.get("deepspeed"),
                          resume=checkpoint, seed=info.get("seed"), into=run.root,
                          accumulative_counts=info.get("accumulative_counts_override"),
                          workers=info.get("workers_override"))


def delete_run(ws: Workspace, run_dir: Path) -> None:
    """Delete a run folder; refused while its training or conversion is running."""
    run = RunPaths(Path(run_dir))
    for job_dir in (run.root, run.convert_job):
        if (job_dir / "job.json").exists() and jobs.status(job_dir).active:
            raise jobs.JobError("stop the run before deleting it")
    ws.remove_tree(run.root)


def configs(ws: Workspace) -> list[Path]:
    """Saved configs, newest first.

    Hidden files are not configs: saving writes ``.check-NAME-xxxx.py`` for mmengine to load and
    removes it, and a Train page rendered meanwhile must neither list it nor trip over it.
    """
    found = []
    for path in ws.configs_dir.glob("*.py"):
        if path.name.startswith("."):
            continue
        try:
            found.append((path.stat().st_mtime, path))
        except FileNotFoundError:  # removed since the listing
            continue
    return [path for _, path in sorted(found, key=lambda item: item[0], reverse=True)]
