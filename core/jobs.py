"""Background jobs (training, convert & merge): start, status, stop, re-attach.

The disk is the truth. A job is a folder holding ``job.json`` (steps with argv, pid and
create time of its supervisor, start time), ``output.log`` (everything the children
print), ``exit.json`` (written by the supervisor when the steps end) and ``stop.json``
(written when someone asks it to stop). Status is derived from those files plus whether
the recorded pid is alive *with the same create time*, so a browser reload, a second tab
or a restarted app server all see the same state, and a reused pid is never taken for
the job.

A job may also run on a Slurm cluster (``record["backend"] == "slurm"``, see
:mod:`core.cluster`): the same files, but instead of a pid the record holds Slurm's job id,
and whether it waits, runs or ended is asked of Slurm (:mod:`core.slurm`); stop is ``scancel``.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from core import slurm
from core.workspace import atomic_write_json, read_json
from core.xtuner_cli import Invocation

RUNNER = Path(__file__).with_name("job_runner.py")
LOG_NAME = "output.log"

RUNNING, STOPPING, SUCCEEDED, FAILED, STOPPED = "running", "stopping", "succeeded", "failed", "stopped"
PENDING = "pending"  # waiting in a Slurm queue
ACTIVE = (PENDING, RUNNING, STOPPING)
SUBMIT_GRACE_S = 60.0  # a Slurm job record without its job id yet: sbatch is still answering


class JobError(RuntimeError):
    """A job cannot be started or handled; the message is meant for people."""


@dataclass(frozen=True)
class Step:
    name: str
    invocation: Invocation


@dataclass(frozen=True)
class JobStatus:
    state: str
    exit_code: int | None
    started: float | None
    finished: float | None
    failed_step: str | None
    record: dict[str, Any]
    # Slurm jobs: the pending reason (``Priority``...) while waiting, or a ``fail.*`` key for a
    # failure Slurm itself explains (time limit, node failure); None otherwise.
    detail: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def elapsed(self) -> float | None:
        if self.started is None:
            return None
        end = self.finished if self.finished is not None else time.time()
        return max(0.0, end - self.started)


def log_path(job_dir: Path) -> Path:
    return Path(job_dir) / LOG_NAME


def _reap(proc: subprocess.Popen) -> None:
    threading.Thread(target=proc.wait, daemon=True).start()


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def active_jobs(parent: Path, kind: str | None = None) -> list[Path]:
    """Job folders directly under ``parent`` that are running or stopping."""
    found = []
    for rec in sorted(Path(parent).glob("*/job.json")):
        job_dir = rec.parent
        record = read_json(rec, {})
        if kind and record.get("kind") != kind:
            continue
        if status(job_dir).active:
            found.append(job_dir)
    return found


@contextmanager
def _claim(job_dir: Path, steps: list[Step], kind: str, exclusive_in: Path | None):
    """Hold the lock under which a job folder is claimed: refuses an empty job, a folder that holds a
    job already, and (with ``exclusive_in``) a second active job of the same ``kind`` there."""
    if not steps:
        raise JobError("nothing to run")
    lock_file = (Path(exclusive_in) / f".{kind}.lock") if exclusive_in else job_dir.parent / f".{job_dir.name}.lock"
    with _lock(lock_file):
        if (job_dir / "job.json").exists():
            raise JobError(f"{job_dir} already holds a job")
        if exclusive_in is not None:
            busy = [d for d in active_jobs(exclusive_in, kind) if d != job_dir]
            if busy:
                raise JobError(f"another {kind} job is still running: {busy[0].name}. Stop it or wait until it ends.")
        job_dir.mkdir(parents=True, exist_ok=True)
        yield


def start(
    job_dir: Path,
    steps: list[Step],
    *,
    kind: str,
    cwd: Path | None = None,
    meta: dict[str, Any] | None = None,
    exclusive_in: Path | None = None,
    on_failure: list[str] | None = None,
) -> JobStatus:
    """Start ``steps`` as one background job in ``job_dir``.

    ``on_failure``: a command the supervisor starts (in its own session, output to the job's log)
    after it has recorded a failure, e.g. the automatic retry of :mod:`core.retry`.

    With ``exclusive_in``, refuses when another job of the same ``kind`` is active among
    that folder's job folders (checked under a file lock, so double clicks start one).
    """
    job_dir = Path(job_dir)
    with _claim(job_dir, steps, kind, exclusive_in):
        record = _new_record(steps, kind, cwd, meta)
        if on_failure:
            record["on_failure"] = [str(a) for a in on_failure]
        atomic_write_json(job_dir / "job.json", record)
        with open(log_path(job_dir), "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, str(RUNNER), str(job_dir)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, cwd=cwd,
            )
        _reap(proc)
        try:
            create_time = psutil.Process(proc.pid).create_time()
        except psutil.Error:
            create_time = None
        record.update(pid=proc.pid, pgid=proc.pid, create_time=create_time, start_ticks=_start_ticks(proc.pid))
        atomic_write_json(job_dir / "job.json", record)
    return status(job_dir)


def _new_record(steps: list[Step], kind: str, cwd: Path | None, meta: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "kind": kind,
        "cwd": str(cwd) if cwd else None,
        "steps": [
            {"name": s.name, "argv": s.invocation.argv, "env": s.invocation.env,
             "drop_env": list(s.invocation.drop_env), "display": s.invocation.display}
            for s in steps
        ],
        "display": "\n".join(s.invocation.display for s in steps),
        "meta": meta or {},
        "started": time.time(),
    }


def submit_to_slurm(
    job_dir: Path,
    steps: list[Step],
    submit: Callable[[], dict[str, Any]],
    *,
    kind: str,
    cwd: Path | None = None,
    meta: dict[str, Any] | None = None,
    exclusive_in: Path | None = None,
) -> JobStatus:
    """Record ``steps`` as a job that Slurm runs, then call ``submit`` (which runs ``sbatch``).

    The record is written first, because the batch script's supervisor (``job_runner.py``)
    reads it on a compute node; ``submit`` returns what to keep under ``record["slurm"]``
    (at least ``job_id``). Same one-job-of-a-kind rule and lock as :func:`start`. When
    ``submit`` raises, the record is removed and the error passed on.
    """
    job_dir = Path(job_dir)
    with _claim(job_dir, steps, kind, exclusive_in):
        record = _new_record(steps, kind, cwd, meta)
        record["backend"] = "slurm"
        atomic_write_json(job_dir / "job.json", record)
        try:
            record["slurm"] = submit()
        except BaseException:
            (job_dir / "job.json").unlink(missing_ok=True)
            raise
        record["slurm"]["submitted"] = time.time()
        atomic_write_json(job_dir / "job.json", record)
    return status(job_dir)


def _start_ticks(pid: int) -> int | None:
    """When the process started, in clock ticks since boot (Linux), or None.

    Unlike a wall-clock start time this does not move when the system clock is set, so a
    long training is not taken for dead after an NTP step or a VM resume.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(record: dict[str, Any]) -> bool:
    pid, created, ticks = record.get("pid"), record.get("create_time"), record.get("start_ticks")
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        now_ticks = _start_ticks(pid) if ticks is not None else None
        if now_ticks is not None:
            if now_ticks != ticks:
                return False  # the pid was reused by another process
        elif created is not None and abs(proc.create_time() - created) > 0.01:
            return False  # the pid was reused by another process
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def status(job_dir: Path) -> JobStatus:
    """The job's state, derived from its files and the process table."""
    job_dir = Path(job_dir)
    record = read_json(job_dir / "job.json", {}) or {}
    exit_rec = read_json(job_dir / "exit.json")
    stop_rec = read_json(job_dir / "stop.json")
    started = record.get("started")
    if isinstance(exit_rec, dict):
        code = exit_rec.get("exit_code")
        if code == 0:
            state = SUCCEEDED
        elif stop_rec is not None:
            state = STOPPED
        else:
            state = FAILED
        return JobStatus(state, code, started, exit_rec.get("finished"), exit_rec.get("failed_step"), record,
                         exit_rec.get("detail"))
    if record.get("backend") == "slurm":
        return _slurm_status(job_dir, record, stop_rec)
    if record and (_alive(record) or "pid" not in record and time.time() - (started or 0) < 10):
        return JobStatus(STOPPING if stop_rec else RUNNING, None, started, None, None, record)
    if stop_rec is not None:
        return JobStatus(STOPPED, None, started, stop_rec.get("t"), None, record)
    # The supervisor vanished without recording an exit: killed with the machine or by force.
    return JobStatus(FAILED, None, started, None, None, record)


def _slurm_status(job_dir: Path, record: dict[str, Any], stop_rec: Any) -> JobStatus:
    """A Slurm job without an exit record: ask Slurm whether it waits, runs or ended."""
    started = record.get("started")
    job_id = (record.get("slurm") or {}).get("job_id")
    if not job_id:
        if time.time() - (started or 0) < SUBMIT_GRACE_S and stop_rec is None:
            return JobStatus(PENDING, None, started, None, None, record)
        return JobStatus(STOPPED if stop_rec is not None else FAILED, None, started, None, None, record)
    info = slurm.query(job_id)
    if info is slurm.UNREACHABLE:  # state unknown: keep watching, say why
        return JobStatus(STOPPING if stop_rec else RUNNING, None, started, None, None, record, "cluster.unreachable")
    if info is not None and info.waiting:
        return JobStatus(STOPPING if stop_rec else PENDING, None, started, None, None, record, info.reason)
    if info is not None and info.working:
        return JobStatus(STOPPING if stop_rec else RUNNING, None, started, None, None, record)
    # Ended without the supervisor's exit record: cancelled, out of time, node lost, or never started.
    try:
        finished: float | None = log_path(job_dir).stat().st_mtime
    except OSError:
        finished = None
    if stop_rec is not None:
        return JobStatus(STOPPED, None, started, stop_rec.get("t", finished), None, record)
    reason = slurm.END_REASONS.get(info.state) if info is not None else None
    code = info.exit_code if info is not None else None
    if info is not None and info.state != "COMPLETED":
        # Slurm forgets ended jobs (and may keep no accounting): keep its verdict with the run. Not for
        # COMPLETED, where the supervisor's own exit record may just not be visible here yet (NFS).
        atomic_write_json(job_dir / "exit.json", {"exit_code": code, "failed_step": "train", "finished": finished,
                                                  "slurm_state": info.state, "detail": reason})
    return JobStatus(FAILED, code, started, finished, None, record, reason)


def _stop_slurm(job_dir: Path, current: JobStatus, grace: float, poll: float) -> JobStatus:
    """``scancel`` the job, then wait (up to ``grace`` + Slurm's own kill time) until Slurm says it ended."""
    slurm.cancel(str(current.record["slurm"]["job_id"]))
    deadline = time.time() + max(grace, 5.0) + 30.0
    while time.time() < deadline:
        info = slurm.query(current.record["slurm"]["job_id"], fresh=True)
        if info is None or info is slurm.UNREACHABLE or info.ended:
            break
        time.sleep(max(poll, 0.5))
    return status(job_dir)


def stop(job_dir: Path, *, grace: float = 10.0, poll: float = 0.1) -> JobStatus:
    """Stop the whole process group: SIGTERM, then SIGKILL after ``grace`` seconds (a Slurm job: ``scancel``)."""
    job_dir = Path(job_dir)
    current = status(job_dir)
    if not current.active:
        return current
    if not (job_dir / "stop.json").exists():
        atomic_write_json(job_dir / "stop.json", {"t": time.time()})
    if current.record.get("backend") == "slurm":
        if not (current.record.get("slurm") or {}).get("job_id"):
            return status(job_dir)
        return _stop_slurm(job_dir, current, grace, poll)
    pgid = current.record.get("pgid")
    if not pgid or not _alive(current.record):
        return status(job_dir)
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.time() + grace
    while time.time() < deadline:
        if not _group_alive(pgid):
            break
        time.sleep(poll)
    if _group_alive(pgid):
        _signal_group(pgid, signal.SIGKILL)
        for _ in range(50):
            if not _group_alive(pgid):
                break
            time.sleep(poll)
    # A supervisor killed by force wrote no exit record; wait briefly for one otherwise.
    for _ in range(20):
        if (job_dir / "exit.json").exists() or not _alive(current.record):
            break
        time.sleep(poll)
    return status(job_dir)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _group_alive(pgid: int) -> bool:
    """True while any non-zombie process is left in the group."""
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.info["pid"]) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                return True
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return False


def progress(job_dir: Path) -> dict[str, Any] | None:
    """Which step the supervisor is on: ``{"step": i, "of": n, "name": ...}``."""
    data = read_json(Path(job_dir) / "progress.json")
    return data if isinstance(data, dict) else None
