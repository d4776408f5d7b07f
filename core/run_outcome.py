"""How a training run ended and what to do next, for the Train page to say in words.

One place decides it: a run that finished goes to Convert & merge; a stopped or failed run
with a complete checkpoint can be resumed from it; one without is started again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core import convert, jobs, logs
from core.runs import RunPaths

CONVERT, RESUME, RESTART, WAIT = "convert", "resume", "restart", "wait"


@dataclass(frozen=True)
class Outcome:
    state: str  # a core.jobs state
    step: int | None  # the last iteration the log shows (a finished run: all of them)
    total: int | None  # the run's iterations, once the log has said
    checkpoint: Path | None  # the newest complete checkpoint, to resume or convert from
    next: str  # CONVERT, RESUME, RESTART or WAIT (still running)


def outcome(run_dir: Path, progress: logs.Progress, state: str | None = None) -> Outcome:
    """The end state of ``run_dir`` from its job state and what its log said (``progress``)."""
    state = state or jobs.status(run_dir).state
    ckpts = convert.checkpoints(RunPaths(Path(run_dir)).work_dir)
    total = progress.total or None
    step = progress.iteration or None
    if state == jobs.SUCCEEDED:
        step, nxt = total or step, CONVERT
    elif state in jobs.ACTIVE:
        nxt = WAIT
    else:
        nxt = RESUME if ckpts else RESTART
    return Outcome(state=state, step=step, total=total, checkpoint=ckpts[0] if ckpts else None, next=nxt)


def iteration_of(checkpoint: Path) -> int | None:
    """The iteration in a checkpoint's name (``iter_60.pth`` → 60)."""
    m = convert.CKPT_RE.match(Path(checkpoint).name)
    return int(m.group(1)) if m else None


def still_training(run_dir: Path) -> bool:
    """Whether the run's training is still going (its checkpoints are then half-way ones)."""
    return (Path(run_dir) / "job.json").exists() and jobs.status(run_dir).active
