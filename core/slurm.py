"""Talk to Slurm through its own commands: ``sbatch``, ``squeue``, ``sacct``, ``scancel``, ``sinfo``.

Nothing here schedules anything; Slurm does. Every call is an argv list (never a shell
string) with a timeout. Slurm's answers are turned into plain facts: a job's state and
pending reason, a refused submission's cause (a message key for the UI plus Slurm's own
words). Imports nothing from the app, so :mod:`core.jobs` can ask it about a job.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass

COMMANDS = ("sbatch", "squeue", "scancel", "sinfo")
TIMEOUT_S = 20.0
CACHE_S = 2.0  # one render asks about the same job several times; Slurm is asked once

# Slurm's job states, grouped.
WAITING = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD", "SUSPENDED", "STOPPED"}
WORKING = {"RUNNING", "CONFIGURING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT"}


class SlurmError(RuntimeError):
    """Slurm refused or could not be asked; ``key`` names a plain explanation, ``slurm_says`` is Slurm's text."""

    def __init__(self, key: str, slurm_says: str = "", **values: object) -> None:
        super().__init__(f"{key}: {slurm_says}".strip(": "))
        self.key = key
        self.slurm_says = slurm_says.strip()
        self.values = values


@dataclass(frozen=True)
class JobInfo:
    """What Slurm says about one job: its state word (``PENDING``, ``RUNNING``, ``COMPLETED``,
    ``FAILED``, ``CANCELLED``, ``TIMEOUT``, ...) and, while waiting, its reason (``Priority``...)."""

    state: str
    reason: str | None = None
    exit_code: int | None = None

    @property
    def waiting(self) -> bool:
        return self.state in WAITING

    @property
    def working(self) -> bool:
        return self.state in WORKING

    @property
    def ended(self) -> bool:
        return not (self.waiting or self.working)


UNREACHABLE = JobInfo("UNREACHABLE")  # the controller did not answer: the job's state is unknown
_cache: dict[str, tuple[float, JobInfo | None]] = {}


def missing_commands() -> list[str]:
    """Slurm commands this machine lacks (the system check says so before anyone submits)."""
    return [name for name in COMMANDS if shutil.which(name) is None]


def version() -> str | None:
    """``22.05.8`` for ``sbatch --version``'s ``slurm 22.05.8``; None without Slurm."""
    if shutil.which("sbatch") is None:
        return None
    out = _run(["sbatch", "--version"])
    if out is None or out.returncode != 0:
        return None
    return out.stdout.strip().removeprefix("slurm").strip() or None


def _run(argv: list[str], timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None


def partitions() -> list[str]:
    """Partition names this cluster has (the default one first), or [] when sinfo cannot tell."""
    out = _run(["sinfo", "-h", "-o", "%P"])
    if out is None or out.returncode != 0:
        return []
    names = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    default = [n.rstrip("*") for n in names if n.endswith("*")]
    return default + sorted({n.rstrip("*") for n in names} - set(default))


# sbatch's refusals: (pattern in Slurm's stderr, message key).
SUBMIT_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"invalid partition", re.I), "cluster.err.partition"),
    (re.compile(r"Invalid account|account/partition combination", re.I), "cluster.err.account"),
    (re.compile(r"Invalid (generic resource|gres)", re.I), "cluster.err.gres"),
    (re.compile(r"Requested node configuration is not available|More processors requested than permitted|"
                r"CPU count per node can not be satisfied", re.I), "cluster.err.too_big"),
    (re.compile(r"Node count specification invalid|node count", re.I), "cluster.err.nodes"),
    (re.compile(r"QOS|accounting/QOS policy|AssocMaxSubmitJobLimit|MaxSubmitJobs", re.I), "cluster.err.qos"),
    (re.compile(r"time limit", re.I), "cluster.err.time"),
    (re.compile(r"Unable to contact slurm controller|Socket timed out|Connection refused|"
                r"Zero Bytes were transmitted", re.I), "cluster.err.controller"),
    (re.compile(r"unrecognized option|invalid option|unknown option", re.I), "cluster.err.option"),
]


def explain_submit_error(stderr: str) -> str:
    """The message key for sbatch's refusal (``cluster.err.other`` when no pattern matched)."""
    for pattern, key in SUBMIT_ERRORS:
        if pattern.search(stderr):
            return key
    return "cluster.err.other"


def submit(script: str, *, cwd: str | None = None) -> str:
    """``sbatch --parsable SCRIPT``; the new job's id. Raises :class:`SlurmError` when refused."""
    if shutil.which("sbatch") is None:
        raise SlurmError("cluster.err.no_sbatch")
    out = _run(["sbatch", "--parsable", script], timeout=60)
    if out is None:
        raise SlurmError("cluster.err.controller", "sbatch did not answer in 60 s")
    if out.returncode != 0:
        said = out.stderr.strip() or out.stdout.strip()
        key = explain_submit_error(said)
        return _raise(key, said)
    job_id = out.stdout.strip().split(";", 1)[0]  # "<id>" or "<id>;<cluster>"
    if not job_id.isdigit():
        raise SlurmError("cluster.err.other", out.stdout + out.stderr)
    return job_id


