"""A resume continues the same run: one run folder, one history row, its earlier attempts kept apart.

A run folder's root always holds its newest attempt: ``job.json``, ``output.log``,
``exit.json``… of :mod:`core.jobs`. Resuming first moves those job files of the attempt
that ended into ``attempts/<n>/`` (1 for the first start, 2 for the first resume…), then
starts the new attempt in the root, with the same ``config.py`` and ``work_dir/``.

Why the newest attempt in the root rather than the new one in ``attempts/2/``: everything
that follows a run reads its root — status and stop (:mod:`core.jobs`), the one-training
lock, the Slurm batch script's ``RUN=``, the history, Convert & merge's checkpoint list,
chat's adapter — so they all keep working untouched, for local, Slurm and by-hand runs. And
why one ``work_dir/``: XTuner's ``--resume`` continues its ``last_checkpoint``, its
``save_total_limit`` counts the run's checkpoints, and Convert finds the newest one there;
XTuner itself puts each start's logs and ``vis_data/scalars.json`` in a timestamped folder of
its own, so the attempts' logs and charts stay apart in it too. What each attempt printed,
how it ended and when, stays in ``attempts/<n>/``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from core import jobs
from core.workspace import read_json

ATTEMPTS = "attempts"
# An attempt's own job files (what core.jobs, the job supervisor and core.cluster write in the root).
JOB_FILES = ("job.json", jobs.LOG_NAME, "exit.json", "stop.json", "progress.json", "slurm.sbatch")
CKPT_RE = re.compile(r"iter_(\d+)")


def folder(run_dir: Path) -> Path:
    return Path(run_dir) / ATTEMPTS


def earlier(run_dir: Path) -> list[Path]:
    """The folders of a run's earlier attempts, first attempt first."""
    found = [p for p in folder(run_dir).glob("*") if p.is_dir() and p.name.isdigit()]
    return sorted(found, key=lambda p: int(p.name))


def number(run_dir: Path) -> int:
    """Which attempt the run's root holds now (1 until the first resume)."""
    done = earlier(run_dir)
    return int(done[-1].name) + 1 if done else 1


def archive(run_dir: Path) -> Path:
    """Move the ended attempt's job files into ``attempts/<n>/``; returns that folder.

    Refused (:class:`core.jobs.JobError`) while the attempt runs. Renames only, within one
    folder tree, so nothing is copied and nothing is lost when it is interrupted half-way:
    the files not yet moved stay in the root and :func:`restore` puts the rest back.
    """
    run_dir = Path(run_dir)
    if jobs.status(run_dir).active:
        raise jobs.JobError(f"run {run_dir.name} is still running")
    target = folder(run_dir) / str(number(run_dir))
    target.mkdir(parents=True)
    for name in JOB_FILES:
        if (run_dir / name).exists():
            os.replace(run_dir / name, target / name)
    return target


def restore(run_dir: Path, kept: Path) -> None:
    """Undo :func:`archive` (the new attempt could not start): the files go back to the root."""
    run_dir, kept = Path(run_dir), Path(kept)
    for name in JOB_FILES:
        if (kept / name).exists() and not (run_dir / name).exists():
            os.replace(kept / name, run_dir / name)
    try:
        kept.rmdir()
        folder(run_dir).rmdir()
    except OSError:  # something else is still there: leave it
        pass


def _iteration(checkpoint: str | None) -> int | None:
    m = CKPT_RE.search(Path(checkpoint).name) if checkpoint else None
    return int(m.group(1)) if m else None


def _ran_for(job_dir: Path) -> float:
    """How long an ended attempt ran: from its record's start to its recorded end (the exit, else
    the stop, else the log's last write). Files only: no process table, no Slurm question."""
    started = (read_json(job_dir / "job.json", {}) or {}).get("started")
    end = ((read_json(job_dir / "exit.json", {}) or {}).get("finished")
           or (read_json(job_dir / "stop.json", {}) or {}).get("t"))
    if end is None:
        try:
            end = jobs.log_path(job_dir).stat().st_mtime
        except OSError:
            return 0.0
    return max(0.0, float(end) - float(started)) if isinstance(started, (int, float)) else 0.0


@dataclass(frozen=True)
class History:
    """What the attempts of one run add up to."""

    attempts: int  # 1 = never resumed
    resumed_at: list[int]  # the iteration each resume continued from, in order
    earlier_seconds: float  # time the earlier attempts ran


def history(run_dir: Path) -> History:
    """The resume points (from each attempt's recorded checkpoint) and the earlier attempts' time."""
    run_dir = Path(run_dir)
    resumed, seconds = [], 0.0
    for job_dir in [*earlier(run_dir), run_dir]:
        record = read_json(job_dir / "job.json", {}) or {}
        point = _iteration((record.get("meta") or {}).get("resumed_from"))
        if point is not None:
            resumed.append(point)
        if job_dir != run_dir:
            seconds += _ran_for(job_dir)
    return History(attempts=len(earlier(run_dir)) + 1, resumed_at=resumed, earlier_seconds=seconds)