def _raise(key: str, said: str) -> str:
    values: dict[str, object] = {}
    if key == "cluster.err.partition":
        values["partitions"] = ", ".join(partitions()) or "?"
    raise SlurmError(key, said, **values)


def query(job_id: str, *, fresh: bool = False) -> JobInfo | None:
    """Slurm's word on ``job_id``: from ``squeue`` while Slurm remembers the job, then ``sacct``.

    None when neither knows it any more (ended long ago, and no accounting); :data:`UNREACHABLE`
    when the controller did not answer.
    """
    job_id = str(job_id)
    hit = _cache.get(job_id)
    if hit and not fresh and time.monotonic() - hit[0] < CACHE_S:
        return hit[1]
    info = _query(job_id)
    _cache[job_id] = (time.monotonic(), info)
    return info


def _query(job_id: str) -> JobInfo | None:
    out = _run(["squeue", "-h", "-t", "all", "-j", job_id, "-o", "%T|%r"])
    if out is None:
        return UNREACHABLE
    if out.returncode == 0 and out.stdout.strip():
        state, _, reason = out.stdout.strip().splitlines()[0].partition("|")
        reason = reason.strip() or None
        return JobInfo(state.strip(), reason if reason not in ("None", "(null)") else None)
    said = out.stderr + out.stdout
    if out.returncode != 0 and not re.search(r"Invalid job id", said, re.I):
        return UNREACHABLE
    return _sacct(job_id)


def _sacct(job_id: str) -> JobInfo | None:
    if shutil.which("sacct") is None:
        return None
    out = _run(["sacct", "-n", "-P", "-X", "-j", job_id, "-o", "State,ExitCode,Reason"])
    if out is None or out.returncode != 0 or not out.stdout.strip():
        return None  # accounting off, or the job unknown to it
    state, code, reason = (out.stdout.strip().splitlines()[0].split("|") + ["", ""])[:3]
    word = state.split()[0] if state.strip() else "UNKNOWN"  # "CANCELLED by 0" -> CANCELLED
    try:
        exit_code = int(code.split(":")[0])
    except ValueError:
        exit_code = None
    return JobInfo(word, reason.strip() or None, exit_code)


def cancel(job_id: str) -> None:
    """``scancel JOB``: Slurm signals every task of the job, then kills what is left."""
    _cache.pop(str(job_id), None)
    if shutil.which("scancel") is None:
        raise SlurmError("cluster.err.no_sbatch")
    out = _run(["scancel", str(job_id)])
    if out is None:
        raise SlurmError("cluster.err.controller", "scancel did not answer")
    if out.returncode != 0 and not re.search(r"Invalid job id|already completing|completed", out.stderr, re.I):
        raise SlurmError("cluster.err.other", out.stderr)


# Pending reasons Slurm gives (squeue %r), each with a plain explanation in ui/text/cluster.py.
PENDING_REASONS = {
    "Priority": "priority", "Resources": "resources", "Dependency": "dependency",
    "DependencyNeverSatisfied": "dependency_never", "BeginTime": "begin_time", "JobHeldUser": "held_user",
    "JobHeldAdmin": "held_admin", "PartitionDown": "partition_down", "PartitionInactive": "partition_down",
    "ReqNodeNotAvail": "nodes_unavailable", "NodeDown": "nodes_unavailable", "PartitionNodeLimit": "node_limit",
    "PartitionTimeLimit": "time_limit", "Reservation": "reservation", "Licenses": "licenses",
    "launch failed requeued held": "launch_failed", "BadConstraints": "bad_constraints",
    "InvalidQOS": "qos", "InvalidAccount": "account",
}


def reason_key(reason: str | None) -> str:
    """The message key explaining a pending reason (``cluster.reason.other`` for ones not listed)."""
    if not reason:
        return "cluster.reason.none"
    word = reason.strip()
    if word.startswith("ReqNodeNotAvail"):
        word = "ReqNodeNotAvail"
    if word in PENDING_REASONS:
        return f"cluster.reason.{PENDING_REASONS[word]}"
    if word.startswith(("QOS", "Assoc", "MaxCpu", "MaxGRES", "MaxJob", "MaxNode")):
        return "cluster.reason.limits"
    return "cluster.reason.other"


# Final Slurm states that explain a failure by themselves (message keys shared with core.logs).
END_REASONS = {
    "TIMEOUT": "fail.slurm_time_limit", "OUT_OF_MEMORY": "fail.slurm_oom", "NODE_FAIL": "fail.slurm_node",
    "CANCELLED": "fail.slurm_cancelled", "PREEMPTED": "fail.slurm_preempted", "BOOT_FAIL": "fail.slurm_node",
    "DEADLINE": "fail.slurm_time_limit",
}
